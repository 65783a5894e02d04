"""Renewal checkpoints: created once, moved with the renewal date, never duplicated, and made in bulk."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from typing import Any

from acct_tui.clock import FixedClock
from acct_tui.models import Account, AuditEntry, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.domain.policy import WorkPlan
from acct_tui.services.store.undo import undo_last
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.checkpoints import parse_checkpoint, sync_all
from tests.conftest import TODAY, days


def _checkpoints(account_id: int) -> list[tuple[str, dt.date, str]]:
    """(name, due date, status) of the account's checkpoints, by name then age."""
    with reading():
        rows = [
            (parse_checkpoint(row.checkpoint)[0], row.due_on, row.status, row.id)
            for row in FollowUp.select().where(FollowUp.account == account_id, FollowUp.checkpoint.is_null(False))
        ]
    return [(name, due, status) for name, due, status, _id in sorted(rows, key=lambda r: (r[0], r[3]))]


def _edit(ctx: Ctx, account_id: int, **changes: Any) -> None:
    with reading():
        version = Account.get_by_id(account_id).version
    accounts.edit_account(ctx, account_id, version, changes)


def _on(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def test_an_account_with_a_renewal_date_gets_its_checkpoints(ctx: Ctx) -> None:
    """Renewing in 200 days: a 90-day and a 30-day checkpoint, renewal follow-ups for the owner."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(200)})
    assert _checkpoints(account_id) == [("renewal-30", _on(170), "open"), ("renewal-90", _on(110), "open")]
    with reading():
        item = FollowUp.get(FollowUp.account == account_id, FollowUp.checkpoint.startswith("renewal-90:"))
    assert (item.kind, item.assignee_id, item.title) == (
        "renewal",
        ctx.agent.id,
        "Renewal checkpoint: 90 days to renewal",
    )


def test_a_checkpoint_is_never_born_overdue(ctx: Ctx) -> None:
    """Renewing in 60 days: the 90-day point has passed, so only the 30-day checkpoint is made."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(60)})
    assert _checkpoints(account_id) == [("renewal-30", _on(30), "open")]


def test_moving_the_renewal_date_twice_moves_the_checkpoints_and_never_duplicates(ctx: Ctx) -> None:
    """The date moves out and back in: still one checkpoint per point, due in step with the last date."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(200)})
    _edit(ctx, account_id, renewal_on=days(260))
    _edit(ctx, account_id, renewal_on=days(150))
    assert _checkpoints(account_id) == [("renewal-30", _on(120), "open"), ("renewal-90", _on(60), "open")]
    sync_all(ctx)
    sync_all(ctx)
    assert len(_checkpoints(account_id)) == 2


def test_a_done_checkpoint_is_not_recreated_when_the_date_moves_a_little(ctx: Ctx) -> None:
    """The 90-day review is done; the renewal slips a month: no second 90-day checkpoint, the 30-day one moves."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(100)})
    with reading():
        ninety = FollowUp.get(FollowUp.account == account_id, FollowUp.checkpoint.startswith("renewal-90:")).id
    followups.complete_followup(ctx, ninety)
    _edit(ctx, account_id, renewal_on=days(130))
    _edit(ctx, account_id, renewal_on=days(140))
    sync_all(ctx)
    assert _checkpoints(account_id) == [("renewal-30", _on(110), "open"), ("renewal-90", _on(10), "done")]


def test_next_years_renewal_gets_fresh_checkpoints(ctx: Ctx) -> None:
    """Both checkpoints done, the contract renewed a year on: new 90- and 30-day checkpoints."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(100)})
    with reading():
        ids = [f.id for f in FollowUp.select().where(FollowUp.account == account_id)]
    for fid in ids:
        followups.complete_followup(ctx, fid)
    _edit(ctx, account_id, renewal_on=days(465))
    assert [(c, s) for c, _d, s in _checkpoints(account_id)] == [
        ("renewal-30", "done"),
        ("renewal-30", "open"),
        ("renewal-90", "done"),
        ("renewal-90", "open"),
    ]


def test_a_date_moved_into_the_past_makes_the_checkpoint_due_today(ctx: Ctx) -> None:
    """Renewal pulled in so the 90-day point has passed: the open checkpoint is due today, not lost."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(200)})
    _edit(ctx, account_id, renewal_on=days(50))
    assert _checkpoints(account_id) == [("renewal-30", _on(20), "open"), ("renewal-90", TODAY, "open")]
    later = replace(ctx, clock=FixedClock.on(_on(3)))
    sync_all(later)
    assert ("renewal-90", TODAY, "open") in _checkpoints(account_id)


def test_the_agents_own_reschedule_and_snooze_survive_a_sync(ctx: Ctx) -> None:
    """While the renewal date stays put, a checkpoint moved or snoozed by hand is left where the agent put it."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(200)})
    with reading():
        ids = {parse_checkpoint(f.checkpoint)[0]: f.id for f in FollowUp.select().where(FollowUp.account == account_id)}
    followups.reschedule_followup(ctx, ids["renewal-90"], days(100))
    followups.snooze_followup(ctx, ids["renewal-30"], days(175), "after the board meeting")
    report = sync_all(ctx)
    assert (report.moved, report.created) == (0, 0)
    assert _checkpoints(account_id) == [("renewal-30", _on(175), "open"), ("renewal-90", _on(100), "open")]


def test_clearing_the_renewal_date_cancels_the_open_checkpoints(ctx: Ctx) -> None:
    """No renewal date, no checkpoints to chase: the open ones are cancelled."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(200)})
    _edit(ctx, account_id, renewal_on="")
    assert {s for _c, _d, s in _checkpoints(account_id)} == {"cancelled"}


def test_undoing_the_date_change_puts_the_checkpoints_back(ctx: Ctx) -> None:
    """The checkpoint moves are part of the edit: undo restores their due dates."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "renewal_on": days(200)})
    _edit(ctx, account_id, renewal_on=days(300))
    undo_last(ctx)
    assert _checkpoints(account_id) == [("renewal-30", _on(170), "open"), ("renewal-90", _on(110), "open")]


def test_the_bulk_sync_creates_what_is_missing_in_set_queries(ctx: Ctx) -> None:
    """Accounts written without checkpoints (an import, a seed) get them from one run, audited; a second run does nothing."""
    with reading():
        for n in range(30):
            Account.create(
                name=f"Bulk {n}", sort_name=f"bulk {n}", owner=ctx.agent.id, renewal_on=_on(100 + n), tier="gold"
            )
    report = sync_all(ctx, batch=7)
    assert (report.created, report.accounts) == (60, 30)
    with reading():
        assert AuditEntry.select().where(AuditEntry.action == "checkpoint").count() == 60
        assert Account.get(Account.name == "Bulk 0").next_followup_on == _on(10)
    again = sync_all(ctx)
    assert (again.created, again.moved, again.cancelled) == (0, 0, 0)


def test_the_preset_decides_the_checkpoint_days(ctx: Ctx) -> None:
    """With checkpoint days 120 and 60 the account gets exactly those two."""
    planned = replace(ctx, plan=WorkPlan(checkpoint_days=(120, 60)))
    account_id = accounts.create_account(planned, {"name": "Acme", "renewal_on": days(200)})
    assert [c for c, _d, _s in _checkpoints(account_id)] == ["renewal-120", "renewal-60"]


def test_the_bulk_sync_is_quick_when_there_is_nothing_to_do(ctx: Ctx) -> None:
    """2,000 accounts already in step: a run takes a fraction of a second (set queries, no per-account work)."""
    with reading():
        Account.insert_many(
            [{"name": f"A{n}", "sort_name": f"a{n}", "owner": ctx.agent.id, "renewal_on": _on(20)} for n in range(2000)]
        ).as_rowcount().execute()
    sync_all(ctx)
    started = time.perf_counter()
    report = sync_all(ctx)
    assert report.created == 0
    assert time.perf_counter() - started < 1.0


def test_a_big_checkpoint_run_refreshes_the_planners_statistics(ctx: Ctx, monkeypatch: Any) -> None:
    """Thousands of new follow-ups at once: PostgreSQL gets ANALYZE (its plans follow statistics, and a
    client detail went from 5 ms to seconds on stale ones), SQLite PRAGMA optimize; a small run neither."""
    import acct_tui.db as db_module
    from acct_tui.db import is_postgres
    from acct_tui.models import database_proxy
    from acct_tui.services.io.seed import seed

    seed(30, seed_value=9, today=TODAY, owner_ids=[ctx.agent.id])

    def analyzed() -> int:
        if not is_postgres():
            return 0
        with reading():
            row = database_proxy.execute_sql(
                "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'follow_up'"
            ).fetchone()
        return int(row[0])

    ran: list[str] = []
    execute_sql = database_proxy.obj.execute_sql

    def spy(sql: str, *args: Any, **kwargs: Any) -> Any:
        if sql in ("ANALYZE", "PRAGMA optimize"):
            ran.append(sql)
        return execute_sql(sql, *args, **kwargs)

    monkeypatch.setattr(database_proxy.obj, "execute_sql", spy)
    before = analyzed()
    monkeypatch.setattr(db_module, "BULK_ROWS", 10)
    report = sync_all(ctx)
    assert report.created >= 10
    assert ran == ["ANALYZE" if is_postgres() else "PRAGMA optimize"]
    if is_postgres():
        time.sleep(0.6)  # the statistics collector reports a moment later
        assert analyzed() > before
    ran.clear()
    again = sync_all(ctx)  # nothing left to do: no statistics run
    assert again.created + again.moved + again.cancelled < 10 and ran == []
