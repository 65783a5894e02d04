"""Service behaviour a manager would notice, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from acct_tui.models import Account, Activity, AuditEntry, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.reads.portfolio import PortfolioQuery, QuickFilter, SortKey, portfolio
from acct_tui.services.reads.queue import followup_queue
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from tests.conftest import TODAY, days


def _account(ctx: Ctx, name: str = "Acme", **values: Any) -> int:
    data = {"name": name, "tier": "gold", "arr": "120000", "satisfaction": "9"} | values
    return accounts.create_account(ctx, data)


def _row(account_id: int) -> Account:
    with reading():
        return Account.get_by_id(account_id)


def test_logging_a_call_resets_the_cadence(ctx: Ctx) -> None:
    """A logged call moves the last touch to now and the next touch due date a cadence later."""
    account_id = _account(ctx)
    followups.log_activity(ctx, account_id, {"kind": "meeting", "summary": "QBR"}, occurred_on=days(-40))
    before = _row(account_id)
    assert before.touch_due_on == TODAY - dt.timedelta(days=40) + dt.timedelta(days=14)
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Catch-up"})
    after = _row(account_id)
    assert after.last_touch_at == ctx.now()
    assert after.touch_due_on == TODAY + dt.timedelta(days=14)
    assert after.health_score > before.health_score


def test_a_note_is_not_a_touch(ctx: Ctx) -> None:
    """Internal notes do not reset the cadence."""
    account_id = _account(ctx)
    followups.log_activity(ctx, account_id, {"kind": "note", "summary": "Champion leaving"})
    assert _row(account_id).last_touch_at is None


def test_completing_a_recurring_follow_up_creates_the_next(ctx: Ctx) -> None:
    """Done on a monthly check-in: a new one is due a month from today, the old one is done."""
    account_id = _account(ctx)
    fid = followups.add_followup(
        ctx, account_id, {"title": "Monthly check-in", "due_on": days(-2), "recurrence": "monthly"}
    )
    result = followups.complete_followup(ctx, fid)
    assert result.next_id is not None
    with reading():
        done = FollowUp.get_by_id(fid)
        nxt = FollowUp.get_by_id(result.next_id)
    assert done.status == "done" and done.completed_at == ctx.now()
    assert nxt.status == "open"
    assert nxt.due_on == dt.date(2026, 12, 27)
    assert nxt.recurrence == "1m" and nxt.title == "Monthly check-in"
    assert _row(account_id).next_followup_on == dt.date(2026, 12, 27)


def test_queue_sections_and_order(ctx: Ctx) -> None:
    """Overdue first by urgency, then today, upcoming by date, snoozed apart."""
    big = _account(ctx, "Big Co", arr="2000000", tier="platinum")
    small = _account(ctx, "Small Co", arr="5000", tier="bronze")
    late_small = followups.add_followup(ctx, small, {"title": "late small", "due_on": days(-5)})
    late_big = followups.add_followup(ctx, big, {"title": "late big", "due_on": days(-1), "priority": "urgent"})
    today_item = followups.add_followup(ctx, small, {"title": "today", "due_on": "today"})
    soon = followups.add_followup(ctx, small, {"title": "soon", "due_on": days(3)})
    sooner = followups.add_followup(ctx, big, {"title": "sooner", "due_on": days(1)})
    snoozed = followups.add_followup(ctx, small, {"title": "snoozed", "due_on": days(-1)})
    followups.snooze_followup(ctx, snoozed, "+1w", "waiting on legal")
    queue = followup_queue(ctx)
    assert [i.id for i in queue.overdue] == [late_big, late_small]
    assert [i.id for i in queue.due_today] == [today_item]
    assert [i.id for i in queue.upcoming] == [sooner, soon]
    assert [i.id for i in queue.snoozed] == [snoozed]
    assert queue.snoozed[0].snooze_reason == "waiting on legal"
    assert any("urgent priority" in r for r in queue.overdue[0].reasons)


def test_snooze_needs_a_later_day(ctx: Ctx) -> None:
    account_id = _account(ctx)
    fid = followups.add_followup(ctx, account_id, {"title": "x", "due_on": "today"})
    with pytest.raises(ValidationError, match="later day"):
        followups.snooze_followup(ctx, fid, "today")


def test_totals(ctx: Ctx) -> None:
    """ARR, at-risk ARR, renewals in 30/60/90 days and overdue follow-ups add up."""
    healthy = _account(ctx, "Healthy", arr="100000", renewal_on=days(20))
    risky = _account(ctx, "Risky", arr="50000", renewal_on=days(75), satisfaction="2")
    accounts.add_concern(ctx, risky, {"title": "Outage", "severity": "critical"})
    followups.add_followup(ctx, healthy, {"title": "late", "due_on": days(-2)})
    page = portfolio(ctx)
    totals = page.totals
    assert page.total == 2
    assert totals.arr == {"USD": Decimal("150000.00")}
    assert totals.at_risk_arr == {"USD": Decimal("50000.00")}
    assert (totals.renewals_30, totals.renewals_60, totals.renewals_90) == (1, 1, 2)
    assert totals.overdue_followups == 1


def test_portfolio_sort_filter_and_quick_filters(ctx: Ctx) -> None:
    """Sorting by ARR, a live text filter on contacts, and the at-risk quick filter."""
    a = _account(ctx, "Northwind Traders", arr="300000", industry="Retail")
    b = _account(ctx, "Contoso Pharma", arr="90000", industry="Healthcare", satisfaction="1")
    accounts.add_contact(ctx, b, {"name": "Yuki Tanaka", "email": "yuki@contoso.example.com"})
    accounts.add_concern(ctx, b, {"title": "Angry", "severity": "critical"})
    by_arr = portfolio(ctx, PortfolioQuery(sort=SortKey.ARR, descending=True))
    assert [r.id for r in by_arr.rows] == [a, b]
    assert [r.id for r in portfolio(ctx, PortfolioQuery(text="tanaka")).rows] == [b]
    assert [r.id for r in portfolio(ctx, PortfolioQuery(text="nor")).rows] == [a]
    assert [r.id for r in portfolio(ctx, PortfolioQuery(text="health")).rows] == [b]
    assert [r.id for r in portfolio(ctx, PortfolioQuery(quick=QuickFilter.AT_RISK)).rows] == [b]


def test_every_write_leaves_an_audit_entry(ctx: Ctx) -> None:
    """Who, when, what, before and after, in the same transaction as the change."""
    account_id = _account(ctx)
    version = _row(account_id).version
    accounts.edit_account(ctx, account_id, version, {"arr": "150000", "industry": "Media"})
    with reading():
        entry = AuditEntry.select().where(AuditEntry.action == "update").order_by(AuditEntry.id.desc()).first()
    assert entry.agent_id == ctx.agent.id
    assert entry.at == ctx.now()
    assert entry.entity == "account" and entry.entity_id == account_id
    assert json.loads(entry.before) == {"arr": "120000.00", "industry": ""}
    assert json.loads(entry.after) == {"arr": "150000.00", "industry": "Media"}


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"name": "X", "tier": "diamond"}, "tier", "'diamond' is not one of platinum, gold, silver, bronze"),
        ({"name": "X", "arr": "-5"}, "arr", "cannot be negative"),
        ({"name": "X", "renewal_on": "someday"}, "renewal_on", "is not a date"),
        ({"name": "Evil\x1b[31m"}, "name", "escape character"),
        ({"name": ""}, "name", "is required"),
    ],
)
def test_bad_values_are_refused_with_a_readable_message(
    ctx: Ctx, values: dict[str, str], field: str, fragment: str
) -> None:
    """One error type, naming the field, saying what is accepted; nothing is written."""
    with pytest.raises(ValidationError) as caught:
        accounts.create_account(ctx, values)
    assert caught.value.field == field
    assert fragment in caught.value.message
    with reading():
        assert Account.select().count() == 0


def test_bad_email_on_a_contact(ctx: Ctx) -> None:
    account_id = _account(ctx)
    with pytest.raises(ValidationError) as caught:
        accounts.add_contact(ctx, account_id, {"name": "Bob", "email": "bob@"})
    assert caught.value.field == "email" and "not an email address" in caught.value.message


def test_a_failed_write_leaves_nothing_behind(ctx: Ctx) -> None:
    """A follow-up planned with a bad date inside a log: neither the activity nor any audit is stored."""
    account_id = _account(ctx)
    with reading():
        audits = AuditEntry.select().count()
    with pytest.raises(ValidationError):
        followups.log_activity(
            ctx, account_id, {"kind": "call", "summary": "Call"}, followup={"title": "next", "due_on": "whenever"}
        )
    with reading():
        assert Activity.select().count() == 0
        assert AuditEntry.select().count() == audits


def test_a_failure_inside_the_transaction_rolls_back(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the derived refresh fails after the rows were written, the rows go too."""
    account_id = _account(ctx)
    import acct_tui.services.store.derived as derived

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(derived, "refresh_accounts", boom)
    with pytest.raises(RuntimeError):
        followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"})
    with reading():
        assert Activity.select().count() == 0
        assert AuditEntry.select().where(AuditEntry.action == "log").count() == 0
