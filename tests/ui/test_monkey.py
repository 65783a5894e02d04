"""A monkey at the keyboard: thousands of random keys from the app's key contract, on every screen.

The keys come from a seeded `random.Random`, so a failure names its seed and
the last keys pressed and can be replayed: `ACCT_TUI_MONKEY_SEED=<seed>`
replays one run, `ACCT_TUI_MONKEY_KEYS=<n>` changes its length. Quit and
suspend keys are never pressed, so the app ending is itself a failure (it is
restarted on the same database and the run goes on, to find what else breaks).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.worker import Worker, WorkerState

from acct_tui.app import AcctApp
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.form import FormModal
from acct_tui.screens.portfolio import PortfolioScreen
from tests.ui.conftest import press, settle

pytestmark = pytest.mark.slow

# The key contract (README, `?` on each screen), minus what ends or suspends the run.
CONTRACT = (
    *("1", "2", "3"),
    *("j", "k", "g", "G", "up", "down", "pageup", "pagedown", "home", "end"),
    *("enter", "escape", "slash", "backspace", "space"),
    *("s", "a", "r", "w", "m", "l", "f", "n", "d", "D"),
    *("left_square_bracket", "right_square_bracket", "t", "T", "left", "right"),
    *("c", "i", "o", "e", "h", "v", "z", "question_mark", "colon"),
    *("ctrl+s", "tab", "shift+tab", "W", "p", "R", "x"),
)
# What lands in a filter, a form field or the command line. No `q` (it quits
# outside a text box). `x` exports into the working directory: the test runs in tmp_path.
TYPED = (*"abcdefghijklmnoprstuvwyz0123456789", "space", "backspace", "minus", "plus", "full_stop")
QUIT_KEYS = frozenset({"q", "ctrl+q", "ctrl+c", "ctrl+z"})
SIZES = ((120, 40), (80, 24))
KEYS_PER_SIZE = int(os.environ.get("ACCT_TUI_MONKEY_KEYS", "2000"))
REACHED = frozenset(
    {"PortfolioScreen", "QueueScreen", "TodayScreen", "AccountScreen", "HelpScreen", "FormModal", "CommandLineModal"}
)
"""Screens every default run must press keys on, or it tests less than it claims."""
SETTLE_EVERY = 40
"""Keys pressed between two waits for the workers: the monkey types faster than the database answers."""


def _seed(size: tuple[int, int]) -> int:
    chosen = os.environ.get("ACCT_TUI_MONKEY_SEED")
    return int(chosen) if chosen else 20261127 + size[0]


CHARACTERS = {
    "space": " ",
    "slash": "/",
    "colon": ":",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "minus": "-",
    "plus": "+",
    "full_stop": ".",
}


async def _press(app: AcctApp, pilot: Pilot[Any], key: str) -> None:
    """One key as the terminal driver sends it, processed before the next; no idle wait (the monkey is fast)."""
    char = CHARACTERS.get(key, key if len(key) == 1 else None)
    app.post_message(events.Key(key, char))
    await pilot.pause(0)


def _next_key(rng: random.Random) -> str:
    # Escape one key in sixteen, so forms and dialogs are left again after a
    # dozen keys or so; a quarter typing, to fill forms, filters and the command
    # line; the rest the contract.
    draw = rng.random()
    key = "escape" if draw < 0.06 else rng.choice(TYPED) if draw < 0.3 else rng.choice(CONTRACT)
    assert key not in QUIT_KEYS
    return key


@dataclass
class MonkeyRun:
    """What one run pressed and what went wrong."""

    seed: int
    size: tuple[int, int]
    keys: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    screens: Counter[str] = field(default_factory=Counter)
    """How many keys were pressed on each kind of screen."""

    def report(self) -> str:
        last = " ".join(self.keys[-50:])
        found = "\n".join(f"  - {problem}" for problem in self.problems)
        return (
            f"monkey at {self.size[0]}x{self.size[1]}, seed {self.seed} "
            f"(ACCT_TUI_MONKEY_SEED={self.seed} replays it), after {len(self.keys)} keys:\n"
            f"{found}\nlast 50 keys: {last}"
        )


def _watch(app: AcctApp, run: MonkeyRun) -> None:
    """Record every error the user would see as "unexpected", and every worker that died quietly."""
    from acct_tui.services.errors import ServiceError

    show_error = app.show_error

    def recording_show_error(exc: Exception) -> None:
        if not isinstance(exc, ServiceError):  # the app shows these with their class name
            run.problems.append(f"error shown after key {len(run.keys)}: {exc.__class__.__name__}: {exc}")
        show_error(exc)

    app.show_error = recording_show_error  # type: ignore[method-assign]
    remove_worker = app.workers._remove_worker

    def recording_remove_worker(worker: Worker[Any]) -> None:
        if worker.state == WorkerState.ERROR:
            trace = "".join(traceback.format_exception(worker.error))[-3000:] if worker.error else ""
            run.problems.append(f"worker {worker.name or worker.group} failed: {worker.error!r}\n{trace}")
        remove_worker(worker)

    app.workers._remove_worker = recording_remove_worker  # type: ignore[method-assign]


async def _session(app: AcctApp, run: MonkeyRun, rng: random.Random, budget: int) -> None:
    """Press keys until the budget is spent or the app ends."""
    _watch(app, run)
    async with app.run_test(size=run.size) as pilot:
        await settle(app, pilot)
        while len(run.keys) < budget:
            key = _next_key(rng)
            run.keys.append(key)
            run.screens[type(app.screen).__name__] += 1
            await _press(app, pilot, key)
            if len(run.keys) % SETTLE_EVERY == 0:
                await settle(app, pilot)
            if app.return_code is not None or not app.is_running:
                if key not in QUIT_KEYS:
                    run.problems.append(f"the app ended after key {len(run.keys)} ({key!r}), which does not quit")
                return
        await settle(app, pilot)


def _check_database(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    problems = [] if integrity == ["ok"] else [f"integrity_check: {integrity[:5]}"]
    if orphans:
        problems.append(f"foreign_key_check: {orphans[:5]}")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_random_keys_break_nothing(
    make_app: Callable[..., AcctApp], tmp_path: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 random contract keys per size: no exception, no unexpected error, no app exit, a sound database."""
    monkeypatch.chdir(tmp_path)  # where `x` exports land
    run = MonkeyRun(seed=_seed(size), size=size)
    rng = random.Random(run.seed)
    while len(run.keys) < KEYS_PER_SIZE:
        before = len(run.keys)
        try:
            await _session(make_app(), run, rng, KEYS_PER_SIZE)
        except Exception as exc:  # run_test re-raises what crashed the app
            trace = "".join(traceback.format_exception(exc))[-3000:]
            run.problems.append(f"exception after key {len(run.keys)}: {exc.__class__.__name__}: {exc}\n{trace}")
        if len(run.keys) == before:  # the app would not even start: no point pressing on
            break
    run.problems += _check_database(tmp_path / "demo.db")
    missed = REACHED - set(run.screens)
    assert not missed, (
        f"the monkey never reached {sorted(missed)} ({dict(run.screens)}): it tested less than it claims\n{run.report()}"
    )
    assert not run.problems, run.report()


# What the monkey found, replayed on purpose ---------------------------------------


async def test_a_form_dismissed_twice_closes_only_itself(make_app: Callable[..., AcctApp]) -> None:
    """A save landing just after escape closed the form (two dismisses) leaves the account open, with no error."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await press(app, pilot, "c")
        form = app.screen
        assert isinstance(form, FormModal)
        form.dismiss(None)  # escape
        form.dismiss(7)  # the save's result, a moment later
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, AccountScreen)
        detail.dismiss()
        detail.dismiss()  # a late result asking the account to close again
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen) and len(app.screen_stack) == 1


async def test_a_save_landing_under_another_screen_closes_its_form_later(make_app: Callable[..., AcctApp]) -> None:
    """A save lands while another screen was opened on top of its form (here help). That screen stays; the form
    closes when it is back on top (before, the save popped the screen above and left a form no key could close)."""
    from acct_tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await press(app, pilot, "c")
        form = app.screen
        assert isinstance(form, FormModal)
        await app.push_screen(HelpScreen(form))
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        form.dismiss(7)  # the save's result lands now
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen) and form in app.screen_stack
        await press(app, pilot, "escape")
        assert isinstance(app.screen, AccountScreen) and form not in app.screen_stack


async def test_a_result_for_a_closed_screen_is_dropped(make_app: Callable[..., AcctApp]) -> None:
    """A service answer that lands after its screen closed is not handed to the screen's (gone) widgets."""
    app = make_app()
    got: list[int] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        detail = app.screen
        assert isinstance(detail, AccountScreen)
        await press(app, pilot, "escape")
        assert not detail.is_attached
        await asyncio.to_thread(app._deliver, got.append, 1, detail)
        await asyncio.to_thread(app._deliver, got.append, 2, None)
        await settle(app, pilot)
    assert got == [2]
