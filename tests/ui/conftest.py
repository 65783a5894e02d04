"""Fixtures for screen tests: the app on a throwaway demo database with a fixed clock."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from acct_tui.app import AcctApp
from acct_tui.clock import FixedClock
from acct_tui.db import open_database
from acct_tui.services.context import Ctx
from acct_tui.services.io.demo import build_demo
from tests.conftest import TODAY


@pytest.fixture(autouse=True)
def _collect_frozen_apps() -> Any:
    """The app freezes what start-up built out of the collector's full passes (it lives as long as the
    app); in a test run many apps come and go, so hand their objects back to the collector after each."""
    yield
    gc.unfreeze()


@pytest.fixture
def demo_ctx(tmp_path: Path) -> Ctx:
    """The demo manager on a fresh demo database, on a fixed day."""
    open_database(str(tmp_path / "demo.db"))
    clock = FixedClock.on(TODAY, hour=10)
    return build_demo(clock)


@pytest.fixture
def make_app(demo_ctx: Ctx) -> Callable[..., AcctApp]:
    def factory(ctx: Ctx | None = None, **kwargs: Any) -> AcctApp:
        return AcctApp(ctx or demo_ctx, **kwargs)

    return factory


async def settle(app: AcctApp, pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen."""
    from textual.worker import WorkerError

    for _ in range(rounds):
        # A worker created but not yet started raises: look again after the pause.
        with contextlib.suppress(WorkerError):
            await app.workers.wait_for_complete()
        await pilot.pause()


async def press(app: AcctApp, pilot: Pilot[Any], *keys: str) -> None:
    """Press `keys`, then let what they started reach the screen."""
    await pilot.press(*keys)
    await settle(app, pilot)


def screen_text(app: AcctApp) -> str:
    """What the terminal shows, as plain text (the same render as a screenshot)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor", record=True
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)
