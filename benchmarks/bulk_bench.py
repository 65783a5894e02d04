"""How long a bulk action takes over many marked follow-ups: one transaction, one undo step.

Seeds a temporary SQLite database with 12,000 accounts (about one open follow-up
each), then as an admin snoozes, reassigns and marks done N of their open
follow-ups at once, and undoes each (the undo is timed too). Prints seconds.

    python benchmarks/bulk_bench.py [--rows 10000] [--db URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acct_tui.clock import SystemClock  # noqa: E402
from acct_tui.db import open_database  # noqa: E402
from acct_tui.models import Agent, FollowUp  # noqa: E402
from acct_tui.services.context import Ctx  # noqa: E402
from acct_tui.services.io.seed import seed  # noqa: E402
from acct_tui.services.store.undo import undo_last  # noqa: E402
from acct_tui.services.store.unit import reading  # noqa: E402
from acct_tui.services.writes import bulk  # noqa: E402
from acct_tui.services.writes.agents import agent_ref  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="follow-ups acted on at once")
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        open_database(args.db or str(Path(folder) / "bulk.db"))
        seed(int(args.rows * 1.2), admin_login="bench")
        with reading():
            admin = Agent.get(Agent.login == "bench")
            other = Agent.select().where(Agent.id != admin.id).first()
            ids = [
                int(i)
                for (i,) in FollowUp.select(FollowUp.id).where(FollowUp.status == "open").limit(args.rows).tuples()
            ]
        ctx = Ctx(agent=agent_ref(admin), clock=SystemClock())
        print(f"# {len(ids):,} open follow-ups at once, one transaction each; seconds")
        for name, run in (
            ("snooze", lambda: bulk.snooze_many(ctx, ids, "+1w", "bench")),
            ("reassign", lambda: bulk.reassign_many(ctx, ids, other.id, "bench")),
            ("done", lambda: bulk.done_many(ctx, ids)),
        ):
            started = time.perf_counter()
            result = run()
            took = time.perf_counter() - started
            started = time.perf_counter()
            undo_last(ctx)
            undone = time.perf_counter() - started
            print(f"{name:<9} {took:6.2f} s  ({len(result.changed):,} changed)   undo {undone:6.2f} s")


if __name__ == "__main__":
    main()
