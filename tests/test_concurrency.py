"""No lost update: several OS processes edit the same accounts at once, then every change is counted.

Each worker process is a different agent working the same three accounts:
editing one field of the account from a version it read a moment before
(so saves collide), logging calls, planning and completing follow-ups. Every
save the services acknowledged is reported back to the test, which then checks
the database against the reports, on one SQLite file (WAL, busy timeout) and on
PostgreSQL:

- every acknowledged activity and follow-up is there, and nothing else is;
- account versions go up by one per acknowledged edit, with no two edits
  claiming the same version (that would be a lost update);
- each field holds the value of the last acknowledged edit of that field
  (a save writes only the fields the agent changed, so others' fields survive);
- every conflict was reported with the newer version, none swallowed;
- the derived columns (counters, next follow-up, last touch, health) equal a
  fresh recompute, and the audit trail has one entry per acknowledged change.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import TODAY

# Raise these to stress the services harder: ACCT_TUI_RACE_WORKERS=12 ACCT_TUI_RACE_ROUNDS=300.
WORKERS = int(os.environ.get("ACCT_TUI_RACE_WORKERS", "6"))
ROUNDS = int(os.environ.get("ACCT_TUI_RACE_ROUNDS", "40"))
ACCOUNTS = 3
# The field each worker edits; two share `notes`, so same-field races happen too.
FIELDS = ("notes", "industry", "domain", "arr", "name", "notes")

pytestmark = pytest.mark.slow


@dataclass
class TickingClock:
    """Today stays put (health depends on it); now moves with real time, so touches have an order."""

    started: float

    def now(self) -> dt.datetime:
        return dt.datetime.combine(TODAY, dt.time(9)) + dt.timedelta(seconds=time.time() - self.started)

    def today(self) -> dt.date:
        return TODAY


def _value(field: str, worker: int, round_no: int) -> str:
    if field == "domain":
        return f"w{worker}r{round_no}.example.com"
    if field == "arr":
        return str(100_000 + worker * 1000 + round_no)
    if field == "name":
        return f"Account w{worker} r{round_no}"
    return f"{field} by w{worker} in round {round_no}"


def worker_main(url: str, login: str, worker: int, account_ids: list[int], start_at: float, out: Any) -> None:
    """One agent's session: ROUNDS random actions on the shared accounts, each outcome reported."""
    report: dict[str, list[Any]] = defaultdict(list)
    try:
        _work(url, login, worker, account_ids, start_at, report)
    except BaseException:
        report["errors"].append(traceback.format_exc())
    out.put((worker, dict(report)))


def _work(url: str, login: str, worker: int, account_ids: list[int], start_at: float, report: Any) -> None:
    from acct_tui.db import open_database
    from acct_tui.models import Account
    from acct_tui.services.context import Ctx
    from acct_tui.services.errors import Conflict
    from acct_tui.services.store.unit import reading
    from acct_tui.services.writes import accounts, followups
    from acct_tui.services.writes.agents import find_agent

    open_database(url)
    agent = find_agent(login)
    assert agent is not None
    ctx = Ctx(agent=agent, clock=TickingClock(start_at))
    rng = random.Random(worker)
    field = FIELDS[worker % len(FIELDS)]
    mine_open: list[int] = []
    time.sleep(max(0.0, start_at - time.time()))

    def edit(account_id: int, round_no: int) -> None:
        with reading():
            version = Account.select(Account.version).where(Account.id == account_id).scalar()
        time.sleep(rng.uniform(0, 0.01))  # the agent typing: others save meanwhile
        value = _value(field, worker, round_no)
        try:
            new = accounts.edit_account(ctx, account_id, version, {field: value})
            report["edits"].append((account_id, field, value, version, new, False))
            return
        except Conflict as exc:
            report["conflicts"].append((account_id, version, exc.version, sorted(exc.theirs)))
            if rng.random() < 0.5:  # overwrite knowingly: only this field is written
                new = accounts.edit_account(ctx, account_id, version, {field: value}, force=True)
                report["edits"].append((account_id, field, value, version, new, True))

    for round_no in range(ROUNDS):
        account_id = rng.choice(account_ids)
        action = rng.choice(("edit", "edit", "log", "followup", "done"))
        if action == "edit":
            edit(account_id, round_no)
        elif action == "log":
            plan = {"title": f"after call w{worker} r{round_no}", "due_on": "+3d"} if rng.random() < 0.5 else None
            logged = followups.log_activity(
                ctx, account_id, {"kind": "call", "summary": f"call w{worker} r{round_no}"}, followup=plan
            )
            report["activities"].append((account_id, logged.activity_id))
            if logged.followup_id is not None:
                report["followups"].append((account_id, logged.followup_id))
                mine_open.append(logged.followup_id)
        elif action == "followup" or not mine_open:
            due = (TODAY + dt.timedelta(days=rng.randint(-5, 10))).isoformat()
            item = followups.add_followup(ctx, account_id, {"title": f"w{worker} r{round_no}", "due_on": due})
            report["followups"].append((account_id, item))
            mine_open.append(item)
        else:
            item = mine_open.pop(rng.randrange(len(mine_open)))
            followups.complete_followup(ctx, item)
            report["done"].append(item)


def refresher_main(url: str, account_ids: list[int], start_at: float, until: Any, out: Any) -> None:
    """A day rolling over under the agents' feet: accounts go stale and the batch refresh brings them back."""
    report: dict[str, list[Any]] = defaultdict(list)
    try:
        from acct_tui.db import open_database
        from acct_tui.models import Account, database_proxy
        from acct_tui.services.domain.health import DEFAULT_POLICY
        from acct_tui.services.store.derived import refresh_stale_health

        open_database(url)
        time.sleep(max(0.0, start_at - time.time()))
        while not until.is_set():
            with database_proxy.connection_context():
                Account.update(health_as_of=None).where(Account.id.in_(account_ids)).execute()
            report["refreshed"].append(refresh_stale_health(TODAY, DEFAULT_POLICY))
    except BaseException:
        report["errors"].append(traceback.format_exc())
    out.put(("refresher", dict(report)))


def _setup(ctx: Any) -> tuple[list[int], list[str]]:
    from acct_tui.services.writes import accounts
    from acct_tui.services.writes.agents import add_agent
    from acct_tui.services.writes.sharing import share_account

    logins = [f"w{n}" for n in range(WORKERS)]
    for login in logins:
        add_agent(ctx, login, team="Desk")
    ids = []
    for number in range(ACCOUNTS):
        account_id = accounts.create_account(ctx, {"name": f"Shared {number}", "tier": "gold", "arr": "50000"})
        share_account(ctx, account_id, team="Desk")
        ids.append(account_id)
    return ids, logins


def _run_workers(url: str, logins: list[str], ids: list[int]) -> dict[int, dict[str, list[Any]]]:
    spawn = multiprocessing.get_context("spawn")
    out = spawn.Queue()
    start_at = time.time() + 2.0  # every process imported and connected before anyone starts
    processes = [
        spawn.Process(target=worker_main, args=(url, login, n, ids, start_at, out)) for n, login in enumerate(logins)
    ]
    until = spawn.Event()
    refresher = spawn.Process(target=refresher_main, args=(url, ids, start_at, until, out))
    for process in [*processes, refresher]:
        process.start()
    results = dict(out.get(timeout=240) for _ in processes)
    until.set()
    results.update([out.get(timeout=60)])
    processes.append(refresher)
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return results


def _derived_snapshot(ids: list[int]) -> dict[int, tuple[object, ...]]:
    from acct_tui.models import Account
    from acct_tui.services.store.derived import _COLUMNS

    columns = [getattr(Account, name) for name in _COLUMNS]
    rows = Account.select(Account.id, *columns).where(Account.id.in_(ids)).tuples()
    return {row[0]: tuple(str(value) for value in row[1:]) for row in rows}


def test_processes_editing_the_same_accounts_lose_nothing(ctx: Any, db_url: str) -> None:
    """Six processes racing on three accounts: every acknowledged change is there, counters match a recompute."""
    from acct_tui.models import Account, Activity, AuditEntry, FollowUp, database_proxy
    from acct_tui.services.store.derived import refresh_accounts
    from acct_tui.services.store.unit import reading

    ids, logins = _setup(ctx)
    results = _run_workers(db_url, logins, ids)
    errors = [error for report in results.values() for error in report.get("errors", [])]
    assert errors == [], "\n".join(errors)

    def gathered(key: str) -> list[Any]:
        return [entry for report in results.values() for entry in report.get(key, [])]

    assert len(gathered("refreshed")) > 1, "the batch refresh never ran alongside the agents"
    edits, conflicts = gathered("edits"), gathered("conflicts")
    activities, created, done = gathered("activities"), gathered("followups"), set(gathered("done"))
    assert edits and activities and created and done, "the workload did not exercise every kind of write"
    assert conflicts, "no save collided: the race this test is about never happened"

    with reading():
        # Every acknowledged activity and follow-up is there, and nothing else.
        stored_activities = set(Activity.select(Activity.account, Activity.id).where(Activity.kind == "call").tuples())
        assert stored_activities == set(map(tuple, activities))
        stored_followups = {
            (account, fid): status
            for account, fid, status in FollowUp.select(FollowUp.account, FollowUp.id, FollowUp.status)
            .where(FollowUp.account.in_(ids))
            .tuples()
        }
        assert set(stored_followups) == set(map(tuple, created))
        assert {fid for (_, fid), status in stored_followups.items() if status == "done"} == done

        # Versions: one step per acknowledged edit, no version claimed twice, non-forced saves from the current one.
        for account_id in ids:
            mine = sorted((e for e in edits if e[0] == account_id), key=lambda e: e[4])
            account = Account.get_by_id(account_id)
            assert [e[4] for e in mine] == list(range(2, account.version + 1))
            assert all(new == read + 1 for _, _, _, read, new, forced in mine if not forced)
            for field in set(FIELDS):
                last = [e for e in mine if e[1] == field]
                if last:
                    stored = account.__data__[field]
                    expected: object = last[-1][2]
                    if field == "arr":
                        stored, expected = Decimal(str(stored)), Decimal(str(expected))
                    assert stored == expected, (account_id, field)
            audit = list(
                AuditEntry.select()
                .where(
                    AuditEntry.entity == "account", AuditEntry.entity_id == account_id, AuditEntry.action == "update"
                )
                .order_by(AuditEntry.id)
            )
            # One audit entry per acknowledged edit, in version order, naming only the field that edit changed.
            audited = [next(iter(json.loads(a.after).items())) for a in audit if len(json.loads(a.after)) == 1]
            assert len(audited) == len(audit) == len(mine)
            assert [(f, Decimal(str(v)) if f == "arr" else v) for f, v in audited] == [
                (e[1], Decimal(e[2]) if e[1] == "arr" else e[2]) for e in mine
            ]

        # Every conflict was reported with the version that beat it.
        assert all(theirs > read for _, read, theirs, _ in conflicts)

        # One audit entry per logged activity.
        logged = AuditEntry.select().where(AuditEntry.entity == "activity", AuditEntry.action == "log").count()
        assert logged == len(activities)

        # Derived columns equal a fresh recompute from the child rows.
        stored = _derived_snapshot(ids)
        with database_proxy.atomic() as transaction:
            refresh_accounts(ids, TODAY, ctx.policy)
            recomputed = _derived_snapshot(ids)
            transaction.rollback()
        assert stored == recomputed
        for account_id in ids:
            account = Account.get_by_id(account_id)
            open_items = FollowUp.select().where(FollowUp.account == account_id, FollowUp.status == "open").count()
            assert account.open_followups == open_items
            touches = Activity.select().where(Activity.account == account_id, Activity.kind == "call")
            latest = max(a.occurred_at for a in touches) if touches.count() else None
            assert account.last_touch_at == latest
    print(
        f"\n{os.environ.get('PYTEST_CURRENT_TEST', '')}: {len(edits)} edits, {len(conflicts)} conflicts, "
        f"{len(activities)} activities, {len(created)} follow-ups, {len(done)} done"
    )


def test_batch_health_refresh_never_overwrites_a_newer_touch(ctx: Any) -> None:
    """A call logged while the start-of-day health refresh is computing is still in the account's columns after it."""
    import threading

    from acct_tui.models import Account, database_proxy
    from acct_tui.services.store import derived
    from acct_tui.services.store.unit import reading
    from acct_tui.services.writes import accounts, followups

    account_id = accounts.create_account(ctx, {"name": "Racy", "tier": "gold"})
    with database_proxy.connection_context():
        Account.update(health_as_of=None).where(Account.id == account_id).execute()

    computing, release = threading.Event(), threading.Event()
    real_assess = derived.assess

    def slow_assess(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "refresher":
            computing.set()
            release.wait(timeout=10)
        return real_assess(*args, **kwargs)

    failures: list[BaseException] = []

    def refresher() -> None:
        try:
            derived.refresh_stale_health(TODAY, ctx.policy)
        except BaseException as exc:
            failures.append(exc)

    def agent() -> None:
        try:
            followups.log_activity(ctx, account_id, {"kind": "call", "summary": "During the refresh"})
        except BaseException as exc:
            failures.append(exc)

    derived.assess = slow_assess  # type: ignore[assignment]
    try:
        batch = threading.Thread(target=refresher, name="refresher")
        batch.start()
        assert computing.wait(timeout=10)
        call = threading.Thread(target=agent, name="agent")
        call.start()
        call.join(timeout=1.0)  # it either commits now (no lock) or waits for the refresh (locked rows)
        release.set()
        batch.join(timeout=20)
        call.join(timeout=20)
    finally:
        derived.assess = real_assess  # type: ignore[assignment]
    assert failures == []
    with reading():
        account = Account.get_by_id(account_id)
    assert account.last_touch_at == ctx.now(), "the refresh wrote a stale last touch over the logged call"
    assert account.health_as_of == TODAY
