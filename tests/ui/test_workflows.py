"""The day's workflows, driven with real keys and checked in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from acct_tui.app import AcctApp
from acct_tui.models import Account, Activity, FollowUp
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.queue import QueueScreen
from acct_tui.screens.today import TodayScreen
from acct_tui.services.context import Ctx
from acct_tui.services.reads.queue import QueueItem
from acct_tui.services.store.unit import reading
from acct_tui.widgets.rows import RowList
from tests.conftest import TODAY
from tests.ui.conftest import press, screen_text, settle


def _queue_list(app: AcctApp) -> RowList[Any]:
    return app.screen.query_one("#queue", RowList)


async def test_done_in_the_queue_moves_to_the_next_item(make_app: Callable[..., AcctApp]) -> None:
    """`2` then `d` on the first overdue item: it is done in the database and the cursor is on the next one."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen)
        first = _queue_list(app).current
        second = _queue_list(app).row_at(_queue_list(app).cursor + 1)
        assert isinstance(first, QueueItem) and first.title == "Send RCA and credit proposal"
        await press(app, pilot, "d")
        with reading():
            assert FollowUp.get_by_id(first.id).status == "done"
        assert _queue_list(app).current.id == second.id
        assert "Send RCA and credit proposal" not in screen_text(app)


async def test_snooze_with_one_key_and_a_reason(make_app: Callable[..., AcctApp]) -> None:
    """`s`, `3`, a reason, enter: snoozed until three days on, with the reason, shown under SNOOZED."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        item = _queue_list(app).current
        snoozed_before = app.screen.queue.counts["snoozed"]
        await press(app, pilot, "s")
        await press(app, pilot, "3", *"waiting on legal", "enter")
        with reading():
            row = FollowUp.get_by_id(item.id)
        assert row.snoozed_until == TODAY + dt.timedelta(days=3)
        assert row.snooze_reason == "waiting on legal"
        assert f"SNOOZED · {snoozed_before + 1}" in screen_text(app)


async def test_log_a_call_from_detail_then_undo(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """Log a call from client detail: the timeline shows it and last touch moves; `z` takes it back."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        account_id = app.screen.account_id
        with reading():
            before = Account.get_by_id(account_id).last_touch_at
        await press(app, pilot, "l")
        await press(app, pilot, *"Walked Ines through the RCA", "ctrl+s")
        assert isinstance(app.screen, AccountScreen)
        assert "Walked Ines through the RCA" in screen_text(app)
        with reading():
            account = Account.get_by_id(account_id)
            assert account.last_touch_at == demo_ctx.now()
            assert Activity.select().where(Activity.summary == "Walked Ines through the RCA").count() == 1
        await press(app, pilot, "z")
        with reading():
            assert Activity.select().where(Activity.summary == "Walked Ines through the RCA").count() == 0
            assert Account.get_by_id(account_id).last_touch_at == before
        assert "Walked Ines through the RCA" not in screen_text(app)


async def test_a_failed_save_keeps_what_was_typed(make_app: Callable[..., AcctApp]) -> None:
    """Logging in the future is refused next to the When field; the summary typed is still there."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await press(app, pilot, "l")
        await pilot.press(*"Planning call")
        app.screen.query_one("#field-when").value = "+3d"
        await press(app, pilot, "ctrl+s")
        text = screen_text(app)
        assert "cannot be logged in the future" in text
        assert app.screen.query_one("#field-summary").value == "Planning call"
        with reading():
            assert Activity.select().where(Activity.summary == "Planning call").count() == 0


async def test_live_validation_shows_the_message_by_the_field(make_app: Callable[..., AcctApp]) -> None:
    """A bad email is flagged as it is typed, before saving."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await press(app, pilot, "c")
        await pilot.press(*"Bo Chen", "tab", "tab", *"bo@")
        await pilot.pause()
        assert "not an email address" in screen_text(app)


async def test_today_walk_one_item_at_a_time(make_app: Callable[..., AcctApp]) -> None:
    """`3` opens the walk at 1 of N; `d` completes a follow-up, `n` skips the card; the end shows a summary."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "3")
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        total = len(screen.items)
        assert total > 5
        assert f"1 of {total}" in screen_text(app)
        assert "Kestrel Freight" in screen_text(app)
        first = screen.current
        assert first is not None and first.followup is not None
        await press(app, pilot, "d")
        with reading():
            assert FollowUp.get_by_id(first.followup.id).status == "done"
        await press(app, pilot, "n")  # the card's reasons are left: skip them
        assert f"2 of {total}" in screen_text(app)
        await press(app, pilot, "n")
        assert f"3 of {total}" in screen_text(app)
        for _ in range(total):
            await pilot.press("n")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Walk finished" in text
        assert "1   done" in text or "1  done" in text
        assert "skipped" in text


async def test_today_account_item_snooze_plans_a_check_in(make_app: Callable[..., AcctApp]) -> None:
    """On a gone-quiet account, `s` plans a check-in follow-up on the chosen day."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "3")
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        while screen.current is not None and screen.current.followup is not None:
            await pilot.press("n")
        item = screen.current
        assert item is not None
        await press(app, pilot, "s")
        await press(app, pilot, "w", "enter")
        with reading():
            planned = FollowUp.select().where(FollowUp.account == item.account_id, FollowUp.kind == "check-in")
            assert any(f.due_on == TODAY + dt.timedelta(days=7) for f in planned)


async def test_help_lists_every_key_with_a_sentence(make_app: Callable[..., AcctApp]) -> None:
    """`?` shows the screen's keys, each with a sentence."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Choose the sort column" in text
        assert "Only accounts at risk" in text
        assert "Undo the last change" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "Choose the sort column" not in screen_text(app)


async def test_next_and_previous_account_in_detail(make_app: Callable[..., AcctApp]) -> None:
    """`]` and `[` walk the portfolio's order without going back."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#accounts", RowList)
        second = table.row_at(1)
        await press(app, pilot, "enter")
        first_id = app.screen.account_id
        await press(app, pilot, "right_square_bracket")
        assert app.screen.account_id == second.id
        assert second.name in screen_text(app)
        await press(app, pilot, "left_square_bracket")
        assert app.screen.account_id == first_id
