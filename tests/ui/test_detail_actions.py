"""Client detail actions and the command palette, driven with real keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from acct_tui.app import AcctApp
from acct_tui.models import Account, Agent, Concern, Contact, FollowUp, Opportunity
from acct_tui.screens.detail import AccountScreen
from acct_tui.services.context import Ctx
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts
from acct_tui.services.writes.agents import agent_ref
from tests.conftest import TODAY
from tests.ui.conftest import press, screen_text, settle


async def _open_first(app: AcctApp, pilot: object) -> int:
    await settle(app, pilot)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    assert isinstance(app.screen, AccountScreen)
    return app.screen.account_id


async def test_edit_saves_only_changed_fields(make_app: Callable[..., AcctApp]) -> None:
    """`e`, change the industry, ctrl+s: the industry is saved and the version moves on."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await press(app, pilot, "e")
        app.screen.query_one("#field-industry").value = "Freight & rail"
        await press(app, pilot, "ctrl+s")
        with reading():
            account = Account.get_by_id(account_id)
        assert account.industry == "Freight & rail"
        assert account.version == 2
        assert "Freight & rail" in screen_text(app)


async def test_edit_conflict_keeps_typed_values_and_can_overwrite(
    make_app: Callable[..., AcctApp], demo_ctx: Ctx
) -> None:
    """Someone saves first: the form shows what they changed, keeps yours, and ctrl+o overwrites knowingly."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await press(app, pilot, "e")
        with reading():
            lead = Agent.get(Agent.login == "manager")
            lead.role = "admin"
        # A second session (another window, another agent) saves first.
        other = Ctx(agent=agent_ref(lead), clock=demo_ctx.clock)
        accounts.edit_account(other, account_id, 1, {"notes": "Alex was here"})
        app.screen.query_one("#field-industry").value = "Rail"
        await press(app, pilot, "ctrl+s")
        text = screen_text(app)
        assert "changed by someone else" in text
        assert "notes: Alex was here" in text
        assert app.screen.query_one("#field-industry").value == "Rail"
        with reading():
            assert Account.get_by_id(account_id).industry == "Logistics"
        await press(app, pilot, "ctrl+o")
        with reading():
            account = Account.get_by_id(account_id)
        assert account.industry == "Rail"
        assert account.notes == "Alex was here"


@pytest.mark.slow  # about 8 s on 2 cores
async def test_contact_concern_opportunity_and_resolve(make_app: Callable[..., AcctApp]) -> None:
    """`c`, `i` and `o` add rows that appear in their panes; `v` in the concerns pane resolves one with a note."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await press(app, pilot, "c")
        await press(app, pilot, *"Rosa Moreau", "tab", *"Procurement", "tab", *"rosa@kestrelfreight.com", "ctrl+s")
        await press(app, pilot, "i")
        await press(app, pilot, *"Slow exports", "ctrl+s")
        await press(app, pilot, "o")
        app.screen.query_one("#field-title").value = "Fleet tracking add-on"
        app.screen.query_one("#field-amount").value = "$42,000"
        await press(app, pilot, "ctrl+s")
        with reading():
            assert Contact.get(Contact.name == "Rosa Moreau").email == "rosa@kestrelfreight.com"
            assert Concern.get(Concern.title == "Slow exports").status == "open"
            assert Opportunity.get(Opportunity.title == "Fleet tracking add-on").amount == 42000
        assert "Contacts 3" in screen_text(app)
        while app.screen.pane != "concerns":
            await pilot.press("t")
        await settle(app, pilot)
        await press(app, pilot, "v")
        await press(app, pilot, *"Refund agreed", "ctrl+s")
        with reading():
            resolved = list(Concern.select().where(Concern.account == account_id, Concern.status == "resolved"))
        assert [c.resolution for c in resolved] == ["Refund agreed"]


async def test_handoff_gives_the_account_away_with_a_follow_up(make_app: Callable[..., AcctApp]) -> None:
    """`h`: the new owner holds the account and a handoff follow-up due today with the note."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        account_id = await _open_first(app, pilot)
        await press(app, pilot, "h")
        app.screen.query_one("#field-note").text = "RCA owed by Friday; COO is upset."
        await press(app, pilot, "ctrl+s")
        with reading():
            account = Account.get_by_id(account_id)
            owner = Agent.get_by_id(account.owner_id)
            handoff = FollowUp.get(FollowUp.account == account_id, FollowUp.kind == "handoff")
        assert owner.login != "manager"
        assert handoff.assignee_id == owner.id
        assert handoff.due_on == TODAY
        assert "RCA owed by Friday" in handoff.notes


async def test_reschedule_and_reassign_from_the_queue(make_app: Callable[..., AcctApp]) -> None:
    """`r` moves the due date; `a` gives the follow-up to a team-mate."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        first = app.screen.query_one("#queue").current
        await press(app, pilot, "r")
        app.screen.query_one("#field-due_on").value = "+5d"
        await press(app, pilot, "enter")
        with reading():
            assert FollowUp.get_by_id(first.id).due_on == TODAY + dt.timedelta(days=5)
        second = app.screen.query_one("#queue").current
        await press(app, pilot, "a")
        await press(app, pilot, "ctrl+s")
        with reading():
            assert FollowUp.get_by_id(second.id).assignee_id != second.assignee_id


async def test_palette_jumps_to_an_account(make_app: Callable[..., AcctApp]) -> None:
    """ctrl+p, type part of a name, enter: the account opens."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"blue harbor")
        await pilot.pause(0.5)
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        assert "Blue Harbor Analytics" in screen_text(app)


async def test_palette_lists_the_screen_actions(make_app: Callable[..., AcctApp]) -> None:
    """The palette finds the portfolio's actions by their description."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"renewing")
        await pilot.pause(0.5)
        assert "Renewing" in screen_text(app)
        await press(app, pilot, "enter")
        assert app.screen.query_state.quick.value == "renewing"


async def test_new_account_opens_it(make_app: Callable[..., AcctApp]) -> None:
    """`n` in the portfolio creates an account owned by you and opens it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "n")
        await press(app, pilot, *"Aurora Hotels", "ctrl+s")
        assert isinstance(app.screen, AccountScreen)
        with reading():
            account = Account.get(Account.name == "Aurora Hotels")
        assert account.owner_id == app.ctx.agent.id
        assert "Aurora Hotels" in screen_text(app)


async def test_readable_without_colour(make_app: Callable[..., AcctApp], monkeypatch: object) -> None:
    """With NO_COLOR the health column still says which band, by word and symbol."""
    monkeypatch.setenv("NO_COLOR", "1")  # type: ignore[attr-defined]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "▲ at risk" in text and "◐ watch" in text and "● healthy" in text
