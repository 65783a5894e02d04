"""Marking rows with space and *, then acting on all marked with the usual keys: one write, one undo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from acct_tui.app import AcctApp
from acct_tui.models import Account, Agent, FollowUp
from acct_tui.screens.detail_forms import ConfirmModal
from acct_tui.screens.form import FormModal
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.screens.queue import QueueScreen
from acct_tui.services.reads.portfolio import portfolio_count
from acct_tui.services.store.unit import reading
from tests.conftest import TODAY
from tests.ui.conftest import press, screen_text, settle


def _notes(app: AcctApp) -> list[str]:
    return [note.message for note in app._notifications]


async def test_space_marks_two_follow_ups_and_s_snoozes_both_in_one_undo_step(
    make_app: Callable[..., AcctApp],
) -> None:
    """space, space: "2 marked" and ✓ on both; s 3 enter snoozes both; z brings both back."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen)
        rows = app.screen.list
        first = rows.current
        await press(app, pilot, "space")
        second = rows.current
        await press(app, pilot, "space")
        assert list(rows.marked) == [first.id, second.id]
        text = screen_text(app)
        assert "2 marked (d done · s snooze · a reassign · esc unmark)" in text
        assert text.count("✓") == 2
        await press(app, pilot, "s")
        assert "Snooze 2 marked follow-ups" in screen_text(app)
        await press(app, pilot, "3", *"client away", "enter")
        with reading():
            items = [FollowUp.get_by_id(first.id), FollowUp.get_by_id(second.id)]
        assert [i.snoozed_until for i in items] == [TODAY + dt.timedelta(days=3)] * 2
        assert "Snoozed 2 follow-ups" in " ".join(_notes(app))
        assert not rows.marked and "marked" not in screen_text(app)
        await press(app, pilot, "z")
        with reading():
            assert [FollowUp.get_by_id(i.id).snoozed_until for i in items] == [None, None]


async def test_d_on_marked_asks_naming_the_count_and_escape_clears_marks(make_app: Callable[..., AcctApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2", "space", "space", "space")
        assert isinstance(app.screen, QueueScreen)
        marked = list(app.screen.list.marked)
        await press(app, pilot, "d")
        assert isinstance(app.screen, ConfirmModal)
        assert "Mark 3 marked follow-ups done?" in screen_text(app)
        await press(app, pilot, "n")
        with reading():
            assert all(FollowUp.get_by_id(i).status == "open" for i in marked)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, QueueScreen) and not app.screen.list.marked
        await press(app, pilot, "g", "space", "d", "y")
        with reading():
            assert FollowUp.get_by_id(marked[0]).status == "done"
            assert FollowUp.get_by_id(marked[1]).status == "open"


async def test_star_marks_every_account_shown_and_h_hands_them_all_off(make_app: Callable[..., AcctApp]) -> None:
    """`*`: every account shown is marked (the count says so); h hands all of them to one agent."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen)
        shown = portfolio_count(app.ctx, app.screen.query_state)
        assert shown >= 2
        await press(app, pilot, "asterisk")
        assert len(app.screen.table.marked) == shown
        assert f"{shown} marked (h hand off · S share · x export · esc unmark)" in screen_text(app)
        marked = list(app.screen.table.marked)
        await press(app, pilot, "h")
        assert isinstance(app.screen, FormModal)
        assert f"Hand off {shown} marked accounts" in screen_text(app)
        with reading():
            kim = Agent.get(Agent.login != app.ctx.agent.login)
            kims = Account.select().where(Account.id.in_(marked), Account.owner == kim.id).count()
        app.screen.query_one("#field-agent").value = str(kim.id)  # type: ignore[attr-defined]
        await press(app, pilot, "tab", *"Kim takes the at-risk book", "ctrl+s")
        with reading():
            owners = {Account.get_by_id(i).owner_id for i in marked}
        assert owners == {kim.id}
        assert f"Handed off {shown - kims} accounts; {kims} skipped ({kims} already theirs)" in " ".join(_notes(app))
