"""How long a dialog takes to open: from the key to the first frame where it takes keys.

Times `l` (log an activity, with its contacts read), `f` (new follow-up, with the agents
read) and `e` (edit account) on the client detail, and `s` (snooze) in the queue: the
first opening of each (its widgets are drawn) and the next ones (the drawn form is shown
again). Runs on the demo database in a temporary folder. Prints medians and p95 in ms.

    python benchmarks/forms_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import acct_tui.app  # noqa: E402, F401, I001  (first, so the app's own Textual settings apply as when run)
from frames import Figures, FrameClock, quiet  # noqa: E402


def _shown(app: Any) -> bool:
    from acct_tui.screens.base import DismissOnce

    screen = app.screen
    return isinstance(screen, DismissOnce) and screen.is_open


def _ready(app: Any) -> bool:
    from acct_tui.screens.base import DismissOnce

    screen = app.screen
    return isinstance(screen, DismissOnce) and screen.is_open and screen.ready_for_keys


async def _measure(rounds: int, idle: float, spares: bool) -> tuple[dict[str, Figures], dict[str, Figures]]:
    from acct_tui.app import AcctApp
    from acct_tui.clock import SystemClock
    from acct_tui.config import load_settings
    from acct_tui.runtime import open_demo

    ctx, _path = open_demo(load_settings(), SystemClock())
    figures: dict[str, Figures] = {}
    shown_in: dict[str, Figures] = {}
    for name in ("log", "follow-up", "edit", "snooze"):
        for when in ("first", "again"):
            figures[f"{name} {when}"] = Figures()
            shown_in[f"{name} {when}"] = Figures()
    for _ in range(rounds):
        app = AcctApp(ctx)
        if not spares:
            app.draw_spare_forms = lambda *_args: None  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            clock = FrameClock(app)
            await quiet(app, pilot)
            # A person reads the first screen before a key: the app draws its spare forms meanwhile.
            await asyncio.sleep(idle)
            await quiet(app, pilot)
            await pilot.press("enter")
            await quiet(app, pilot)
            for key, name in (("l", "log"), ("f", "follow-up"), ("e", "edit")):
                for when in ("first", "again", "again"):
                    started = clock.post_key(key)
                    shown, ready = await clock.until_seen(
                        started, lambda app=app: _shown(app), lambda app=app: _ready(app)
                    )
                    figures[f"{name} {when}"].samples.append(1000 * ready)
                    shown_in[f"{name} {when}"].samples.append(1000 * shown)
                    await quiet(app, pilot)
                    await pilot.press("escape")
                    await quiet(app, pilot)
            await pilot.press("2")
            await quiet(app, pilot)
            for when in ("first", "again", "again"):
                started = clock.post_key("s")
                shown, ready = await clock.until_seen(started, lambda app=app: _shown(app), lambda app=app: _ready(app))
                figures[f"snooze {when}"].samples.append(1000 * ready)
                shown_in[f"snooze {when}"].samples.append(1000 * shown)
                await quiet(app, pilot)
                await pilot.press("escape")
                await quiet(app, pilot)
    return shown_in, figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="app instances to measure (each opens every form)")
    parser.add_argument("--idle", type=float, default=1.0, help="seconds between start and the first key")
    parser.add_argument("--no-spares", action="store_true", help="do not draw forms ahead (to compare)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["ACCT_TUI_HOME"] = home
        shown_in, figures = asyncio.run(_measure(args.rounds, args.idle, not args.no_spares))
    spares = "no spare forms" if args.no_spares else "spare forms drawn"
    print(f"# key to a dialog that takes keys, ms ({args.rounds} app instances, {os.cpu_count()} cores, {spares})")
    print("# shown: the first frame with the dialog on screen; keys: the first once its choices are read")
    print("# (keys typed in between are held for it)")
    print(f"{'dialog':<18} {'shown':>8} {'p95':>8} {'keys':>8} {'p95':>8} {'n':>4}")
    for name, found in figures.items():
        seen = shown_in[name]
        print(
            f"{name:<18} {seen.median:8.1f} {seen.p95:8.1f} {found.median:8.1f} {found.p95:8.1f} {len(found.samples):4d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
