"""Renewal checkpoints: follow-ups at set days before each renewal date, created once, kept in step.

For every account with a renewal date and each day count of the plan
(`WorkPlan.checkpoint_days`, default 90 and 30) there is one follow-up whose
`checkpoint` is `renewal-<days>`, due that many days before the renewal:

- it is created when its day is still ahead (never born overdue);
- when the renewal date moves, the open one moves with it (no second one);
  a date that moves into the past makes it due today;
- once done it is not created again for the same renewal: only a renewal
  more than `NEW_CYCLE_DAYS` after the done one's date (next year's
  contract) gets fresh checkpoints;
- when the renewal date is cleared, the open ones are cancelled.

`sync_account` runs inside the change that sets or moves a renewal date;
`sync_all` does the whole book set-based, a batch of accounts per
transaction (the `acct-tui checkpoints` verb, and the dashboard at start).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from peewee import fn

from acct_tui.models import Account, AuditEntry, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.scope import scoped
from acct_tui.services.unit import Change, change, snapshot, to_json
from acct_tui.vocab import FollowUpKind, FollowUpStatus, Priority, Stage

PREFIX = "renewal-"
NEW_CYCLE_DAYS = 183
BATCH = 2000
_STATE = ["due_on", "snoozed_until", "woke_reason", "status", "version"]
MOVED_REASON = "the renewal date moved"


def checkpoint_name(days: int) -> str:
    return f"{PREFIX}{days}"


def checkpoint_title(days: int) -> str:
    return f"Renewal checkpoint: {days} days to renewal"


@dataclass(frozen=True)
class Report:
    """What a sync did."""

    created: int = 0
    moved: int = 0
    cancelled: int = 0
    accounts: int = 0
    """Accounts whose checkpoints changed."""

    def __add__(self, other: Report) -> Report:
        return Report(
            self.created + other.created,
            self.moved + other.moved,
            self.cancelled + other.cancelled,
            self.accounts + other.accounts,
        )


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _new_due(current: dt.date, target: dt.date, today: dt.date) -> dt.date | None:
    """Where an open checkpoint should now fall due, or None to leave it."""
    if target >= today:
        return target if current != target else None
    # Its day has passed: due today, unless it already is due (it must not creep forward daily).
    return today if current > today else None


def _done_for(target: dt.date, closed_dues: Iterable[dt.date]) -> bool:
    """A closed checkpoint counts for this renewal when it was due within a cycle of the new date."""
    return any(due > target - dt.timedelta(days=NEW_CYCLE_DAYS) for due in closed_dues)


def _row(account_id: int, owner_id: int, days: int, due: dt.date, ctx: Ctx) -> dict[str, object]:
    return {
        "account": account_id,
        "title": checkpoint_title(days),
        "kind": FollowUpKind.RENEWAL.value,
        "due_on": due,
        "priority": Priority.HIGH.value,
        "priority_rank": Priority.HIGH.rank,
        "assignee": owner_id,
        "checkpoint": checkpoint_name(days),
        "created_by": ctx.agent.id,
        "created_at": ctx.now(),
    }


def sync_account(ch: Change, ctx: Ctx, account_id: int) -> Report:
    """Bring one account's checkpoints in step with its renewal date, audited in `ch` (the account is locked)."""
    account = Account.get_by_id(account_id)
    renewal = _as_date(account.renewal_on) if account.renewal_on else None
    items = list(
        FollowUp.select()
        .where(FollowUp.account == account_id, FollowUp.checkpoint.startswith(PREFIX))
        .order_by(FollowUp.id)
    )
    report = Report()
    if renewal is None:
        for item in items:
            if item.status == FollowUpStatus.OPEN.value:
                before = snapshot(item, _STATE)
                item.status = FollowUpStatus.CANCELLED.value
                item.version += 1
                item.save()
                ch.updated(item, before, f"cancelled {item.title}: no renewal date", action="checkpoint")
                report += Report(cancelled=1)
        return replace(report, accounts=1 if report.cancelled else 0)
    today = ctx.today
    for days in ctx.plan.checkpoint_days:
        name = checkpoint_name(days)
        target = renewal - dt.timedelta(days=days)
        mine = [i for i in items if i.checkpoint == name]
        opened = [i for i in mine if i.status == FollowUpStatus.OPEN.value]
        if opened:
            item = opened[0]
            due = _new_due(_as_date(item.due_on), target, today)
            if due is not None:
                before = snapshot(item, _STATE)
                _move(item, due)
                item.save()
                ch.updated(item, before, f"{item.title}: moved to {due}", action="checkpoint")
                report += Report(moved=1)
            continue
        if target < today or account.stage == Stage.CHURNED.value:
            continue
        if _done_for(target, (_as_date(i.due_on) for i in mine)):
            continue
        item = FollowUp.create(**_row(account.id, account.owner_id, days, target, ctx))
        ch.created(item, f"{item.title} due {target}", action="checkpoint")
        report += Report(created=1)
    return replace(report, accounts=1 if (report.created or report.moved) else 0)


def _move(item: FollowUp, due: dt.date) -> None:
    item.due_on = due
    if item.snoozed_until is not None and _as_date(item.snoozed_until) > due:
        # A snooze past the new date would hide a checkpoint that is now sooner.
        item.snoozed_until = None
        item.woke_reason = MOVED_REASON
    item.version += 1


# The whole book ------------------------------------------------------------------------------------------


Progress = Callable[[int, int], None]


def sync_all(ctx: Ctx, *, progress: Progress | None = None, batch: int = BATCH) -> Report:
    """Create, move and cancel checkpoints for every account the agent may see, a batch per transaction."""
    with database_proxy.connection_context():
        ids = [
            account_id for (account_id,) in scoped(Account.select(Account.id), ctx.agent).order_by(Account.id).tuples()
        ]
    total = Report()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with change(ctx, "checkpoints") as ch:
            total += _sync_batch(ch, ctx, chunk[0], chunk[-1])
        if progress is not None:
            progress(min(start + batch, len(ids)), len(ids))
    return total


def _sync_batch(ch: Change, ctx: Ctx, low: int, high: int) -> Report:
    """Accounts with ids in [low, high] (within the agent's scope): a handful of set queries."""
    today = ctx.today
    days = ctx.plan.checkpoint_days
    names = {checkpoint_name(d): d for d in days}
    in_range = Account.id.between(low, high)
    accounts = {
        account_id: (owner_id, _as_date(renewal) if renewal else None, stage)
        for account_id, owner_id, renewal, stage in scoped(
            Account.select(Account.id, Account.owner, Account.renewal_on, Account.stage).where(in_range), ctx.agent
        ).tuples()
    }
    if not accounts:
        return Report()
    existing = list(
        FollowUp.select(FollowUp.id, FollowUp.account, FollowUp.checkpoint, FollowUp.status, FollowUp.due_on)
        .where(FollowUp.account.between(low, high), FollowUp.checkpoint.startswith(PREFIX))
        .tuples()
    )
    opened: dict[tuple[int, str], tuple[int, dt.date]] = {}
    closed: dict[tuple[int, str], list[dt.date]] = {}
    cancel: list[int] = []
    for fid, account_id, name, status, due in existing:
        if account_id not in accounts:
            continue
        if status == FollowUpStatus.OPEN.value:
            if accounts[account_id][1] is None:
                cancel.append(fid)
            else:
                opened.setdefault((account_id, name), (fid, _as_date(due)))
        else:
            closed.setdefault((account_id, name), []).append(_as_date(due))
    moves: dict[int, dt.date] = {}
    creates: list[dict[str, object]] = []
    for account_id, (owner_id, renewal, stage) in accounts.items():
        if renewal is None:
            continue
        for name, count in names.items():
            target = renewal - dt.timedelta(days=count)
            found = opened.get((account_id, name))
            if found is not None:
                due = _new_due(found[1], target, today)
                if due is not None:
                    moves[found[0]] = due
            elif (
                target >= today
                and stage != Stage.CHURNED.value
                and not _done_for(target, closed.get((account_id, name), ()))
            ):
                creates.append(_row(account_id, owner_id, count, target, ctx))
    touched = _write_moves(ch, moves) | _write_cancels(ch, cancel) | _write_creates(ch, creates)
    for account_id in touched:
        ch.touch(account_id)  # their next follow-up and counts are refreshed as the change commits
    return Report(created=len(creates), moved=len(moves), cancelled=len(cancel), accounts=len(touched))


def _execute_many(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Insert plain rows with the driver's executemany (peewee's query builder costs more than the insert)."""
    if not rows:
        return
    param = database_proxy.obj.param
    marks = ", ".join(param for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    database_proxy.cursor().executemany(sql, [tuple(row) for row in rows])


def _reserve_ids(count: int) -> list[int]:
    """`count` fresh follow-up ids: a block of the PostgreSQL sequence, or the next ids under SQLite's write lock."""
    from acct_tui.db import is_postgres

    if count == 0:
        return []
    if is_postgres():
        cursor = database_proxy.execute_sql(
            "SELECT nextval(pg_get_serial_sequence('follow_up', 'id')) FROM generate_series(1, %s)", (count,)
        )
        return [int(row[0]) for row in cursor.fetchall()]
    start = int(FollowUp.select(fn.MAX(FollowUp.id)).scalar() or 0) + 1
    return list(range(start, start + count))


_AUDIT_COLUMNS = ("change_id", "session_id", "at", "agent_id", "account_id", "entity", "entity_id", "action",
                  "summary", "before", "after")  # fmt: skip


def _audit(ch: Change, rows: Sequence[tuple[int, int, str, dict[str, object] | None, dict[str, object], str]]) -> None:
    """(follow-up id, account id, action, before, after, summary) as audit entries of the change, in one batch."""
    now = ch.ctx.now()
    _execute_many(
        AuditEntry._meta.table_name,  # type: ignore[attr-defined]
        _AUDIT_COLUMNS,
        [
            (
                ch.id,
                ch.ctx.session_id,
                now,
                ch.ctx.agent.id,
                account_id,
                "follow_up",
                fid,
                action,
                summary[:240],
                json.dumps(before, sort_keys=True) if before is not None else "",
                json.dumps(after, sort_keys=True),
            )
            for fid, account_id, action, before, after, summary in rows
        ],
    )


def _state_of(ids: Sequence[int]) -> dict[int, FollowUp]:
    found: dict[int, FollowUp] = {}
    for start in range(0, len(ids), 500):
        for item in FollowUp.select().where(FollowUp.id.in_(list(ids[start : start + 500]))):
            found[item.id] = item
    return found


def _write_moves(ch: Change, moves: dict[int, dt.date]) -> set[int]:
    if not moves:
        return set()
    touched: set[int] = set()
    audit = []
    for fid, item in _state_of(sorted(moves)).items():
        before = snapshot(item, _STATE)
        _move(item, moves[fid])
        item.save()
        audit.append((fid, item.account_id, "checkpoint", before, snapshot(item, _STATE), f"{item.title}: moved"))
        touched.add(int(item.account_id))
    _audit(ch, audit)
    return touched


def _write_cancels(ch: Change, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    items = _state_of(ids)
    FollowUp.update(status=FollowUpStatus.CANCELLED.value, version=FollowUp.version + 1).where(
        FollowUp.id.in_(ids)
    ).execute()
    audit = []
    for fid, item in items.items():
        before = snapshot(item, _STATE)
        after = dict(before, status=FollowUpStatus.CANCELLED.value, version=int(item.version) + 1)
        audit.append((fid, item.account_id, "checkpoint", before, after, f"cancelled {item.title}: no renewal date"))
    _audit(ch, audit)
    return {int(item.account_id) for item in items.values()}


_CREATE_FIELDS = ("account", "title", "kind", "due_on", "priority", "priority_rank", "assignee", "checkpoint",
                  "created_by", "created_at")  # fmt: skip


def _write_creates(ch: Change, rows: list[dict[str, object]]) -> set[int]:
    if not rows:
        return set()
    fields = FollowUp._meta.fields  # type: ignore[attr-defined]
    defaults = {name: fields[name].default for name in ("status", "snooze_reason", "woke_reason", "recurrence",
                                                        "notes", "version")}  # fmt: skip
    ids = _reserve_ids(len(rows))
    columns = ["id", *(fields[n].column_name for n in (*_CREATE_FIELDS, *defaults))]
    _execute_many(
        "follow_up",
        columns,
        [(fid, *(row[n] for n in _CREATE_FIELDS), *defaults.values()) for fid, row in zip(ids, rows, strict=True)],
    )
    audit = [
        (
            fid,
            int(str(row["account"])),
            "checkpoint",
            None,
            {key: to_json(value) for key, value in row.items()} | {"id": fid},
            f"{row['title']} due {row['due_on']}",
        )
        for fid, row in zip(ids, rows, strict=True)
    ]
    _audit(ch, audit)
    return {int(str(row["account"])) for row in rows}
