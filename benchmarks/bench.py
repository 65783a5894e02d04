"""The speed benchmark: every figure of the speed targets at 1k, 100k and 1M accounts.

    python benchmarks/bench.py                    # 1k, 100k, 1M on SQLite (seeds what is missing)
    python benchmarks/bench.py --sizes 1000,100000 --pg postgresql://postgres@127.0.0.1:5432/bench

Databases are kept in benchmarks/.data and reused. For each size it prints:

- start: process start to the first portfolio rows on screen, in a real
  pseudo-terminal, beside the same measurement for an empty Textual app;
- key to frame for cursor down, page down, home and end (median and p95);
- the filter: typed character echoed, and results on screen after the last key;
- a sort change; the follow-up queue opening; client detail opening on an
  account with 10,000 activities;
- resident memory after start and after moving around;
- the seed time when the database was made by this run;

then the ratio of 1M to 1k for every interactive figure, and the stock
DataTable holding the same 100k rows as a reference. With --pg, the database
share of each figure (the service calls alone) on PostgreSQL and SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import acct_tui.app  # noqa: E402, F401, I001  (first, so the app's own Textual settings apply as when run)
from frames import Figures, FrameClock, quiet  # noqa: E402
from ptyrun import start_until  # noqa: E402

DATA = ROOT / "benchmarks" / ".data"
AGENT = "bench"
HEAVY_ACTIVITIES = 10_000
FILTERS = ("sol", "ines", "harb", "solstice pay", "kestrel")
SORT_KEYS = ("a", "n", "r", "l", "f", "t", "h")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Databases ---------------------------------------------------------------------------------


def ensure_sqlite(size: int) -> tuple[Path, float | None]:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"acct-{size}.db"
    seconds = None
    if not path.exists():
        log(f"seeding {size:,} accounts into {path} …")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "acct_tui", "seed", "--db", str(path), "--accounts", str(size), "--agent", AGENT],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        log(f"  seeded in {seconds:.1f}s")
    add_heavy_account(str(path))
    settle_checkpoints(str(path))
    return path, seconds


def settle_checkpoints(url: str) -> None:
    """A fresh seed has no renewal checkpoints yet; create them once, as an admin would after
    loading data, so the timed starts do not include that one-off background job."""
    from acct_tui.db import open_database
    from acct_tui.services.writes.checkpoints import out_of_step

    open_database(url)
    if out_of_step():
        log("  creating renewal checkpoints once …")
        subprocess.run(
            [sys.executable, "-m", "acct_tui", "checkpoints", "--db", url, "--agent", AGENT],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def add_heavy_account(url: str) -> None:
    """Give the first account 10,000 activities (once), for the client detail figure."""
    from acct_tui.db import open_database
    from acct_tui.models import Account, Activity, database_proxy
    from acct_tui.services.io.seed import ACTIVITY_COLUMNS, insert_rows

    open_database(url)
    with database_proxy.connection_context():
        first = Account.select(Account.id, Account.owner).order_by(Account.id).first()
        have = Activity.select().where(Activity.account == first.id).count()
        if have >= HEAVY_ACTIVITIES:
            return
        now = dt.datetime(2026, 11, 27, 9)
        rows = [
            (first.id, "email", "outbound", now - dt.timedelta(hours=i), first.owner_id, None, f"Note {i}", "", "", now)
            for i in range(HEAVY_ACTIVITIES - have)
        ]
        with database_proxy.atomic():
            insert_rows("activity", ACTIVITY_COLUMNS, rows)


def heavy_account_id(url: str) -> int:
    from acct_tui.db import open_database
    from acct_tui.models import Account, database_proxy

    open_database(url)
    with database_proxy.connection_context():
        return int(Account.select(Account.id).order_by(Account.id).first().id)


def context(url: str) -> Any:
    from acct_tui.clock import SystemClock
    from acct_tui.db import open_database
    from acct_tui.services.context import Ctx
    from acct_tui.services.writes.agents import find_agent

    open_database(url)
    agent = find_agent(AGENT)
    assert agent is not None, f"no agent {AGENT!r} in {url}"
    return Ctx(agent=agent, clock=SystemClock())


# Whole-process start in a real terminal ----------------------------------------------------


def first_row_name(url: str) -> str:
    from acct_tui.services.reads.portfolio import PortfolioQuery, portfolio_rows

    return str(portfolio_rows(context(url), PortfolioQuery(), 0, 1)[0].name)


def compile_bytecode() -> None:
    """Compile acct-tui's modules once, as an install does: with PYTHONDONTWRITEBYTECODE set (or a
    source changed since), every timed start would otherwise compile them again, while the empty
    app's Textual comes compiled; the ratio then measured the compiler, not the start."""
    import compileall

    compileall.compile_dir(str(ROOT / "acct_tui"), quiet=1)


def start_figures(path: Path, runs: int) -> dict[str, float]:
    compile_bytecode()
    marker = first_row_name(str(path))[:24]
    app = [sys.executable, "-m", "acct_tui", "--db", str(path), "--agent", AGENT]
    keys = [(b"\x1b[F", "shown"), (b"\x1b[6~" * 20, "shown")]  # End, then twenty page downs
    app_runs = [start_until(app, marker, keys_after=keys) for _ in range(runs)]
    empty = [start_until([sys.executable, str(ROOT / "benchmarks" / "empty_app.py")], "ready") for _ in range(runs)]
    start = statistics.median(r.seconds for r in app_runs) * 1000
    baseline = statistics.median(r.seconds for r in empty) * 1000
    return {
        "start_ms": start,
        "empty_app_ms": baseline,
        "start_ratio": start / baseline,
        "rss_mb": max(r.rss_mb for r in app_runs),
        "empty_rss_mb": max(r.rss_mb for r in empty),
    }


# Interactive figures, in process ------------------------------------------------------------


async def interactive_figures(url: str, heavy_id: int) -> dict[str, Figures]:
    from acct_tui.app import AcctApp

    ctx = context(url)
    figures: dict[str, Figures] = {name: Figures() for name in (
        "cursor down", "page down", "home", "end", "filter echo", "filter results", "sort change",
        "queue open", "detail open",
    )}  # fmt: skip

    for attempt in range(3):
        await _one_app(AcctApp(ctx), figures, heavy_id, full=attempt == 0)
    return figures


async def _one_app(app: Any, figures: dict[str, Figures], heavy_id: int, *, full: bool) -> None:
    """One app instance: every figure when `full`, else the first-open figures only."""
    from acct_tui.screens.detail import AccountScreen
    from acct_tui.screens.portfolio import PortfolioScreen
    from acct_tui.screens.queue import QueueScreen

    async with app.run_test(size=(120, 40)) as pilot:
        clock = FrameClock(app)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        await quiet(app, pilot)
        if full:
            for _ in range(40):
                figures["cursor down"].samples.append(await clock.key("down"))
            await quiet(app, pilot)
            for _ in range(20):
                figures["page down"].samples.append(await clock.key("pagedown"))
                await quiet(app, pilot)
            for _ in range(10):
                figures["end"].samples.append(await clock.key("end"))
                await quiet(app, pilot)
                figures["home"].samples.append(await clock.key("home"))
                await quiet(app, pilot)
            for words in FILTERS:
                started = clock.post_key("slash")
                await clock.next_frame(started)
                await quiet(app, pilot)
                for char in words:
                    figures["filter echo"].samples.append(await clock.key(char if char != " " else "space"))
                last = clock.frame_at
                typed = words

                def shown(typed: str = typed) -> bool:
                    return screen.shown_query is not None and screen.shown_query.text == typed.strip()

                try:
                    figures["filter results"].samples.append(1000 * await clock.until(last, shown))
                except TimeoutError:
                    raise RuntimeError(
                        f"filter {typed!r} never showed: asked {screen.query_state}, shown {screen.shown_query}"
                    ) from None
                await quiet(app, pilot)
                started = clock.post_key("escape")
                await clock.until(started, lambda: screen.shown_query is not None and not screen.shown_query.text)
                await quiet(app, pilot)
            for key in SORT_KEYS:
                started = clock.post_key("s")
                await clock.next_frame(started)
                await quiet(app, pilot)
                before = screen.shown_query
                started = clock.post_key(key)

                def sorted_now(before: Any = before) -> bool:
                    return screen.shown_query is not None and screen.shown_query != before

                figures["sort change"].samples.append(1000 * await clock.until(started, sorted_now))
                await quiet(app, pilot)
        started = clock.post_key("2")

        def queue_loaded() -> bool:
            return isinstance(app.screen, QueueScreen) and app.screen.queue is not None

        figures["queue open"].samples.append(1000 * await clock.until(started, queue_loaded))
        await quiet(app, pilot)
        started = clock.post_key("1")
        await clock.next_frame(started)
        await quiet(app, pilot)
        for _ in range(3):
            started = time.perf_counter()
            app.open_account(heavy_id)

            def detail_shown() -> bool:
                return isinstance(app.screen, AccountScreen) and app.screen.detail is not None

            figures["detail open"].samples.append(1000 * await clock.until(started, detail_shown))
            await quiet(app, pilot)
            started = clock.post_key("escape")
            await clock.next_frame(started)
            await quiet(app, pilot)


# The stock DataTable reference ------------------------------------------------------------


def stock_table_figures(path: Path) -> dict[str, float]:
    run = start_until([sys.executable, str(ROOT / "benchmarks" / "stock_table.py"), str(path)], "ready", timeout=300)
    return {"start_ms": run.seconds * 1000, "rss_mb": run.rss_mb}


async def stock_table_keys(path: Path) -> Figures:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from stock_table import StockTable

    app = StockTable(str(path))
    figures = Figures()
    async with app.run_test(size=(120, 40)) as pilot:
        clock = FrameClock(app)
        await quiet(app, pilot)
        for _ in range(40):
            figures.samples.append(await clock.key("down"))
    return figures


# Database share (service calls alone) -------------------------------------------------------


def db_share(url: str, heavy_id: int) -> dict[str, Figures]:
    from acct_tui.services.reads.detail import client_detail
    from acct_tui.services.reads.portfolio import (
        PortfolioQuery,
        SortKey,
        portfolio_after,
        portfolio_rows,
        portfolio_tail,
    )
    from acct_tui.services.reads.queue import followup_queue

    ctx = context(url)
    base = PortfolioQuery()
    first = portfolio_rows(ctx, base, 0, 100)
    calls: dict[str, Callable[[], Any]] = {
        "first page": lambda: portfolio_rows(ctx, base, 0, 100),
        "next page (keyset)": lambda: portfolio_after(ctx, base, first[-1].key, 100),
        "last page (End)": lambda: portfolio_tail(ctx, base, 100),
        "filter page": lambda: [portfolio_rows(ctx, PortfolioQuery(text=w), 0, 100) for w in FILTERS],
        "sort change page": lambda: [portfolio_rows(ctx, PortfolioQuery(sort=s), 0, 100) for s in SortKey],
        "queue": lambda: followup_queue(ctx),
        "detail (10k activities)": lambda: client_detail(ctx, heavy_id),
    }
    result: dict[str, Figures] = {}
    for name, call in calls.items():
        figures = Figures()
        for _ in range(7):
            started = time.perf_counter()
            call()
            elapsed = (time.perf_counter() - started) * 1000
            if name == "filter page":
                elapsed /= len(FILTERS)
            elif name == "sort change page":
                elapsed /= len(SortKey)
            figures.samples.append(elapsed)
        result[name] = figures
    return result


# Report ---------------------------------------------------------------------------------------


def fmt(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3, help="process starts per figure (median)")
    parser.add_argument("--pg", default="", help="also measure the database share on this PostgreSQL URL")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock DataTable reference")
    parser.add_argument("--pg-only", action="store_true", help="with --pg: only the PostgreSQL database share")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    os.environ.setdefault("ACCT_TUI_HOME", str(DATA / "home"))

    print(f"# acct-tui speed benchmark · {dt.date.today()} · {platform.machine()} · {os.cpu_count()} cores · "
          f"Python {platform.python_version()} · SQLite {sqlite3.sqlite_version}")  # fmt: skip
    if args.pg_only:
        return pg_report(args.pg, sizes)
    results: dict[int, dict[str, Any]] = {}
    for size in sizes:
        path, seeded = ensure_sqlite(size)
        url = str(path)
        heavy = heavy_account_id(url)
        log(f"measuring {size:,} accounts …")
        row: dict[str, Any] = {"seed_s": seeded}
        row.update(start_figures(path, args.runs))
        row["keys"] = asyncio.run(interactive_figures(url, heavy))
        row["db"] = db_share(url, heavy)
        results[size] = row

    print("\n## Whole process, real pseudo-terminal (median of runs)\n")
    print("| accounts | start to first rows ms | empty Textual app ms | ratio | RSS MB | empty app RSS MB | seed s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, row in results.items():
        seed = fmt(row["seed_s"]) if row["seed_s"] is not None else "(reused)"
        print(f"| {size:,} | {fmt(row['start_ms'])} | {fmt(row['empty_app_ms'])} | {row['start_ratio']:.2f} | "
              f"{fmt(row['rss_mb'])} | {fmt(row['empty_rss_mb'])} | {seed} |")  # fmt: skip

    print("\n## Key to frame, in process (ms: median / p95)\n")
    names = list(next(iter(results.values()))["keys"])
    head = " | ".join(f"{size:,}" for size in results)
    ratio_col = len(results) > 1
    print(f"| figure | {head} |" + (" ratio largest/smallest |" if ratio_col else ""))
    print("|---|" + "---:|" * len(results) + ("---:|" if ratio_col else ""))
    for name in names:
        cells = [f"{fmt(r['keys'][name].median)} / {fmt(r['keys'][name].p95)}" for r in results.values()]
        line = f"| {name} | " + " | ".join(cells) + " |"
        if ratio_col:
            small, large = results[sizes[0]]["keys"][name].median, results[sizes[-1]]["keys"][name].median
            line += f" {large / small:.2f} |"
        print(line)

    print("\n## Database share, service calls alone (ms: median / p95), SQLite\n")
    db_names = list(next(iter(results.values()))["db"])
    print(f"| call | {head} |")
    print("|---|" + "---:|" * len(results))
    for name in db_names:
        cells = [f"{fmt(r['db'][name].median)} / {fmt(r['db'][name].p95)}" for r in results.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")

    if args.pg:
        print("\n## Database share on PostgreSQL (ms: median / p95)\n")
        pg_rows = {}
        for size in sizes:
            url = ensure_postgres(args.pg, size)
            pg_rows[size] = db_share(url, heavy_account_id(url))
        print(f"| call | {head} |")
        print("|---|" + "---:|" * len(results))
        for name in db_names:
            cells = [f"{fmt(r[name].median)} / {fmt(r[name].p95)}" for r in pg_rows.values()]
            print(f"| {name} | " + " | ".join(cells) + " |")

    stock_size = 100_000 if 100_000 in results else sizes[-1]
    if not args.no_stock:
        log("stock DataTable reference …")
        path, _ = ensure_sqlite(stock_size)
        stock = stock_table_figures(path)
        keys = asyncio.run(stock_table_keys(path))
        ours = results[stock_size]
        print(f"\n## Reference: stock DataTable holding all {stock_size:,} rows\n")
        print("| | stock DataTable | acct-tui portfolio |")
        print("|---|---:|---:|")
        print(f"| start to rows on screen ms | {fmt(stock['start_ms'])} | {fmt(ours['start_ms'])} |")
        print(f"| RSS MB | {fmt(stock['rss_mb'])} | {fmt(ours['rss_mb'])} |")
        print(f"| cursor down median / p95 ms | {fmt(keys.median)} / {fmt(keys.p95)} | "
              f"{fmt(ours['keys']['cursor down'].median)} / {fmt(ours['keys']['cursor down'].p95)} |")  # fmt: skip
    return 0


def pg_report(base: str, sizes: list[int]) -> int:
    """The database share of each figure on PostgreSQL (service calls alone)."""
    rows = {}
    for size in sizes:
        url = ensure_postgres(base, size)
        rows[size] = db_share(url, heavy_account_id(url))
    print("\n## Database share on PostgreSQL (ms: median / p95)\n")
    print("| call | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for name in next(iter(rows.values())):
        print(f"| {name} | " + " | ".join(f"{fmt(r[name].median)} / {fmt(r[name].p95)}" for r in rows.values()) + " |")
    return 0


def ensure_postgres(base: str, size: int) -> str:
    """A PostgreSQL database per size (created and seeded once)."""
    import psycopg2

    name = f"acct_bench_{size}"
    admin = psycopg2.connect(base)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        exists = cursor.fetchone() is not None
        if not exists:
            cursor.execute(f"CREATE DATABASE {name}")
    admin.close()
    url = base.rsplit("/", 1)[0] + "/" + name
    if not exists:
        log(f"seeding {size:,} accounts into PostgreSQL {name} …")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "acct_tui", "seed", "--db", url, "--accounts", str(size), "--agent", AGENT],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log(f"  seeded in {time.perf_counter() - started:.1f}s")
        add_heavy_account(url)
    settle_checkpoints(url)
    return url


if __name__ == "__main__":
    raise SystemExit(main())
