"""The Today walk on screen: one card per account, stored reviews, done that offers to log a touch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from acct_tui.app import AcctApp
from acct_tui.models import Activity, Contact, FollowUp, WalkMark
from acct_tui.screens.queue import QueueScreen
from acct_tui.screens.today import TodayScreen
from acct_tui.services.context import Ctx
from acct_tui.services.store.unit import reading
from tests.conftest import TODAY
from tests.ui.conftest import press, screen_text, settle


async def _walk(app: AcctApp, pilot: Any) -> TodayScreen:
    await settle(app, pilot)
    await press(app, pilot, "3")
    screen = app.screen
    assert isinstance(screen, TodayScreen)
    return screen


def _footer(app: AcctApp) -> str:
    return screen_text(app).rstrip().splitlines()[-1]


async def test_one_card_clears_an_account_with_a_follow_up_and_reasons(make_app: Callable[..., AcctApp]) -> None:
    """Kestrel Freight: one card lists its follow-up and its three reasons; d done, then d reviewed, moves on."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        card = walk.card
        assert card is not None and card.account_name == "Kestrel Freight"
        assert len([c for c in walk.items if c.account_id == card.account_id]) == 1
        text = screen_text(app)
        assert "gone quiet: last touch 19 days ago" in text and "at risk: health" in text
        assert "Send RCA and credit proposal" in text
        total = len(walk.items)
        await press(app, pilot, "d")
        assert f"1 of {total}" in screen_text(app)  # the account's reasons are still to do
        assert "d Reviewed" in _footer(app) and "s Check in later" in _footer(app)
        await press(app, pilot, "d")
        assert f"2 of {total}" in screen_text(app)
        with reading():
            marks = {m.reason for m in WalkMark.select().where(WalkMark.account == card.account_id)}
        assert marks == {"quiet", "renewal", "at_risk"}


async def test_done_then_c_logs_the_follow_up_as_a_call_with_the_primary_contact(
    make_app: Callable[..., AcctApp],
) -> None:
    """d marks the follow-up done and offers the touch; c logs "Done: <title>" as a call with the primary contact."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        focus = walk.current
        assert focus is not None and focus.followup is not None
        await press(app, pilot, "d")
        assert "log it as a touch" in screen_text(app)
        assert "c Log call" in _footer(app)
        await press(app, pilot, "c")
        assert "log it as a touch" not in screen_text(app)
        with reading():
            assert FollowUp.get_by_id(focus.followup.id).status == "done"
            logged = Activity.get(Activity.summary == f"Done: {focus.followup.title}")
            primary = Contact.get(Contact.account == focus.account_id, Contact.is_primary == True)  # noqa: E712
        assert (logged.kind, logged.contact_id) == ("call", primary.id)


async def test_done_then_any_other_key_carries_on_without_a_touch(make_app: Callable[..., AcctApp]) -> None:
    """d then n: no activity is logged, the offer goes, and n skips as it always does."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        with reading():
            before = Activity.select().count()
        await pilot.press("d", "n")
        await settle(app, pilot)
        assert walk.index == 1
        assert "log it as a touch" not in screen_text(app)
        with reading():
            assert Activity.select().count() == before


async def test_a_reviewed_account_stays_off_a_new_walk_and_after_a_restart(
    make_app: Callable[..., AcctApp], demo_ctx: Ctx
) -> None:
    """Reviewed is stored: R and a fresh app both leave the account out; z brings it back."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        while walk.current is not None and walk.current.followup is not None:
            await press(app, pilot, "n")
        focus = walk.current
        assert focus is not None
        reviewed = focus.account_id
        await press(app, pilot, "d")
        await press(app, pilot, "R")
        assert reviewed not in {c.account_id for c in walk.items}
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        assert reviewed not in {c.account_id for c in walk.items}
    app = make_app(ctx=demo_ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        target = next(i for i, c in enumerate(walk.items) if not c.followups)
        walk.index = target
        walk._show_walk()
        again = walk.items[target].account_id
        await press(app, pilot, "d")
        await press(app, pilot, "z")
        await press(app, pilot, "R")
        assert again in {c.account_id for c in walk.items}


async def test_check_in_later_plans_the_check_in_and_keeps_the_account_off(make_app: Callable[..., AcctApp]) -> None:
    """s on an account's reasons, w, enter: a check-in in a week, and R leaves the account off the walk."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        while walk.current is not None and walk.current.followup is not None:
            await press(app, pilot, "n")
        focus = walk.current
        assert focus is not None
        await press(app, pilot, "s")
        await press(app, pilot, "w", "enter")
        with reading():
            planned = FollowUp.select().where(FollowUp.account == focus.account_id, FollowUp.kind == "check-in")
            assert any(f.due_on == TODAY + dt.timedelta(days=7) for f in planned)
            assert WalkMark.select().where(WalkMark.account == focus.account_id, WalkMark.action == "later").exists()
        await press(app, pilot, "R")
        assert focus.account_id not in {c.account_id for c in walk.items}


async def test_the_summary_names_what_was_skipped(make_app: Callable[..., AcctApp]) -> None:
    """n on the first two cards, the rest walked past: the summary lists the skipped accounts by name."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        names = [c.account_name for c in walk.items]
        for _ in names:
            await pilot.press("n")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Walk finished" in text and "Skipped" in text
        assert names[0] in text and "Send RCA and credit proposal" in text


async def test_the_hint_line_uses_the_footers_words(make_app: Callable[..., AcctApp]) -> None:
    """On a follow-up and on an account's reasons, every key the card offers reads as in the footer."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        for _ in range(2):
            lines = screen_text(app).rstrip().splitlines()
            hint, footer = lines[-2], lines[-1].lower()
            for entry in hint.split("·"):
                key, _, word = entry.strip().partition(" ")
                assert f"{key} {word}" in footer, (entry, footer)
            while walk.current is not None and walk.current.followup is not None:
                await press(app, pilot, "n")


async def test_log_from_a_follow_up_card_prefills_with(make_app: Callable[..., AcctApp]) -> None:
    """l on a follow-up's card: the With field starts on the account's primary contact."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        focus = walk.current
        assert focus is not None
        await press(app, pilot, "l")
        with reading():
            primary = Contact.get(Contact.account == focus.account_id, Contact.is_primary == True)  # noqa: E712
        assert app.screen.query_one("#field-contact").value == str(primary.id)


async def test_done_with_outcome_in_the_queue_logs_with_whom_and_the_next_step(
    make_app: Callable[..., AcctApp],
) -> None:
    """D in the queue: With is prefilled, a next step in a week is planned in the same save."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen)
        await press(app, pilot, "D")
        form = app.screen
        contact = form.query_one("#field-contact").value
        assert contact
        form.query_one("#field-next_in").value = "+1w"
        await press(app, pilot, "ctrl+s")
        with reading():
            planned = FollowUp.get(FollowUp.title.startswith("Next step: "))
            logged = Activity.select().order_by(Activity.id.desc()).first()
        assert planned.due_on == TODAY + dt.timedelta(days=7)
        assert str(logged.contact_id) == contact


async def test_reassign_takes_a_note_for_the_new_assignee(make_app: Callable[..., AcctApp]) -> None:
    """a on a follow-up card: the note lands on top of the follow-up's notes."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        walk = await _walk(app, pilot)
        focus = walk.current
        assert focus is not None and focus.followup is not None
        await press(app, pilot, "a")
        app.screen.query_one("#field-note").text = "client prefers mornings"
        await press(app, pilot, "ctrl+s")
        with reading():
            row = FollowUp.get_by_id(focus.followup.id)
        assert row.assignee_id != focus.followup.assignee_id
        assert row.notes.splitlines()[0].endswith("client prefers mornings")
