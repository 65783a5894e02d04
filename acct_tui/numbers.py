"""Whole numbers typed on the command line or at the `:` prompt: ids, counts, day spans, limits, versions.

Each option declares the range it accepts, so a number too big for a date
(`--days 1000000000`) or for a database integer is refused by the parser
with a sentence naming the range, instead of overflowing somewhere below.
Imports nothing of acct-tui: the verbs' parsers use it before the database
layer (and the drivers it would load) is wanted.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

MAX_ID = 2**63 - 1
"""The largest id a database integer holds (SQLite and PostgreSQL bigint alike)."""
MAX_DAYS = 36_500
"""How far ahead a day-count option may look: a hundred years (a date past 9999 cannot exist)."""
MAX_ROWS = 1_000_000_000
"""The most rows a `--limit` may ask for."""

_WHOLE = re.compile(r"-?[0-9]{1,40}")


def whole_number(low: int, high: int = MAX_ID) -> Callable[[str], int]:
    """An argparse `type` for a whole number from `low` to `high` (`1_000` and `1,000` read as 1000)."""

    def parse(text: str) -> int:
        cleaned = text.strip().replace("_", "").replace(",", "")
        if not _WHOLE.fullmatch(cleaned):
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
        value = int(cleaned)
        if value < low:
            raise argparse.ArgumentTypeError(f"{value:,} must be {low:,} or more")
        if value > high:
            raise argparse.ArgumentTypeError(f"{value:,} is too big; give {low:,} to {high:,}")
        return value

    return parse
