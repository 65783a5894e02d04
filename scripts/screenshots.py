"""Regenerate screenshots/*.svg from the demo database on a fixed day.

    python scripts/screenshots.py

Each screen is driven with the same keys a person would press; the demo is
built fresh in a temporary folder, so the pictures never depend on anyone's
own data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acct_tui.app import AcctApp  # noqa: E402
from acct_tui.clock import FixedClock  # noqa: E402
from acct_tui.db import open_database  # noqa: E402
from acct_tui.services.io.demo import build_demo  # noqa: E402

DAY = dt.date(2026, 11, 27)
SHOTS: list[tuple[str, tuple[int, int], list[str]]] = [
    ("portfolio", (120, 40), []),
    ("portfolio-80x24", (80, 24), []),
    ("followups", (120, 40), ["2"]),
    ("today", (120, 40), ["3"]),
    ("detail", (120, 40), ["enter"]),
    ("log-activity", (120, 40), ["enter", "l"]),
    ("snooze", (120, 40), ["2", "s"]),
    ("help", (120, 40), ["question_mark"]),
    ("reports", (120, 40), ["4"]),
    ("marked", (120, 40), ["2", "space", "space", "space"]),
]


async def settle(app: AcctApp, pilot: Any) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def shoot(ctx: Any, name: str, size: tuple[int, int], keys: list[str], out: Path) -> None:
    app = AcctApp(ctx)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        svg = app.export_screenshot(title=f"acct-tui · {name}")
    (out / f"{name}.svg").write_text(svg, encoding="utf-8")
    print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        open_database(str(Path(folder) / "demo.db"))
        ctx = build_demo(FixedClock.on(DAY, hour=10))
        for name, size, keys in SHOTS:
            await shoot(ctx, name, size, keys, out)


if __name__ == "__main__":
    asyncio.run(main())
