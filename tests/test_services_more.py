"""More service behaviour a manager would notice, on SQLite and PostgreSQL alike: undo, handoff,
scope, concurrent edits, contacts, concerns, opportunities, the daily walk, the daily health
refresh, seeded and demo data, and the query counts of the hot reads."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from peewee import Database
from playhouse.test_utils import count_queries

from acct_tui.clock import FixedClock
from acct_tui.db import open_database
from acct_tui.models import (
    Account,
    AccountShare,
    Activity,
    AuditEntry,
    Concern,
    Contact,
    FollowUp,
    Opportunity,
    Product,
    Subscription,
    Team,
    database_proxy,
)
from acct_tui.services.context import Ctx
from acct_tui.services.domain.health import DEFAULT_POLICY
from acct_tui.services.errors import Conflict, NotFound, ValidationError
from acct_tui.services.io.demo import DEMO_MANAGER, build_demo
from acct_tui.services.io.seed import seed
from acct_tui.services.reads.detail import client_detail
from acct_tui.services.reads.portfolio import PortfolioQuery, QuickFilter, SortKey, portfolio, portfolio_rows
from acct_tui.services.reads.queue import followup_queue
from acct_tui.services.reads.upkeep import ItemKind, daily_upkeep
from acct_tui.services.store.derived import DERIVED_COLUMNS, refresh_accounts, refresh_stale_health
from acct_tui.services.store.undo import undo_last
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import add_agent, assignable_agents, deactivate_agent, find_agent
from acct_tui.vocab import HealthBand
from tests.conftest import TODAY, days


def _account(ctx: Ctx, name: str = "Acme", *, owner: Ctx | None = None, **values: Any) -> int:
    data = {"name": name, "tier": "gold", "arr": "120000", "satisfaction": "9"} | values
    return accounts.create_account(ctx, data, owner_id=owner.agent.id if owner else None)


def _get(model: Any, row_id: int) -> Any:
    with reading():
        return model.get_by_id(row_id)


def _exists(model: Any, row_id: int) -> bool:
    with reading():
        return bool(model.select().where(model.id == row_id).exists())


def _agent(admin: Ctx, login: str, role: str = "agent", team: str = "") -> Ctx:
    add_agent(admin, login, name=login.title(), role=role, team=team)
    ref = find_agent(login)
    assert ref is not None
    return Ctx(agent=ref, clock=admin.clock)


def _audit_count() -> int:
    with reading():
        return int(AuditEntry.select().count())


# --- undo ------------------------------------------------------------------------------------


def test_undo_a_completed_recurring_follow_up(ctx: Ctx) -> None:
    """Undoing `done` reopens the follow-up as it was and removes the next occurrence it created."""
    account_id = _account(ctx)
    fid = followups.add_followup(ctx, account_id, {"title": "Check in", "due_on": days(-2), "recurrence": "weekly"})
    done = followups.complete_followup(ctx, fid)
    assert done.next_id is not None
    assert _get(Account, account_id).overdue_followups == 0

    undone = undo_last(ctx)

    assert undone.summary == "done: Check in" and undone.account_id == account_id
    item = _get(FollowUp, fid)
    assert (item.status, item.completed_at, item.due_on) == ("open", None, TODAY - dt.timedelta(days=2))
    assert not _exists(FollowUp, done.next_id)
    account = _get(Account, account_id)
    assert (account.next_followup_on, account.open_followups, account.overdue_followups) == (item.due_on, 1, 1)
    with reading():
        marked = AuditEntry.select().where(AuditEntry.undone_by.is_null(False)).count()
        reversals = AuditEntry.select().where(AuditEntry.action == "undo").count()
    assert marked == 2 and reversals == 2


def test_undo_a_snooze_puts_the_follow_up_back(ctx: Ctx) -> None:
    """The due date, snooze date and reason return to what they were; the queue shows it overdue again."""
    account_id = _account(ctx)
    fid = followups.add_followup(ctx, account_id, {"title": "Chase legal", "due_on": days(-1)})
    followups.snooze_followup(ctx, fid, "+1w", "waiting on legal")
    assert [i.id for i in followup_queue(ctx).snoozed] == [fid]

    undo_last(ctx)

    item = _get(FollowUp, fid)
    assert (item.due_on, item.snoozed_until, item.snooze_reason) == (TODAY - dt.timedelta(days=1), None, "")
    assert [i.id for i in followup_queue(ctx).overdue] == [fid]


def test_undo_a_logged_call_restores_the_cadence(ctx: Ctx) -> None:
    """The activity goes and the last touch, touch-due date and health go back to before the call."""
    account_id = _account(ctx)
    followups.log_activity(ctx, account_id, {"kind": "meeting", "summary": "QBR"}, occurred_on=days(-30))
    before = _get(Account, account_id)
    logged = followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Catch-up"})
    assert _get(Account, account_id).last_touch_at == ctx.now()

    undo_last(ctx)

    after = _get(Account, account_id)
    assert not _exists(Activity, logged.activity_id)
    assert (after.last_touch_at, after.touch_due_on, after.health_score) == (
        before.last_touch_at,
        before.touch_due_on,
        before.health_score,
    )


def test_undo_an_account_edit(ctx: Ctx) -> None:
    """The edited fields return to their old values; the version still moves forward."""
    account_id = _account(ctx, industry="Retail")
    version = accounts.edit_account(ctx, account_id, 1, {"arr": "150000", "industry": "Media", "tier": "platinum"})
    assert version == 2

    undo_last(ctx)

    account = _get(Account, account_id)
    assert (account.arr, account.industry, account.tier) == (Decimal("120000.00"), "Retail", "gold")
    assert account.version == 3
    assert (account.tier_rank, account.cadence_days) == (1, 14)


def test_undo_an_account_creation(ctx: Ctx) -> None:
    """A just-created account can be undone (its derived columns do not count as someone's change)."""
    account_id = _account(ctx)
    undo_last(ctx)
    assert not _exists(Account, account_id)


def test_undo_of_a_creation_is_refused_once_others_added_to_it(ctx: Ctx) -> None:
    """If a colleague has since added a contact, deleting the account would take their work: refused."""
    sam = _agent(ctx, "sam")
    account_id = _account(ctx, owner=sam)
    accounts.add_contact(sam, account_id, {"name": "Bo"})
    with pytest.raises(Conflict, match="contacts were added to it since"):
        undo_last(ctx)
    assert _exists(Account, account_id)


def test_undo_is_refused_when_someone_changed_the_same_field_since(ctx: Ctx) -> None:
    """A colleague's later edit of the same field wins: the undo is refused, naming the field, and nothing moves."""
    account_id = _account(ctx, industry="Retail")
    colleague = Ctx(agent=ctx.agent, clock=ctx.clock)  # another session (the same person on another terminal)
    version = accounts.edit_account(ctx, account_id, 1, {"industry": "Media"})
    accounts.edit_account(colleague, account_id, version, {"industry": "Healthcare"})
    audits = _audit_count()

    with pytest.raises(Conflict) as caught:
        undo_last(ctx)

    assert "industry changed since" in caught.value.message
    assert caught.value.theirs == {"industry": "Healthcare"}
    assert _get(Account, account_id).industry == "Healthcare"
    assert _audit_count() == audits


def test_undo_keeps_a_colleagues_change_to_another_field(ctx: Ctx) -> None:
    """Undo reverses only the fields this change wrote; a later edit of another field stays."""
    account_id = _account(ctx, industry="Retail")
    colleague = Ctx(agent=ctx.agent, clock=ctx.clock)
    version = accounts.edit_account(ctx, account_id, 1, {"industry": "Media"})
    accounts.edit_account(colleague, account_id, version, {"arr": "99000"})
    undo_last(ctx)
    account = _get(Account, account_id)
    assert (account.industry, account.arr) == ("Retail", Decimal("99000.00"))


def test_undo_only_within_the_same_session(ctx: Ctx) -> None:
    """Another session of the same agent, or another agent, has nothing to undo; the session itself does."""
    sam = _agent(ctx, "sam")
    account_id = _account(ctx)
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"})
    other_session = Ctx(agent=ctx.agent, clock=ctx.clock)
    assert other_session.session_id != ctx.session_id
    for stranger in (other_session, sam):
        with pytest.raises(NotFound, match="nothing to undo in this session"):
            undo_last(stranger)
    assert undo_last(ctx).summary == "call: Call"


def test_undo_walks_back_one_change_at_a_time(ctx: Ctx) -> None:
    """Each undo reverses the previous change (never an undo itself), until nothing is left."""
    account_id = _account(ctx)
    first = followups.add_followup(ctx, account_id, {"title": "one", "due_on": days(1)})
    second = followups.add_followup(ctx, account_id, {"title": "two", "due_on": days(2)})
    assert undo_last(ctx).summary.startswith("follow-up two")
    assert not _exists(FollowUp, second) and _exists(FollowUp, first)
    assert undo_last(ctx).summary.startswith("follow-up one")
    assert undo_last(ctx).summary == "created account Acme"
    with pytest.raises(NotFound):
        undo_last(ctx)


# --- handoff ---------------------------------------------------------------------------------


def test_handoff_moves_the_account_and_the_old_owners_open_work(ctx: Ctx) -> None:
    """Owner changes; the old owner's open follow-ups move; others' and finished ones stay; all audited."""
    sam = _agent(ctx, "sam")
    kim = _agent(ctx, "kim")
    account_id = _account(ctx, owner=sam)
    mine = followups.add_followup(sam, account_id, {"title": "Renewal prep", "due_on": days(5)})
    finished = followups.add_followup(sam, account_id, {"title": "Old call", "due_on": days(-5)})
    followups.complete_followup(sam, finished)
    theirs = followups.add_followup(ctx, account_id, {"title": "Admin task", "due_on": days(3)})
    version = _get(Account, account_id).version

    handoff_id = accounts.handoff(sam, account_id, kim.agent.id, "Renewal in March; CFO is the champion.")

    account = _get(Account, account_id)
    assert account.owner_id == kim.agent.id and account.version == version + 1
    assert _get(FollowUp, mine).assignee_id == kim.agent.id
    assert _get(FollowUp, finished).assignee_id == sam.agent.id
    assert _get(FollowUp, theirs).assignee_id == ctx.agent.id
    brief = _get(FollowUp, handoff_id)
    assert (brief.kind, brief.assignee_id, brief.due_on, brief.priority) == ("handoff", kim.agent.id, TODAY, "high")
    assert brief.notes == "Renewal in March; CFO is the champion."
    with reading():
        note = Activity.get(Activity.account == account_id, Activity.kind == "handoff")
        owner_entry = AuditEntry.get(AuditEntry.action == "handoff")
        entries = list(AuditEntry.select().where(AuditEntry.change_id == owner_entry.change_id))
    assert note.body == brief.notes and note.summary == "Handed off to Kim"
    assert sorted((e.action, e.entity, e.entity_id) for e in entries) == [
        ("create", "follow_up", handoff_id),
        ("handoff", "account", account_id),
        ("log", "activity", note.id),
        ("reassign", "follow_up", mine),
    ]
    assert {(e.agent_id, e.at) for e in entries} == {(sam.agent.id, sam.now())}
    assert json.loads(owner_entry.before)["owner"] == sam.agent.id
    assert json.loads(owner_entry.after)["owner"] == kim.agent.id
    with pytest.raises(NotFound):
        client_detail(sam, account_id)
    assert [i.id for i in followup_queue(kim).due_today] == [handoff_id]


@pytest.mark.parametrize(
    ("target", "note", "fragment"),
    [
        ("kim", "   ", "write a note for the new owner"),
        ("sam", "All yours", "already owns"),
        ("gone", "All yours", "choose an active agent"),
    ],
)
def test_handoff_refusals_write_nothing(ctx: Ctx, target: str, note: str, fragment: str) -> None:
    """No note, the same owner or a deactivated agent: refused with a reason, nothing changes."""
    sam = _agent(ctx, "sam")
    agents = {"sam": sam, "kim": _agent(ctx, "kim"), "gone": _agent(ctx, "gone")}
    deactivate_agent(ctx, "gone")
    account_id = _account(ctx, owner=sam)
    audits = _audit_count()
    with pytest.raises(ValidationError, match=fragment):
        accounts.handoff(sam, account_id, agents[target].agent.id, note)
    assert _get(Account, account_id).owner_id == sam.agent.id
    assert _audit_count() == audits


# --- scope -----------------------------------------------------------------------------------


def test_scope_rules(ctx: Ctx) -> None:
    """Agent: own, shared with them or their team, or where they hold an open follow-up; lead: the team; admin: all."""
    sam = _agent(ctx, "sam", team="Desk")
    lee = _agent(ctx, "lee", role="lead", team="Desk")
    zoe = _agent(ctx, "zoe", team="Field")
    _account(ctx, "Own", owner=sam)
    shared = _account(ctx, "Shared", owner=zoe)
    team_shared = _account(ctx, "Team shared", owner=zoe)
    assigned = _account(ctx, "Assigned", owner=zoe)
    _account(ctx, "Hidden", owner=zoe)
    with reading():
        AccountShare.create(account=shared, agent=sam.agent.id)
        AccountShare.create(account=team_shared, team=Team.get(Team.name == "Desk").id)
    task = followups.add_followup(ctx, assigned, {"title": "Help Zoe", "due_on": days(1)}, assignee_id=sam.agent.id)

    def names(who: Ctx) -> set[str]:
        return {row.name for row in portfolio(who, PortfolioQuery(sort=SortKey.NAME)).rows}

    assert names(sam) == {"Own", "Shared", "Team shared", "Assigned"}
    assert names(lee) == {"Own", "Team shared"}
    assert names(zoe) == {"Shared", "Team shared", "Assigned", "Hidden"}
    assert names(ctx) == {"Own", "Shared", "Team shared", "Assigned", "Hidden"}
    followups.complete_followup(sam, task)
    assert "Assigned" not in names(sam)


def test_outside_scope_reads_exactly_like_missing(ctx: Ctx) -> None:
    """client_detail and edit_account on a hidden account say "account N not found", like a missing one."""
    sam = _agent(ctx, "sam")
    hidden = _account(ctx, "Hidden")
    missing = hidden + 1000
    for account_id in (hidden, missing):
        with pytest.raises(NotFound) as read:
            client_detail(sam, account_id)
        assert str(read.value) == f"account {account_id} not found"
        with pytest.raises(NotFound) as write:
            accounts.edit_account(sam, account_id, 1, {"industry": "Media"})
        assert str(write.value) == f"account {account_id} not found"
    assert _get(Account, hidden).industry == ""


# --- concurrent edits ------------------------------------------------------------------------


def test_a_stale_edit_raises_conflict_with_their_values_and_writes_nothing(ctx: Ctx) -> None:
    """Saving over someone's newer save: Conflict carries the current values and version; nothing is written."""
    account_id = _account(ctx, industry="Retail")
    colleague = Ctx(agent=ctx.agent, clock=ctx.clock)
    accounts.edit_account(colleague, account_id, 1, {"industry": "Media"})
    audits = _audit_count()

    with pytest.raises(Conflict) as caught:
        accounts.edit_account(ctx, account_id, 1, {"arr": "200000"})

    assert caught.value.version == 2
    assert caught.value.theirs["industry"] == "Media"
    assert caught.value.theirs["arr"] == "120000.00"
    assert "changed by someone else" in caught.value.message
    account = _get(Account, account_id)
    assert (account.arr, account.version) == (Decimal("120000.00"), 2)
    assert _audit_count() == audits


def test_a_forced_edit_writes_only_the_given_fields(ctx: Ctx) -> None:
    """Force after a conflict: my fields win, their other changes stay, the version moves on."""
    account_id = _account(ctx, industry="Retail")
    colleague = Ctx(agent=ctx.agent, clock=ctx.clock)
    accounts.edit_account(colleague, account_id, 1, {"industry": "Media"})
    version = accounts.edit_account(ctx, account_id, 1, {"arr": "200000"}, force=True)
    account = _get(Account, account_id)
    assert (account.arr, account.industry, account.version, version) == (Decimal("200000.00"), "Media", 3, 3)


def test_an_edit_that_changes_nothing_writes_nothing(ctx: Ctx) -> None:
    """Saving the same values keeps the version and adds no audit entry."""
    account_id = _account(ctx, industry="Retail")
    audits = _audit_count()
    assert accounts.edit_account(ctx, account_id, 1, {"industry": "Retail", "arr": "120,000"}) == 1
    assert _audit_count() == audits


# --- contacts, concerns, opportunities ----------------------------------------------------------


def test_one_primary_contact_per_account(ctx: Ctx) -> None:
    """The first contact is primary; a new primary takes the flag from the old one; the card lists it first."""
    account_id = _account(ctx)
    first = accounts.add_contact(ctx, account_id, {"name": "Ana"})
    second = accounts.add_contact(ctx, account_id, {"name": "Ben"})
    assert (_get(Contact, first).is_primary, _get(Contact, second).is_primary) == (True, False)

    third = accounts.add_contact(ctx, account_id, {"name": "Zed", "is_primary": "yes"})

    with reading():
        primaries = [c.id for c in Contact.select().where(Contact.account == account_id, Contact.is_primary == True)]  # noqa: E712
        demoted = AuditEntry.get(
            AuditEntry.entity == "contact", AuditEntry.entity_id == first, AuditEntry.action == "update"
        )
    assert primaries == [third]
    assert json.loads(demoted.before) == {"is_primary": True}
    assert [c.name for c in client_detail(ctx, account_id).contacts] == ["Zed", "Ana", "Ben"]


def test_resolving_a_concern(ctx: Ctx) -> None:
    """Resolve stamps the time, drops the open count and lifts the health; a second resolve is refused."""
    account_id = _account(ctx)
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"})
    healthy = _get(Account, account_id).health_score
    concern = accounts.add_concern(ctx, account_id, {"title": "Outage", "severity": "critical", "ticket_ref": "SUP-1"})
    worried = _get(Account, account_id)
    assert (worried.open_concerns, worried.health_score) == (1, healthy - 20)

    ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
    accounts.resolve_concern(ctx, concern)

    row = _get(Concern, concern)
    assert (row.status, row.resolved_at, row.version) == ("resolved", ctx.now(), 2)
    account = _get(Account, account_id)
    assert (account.open_concerns, account.health_score) == (0, healthy)
    with pytest.raises(ValidationError, match="already resolved"):
        accounts.resolve_concern(ctx, concern)
    with pytest.raises(NotFound):
        accounts.resolve_concern(ctx, concern + 999)


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        ("identified", "open"),
        ("qualified", "open"),
        ("proposed", "open"),
        ("negotiating", "open"),
        ("won", "won"),
        ("lost", "lost"),
    ],
)
def test_opportunity_stage_sets_its_status(ctx: Ctx, stage: str, status: str) -> None:
    """Moving an opportunity to a stage sets the matching status; the move is audited."""
    account_id = _account(ctx)
    opportunity = accounts.add_opportunity(ctx, account_id, {"title": "Seats", "amount": "$36,000"})
    assert (_get(Opportunity, opportunity).stage, _get(Opportunity, opportunity).status) == ("identified", "open")
    accounts.set_opportunity_stage(ctx, opportunity, stage)
    row = _get(Opportunity, opportunity)
    assert (row.stage, row.status, row.amount, row.currency) == (stage, status, Decimal("36000.00"), "USD")
    with reading():
        entry = AuditEntry.get(AuditEntry.entity == "opportunity", AuditEntry.action == "stage")
    assert json.loads(entry.after)["status"] == status


def test_an_opportunity_created_as_won_is_won_and_bad_stages_are_refused(ctx: Ctx) -> None:
    """Created at `won`: status won; an unknown stage is refused and the stage stays."""
    account_id = _account(ctx)
    won = accounts.add_opportunity(ctx, account_id, {"title": "Done deal", "stage": "won"})
    assert _get(Opportunity, won).status == "won"
    with pytest.raises(ValidationError, match="'dreaming' is not one of"):
        accounts.set_opportunity_stage(ctx, won, "dreaming")
    assert _get(Opportunity, won).stage == "won"


# --- the daily walk --------------------------------------------------------------------------


def test_daily_upkeep_order_and_one_entry_per_account(ctx: Ctx) -> None:
    """Due follow-ups, then gone quiet (biggest first), renewals without a plan, at risk; an account once,
    its other reasons carried along as `also`."""
    kim = _agent(ctx, "kim")
    late = _account(ctx, "Late Co", arr="50000", renewal_on=days(60))
    late_item = followups.add_followup(ctx, late, {"title": "Chase", "due_on": days(-3)})
    due = _account(ctx, "Today Co")
    followups.log_activity(ctx, due, {"kind": "call", "summary": "Call"})
    due_item = followups.add_followup(ctx, due, {"title": "Send deck", "due_on": "today"})
    big_quiet = _account(ctx, "Quiet Big", arr="500000", satisfaction="")
    followups.log_activity(ctx, big_quiet, {"kind": "call", "summary": "Call"}, occurred_on=days(-40))
    accounts.add_concern(ctx, big_quiet, {"title": "Outage", "severity": "critical"})
    accounts.add_concern(ctx, big_quiet, {"title": "Billing", "severity": "high"})
    small_quiet = _account(ctx, "Quiet Small", arr="10000", tier="silver")
    followups.log_activity(ctx, small_quiet, {"kind": "call", "summary": "Call"}, occurred_on=days(-40))
    renewing = _account(ctx, "Renewing", renewal_on=days(20))
    followups.log_activity(ctx, renewing, {"kind": "call", "summary": "Call"})
    planned = _account(ctx, "Planned", renewal_on=days(32))  # its 30-day checkpoint falls after today
    followups.log_activity(ctx, planned, {"kind": "call", "summary": "Call"})
    followups.add_followup(ctx, planned, {"title": "Renewal", "kind": "renewal", "due_on": days(10)})
    risky = _account(ctx, "Risky", satisfaction="1")
    followups.log_activity(ctx, risky, {"kind": "call", "summary": "Call"})
    accounts.add_concern(ctx, risky, {"title": "Outage", "severity": "critical"})
    accounts.add_concern(ctx, risky, {"title": "Outage again", "severity": "critical"})
    for title in ("Kim's first", "Kim's second"):  # a team-mate's late work weighs on the health, not on my queue
        followups.add_followup(ctx, risky, {"title": title, "due_on": days(-2)}, assignee_id=kim.agent.id)
    churned = _account(ctx, "Churned", stage="churned")
    theirs = _account(ctx, "Kim's quiet one", owner=kim)

    walk = daily_upkeep(ctx)

    assert [(item.kind, item.account_name) for item in walk] == [
        (ItemKind.FOLLOWUP, "Late Co"),
        (ItemKind.FOLLOWUP, "Today Co"),
        (ItemKind.QUIET, "Quiet Big"),
        (ItemKind.QUIET, "Quiet Small"),
        (ItemKind.RENEWAL, "Renewing"),
        (ItemKind.AT_RISK, "Risky"),
    ]
    assert [walk[0].followup.id, walk[1].followup.id] == [late_item, due_item]  # type: ignore[union-attr]
    assert walk[0].why == "check-in follow-up 3 days overdue"
    # Its 90-day checkpoint exists: a reminder, not a plan, and the card says which.
    assert walk[0].also == ("never contacted", "renews in 60 days: only the automatic checkpoint, no renewal plan yet")
    assert walk[1].why == "check-in follow-up due today" and walk[1].also == ()
    assert walk[2].why == "gone quiet: last touch 40 days ago"
    assert walk[2].also == (f"at risk: health {_get(Account, big_quiet).health_score}",)
    assert walk[5].health_band is HealthBand.AT_RISK
    assert len({item.key for item in walk}) == len(walk)
    assert {churned, theirs}.isdisjoint(item.account_id for item in walk)


# --- the daily health refresh ------------------------------------------------------------------


def test_refresh_stale_health_moves_only_accounts_whose_day_has_come(ctx: Ctx) -> None:
    """After the clock passes an account's next change, the stored score and band catch up; others stay put."""
    gold = _account(ctx, "Gold", tier="gold")
    bronze = _account(ctx, "Bronze", tier="bronze")
    for account_id in (gold, bronze):
        followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"})
    stored = _get(Account, gold)
    assert (stored.health_score, stored.health_next_change) == (100, TODAY + dt.timedelta(days=15))

    later = TODAY + dt.timedelta(days=15)
    assert refresh_stale_health(TODAY, DEFAULT_POLICY) == 0
    assert refresh_stale_health(later, DEFAULT_POLICY) == 1

    moved, kept = _get(Account, gold), _get(Account, bronze)
    assert (moved.health_score, moved.health_band, moved.health_as_of) == (90, "healthy", later)
    assert moved.health_next_change == TODAY + dt.timedelta(days=22)
    assert (kept.health_score, kept.health_as_of) == (100, TODAY)
    assert refresh_stale_health(later, DEFAULT_POLICY) == 0


def test_refresh_stale_health_for_one_assignee(ctx: Ctx) -> None:
    """With an assignee, only accounts where they hold open follow-ups are refreshed (the queue verb's case)."""
    sam = _agent(ctx, "sam")
    mine = _account(ctx, "Mine")
    other = _account(ctx, "Other")
    followups.add_followup(ctx, mine, {"title": "x", "due_on": days(1)}, assignee_id=sam.agent.id)
    followups.add_followup(ctx, other, {"title": "y", "due_on": days(1)})
    later = TODAY + dt.timedelta(days=3)
    assert refresh_stale_health(later, DEFAULT_POLICY, assignee_id=sam.agent.id) == 1
    assert (_get(Account, mine).health_as_of, _get(Account, other).health_as_of) == (later, TODAY)


# --- seeded and demo data --------------------------------------------------------------------


def _seeded_accounts() -> list[tuple[Any, ...]]:
    with reading():
        return [
            (a.name, a.arr, a.tier, a.domain, a.renewal_on, a.health_score)
            for a in Account.select().order_by(Account.id)
        ]


def test_seed_is_deterministic(db: Database, tmp_path: Path) -> None:
    """The same seed gives the same accounts, ARR and health on any backend; another seed differs."""
    seed(30, seed_value=5, today=TODAY, agents=3)
    first = _seeded_accounts()
    other = open_database(str(tmp_path / "other.db"))
    try:
        seed(30, seed_value=5, today=TODAY, agents=3)
        assert _seeded_accounts() == first
        third = open_database(str(tmp_path / "third.db"))
        seed(30, seed_value=6, today=TODAY, agents=3)
        assert [row[0] for row in _seeded_accounts()] != [row[0] for row in first]
        third.close()
    finally:
        other.close()
        database_proxy.initialize(db)


def test_seed_counts_match_the_rows(db: Database) -> None:
    """What seed reports is what it wrote, with follow-ups overdue and due today among them."""
    result = seed(120, seed_value=2, today=TODAY, agents=4, batch_size=50)
    with reading():
        counts = {
            "accounts": Account.select().count(),
            "contacts": Contact.select().count(),
            "activities": Activity.select().count(),
            "followups": FollowUp.select().count(),
            "concerns": Concern.select().count(),
            "opportunities": Opportunity.select().count(),
        }
        overdue = FollowUp.select().where(FollowUp.due_on < TODAY, FollowUp.status == "open").count()
        today = FollowUp.select().where(FollowUp.due_on == TODAY).count()
        products = Subscription.select().count()
    assert counts == {name: getattr(result, name) for name in counts}
    assert result.accounts == 120 and len(result.agents) == 4
    assert overdue > 0 and today > 0 and products >= 120
    more = seed(10, seed_value=3, today=TODAY, agents=4)
    with reading():
        assert Account.select().count() == 130 and more.accounts == 10


def test_a_big_seed_loads_the_same_rows_on_either_backend(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bulk threshold SQLite drops its indexes and splits the work with a helper process
    (PostgreSQL loads in one process); the rows are those the plain path writes, and searchable."""
    import acct_tui.services.io.seed as seed_module

    monkeypatch.setattr(seed_module, "BULK_THRESHOLD", 20)
    result = seed(60, seed_value=5, today=TODAY, agents=3, batch_size=20)
    with reading():
        assert Account.select().count() == result.accounts == 60
        assert Activity.select().count() == result.activities > 0
        name = Account.select(Account.name).order_by(Account.id.desc()).scalar()
    found = portfolio_rows(ctx, PortfolioQuery(text=name), 0, 100)
    assert name in [row.name for row in found]  # the search index was rebuilt after the load


def test_seeded_derived_columns_are_what_refresh_computes(db: Database) -> None:
    """Seed writes the same last touch, next follow-up, counts, health and search text the services would."""
    seed(80, seed_value=4, today=TODAY, agents=3)
    columns = sorted(DERIVED_COLUMNS)

    def derived() -> dict[int, tuple[Any, ...]]:
        with reading():
            rows = Account.select(Account.id, *[getattr(Account, c) for c in columns]).tuples()
            return {row[0]: row[1:] for row in rows}

    seeded = derived()
    with database_proxy.connection_context(), database_proxy.atomic():
        refresh_accounts(list(seeded), TODAY, DEFAULT_POLICY, search_ids=list(seeded))
    assert derived() == seeded


def test_the_demo_has_a_days_work_waiting(db: Database, clock: FixedClock) -> None:
    """Overdue and due-today follow-ups, a gone-quiet account, an unplanned renewal within 90 days,
    an account at risk and team-mates to hand work to."""
    build_demo(clock)
    manager = find_agent(DEMO_MANAGER)
    assert manager is not None and manager.is_lead
    ctx = Ctx(agent=manager, clock=clock)

    queue = followup_queue(ctx)
    assert queue.overdue and queue.due_today
    quiet = portfolio(ctx, PortfolioQuery(quick=QuickFilter.QUIET)).rows
    assert "Cedar Clinics" in {row.name for row in quiet}
    at_risk = portfolio(ctx, PortfolioQuery(quick=QuickFilter.AT_RISK)).rows
    assert "Kestrel Freight" in {row.name for row in at_risk}
    walk = daily_upkeep(ctx)
    unplanned = [i for i in walk if i.kind is ItemKind.RENEWAL or any("no renewal" in a for a in i.also)]
    blue = next(i for i in unplanned if i.account_name == "Blue Harbor Analytics")
    assert blue.renewal_on is not None and 0 <= (blue.renewal_on - TODAY).days <= 90
    mates = {a.login for a in assignable_agents()} - {DEMO_MANAGER}
    assert {"alex", "priya", "jordan"} <= mates


# --- query counts of the hot reads --------------------------------------------------------------


def _queries(call: Any) -> int:
    with count_queries() as counter:
        call()
    return counter.count


def test_a_portfolio_page_costs_the_same_queries_whatever_its_size(ctx: Ctx) -> None:
    """A page of 5 rows and a page of 60 cost the same few queries (rows, owners' names, health
    trends, and on SQLite one capped count for typed words), as admin or agent."""
    sam = _agent(ctx, "sam")
    seed(60, seed_value=1, today=TODAY, owner_ids=[ctx.agent.id, sam.agent.id])
    for who in (ctx, sam):
        for query in (
            PortfolioQuery(),
            PortfolioQuery(sort=SortKey.ARR, text="a", quick=QuickFilter.QUIET),
            PortfolioQuery(sort=SortKey.ARR, text="ab", quick=QuickFilter.QUIET),
        ):
            small = _queries(lambda: portfolio_rows(who, query, 0, 5))  # noqa: B023
            large = _queries(lambda: portfolio_rows(who, query, 0, 60))  # noqa: B023
            assert small == large <= 5
    assert len(portfolio_rows(ctx, PortfolioQuery(), 0, 60)) == 60


def test_the_queue_costs_the_same_queries_however_long_it_is(ctx: Ctx) -> None:
    """One query per section, for two follow-ups or a hundred."""
    account_id = _account(ctx)
    followups.add_followup(ctx, account_id, {"title": "a", "due_on": days(-1)})
    followups.add_followup(ctx, account_id, {"title": "b", "due_on": days(1)})
    small = _queries(lambda: followup_queue(ctx))
    seed(100, seed_value=1, today=TODAY, owner_ids=[ctx.agent.id])
    queue = followup_queue(ctx)
    assert sum(len(queue.section(name)) for name in queue.SECTIONS) > 50
    assert small == _queries(lambda: followup_queue(ctx)) == 4


def test_client_detail_costs_the_same_queries_however_much_history(ctx: Ctx) -> None:
    """The whole card, contacts, products, timeline, follow-ups, concerns, opportunities and history:
    a fixed number of queries, not one per row."""
    quiet = _account(ctx, "Quiet")
    accounts.add_contact(ctx, quiet, {"name": "Only"})
    busy = _account(ctx, "Busy")
    for n in range(8):
        accounts.add_contact(ctx, busy, {"name": f"Person {n}"})
        followups.log_activity(ctx, busy, {"kind": "call", "summary": f"Call {n}"})
        followups.add_followup(ctx, busy, {"title": f"Task {n}", "due_on": days(n)})
        accounts.add_concern(ctx, busy, {"title": f"Worry {n}"})
        accounts.add_opportunity(ctx, busy, {"title": f"Deal {n}"})
    with reading():
        for n in range(3):
            product = Product.create(name=f"Product {n}")
            Subscription.create(account=busy, product=product, quantity=5)
    light = _queries(lambda: client_detail(ctx, quiet))
    heavy = _queries(lambda: client_detail(ctx, busy))
    detail = client_detail(ctx, busy)
    assert len(detail.contacts) == 8 and len(detail.timeline) == 8 and len(detail.products) == 3
    assert light == heavy == 13  # 11, and two for the twelve weeks of health


def test_refreshing_derived_columns_costs_the_same_for_any_batch(ctx: Ctx) -> None:
    """Recomputing 3 accounts or 300 takes the same set queries (plus one for search text when asked)."""
    seed(300, seed_value=1, today=TODAY, owner_ids=[ctx.agent.id])
    with reading():
        ids = [a.id for a in Account.select(Account.id).order_by(Account.id)]

    def refresh(batch: list[int], search: bool = False) -> int:
        def run() -> None:
            with database_proxy.atomic():
                refresh_accounts(batch, TODAY, DEFAULT_POLICY, search_ids=batch if search else ())

        with reading():
            return _queries(run)

    assert refresh(ids[:3]) == refresh(ids[:300]) == 4
    assert refresh(ids[:3], search=True) == refresh(ids[:300], search=True) == 5


# --- more follow-up actions --------------------------------------------------------------------


def test_reschedule_moves_the_due_date_and_ends_a_snooze(ctx: Ctx) -> None:
    """A new due date clears any snooze; a date that does not parse is refused and nothing moves."""
    account_id = _account(ctx)
    fid = followups.add_followup(ctx, account_id, {"title": "Call", "due_on": days(-1)})
    followups.snooze_followup(ctx, fid, "+5d", "on holiday")
    assert followups.reschedule_followup(ctx, fid, "fri") == dt.date(2026, 12, 4)
    item = _get(FollowUp, fid)
    assert (item.due_on, item.snoozed_until, item.snooze_reason) == (dt.date(2026, 12, 4), None, "")
    assert _get(Account, account_id).next_followup_on == dt.date(2026, 12, 4)
    with pytest.raises(ValidationError, match="is not a date"):
        followups.reschedule_followup(ctx, fid, "whenever")
    assert _get(FollowUp, fid).due_on == dt.date(2026, 12, 4)


def test_reassign_hands_one_follow_up_to_a_colleague(ctx: Ctx) -> None:
    """The new assignee sees it in their queue (and the account through it); same or inactive agents are refused."""
    sam = _agent(ctx, "sam")
    gone = _agent(ctx, "gone")
    deactivate_agent(ctx, "gone")
    account_id = _account(ctx)
    fid = followups.add_followup(ctx, account_id, {"title": "Tech review", "due_on": "today"})
    followups.reassign_followup(ctx, fid, sam.agent.id)
    assert [i.id for i in followup_queue(sam).due_today] == [fid]
    assert client_detail(sam, account_id).card.id == account_id
    with pytest.raises(ValidationError, match="already assigned"):
        followups.reassign_followup(ctx, fid, sam.agent.id)
    with pytest.raises(ValidationError, match="choose an active agent"):
        followups.reassign_followup(ctx, fid, gone.agent.id)
    assert _get(FollowUp, fid).assignee_id == sam.agent.id


def test_a_finished_follow_up_cannot_be_acted_on_again(ctx: Ctx) -> None:
    """Done is final: done, snooze, reschedule and reassign on it are refused, naming its status."""
    sam = _agent(ctx, "sam")
    account_id = _account(ctx)
    fid = followups.add_followup(ctx, account_id, {"title": "Call", "due_on": "today"})
    followups.complete_followup(ctx, fid)
    for act in (
        lambda: followups.complete_followup(ctx, fid),
        lambda: followups.snooze_followup(ctx, fid, "tomorrow"),
        lambda: followups.reschedule_followup(ctx, fid, "tomorrow"),
        lambda: followups.reassign_followup(ctx, fid, sam.agent.id),
    ):
        with pytest.raises(ValidationError, match=f"follow-up {fid} is already done"):
            act()


def test_completing_with_an_outcome_logs_a_touch(ctx: Ctx) -> None:
    """Done with a logged outcome: the activity is on the timeline and the cadence restarts today."""
    account_id = _account(ctx)
    fid = followups.add_followup(ctx, account_id, {"title": "Call Ines", "due_on": "today"})
    result = followups.complete_followup(ctx, fid, log={"kind": "call", "outcome": "Agreed to renew"})
    assert result.activity_id is not None
    activity = _get(Activity, result.activity_id)
    assert (activity.summary, activity.outcome, activity.kind) == ("Done: Call Ines", "Agreed to renew", "call")
    assert _get(Account, account_id).touch_due_on == TODAY + dt.timedelta(days=14)


def test_logging_plans_the_next_follow_up_in_the_same_save(ctx: Ctx) -> None:
    """A call logged with a next step creates both in one change; a future date or a stranger contact is refused."""
    account_id = _account(ctx)
    other = _account(ctx, "Other")
    stranger = accounts.add_contact(ctx, other, {"name": "Not theirs"})
    logged = followups.log_activity(
        ctx, account_id, {"kind": "email", "summary": "Sent quote"}, followup={"due_on": "+1w"}
    )
    assert logged.followup_id is not None
    item = _get(FollowUp, logged.followup_id)
    assert (item.title, item.due_on, item.assignee_id) == ("Follow up: Sent quote", TODAY + dt.timedelta(days=7), 1)
    with reading():
        entry = AuditEntry.get(AuditEntry.entity == "activity", AuditEntry.entity_id == logged.activity_id)
        together = [(e.entity, e.entity_id) for e in AuditEntry.select().where(AuditEntry.change_id == entry.change_id)]
    assert sorted(together) == [("activity", logged.activity_id), ("follow_up", logged.followup_id)]
    with pytest.raises(ValidationError, match="cannot be logged in the future"):
        followups.log_activity(ctx, account_id, {"summary": "Call"}, occurred_on="tomorrow")
    with pytest.raises(ValidationError, match="choose a contact of this account"):
        followups.log_activity(ctx, account_id, {"summary": "Call"}, contact_id=stranger)


# --- reads that must agree with each other ----------------------------------------------------------


def test_the_detail_card_explains_the_stored_score(ctx: Ctx) -> None:
    """The health on the detail card (computed live, with its factors) equals the one the portfolio sorts by."""
    account_id = _account(ctx, renewal_on=days(25), satisfaction="6")
    followups.log_activity(ctx, account_id, {"kind": "call", "summary": "Call"}, occurred_on=days(-20))
    accounts.add_concern(ctx, account_id, {"title": "Slow", "severity": "high"})
    followups.add_followup(ctx, account_id, {"title": "Late", "due_on": days(-2)})
    detail = client_detail(ctx, account_id)
    stored = _get(Account, account_id)
    assert (detail.health.score, detail.health.band.value) == (stored.health_score, stored.health_band)
    assert sum(f.points for f in detail.health.factors) == stored.health_score - 100
    assert {f.key for f in detail.health.factors if f.points} == {
        "recency",
        "concerns",
        "satisfaction",
        "overdue",
        "renewal",
    }


def test_timeline_pages_newest_first_without_gaps(ctx: Ctx) -> None:
    """Paging the timeline with the last item as the cursor visits every activity once, newest first."""
    from acct_tui.services.reads.detail import timeline_page

    account_id = _account(ctx)
    for n in range(7):
        followups.log_activity(
            ctx, account_id, {"kind": "note", "summary": f"Note {n}"}, occurred_on=days(-((n + 1) // 2))
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = timeline_page(ctx, account_id, before=cursor, limit=3)
        if not page:
            break
        seen += [item.summary for item in page]
        cursor = (page[-1].occurred_at, page[-1].id)
    # Notes 1-2, 3-4 and 5-6 share a moment: the later-logged one comes first, also across a page edge.
    assert seen == ["Note 0", "Note 2", "Note 1", "Note 4", "Note 3", "Note 6", "Note 5"]


def test_portfolio_paging_and_empty_values_last(ctx: Ctx) -> None:
    """Pages tile the whole list; accounts with no renewal date sort last both ways; quick filters narrow."""
    for n in range(7):
        _account(ctx, f"Account {n}", renewal_on=days(10 * n + 5) if n % 2 else "")
    query = PortfolioQuery(sort=SortKey.RENEWAL)
    pages = [portfolio(ctx, query, page=p, page_size=3) for p in range(3)]
    names = [row.name for page in pages for row in page.rows]
    assert len(names) == len(set(names)) == 7 and pages[0].total == 7
    assert names[:3] == ["Account 1", "Account 3", "Account 5"]
    backwards = [row.name for row in portfolio(ctx, query.with_sort(SortKey.RENEWAL), page_size=10).rows]
    assert backwards[:3] == ["Account 5", "Account 3", "Account 1"]
    assert all(name in ("Account 0", "Account 2", "Account 4", "Account 6") for name in backwards[3:])
    renewing = portfolio(ctx, PortfolioQuery(quick=QuickFilter.RENEWING))
    assert {row.name for row in renewing.rows} == {"Account 1", "Account 3", "Account 5"}
    assert portfolio(ctx, PortfolioQuery(quick=QuickFilter.QUIET)).total == 7  # never contacted
