"""Time a CSV import of N Salesforce-shaped account rows into a fresh database, then a re-import.

    python benchmarks/import_bench.py [--rows 100000] [--db URL]

Without --db a temporary SQLite file is used. Prints rows per second for the
first import (all new) and for a second import of the same file with
--update-existing (all unchanged).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from acct_tui.clock import SystemClock
from acct_tui.db import open_database
from acct_tui.services.agents import resolve_agent
from acct_tui.services.context import Ctx
from acct_tui.services.imports import ImportOptions, run_import


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("Account Name,Account ID,Website,Industry,Annual Revenue,Type,Account Owner\r\n")
        for i in range(rows):
            handle.write(
                f'"Company {i}, Inc",001A{i:010d},https://www.c{i}.example.com,Software,"$1,{i % 1000:03d}.00",'
                "Customer - Direct,bench\r\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "accounts.csv"
        write_file(csv, args.rows)
        open_database(args.db or str(Path(folder) / "bench.db"))
        ctx = Ctx(agent=resolve_agent("bench"), clock=SystemClock())
        for label, options in (("new", ImportOptions()), ("re-import", ImportOptions(update_existing=True))):
            started = time.perf_counter()
            report = run_import(ctx, "accounts", csv, options)
            elapsed = time.perf_counter() - started
            print(f"{label:<10} {report.summary()}: {elapsed:.2f}s, {args.rows / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    main()
