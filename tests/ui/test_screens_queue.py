"""The follow-up queue's display: whole snooze dates, toasts clear of the why line, opening on follow-ups."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets._toast import Toast

from acct_tui.app import AcctApp
from acct_tui.screens.detail import AccountScreen
from acct_tui.services.reads.queue import QueueItem
from tests.ui.conftest import press, screen_text, settle


async def test_snoozed_dates_show_whole_at_any_width(make_app: Callable[..., AcctApp]) -> None:
    """A snoozed row shows `until 02 Dec`, not a cut `until 02 D…`, at 80 and at 200 columns."""
    for size in ((80, 40), (200, 50)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            await press(app, pilot, "2")
            text = screen_text(app)
            assert "until 02 Dec" in text and "until 02 D…" not in text


async def test_a_toast_does_not_cover_the_why_line(make_app: Callable[..., AcctApp]) -> None:
    """After `d` the "done" toast sits above the why line under the list, not on it."""
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2", "d")
        await pilot.pause()
        toasts = list(app.screen.query(Toast))
        assert toasts
        why = app.screen.query_one("#queue-detail").region
        for toast in toasts:
            assert not toast.region.overlaps(why), (toast.region, why)


async def test_opening_from_the_queue_lands_on_follow_ups(make_app: Callable[..., AcctApp]) -> None:
    """Enter on a follow-up opens its account on the Follow-ups pane, with that follow-up listed."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        item = app.screen.query_one("#queue").current
        assert isinstance(item, QueueItem)
        await press(app, pilot, "enter")
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.pane == "followups"
        assert "▸Follow-ups" in screen_text(app)
        assert item.title in screen_text(app)
