"""Forms drawn while the app is idle: the first `l`, `f`, `s` or `e` of a session shows one of them,
as the account's own form, and saves to that account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from acct_tui.app import AcctApp
from acct_tui.models import Account, Activity, Agent
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.modals import EditAccountModal
from acct_tui.services.context import Ctx
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts
from acct_tui.services.writes.agents import agent_ref
from tests.ui.conftest import press, screen_text, settle


async def _idle(app: AcctApp, pilot: Pilot[Any]) -> None:
    """What a person does before the first key: look at the screen for a moment."""
    for _ in range(200):  # a loaded machine draws them later: up to 10 s
        await pilot.pause(0.05)
        if len(app.drawn_forms) >= 4:
            break
    await settle(app, pilot)


async def test_the_first_log_of_a_session_is_a_form_drawn_while_idle(make_app: Callable[..., AcctApp]) -> None:
    """Four forms are drawn off screen; `l` shows the spare log form with this account's title and saves to it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _idle(app, pilot)
        spares = app.drawn_forms
        assert len(spares) == 4
        assert all(form not in app.screen_stack for form in spares)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        account_id, name = app.screen.account_id, app.screen._account_name()
        await press(app, pilot, "l")
        assert app.screen in spares
        assert f"Log an activity · {name}" in screen_text(app)
        await press(app, pilot, *"Spare form call", "ctrl+s")
        with reading():
            logged = Activity.get(Activity.summary == "Spare form call")
        assert logged.account_id == account_id


async def test_a_spare_edit_form_edits_the_account_it_is_shown_for(
    make_app: Callable[..., AcctApp], demo_ctx: Ctx
) -> None:
    """`e` on one account, escape, `e` on another: the fields, the save and a clash are the second account's."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _idle(app, pilot)
        await press(app, pilot, "enter", "e")
        first = app.screen
        assert isinstance(first, EditAccountModal) and first in app.drawn_forms
        await press(app, pilot, "escape", "escape", "j", "enter")
        assert isinstance(app.screen, AccountScreen)
        account_id = app.screen.account_id
        with reading():
            account = Account.get_by_id(account_id)
        await press(app, pilot, "e")
        assert app.screen is first
        assert first.query_one("#field-name").value == account.name  # type: ignore[attr-defined]
        with reading():
            lead = Agent.get(Agent.login == "manager")
            lead.role = "admin"
        accounts.edit_account(Ctx(agent=agent_ref(lead), clock=demo_ctx.clock), account_id, 1, {"notes": "theirs"})
        first.query_one("#field-industry").value = "Rail"  # type: ignore[attr-defined]
        await press(app, pilot, "ctrl+s")
        assert "changed by someone else" in screen_text(app)
        await press(app, pilot, "ctrl+o")
        with reading():
            saved = Account.get_by_id(account_id)
        assert (saved.industry, saved.notes, saved.version) == ("Rail", "theirs", 3)
        # The next edit starts clean: no clash left over, its own version.
        await press(app, pilot, "e")
        assert app.screen is first and "changed by someone else" not in screen_text(app)
        first.query_one("#field-industry").value = "Freight"  # type: ignore[attr-defined]
        await press(app, pilot, "ctrl+s")
        with reading():
            assert Account.get_by_id(account_id).industry == "Freight"
