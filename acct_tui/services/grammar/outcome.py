"""What a verb did: the `Outcome` every runner returns, and `plain` for the data a script reads.

Below `run` (the verbs that write) and `reports` (the verbs that read), which both build outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from acct_tui.services.context import ActiveContext


@dataclass(frozen=True)
class Outcome:
    """What a verb did, for a person (message, text) and for a script (data)."""

    message: str
    data: dict[str, Any] = field(default_factory=dict)
    wrote: bool = False
    """Something was written: views reload, and `z` can undo it."""
    text: str = ""
    """A longer plain-text answer (a table, an explanation)."""
    open_account: int | None = None
    view: str | None = None
    context_changed: bool = False
    context: ActiveContext | None = None
    what_if: tuple[str, ...] | None = None
    portfolio_state: dict[str, Any] | None = None
    """A saved view to put on the portfolio (sort, filter, quick filters)."""


def plain(value: Any) -> Any:
    """A value as JSON can carry it: dates as ISO text, amounts as text, enums as their value."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
