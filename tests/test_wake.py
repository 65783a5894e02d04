"""Snoozes that wake themselves: on the date, or early on a client's message, a concern or a falling band."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from acct_tui.clock import FixedClock
from acct_tui.models import AuditEntry, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.reads.queue import followup_queue
from acct_tui.services.store.derived import refresh_stale_health
from acct_tui.services.store.undo import undo_last
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from tests.conftest import TODAY, days


def _snoozed(ctx: Ctx, *, touched: bool = True, **account: Any) -> tuple[int, int]:
    values = {"name": "Acme", "tier": "gold", "satisfaction": "10"} | account
    account_id = accounts.create_account(ctx, values)
    if touched:
        followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Kick-off"})
    fid = followups.add_followup(ctx, account_id, {"title": "Chase the contract", "due_on": days(1)})
    followups.snooze_followup(ctx, fid, "+2w", "waiting on legal")
    return account_id, fid


def _row(fid: int) -> FollowUp:
    with reading():
        return FollowUp.get_by_id(fid)


def test_an_inbound_message_wakes_the_snooze_with_its_reason(ctx: Ctx) -> None:
    """The client emails in: the snoozed follow-up is due today, says why it woke, and keeps its snooze reason."""
    account_id, fid = _snoozed(ctx)
    followups.log_activity(ctx, account_id, {"kind": "email", "direction": "inbound", "summary": "Legal signed off"})
    row = _row(fid)
    assert (row.due_on, row.snoozed_until) == (TODAY, None)
    assert row.woke_reason == "the client got in touch (email): Legal signed off"
    assert row.snooze_reason == "waiting on legal"
    queue = followup_queue(ctx)
    woke = next(item for item in queue.due_today if item.id == fid)
    assert woke.woke_reason == row.woke_reason
    assert not queue.snoozed
    assert any("woke early" in reason for reason in woke.reasons)


def test_an_outbound_touch_leaves_the_snooze_alone(ctx: Ctx) -> None:
    """Our own call to the client is not news from them: the follow-up stays snoozed."""
    account_id, fid = _snoozed(ctx)
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Left a voicemail"})
    row = _row(fid)
    assert row.snoozed_until == TODAY + dt.timedelta(weeks=2)
    assert row.woke_reason == ""


def test_a_new_concern_wakes_the_snooze(ctx: Ctx) -> None:
    """Opening a concern on the account brings its snoozed follow-ups back today, naming the concern."""
    account_id, fid = _snoozed(ctx)
    accounts.add_concern(ctx, account_id, {"title": "Invoices doubled", "severity": "high"})
    row = _row(fid)
    assert row.due_on == TODAY
    assert row.woke_reason == "a high concern was opened: Invoices doubled"


def test_a_band_drop_in_a_user_action_wakes_the_snooze(ctx: Ctx) -> None:
    """Satisfaction falls from 10 to 6 and the account drops from healthy to watch: the snooze ends."""
    account_id, fid = _snoozed(ctx, touched=False)
    with reading():
        version = accounts.Account.get_by_id(account_id).version
    accounts.edit_account(ctx, account_id, version, {"satisfaction": "6"})
    row = _row(fid)
    assert row.due_on == TODAY and row.snoozed_until is None
    assert row.woke_reason == "health dropped from healthy to watch (70 → 58)"
    with reading():
        account = accounts.Account.get_by_id(account_id)
        assert account.next_followup_on == TODAY


def test_a_band_drop_found_by_the_daily_refresh_wakes_the_snooze(ctx: Ctx) -> None:
    """Days pass with no contact; the morning refresh drops the band and wakes the snooze (no person acted)."""
    _account_id, fid = _snoozed(ctx, satisfaction="6", tier="platinum")
    later = replace(ctx, clock=FixedClock.on(TODAY + dt.timedelta(days=12)))
    refresh_stale_health(later.today, later.policy)
    row = _row(fid)
    assert row.due_on == later.today
    # 63, not 68: the follow-up snoozed past its first due date (day 1) counts as overdue from it.
    assert row.woke_reason == "health dropped from healthy to watch (88 → 63)"
    with reading():
        audited = AuditEntry.select().where(AuditEntry.entity == "follow_up", AuditEntry.action == "wake").count()
    assert audited == 0


def test_undoing_the_inbound_message_puts_the_snooze_back(ctx: Ctx) -> None:
    """The wake-up is part of the logging change: undo restores the snooze and its date."""
    account_id, fid = _snoozed(ctx)
    followups.log_activity(ctx, account_id, {"kind": "call", "direction": "inbound", "summary": "They called"})
    undo_last(ctx)
    row = _row(fid)
    assert row.snoozed_until == TODAY + dt.timedelta(weeks=2)
    assert row.due_on == TODAY + dt.timedelta(weeks=2)
    assert row.woke_reason == ""


def test_a_snooze_that_reaches_its_date_says_so_in_the_queue(ctx: Ctx) -> None:
    """On the snooze date the follow-up is due, and the queue says its snooze ended."""
    _account_id, fid = _snoozed(ctx)
    later = replace(ctx, clock=FixedClock.on(TODAY + dt.timedelta(weeks=2)))
    item = next(item for item in followup_queue(later).due_today if item.id == fid)
    assert item.woke_reason == "its snooze date came"
    assert item.snooze_reason == "waiting on legal"
