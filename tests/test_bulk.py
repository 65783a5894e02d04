"""Bulk actions: one transaction and one undo step, scope checked per row, skips counted and named."""

from __future__ import annotations

import datetime as dt

import pytest

from acct_tui.models import Account, Activity, AuditEntry, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.store.undo import undo_last
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, bulk, followups
from acct_tui.services.writes.agents import add_agent
from tests.conftest import TODAY, days


def _book(ctx: Ctx, n: int = 3) -> tuple[list[int], list[int]]:
    """`n` accounts of the admin's, each with one open follow-up due today."""
    account_ids = [accounts.create_account(ctx, {"name": f"Acme {i}"}) for i in range(n)]
    followup_ids = [
        followups.add_followup(ctx, a, {"title": f"Call {i}", "due_on": days(0)}) for i, a in enumerate(account_ids)
    ]
    return account_ids, followup_ids


def _followup(followup_id: int) -> FollowUp:
    with reading():
        return FollowUp.get_by_id(followup_id)


def test_snooze_many_is_one_undo_step_and_keeps_the_first_due_date(ctx: Ctx) -> None:
    """Three follow-ups snoozed a week in one change; health still counts from today; one `z` takes all back."""
    account_ids, ids = _book(ctx)
    result = bulk.snooze_many(ctx, ids, "+1w", "client on holiday")
    assert result.summary() == "Snoozed 3 follow-ups"
    week = TODAY + dt.timedelta(days=7)
    for followup_id in ids:
        item = _followup(followup_id)
        assert (item.due_on, item.snoozed_until, item.first_due_on, item.snooze_reason) == (
            week,
            week,
            TODAY,
            "client on holiday",
        )
        assert item.version == 2
    with reading():
        changes = {e.change_id for e in AuditEntry.select().where(AuditEntry.summary.contains("bulk"))}
        assert Account.get_by_id(account_ids[0]).next_followup_on == week  # derived columns refreshed
    assert len(changes) == 1
    undo_last(ctx)
    assert [_followup(i).due_on for i in ids] == [TODAY] * 3
    assert all(_followup(i).snoozed_until is None for i in ids)


def test_rows_out_of_scope_are_skipped_as_not_found_and_done_ones_as_not_open(ctx: Ctx) -> None:
    """A plain agent marks their own, another's and a missing id: only theirs change; the rest say why, alike."""
    sam = Ctx(agent=add_agent(ctx, "sam", name="Sam Other"), clock=ctx.clock)
    _mine, admins = _book(ctx, 1)
    own_account = accounts.create_account(sam, {"name": "Sam's client"})
    own = followups.add_followup(sam, own_account, {"title": "Sam's call", "due_on": days(0)})
    closed = followups.add_followup(sam, own_account, {"title": "Old", "due_on": days(0)})
    followups.complete_followup(sam, closed)
    result = bulk.done_many(sam, [own, admins[0], 999_999, closed, own])
    assert result.changed == (own,)
    assert result.skipped == {"not found": 2, "not open": 1}
    assert result.summary() == "Done 1 follow-up; 3 skipped (2 not found, 1 not open)"
    assert _followup(admins[0]).status == "open"
    assert _followup(own).status == "done"


def test_done_many_gives_a_recurring_follow_up_its_next_occurrence(ctx: Ctx) -> None:
    account_ids, ids = _book(ctx, 2)
    weekly = followups.add_followup(ctx, account_ids[0], {"title": "Weekly", "due_on": days(0), "recurrence": "weekly"})
    bulk.done_many(ctx, [*ids, weekly])
    with reading():
        nxt = FollowUp.get((FollowUp.title == "Weekly") & (FollowUp.status == "open"))
    assert nxt.due_on == TODAY + dt.timedelta(days=7)
    undo_last(ctx)
    with reading():
        assert FollowUp.select().where(FollowUp.title == "Weekly").count() == 1
    assert all(_followup(i).status == "open" for i in [*ids, weekly])


def test_reassign_many_notes_each_and_skips_those_already_theirs(ctx: Ctx) -> None:
    kim = add_agent(ctx, "kim", name="Kim")
    _accounts, ids = _book(ctx, 3)
    followups.reassign_followup(ctx, ids[0], kim.id)
    result = bulk.reassign_many(ctx, ids, kim.id, "covering while I am away")
    assert result.changed == (ids[1], ids[2]) and result.skipped == {"already theirs": 1}
    assert _followup(ids[1]).assignee_id == kim.id
    assert "covering while I am away" in _followup(ids[2]).notes
    with pytest.raises(ValidationError):
        bulk.reassign_many(ctx, ids, 123_456)
    undo_last(ctx)
    assert _followup(ids[1]).assignee_id == ctx.agent.id and _followup(ids[2]).notes == ""


def test_handoff_many_is_one_undo_step(ctx: Ctx) -> None:
    """Every account goes to Kim with a handoff follow-up each; one undo gives them all back."""
    kim = add_agent(ctx, "kim", name="Kim")
    account_ids, _ids = _book(ctx, 3)
    result = bulk.handoff_many(ctx, [*account_ids, 999_999], kim.id, "Kim covers the north")
    assert result.changed == tuple(account_ids) and result.skipped == {"not found": 1}
    with reading():
        assert {Account.get_by_id(a).owner_id for a in account_ids} == {kim.id}
        assert Activity.select().where(Activity.kind == "handoff").count() == 3
    undo_last(ctx)
    with reading():
        assert {Account.get_by_id(a).owner_id for a in account_ids} == {ctx.agent.id}


def test_a_thousand_follow_ups_snooze_in_one_statement_per_batch(ctx: Ctx) -> None:
    """The cost does not grow per row in queries: 1,200 rows take a handful of statements."""
    from tests.test_services_more import _queries

    account_id = accounts.create_account(ctx, {"name": "Big"})
    with reading():
        ids = [
            FollowUp.create(
                account=account_id, title=f"T{i}", due_on=TODAY, assignee=ctx.agent.id, created_by=ctx.agent.id
            ).id
            for i in range(1200)
        ]
    count = _queries(lambda: bulk.snooze_many(ctx, ids, "+2d"))
    assert count < 40
    assert _followup(ids[-1]).due_on == TODAY + dt.timedelta(days=2)


def _many(ctx: Ctx, n: int) -> list[int]:
    account_id = accounts.create_account(ctx, {"name": f"Big {n}"})
    with reading():
        return [
            int(
                FollowUp.create(
                    account=account_id, title=f"T{i}", due_on=TODAY, assignee=ctx.agent.id, created_by=ctx.agent.id
                ).id
            )
            for i in range(n)
        ]


def test_undoing_a_large_bulk_action_writes_every_row_back_in_batches(ctx: Ctx) -> None:
    """120 snoozed rows (past the batch threshold) come back as they were, versions moved on, once only."""
    from acct_tui.services.store.undo import BULK, last_undoable

    ids = _many(ctx, 120)
    assert len(ids) >= BULK
    kim = add_agent(ctx, "kim", name="Kim")
    bulk.reassign_many(ctx, ids, kim.id, "cover")
    bulk.snooze_many(ctx, ids, "+3d", "away")
    undo_last(ctx)
    rows = [_followup(i) for i in ids]
    assert {(r.due_on, r.snoozed_until, r.snooze_reason, r.first_due_on) for r in rows} == {(TODAY, None, "", None)}
    assert {r.assignee_id for r in rows} == {kim.id} and {r.version for r in rows} == {4}
    undo_last(ctx)  # the reassignment, not the undo
    assert {_followup(i).assignee_id for i in ids} == {ctx.agent.id}
    assert {"cover" in _followup(i).notes for i in ids} == {False}
    assert last_undoable(ctx) is not None  # the follow-ups' creation is older: still there


def test_a_large_undo_is_refused_whole_when_one_row_changed_since(ctx: Ctx) -> None:
    from acct_tui.services.errors import Conflict

    ids = _many(ctx, 60)
    bulk.snooze_many(ctx, ids, "+3d")
    followups.reschedule_followup(ctx, ids[7], "+10d")
    with pytest.raises(Conflict, match="changed since"):
        from acct_tui.services.store.undo import undo_change

        with reading():
            change_id = AuditEntry.get(AuditEntry.summary.contains("snoozed until")).change_id
        undo_change(ctx, change_id)
    assert _followup(ids[0]).snoozed_until == TODAY + dt.timedelta(days=3)


def test_a_bulk_reassignment_leaves_every_derived_column_as_a_full_refresh_computes_it(ctx: Ctx) -> None:
    """Who holds a follow-up feeds no derived column or score: the refresh it skips would change nothing."""
    from acct_tui.services.store import derived
    from acct_tui.services.store.derived import DERIVED_COLUMNS

    kim = add_agent(ctx, "kim", name="Kim")
    account_ids, ids = _book(ctx, 4)
    bulk.reassign_many(ctx, ids, kim.id)
    names = sorted(DERIVED_COLUMNS)

    def derived_values() -> list[tuple[object, ...]]:
        with reading():
            return [tuple(getattr(Account.get_by_id(a), n) for n in names) for a in account_ids]

    before = derived_values()
    with reading():
        derived.refresh_accounts(account_ids, ctx.today, ctx.policy, search_ids=account_ids)
    assert derived_values() == before
    assert {_followup(i).assignee_id for i in ids} == {kim.id}


def _recurring(ctx: Ctx, n: int) -> tuple[int, list[int]]:
    account_id = accounts.create_account(ctx, {"name": f"Weekly {n}"})
    ids = [
        followups.add_followup(ctx, account_id, {"title": f"W{i}", "due_on": days(0), "recurrence": "weekly"})
        for i in range(n)
    ]
    return account_id, ids


def test_a_large_bulk_done_plans_each_next_occurrence_and_one_undo_takes_them_away(ctx: Ctx) -> None:
    """60 weekly follow-ups done at once (past the batch threshold): 60 next ones due in a week, in a
    handful of statements; one undo reopens the 60 and removes the next ones, also in batches."""
    from acct_tui.services.store.undo import BULK
    from tests.test_services_more import _queries

    account_id, ids = _recurring(ctx, 60)
    assert len(ids) >= BULK
    assert _queries(lambda: bulk.done_many(ctx, ids)) < 40
    week = TODAY + dt.timedelta(days=7)
    with reading():
        upcoming = list(FollowUp.select().where(FollowUp.account == account_id, FollowUp.status == "open"))
        assert Account.get_by_id(account_id).next_followup_on == week
    assert len(upcoming) == 60 and {f.due_on for f in upcoming} == {week}
    assert {(f.recurrence, f.assignee_id, f.version) for f in upcoming} == {("1w", ctx.agent.id, 1)}
    assert sorted(f.title for f in upcoming) == sorted(f"W{i}" for i in range(60))
    assert _queries(lambda: undo_last(ctx)) < 60
    with reading():
        left = list(FollowUp.select().where(FollowUp.account == account_id))
        assert Account.get_by_id(account_id).next_followup_on == TODAY
    assert sorted(f.id for f in left) == sorted(ids) and {f.status for f in left} == {"open"}
    assert {f.completed_at for f in left} == {None}


def test_a_large_bulk_done_is_not_undone_once_a_next_occurrence_was_changed(ctx: Ctx) -> None:
    """Undo would delete a next occurrence someone has since moved: refused whole, nothing reopened."""
    from acct_tui.services.errors import Conflict

    account_id, ids = _recurring(ctx, 55)
    bulk.done_many(ctx, ids)
    with reading():
        moved = FollowUp.get(FollowUp.account == account_id, FollowUp.status == "open").id
        change_id = AuditEntry.get(AuditEntry.summary == "done (bulk)").change_id
    followups.reschedule_followup(ctx, moved, "+20d")
    from acct_tui.services.store.undo import undo_change

    with pytest.raises(Conflict, match="due_on changed since"):
        undo_change(ctx, change_id)
    assert {_followup(i).status for i in ids} == {"done"}
    assert _followup(moved).due_on == TODAY + dt.timedelta(days=20)


def test_a_bulk_snooze_keeps_the_last_touch_but_a_touch_logged_in_the_same_change_counts(ctx: Ctx) -> None:
    """A snooze is no touch, so the stored last touch stands; an activity logged inside the same change
    (a composite action) is read again and moves it."""
    from acct_tui.services.store.unit import change

    account_ids, ids = _book(ctx, 2)
    followups.log_activity(ctx, account_ids[0], {"kind": "call", "summary": "Earlier call"}, occurred_on=days(-3))
    with reading():
        touched = Account.get_by_id(account_ids[0]).last_touch_at
    assert touched is not None
    bulk.snooze_many(ctx, ids, "+1w")
    with reading():
        assert Account.get_by_id(account_ids[0]).last_touch_at == touched
        assert Account.get_by_id(account_ids[1]).last_touch_at is None
    with change(ctx, "composite") as ch:
        ch.keep_touches(account_ids)
        followups.log_activity(ctx, account_ids[1], {"kind": "email", "summary": "Sent the deck"})
    with reading():
        assert Account.get_by_id(account_ids[1]).last_touch_at == ctx.now()
        assert Account.get_by_id(account_ids[0]).last_touch_at == touched


def test_a_refresh_that_changes_nothing_writes_no_account_row(ctx: Ctx) -> None:
    """Derived columns are written only where they moved: a second refresh of the same accounts is no write."""
    from acct_tui.models import database_proxy
    from acct_tui.services.store import derived

    account_ids, ids = _book(ctx, 5)
    with reading():
        derived.refresh_accounts(account_ids, ctx.today, ctx.policy)
        if database_proxy.obj.__class__.__name__.lower().startswith("sqlite"):
            before = database_proxy.connection().total_changes
            derived.refresh_accounts(account_ids, ctx.today, ctx.policy)
            assert database_proxy.connection().total_changes == before
    followups.snooze_followup(ctx, ids[2], "+2d")
    with reading():
        assert Account.get_by_id(account_ids[2]).next_followup_on == TODAY + dt.timedelta(days=2)
        assert Account.get_by_id(account_ids[1]).next_followup_on == TODAY
