"""The seam between screens and services: keys typed ahead land in the form they opened, and writes
are the app's (in order, never cancelled, always reported), checked with real keys and a slowed service."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from acct_tui.app import AcctApp
from acct_tui.config import Settings
from acct_tui.models import Activity, FollowUp
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.form import FormModal
from acct_tui.screens.modals import SnoozeModal
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.screens.queue import QueueScreen
from acct_tui.screens.today import TodayScreen
from acct_tui.services.reads.portfolio import QuickFilter
from acct_tui.services.reads.queue import QueueItem
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import followups
from acct_tui.widgets.rows import RowList
from tests.ui.conftest import press, settle


class Gate:
    """Holds a service call in its worker thread until the test opens the gate: a slow machine, on cue."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.calls = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def slow(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            assert self.opened.wait(30), "the test never opened the gate"
            return fn(*args, **kwargs)

        return slow

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate() -> Iterator[Gate]:
    made = Gate()
    yield made
    made.open()  # never leave a worker thread waiting


def _burst(app: AcctApp, *keys: str) -> None:
    """Keys as they come over SSH: all at once, before the app has handled the first."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def _field(app: AcctApp, name: str) -> str:
    return app.screen.query_one(f"#field-{name}", Input).value


def _portfolio(app: AcctApp) -> PortfolioScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, PortfolioScreen)
    return screen


def _notes(app: AcctApp) -> list[str]:
    return [note.message for note in app._notifications]


async def _open_queue(app: AcctApp, pilot: Pilot[Any]) -> QueueScreen:
    await settle(app, pilot)
    await press(app, pilot, "2")
    assert isinstance(app.screen, QueueScreen)
    return app.screen


def _item(screen: QueueScreen) -> QueueItem:
    item = screen.query_one("#queue", RowList).current
    assert isinstance(item, QueueItem)
    return item


# Keys typed while a form opens ---------------------------------------------------


async def test_keys_typed_after_l_go_to_the_log_form_not_the_list(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the portfolio, `l a b c` in one go while the form's contacts load slowly: the Summary holds "abc"
    and the At-risk filter stayed off."""
    import acct_tui.screens.actions as actions

    monkeypatch.setattr(actions.followups, "contact_choices", gate.wrap(actions.followups.contact_choices))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("l", "a", "b", "c")
        gate.open()
        await settle(app, pilot)
        assert isinstance(app.screen, FormModal)
        assert _field(app, "summary") == "abc"
        assert _portfolio(app).query_state.quick is QuickFilter.ALL


async def test_a_burst_waits_for_a_form_whose_choices_are_still_loading(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over SSH, `l a 2 q` arrive together while the contacts load slowly: all of it is the Summary, no
    filter, no view switch, no quit."""
    import acct_tui.screens.actions as actions

    monkeypatch.setattr(actions.followups, "contact_choices", gate.wrap(actions.followups.contact_choices))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        _burst(app, "l", "a", "2", "q")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        assert _field(app, "summary") == ""  # held until the form is ready, not lost
        gate.open()
        await settle(app, pilot)
        assert _field(app, "summary") == "a2q"
        assert app.current_mode == "portfolio"
        assert _portfolio(app).query_state.quick is QuickFilter.ALL
        contacts = app.screen.query_one("#field-contact", Select)
        assert len(contacts._options) > 2  # "nobody in particular" and the account's contacts


async def test_a_burst_ending_in_ctrl_s_saves_what_was_typed(make_app: Callable[..., AcctApp]) -> None:
    """`f`, a title, ctrl+s, all at once from the portfolio: the follow-up is saved with that title."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        _burst(app, "f", *"abc", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormModal)
        with reading():
            assert FollowUp.select().where(FollowUp.title == "abc").count() == 1
        assert _portfolio(app).query_state.quick is QuickFilter.ALL


async def test_new_follow_up_from_the_portfolio_takes_the_keys_after_f(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`f a b c` while the agents load slowly: the follow-up's Title holds "abc"; the assignee is filled in."""
    import acct_tui.screens.actions as actions

    monkeypatch.setattr(actions, "assignable_agents", gate.wrap(actions.assignable_agents))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "a", "b", "c")
        gate.open()
        await settle(app, pilot)
        assert isinstance(app.screen, FormModal)
        assert _field(app, "title") == "abc"
        assert _portfolio(app).query_state.quick is QuickFilter.ALL
        assignee = app.screen.query_one("#field-assignee", Select)
        assert assignee.value == str(app.ctx.agent.id)


async def test_log_from_detail_and_today_takes_the_keys_after_l(make_app: Callable[..., AcctApp]) -> None:
    """`l a b c` arriving at once on client detail and on the Today walk: the Summary holds "abc" each time."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        _burst(app, "l", "a", "b", "c")
        await settle(app, pilot)
        assert _field(app, "summary") == "abc"
        await press(app, pilot, "escape", "escape", "3")
        assert isinstance(app.screen, TodayScreen)
        _burst(app, "l", "a", "b", "c")
        await settle(app, pilot)
        assert isinstance(app.screen, FormModal)
        assert _field(app, "summary") == "abc"


async def test_snooze_from_the_queue_takes_the_keys_after_s(make_app: Callable[..., AcctApp]) -> None:
    """`s w legal ctrl+s` arriving at once in the queue: snoozed a week, reason "legal"."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _open_queue(app, pilot)
        item = _item(queue)
        _burst(app, "s", "w", *"legal", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, SnoozeModal)
        with reading():
            row = FollowUp.get_by_id(item.id)
        assert row.snooze_reason == "legal"
        assert (row.snoozed_until - app.ctx.today).days == 7


async def test_reassign_from_the_queue_waits_for_the_agents(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`a` then ctrl+s at once while the agents load slowly: the save waits for them and gives it away."""
    import acct_tui.screens.actions as actions

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _open_queue(app, pilot)
        item = _item(queue)
        monkeypatch.setattr(actions, "assignable_agents", gate.wrap(actions.assignable_agents))
        _burst(app, "a", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)  # open at once, before the agents are in
        gate.open()
        await settle(app, pilot)
        with reading():
            assert FollowUp.get_by_id(item.id).assignee_id != item.assignee_id
        assert isinstance(app.screen, QueueScreen)


# Writes are the app's ---------------------------------------------------------------


async def test_two_dones_in_a_row_on_a_slow_machine_both_land(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`d`, `j`, `d` while the first save is still running: both follow-ups are done, in order, both reported."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _open_queue(app, pilot)
        first = _item(queue)
        monkeypatch.setattr(followups, "complete_followup", gate.wrap(followups.complete_followup))
        await pilot.press("d", "j", "d")
        second = _item(queue)
        assert second.id != first.id
        version = app.data_version
        gate.open()
        await settle(app, pilot)
        with reading():
            assert FollowUp.get_by_id(first.id).status == "done"
            assert FollowUp.get_by_id(second.id).status == "done"
        assert app.data_version == version + 2
        assert f"Done: {first.title} · z to undo" in _notes(app)
        assert f"Done: {second.title} · z to undo" in _notes(app)


async def test_escape_right_after_ctrl_s_still_saves_refreshes_and_says_so(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Log a call, ctrl+s, escape at once on a slow save: the row is written, the detail reloads, a toast says it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        detail = app.screen
        assert isinstance(detail, AccountScreen)
        name = detail._account_name()
        await press(app, pilot, "l", *"Called about the RCA")
        monkeypatch.setattr(followups, "log_activity", gate.wrap(followups.log_activity))
        await pilot.press("ctrl+s", "escape")
        assert app.screen is detail  # the form is gone; the save is not
        version = app.data_version
        gate.open()
        await settle(app, pilot)
        with reading():
            assert Activity.select().where(Activity.summary == "Called about the RCA").count() == 1
        assert app.data_version == version + 1
        assert f"Logged on {name} · z to undo" in _notes(app)
        assert detail.detail is not None
        assert any(item.summary == "Called about the RCA" for item in detail.detail.timeline)


async def test_a_refused_save_after_escape_is_shown_not_hidden(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save the service refuses after escape closed its form: the refusal is a toast, nothing is written."""
    from acct_tui.services.errors import ValidationError

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ValidationError("summary", "the server says no")

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "l", *"Nope")
        monkeypatch.setattr(followups, "log_activity", gate.wrap(refuse))
        await pilot.press("ctrl+s", "escape")
        gate.open()
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen)
        assert any("the server says no" in message for message in _notes(app))


async def test_undo_waits_for_the_write_it_undoes(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`d` then `z` at once on a slow save: the undo runs after the done, so the follow-up is open again."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _open_queue(app, pilot)
        item = _item(queue)
        monkeypatch.setattr(followups, "complete_followup", gate.wrap(followups.complete_followup))
        await pilot.press("d", "z")
        gate.open()
        await settle(app, pilot)
        with reading():
            assert FollowUp.get_by_id(item.id).status == "open"
        assert any(message.startswith("Undone:") for message in _notes(app))


async def test_quit_waits_for_a_write_in_flight(
    make_app: Callable[..., AcctApp], gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`d` then `q` on a slow save: the app says it is saving and closes once the follow-up is done."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _open_queue(app, pilot)
        item = _item(queue)
        monkeypatch.setattr(followups, "complete_followup", gate.wrap(followups.complete_followup))
        await pilot.press("d", "q")
        assert app.is_running
        assert any(message.startswith("Saving") for message in _notes(app))
        gate.open()
        await settle(app, pilot)
    with reading():
        assert FollowUp.get_by_id(item.id).status == "done"


# Key hints follow the keymap ----------------------------------------------------------


async def test_the_undo_hint_names_the_remapped_key(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """With `app.undo` remapped to `u` in [keys], the message after `d` says "u to undo"."""
    settings = Settings(
        database_url=str(tmp_path / "demo.db"),
        agent_login="manager",
        config_path=tmp_path / "c.toml",
        raw={"keys": {"app.undo": "u"}},
    )
    app = make_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _open_queue(app, pilot)
        item = _item(queue)
        await press(app, pilot, "d")
        assert f"Done: {item.title} · u to undo" in _notes(app)


async def test_walk_and_form_hints_follow_a_remap(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """With `today.done` on `x` and `form.save` on `ctrl+w`, the walk's key line and the form's say so."""
    settings = Settings(
        database_url=str(tmp_path / "demo.db"),
        agent_login="manager",
        config_path=tmp_path / "c.toml",
        raw={"keys": {"today.done": "x", "form.save": "ctrl+w"}},
    )
    app = make_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "3")
        walk_keys = str(app.screen.query_one("#walk-keys", Static).render())
        assert walk_keys.startswith("x done · s snooze")
        await press(app, pilot, "l")
        form_keys = str(app.screen.query_one("#form-keys", Static).render())
        assert form_keys.startswith("^w save")


async def test_a_form_is_drawn_once_and_opens_clean_for_the_next_account(make_app: Callable[..., AcctApp]) -> None:
    """`l` on one account, type, escape; `l` on the next: the same form, drawn once, shows the new account and
    nothing of what was typed; saving logs on the right account."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = _portfolio(app).table
        first, second = table.current, table.row_at(table.cursor + 1)
        assert first is not None and second is not None
        await press(app, pilot, "l", *"left behind", "tab", "tab", "tab", "ctrl+a", *"nonsense")
        form = app.screen
        assert isinstance(form, FormModal)
        await press(app, pilot, "escape", "j", "l")
        assert app.screen is form
        assert str(form.query_one("#form-title").render()) == f"Log an activity · {second.name}"
        assert _field(app, "summary") == "" and _field(app, "when") == "today"
        assert not any(note.has_class("is-error") for note in form.query(".field-error"))
        await press(app, pilot, *"Second call", "ctrl+s")
        with reading():
            logged = Activity.get(Activity.summary == "Second call")
        assert logged.account_id == second.id


async def test_the_snooze_dialog_is_drawn_once_and_opens_clean(make_app: Callable[..., AcctApp]) -> None:
    """`s`, a reason, escape; `s` again: the same dialog, with no reason left in it, snoozes the item asked."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        queue = await _open_queue(app, pilot)
        item = _item(queue)
        await press(app, pilot, "s", "w", *"old reason", "escape")
        await press(app, pilot, "s")
        dialog = app.screen
        assert isinstance(dialog, SnoozeModal)
        assert dialog.query_one("#snooze-reason", Input).value == ""
        await press(app, pilot, "3", *"new", "ctrl+s")
        with reading():
            assert FollowUp.get_by_id(item.id).snooze_reason == "new"
        await press(app, pilot, "s")
        assert app.screen is dialog


async def test_an_empty_portfolio_names_the_remapped_keys(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """With `portfolio.new` on `N` and `portfolio.clear` on `ctrl+l`, a filter matching nothing says so."""
    settings = Settings(
        database_url=str(tmp_path / "demo.db"),
        agent_login="manager",
        config_path=tmp_path / "c.toml",
        raw={"keys": {"portfolio.new": "N", "portfolio.clear": "ctrl+l"}},
    )
    app = make_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#accounts", RowList)
        assert "Press ^l to clear the filter, N for a new account." in table.empty_text
