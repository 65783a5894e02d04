"""Time a CSV import of N rows of a Salesforce Account export into a fresh database, then a re-import.

The file has the export's own columns (Id, Name, Type, ..., OwnerId holding Salesforce user ids,
CreatedDate, LastActivityDate, a multi-line Description), so the run includes owner fallback,
every new account field and one imported last-touch entry per account.

    python benchmarks/import_bench.py [--rows 100000] [--db URL]

Without --db a temporary SQLite file is used. Prints rows per second for the
first import (all new) and for a second import of the same file with
--update-existing (all unchanged), by wall clock and by the process's CPU
time; on a machine busy with other work the CPU figure is the one to judge.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from acct_tui.clock import SystemClock
from acct_tui.db import open_database
from acct_tui.services.context import Ctx
from acct_tui.services.io.imports import ImportOptions, run_import
from acct_tui.services.writes.agents import resolve_agent

HEADER = ("Id,Name,Type,Industry,AnnualRevenue,NumberOfEmployees,BillingCity,BillingCountry,Phone,Website,"
          "OwnerId,CreatedDate,LastActivityDate,Description")  # fmt: skip


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(HEADER + "\r\n")
        for i in range(rows):
            kind = "Customer - Direct" if i % 3 else "Prospect"
            touch = f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}" if i % 4 else ""
            handle.write(
                f'"001A{i:014d}","Company {i}, Inc","{kind}","Software","{1000 + i % 1000}.00","{10 + i % 500}",'
                f'"Denver","United States","+1 303 555 {i % 10000:04d}","https://www.c{i}.example.com",'
                f'"0055g00000XyZ{i % 7}AAA","2021-03-14T09:12:00.000Z","{touch}","Line one\r\nline two"\r\n'
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
        print("rows/s by wall clock and by this process's CPU time (judge by CPU when the machine is loaded)")
        for label, options in (("new", ImportOptions()), ("re-import", ImportOptions(update_existing=True))):
            started, cpu = time.perf_counter(), time.process_time()
            report = run_import(ctx, "accounts", csv, options)
            elapsed, busy = time.perf_counter() - started, time.process_time() - cpu
            # CPU time too: on a shared machine the wall clock mostly measures the other processes.
            print(
                f"{label:<10} {report.summary()}: {elapsed:.2f}s, {args.rows / elapsed:,.0f} rows/s "
                f"(CPU {busy:.2f}s, {args.rows / busy:,.0f} rows/s)"
            )


if __name__ == "__main__":
    main()
