"""Renewal checkpoints: follow-ups at set days before each renewal date, created once, kept in step.

For every account with a renewal date and each day count of the plan
(`WorkPlan.checkpoint_days`, default 90 and 30) there is one follow-up whose
`checkpoint` is `renewal-<days>:<renewal date>` (`renewal-90:2027-03-01`),
due that many days before the renewal:

- it is created when its day is still ahead (never born overdue);
- when the renewal date moves, the open one moves with it (no second one)
  and records the new date; a day that has passed makes it due today. While
  the date stays put, the agent's own reschedule or snooze is left alone;
- once done it is not created again for the same renewal: only a renewal
  more than `NEW_CYCLE_DAYS` away from the done one's (next year's
  contract) gets fresh checkpoints;
- when the renewal date is cleared, the open ones are cancelled.

`sync_account` runs inside the change that sets or moves a renewal date;
`sync_all` does the whole book set-based, a batch of accounts per
transaction (the `acct-tui checkpoints` verb, and the dashboard at start);
the edits and batch writes they make are in `checkpoint_writes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from peewee import SQL, Value, fn

from acct_tui.models import Account, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.store.rows import as_date, tuple_rows
from acct_tui.services.store.scope import scoped
from acct_tui.services.store.unit import Change, change, snapshot
from acct_tui.services.writes.checkpoint_writes import (
    STATE,
    cancel,
    move,
    write_cancels,
    write_creates,
    write_moves,
)
from acct_tui.vocab import FollowUpKind, FollowUpStatus, Priority, Stage

PREFIX = "renewal-"
NEW_CYCLE_DAYS = 183
BATCH = 2000


def checkpoint_name(days: int, renewal: dt.date) -> str:
    """`renewal-90:2027-03-01`: which point before which renewal date."""
    return f"{PREFIX}{days}:{renewal.isoformat()}"


def parse_checkpoint(value: str) -> tuple[str, dt.date | None]:
    """(`renewal-90`, the renewal date it was made for, if recorded)."""
    name, _sep, day = value.partition(":")
    try:
        return name, dt.date.fromisoformat(day) if day else None
    except ValueError:
        return name, None


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


@dataclass(frozen=True)
class Existing:
    """A checkpoint follow-up as the planner sees it."""

    id: int
    name: str
    renewal: dt.date | None
    open: bool
    due: dt.date


@dataclass
class Plan:
    """What to write for one account."""

    moves: dict[int, tuple[dt.date, str]]
    """follow-up id -> (new due date, new checkpoint)"""
    creates: list[tuple[int, dt.date, str]]
    """(days, due date, checkpoint)"""
    cancels: list[int]


def plan(
    renewal: dt.date | None, churned: bool, existing: list[Existing], days: tuple[int, ...], today: dt.date
) -> Plan:
    """The moves, creations and cancellations that bring one account's checkpoints in step."""
    result = Plan({}, [], [])
    if renewal is None:
        result.cancels = [e.id for e in existing if e.open]
        return result
    for count in days:
        name = f"{PREFIX}{count}"
        target = renewal - dt.timedelta(days=count)
        mine = [e for e in existing if e.name == name]
        opened = next((e for e in mine if e.open), None)
        if opened is not None:
            if opened.renewal != renewal:
                result.moves[opened.id] = (max(target, today), checkpoint_name(count, renewal))
            continue
        if target < today or churned:
            continue
        done_for = [e.renewal or e.due + dt.timedelta(days=count) for e in mine]
        if any(abs((renewal - other).days) < NEW_CYCLE_DAYS for other in done_for):
            continue
        result.creates.append((count, target, checkpoint_name(count, renewal)))
    return result


def _row(account_id: int, owner_id: int, days: int, due: dt.date, name: str, ctx: Ctx) -> dict[str, object]:
    return {
        "account": account_id,
        "title": checkpoint_title(days),
        "kind": FollowUpKind.RENEWAL.value,
        "due_on": due,
        "priority": Priority.HIGH.value,
        "priority_rank": Priority.HIGH.rank,
        "assignee": owner_id,
        "checkpoint": name,
        "created_by": ctx.agent.id,
        "created_at": ctx.now(),
    }


def _existing(fid: int, checkpoint: str, status: str, due: object) -> Existing:
    name, renewal = parse_checkpoint(checkpoint)
    return Existing(fid, name, renewal, status == FollowUpStatus.OPEN.value, as_date(due))


def sync_account(ch: Change, ctx: Ctx, account_id: int) -> Report:
    """Bring one account's checkpoints in step with its renewal date, audited in `ch` (the account is locked)."""
    account = Account.get_by_id(account_id)
    renewal = as_date(account.renewal_on) if account.renewal_on else None
    items = {
        item.id: item
        for item in FollowUp.select()
        .where(FollowUp.account == account_id, FollowUp.checkpoint.startswith(PREFIX))
        .order_by(FollowUp.id)
    }
    todo = plan(
        renewal,
        account.stage == Stage.CHURNED.value,
        [_existing(i.id, i.checkpoint or "", i.status, i.due_on) for i in items.values()],
        ctx.plan.checkpoint_days,
        ctx.today,
    )
    for fid in todo.cancels:
        item = items[fid]
        before = snapshot(item, STATE)
        cancel(item)
        item.save()
        ch.updated(item, before, f"cancelled {item.title}: no renewal date", action="checkpoint")
    moved = 0
    for fid, (due, name) in todo.moves.items():
        item = items[fid]
        before = snapshot(item, STATE)
        moved += move(item, due, name)
        item.save()
        ch.updated(item, before, f"{item.title}: now due {due}", action="checkpoint")
    for count, due, name in todo.creates:
        item = FollowUp.create(**_row(account.id, account.owner_id, count, due, name, ctx))
        ch.created(item, f"{item.title} due {due}", action="checkpoint")
    changed = bool(todo.cancels or todo.moves or todo.creates)
    return Report(len(todo.creates), moved, len(todo.cancels), 1 if changed else 0)


# The whole book ------------------------------------------------------------------------------------------


Progress = Callable[[int, int], None]


OUT_OF_STEP = "checkpoints_out_of_step"


def mark_out_of_step() -> None:
    """Bulk writers (seed, import) bypass the per-account upkeep: the next start syncs everything."""
    from acct_tui.models import SchemaMeta

    SchemaMeta.insert(key=OUT_OF_STEP, value="1").on_conflict(
        conflict_target=[SchemaMeta.key], update={SchemaMeta.value: "1"}
    ).execute()


def mark_in_step() -> None:
    """The whole book's checkpoints were just synced."""
    from acct_tui.models import SchemaMeta

    with database_proxy.connection_context():
        SchemaMeta.insert(key=OUT_OF_STEP, value="0").on_conflict(
            conflict_target=[SchemaMeta.key], update={SchemaMeta.value: "0"}
        ).execute()


def out_of_step() -> bool:
    """Whether a bulk write happened since the last full sync (or no full sync ever ran)."""
    from acct_tui.models import SchemaMeta

    with database_proxy.connection_context():
        row = SchemaMeta.get_or_none(SchemaMeta.key == OUT_OF_STEP)
        return row is None or row.value != "0"


def sync_all(ctx: Ctx, *, progress: Progress | None = None, batch: int = BATCH) -> Report:
    """Create, move and cancel checkpoints for every account the agent may see, a batch per transaction.

    Run by an admin (or anyone who sees every account) it also records that
    the whole book is in step, so dashboards stop running it at start.
    """
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
    if ctx.agent.is_admin:
        mark_in_step()
    from acct_tui.db import after_bulk_write

    with database_proxy.connection_context():
        after_bulk_write(total.created + total.moved + total.cancelled)
    return total


def _settled(days: tuple[int, ...]) -> Any:
    """Accounts with nothing to do, told apart in SQL: every checkpoint open for the current renewal
    date, or no renewal date and no open checkpoint. The planner only sees the rest."""
    from acct_tui.db import is_postgres

    day_text = fn.to_char(Account.renewal_on, "YYYY-MM-DD") if is_postgres() else Account.renewal_on

    def open_checkpoint(name: Any) -> Any:
        return fn.EXISTS(
            FollowUp.select(SQL("1")).where(
                FollowUp.account == Account.id, FollowUp.status == FollowUpStatus.OPEN.value, name
            )
        )

    in_step: Any = Account.renewal_on.is_null(False)
    for count in days:
        in_step &= open_checkpoint(FollowUp.checkpoint == Value(f"{PREFIX}{count}:").concat(day_text))
    idle = Account.renewal_on.is_null() & ~open_checkpoint(FollowUp.checkpoint.startswith(PREFIX))
    return in_step | idle


def _sync_batch(ch: Change, ctx: Ctx, low: int, high: int) -> Report:
    """Accounts with ids in [low, high] (within the agent's scope): a handful of set queries."""
    accounts = {
        account_id: (owner_id, as_date(renewal) if renewal else None, stage == Stage.CHURNED.value)
        for account_id, owner_id, renewal, stage in scoped(
            Account.select(Account.id, Account.owner, Account.renewal_on, Account.stage).where(
                Account.id.between(low, high), ~_settled(ctx.plan.checkpoint_days)
            ),
            ctx.agent,
        ).tuples()
    }
    if not accounts:
        return Report()
    existing: dict[int, list[Existing]] = {}
    for fid, account_id, checkpoint, status, due in tuple_rows(
        FollowUp.select(FollowUp.id, FollowUp.account, FollowUp.checkpoint, FollowUp.status, FollowUp.due_on).where(
            FollowUp.account.in_(list(accounts)), FollowUp.checkpoint.startswith(PREFIX)
        )
    ):
        existing.setdefault(account_id, []).append(_existing(fid, checkpoint, status, due))
    moves: dict[int, tuple[dt.date, str]] = {}
    cancels: list[int] = []
    creates: list[dict[str, object]] = []
    for account_id, (owner_id, renewal, churned) in accounts.items():
        if renewal is None and account_id not in existing:
            continue
        todo = plan(renewal, churned, existing.get(account_id, []), ctx.plan.checkpoint_days, ctx.today)
        moves |= todo.moves
        cancels += todo.cancels
        creates += [_row(account_id, owner_id, count, due, name, ctx) for count, due, name in todo.creates]
    moved, touched_moves = write_moves(ch, moves)
    touched = touched_moves | write_cancels(ch, cancels) | write_creates(ch, creates)
    for account_id in touched:
        ch.touch(account_id)  # their next follow-up and counts are refreshed as the change commits
    return Report(created=len(creates), moved=moved, cancelled=len(cancels), accounts=len(touched))
