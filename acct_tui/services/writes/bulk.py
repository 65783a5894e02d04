"""Actions on many follow-ups or accounts at once: one transaction, one undo step.

Follow-ups are written set by set (a batch UPDATE per shape of change, audit rows
inserted in bulk), so ten thousand marked rows take well under a second on
SQLite. Accounts go through the one-account services, nested in the same change
(`store.unit.change` is re-entrant), as a handoff writes a brief and a share
checks its target per row.

Scope is checked per row. A row the agent may not see is skipped in the same
words as a row that does not exist ("not found"); a follow-up no longer open is
skipped as "not open". Nothing is half-done: a failure other than a skip undoes
the whole action.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from acct_tui.models import Account, Agent, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.domain.dates import parse_date
from acct_tui.services.domain.validation import clean_text
from acct_tui.services.errors import NotFound, ServiceError, ValidationError
from acct_tui.services.store.rows import as_date, as_datetime, id_in, maybe_date, raw_rows, tuple_rows
from acct_tui.services.store.scope import visible
from acct_tui.services.store.unit import Change, change, to_json
from acct_tui.vocab import FollowUpStatus

CHUNK = 500
"""Ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits."""

_STATE = ("status", "due_on", "first_due_on", "snoozed_until", "snooze_reason", "woke_reason", "completed_at")


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: how many rows it changed, and why others were left alone."""

    verb: str
    """What was done, as a past participle: "snoozed", "done", "reassigned"."""
    noun: str
    """What it was done to: "follow-up", "account"."""
    changed: tuple[int, ...]
    skipped: dict[str, int] = field(default_factory=dict)
    """Reason -> how many rows were skipped for it."""

    def summary(self) -> str:
        count = len(self.changed)
        line = f"{self.verb.capitalize()} {count} {self.noun}{'' if count == 1 else 's'}"
        if self.skipped:
            total = sum(self.skipped.values())
            ranked = sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0]))
            reasons = ", ".join(f"{n} {why}" for why, n in ranked[:3]) + (", …" if len(ranked) > 3 else "")
            line += f"; {total} skipped ({reasons})"
        return line


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


_FIELDS = (
    "id", "account", "status", "due_on", "first_due_on", "snoozed_until", "snooze_reason", "woke_reason",
    "completed_at", "assignee", "notes", "version", "recurrence", "title", "kind", "priority", "priority_rank",
)  # fmt: skip


_ATTRIBUTES = tuple({"account": "account_id", "assignee": "assignee_id"}.get(name, name) for name in _FIELDS)


class _Item:
    """A follow-up's fields as read for a bulk write (a model instance costs several times more to build)."""

    __slots__ = (*(name for name in _FIELDS if name not in ("account", "assignee")), "account_id", "assignee_id")

    id: int
    account_id: int
    assignee_id: int
    status: str
    due_on: Any
    first_due_on: Any
    snoozed_until: Any
    snooze_reason: str
    woke_reason: str
    completed_at: Any
    notes: str
    version: int
    recurrence: str
    title: str
    kind: str
    priority: str
    priority_rank: int

    def __init__(self, values: Sequence[Any]) -> None:
        for name, value in zip(_ATTRIBUTES, values, strict=True):
            setattr(self, name, value)
        # Read raw (see `raw_rows`): the dates as the model's fields give them.
        self.due_on = as_date(self.due_on)
        self.first_due_on = maybe_date(self.first_due_on)
        self.snoozed_until = maybe_date(self.snoozed_until)
        self.completed_at = as_datetime(self.completed_at)


def _open_followups(ch: Change, ctx: Ctx, ids: Sequence[int], skipped: Counter[str]) -> list[_Item]:
    """The open follow-ups among `ids` the agent may see, their accounts locked; the rest counted."""
    from acct_tui.db import is_postgres

    clause = visible(ctx.agent)
    if is_postgres():
        # Their accounts locked first, then the rows read: a change committed meanwhile by another
        # writer is what is read, never overwritten unseen. (SQLite's writer already holds the file.)
        ch.lock_many(
            int(account_id)
            for chunk in _chunks(ids)
            for (account_id,) in raw_rows(FollowUp.select(FollowUp.account).where(id_in(FollowUp.id, chunk)))
        )
    columns = [getattr(FollowUp, name) for name in _FIELDS]
    found: dict[int, _Item] = {}
    for chunk in _chunks(ids):
        query = (
            FollowUp.select(*columns).join(Account, on=FollowUp.account == Account.id).where(id_in(FollowUp.id, chunk))
        )
        if clause is not None:
            query = query.where(clause)
        for values in raw_rows(query):
            item = _Item(values)
            found[item.id] = item
    items = []
    for followup_id in ids:
        held = found.get(followup_id)
        if held is None:
            skipped["not found"] += 1
        elif held.status != FollowUpStatus.OPEN.value:
            skipped["not open"] += 1
        else:
            items.append(held)
    ch.lock_many(item.account_id for item in items)
    return items


def _write(ch: Change, ctx: Ctx, items: Sequence[_Item], befores: Sequence[dict[str, Any]], label: str) -> None:
    """Save the changed fields of `items` in batches and audit each against its `before`."""
    from acct_tui.services.io.imports.base import Op
    from acct_tui.services.io.imports.write import apply_updates, audit

    ops = []
    writes = []
    for item, before in zip(items, befores, strict=True):
        values = _before(item, list(before))  # the same fields, as they are now
        old = {name: to_json(value) for name, value in before.items()}
        old["version"] = item.version
        ops.append(Op(0, "update", values, record_id=item.id, before=old, account_id=item.account_id, label=label))
        # Only the fields that moved are written (an unchanged indexed column still costs its index
        # update); the audit keeps them all, so undo sees any of them changed since.
        moved = {name: value for name, value in values.items() if value != before[name]}
        writes.append(Op(0, "update", moved, record_id=item.id))
        ch.touch(item.account_id)
    apply_updates(FollowUp, writes, ctx.now())
    for op in ops:  # the audit records the version as written: one more than it was
        op.values["version"] = op.before["version"] + 1
    audit(ctx, ch.id, FollowUp, ops, ())


def _before(item: _Item, names: Sequence[str]) -> dict[str, Any]:
    return {name: (item.assignee_id if name == "assignee" else getattr(item, name)) for name in names}


def snooze_many(ctx: Ctx, followup_ids: Iterable[int], until: object, reason: str = "") -> BulkResult:
    """Snooze every follow-up in `followup_ids` until one day, with one reason."""
    day = parse_date(until, ctx.today, "until")
    if day <= ctx.today:
        raise ValidationError("snooze until a later day than today (tomorrow, +3d, 1w, a date)", "until")
    why = clean_text(reason, "reason", max_len=200)
    ids = _unique(followup_ids)
    skipped: Counter[str] = Counter()
    with change(ctx, "followup snooze (bulk)") as ch:
        items = _open_followups(ch, ctx, ids, skipped)
        befores = []
        for item in items:
            befores.append(_before(item, _STATE))
            if item.first_due_on is None and day != item.due_on:
                item.first_due_on = item.due_on
            item.due_on, item.snoozed_until, item.snooze_reason, item.woke_reason = day, day, why, ""
        _write(ch, ctx, items, befores, f"snoozed until {day} (bulk)")
        ch.keep_touches(item.account_id for item in items)  # a snooze is no touch
    return BulkResult("snoozed", "follow-up", tuple(i.id for i in items), dict(skipped))


def done_many(ctx: Ctx, followup_ids: Iterable[int]) -> BulkResult:
    """Mark every follow-up in `followup_ids` done; a recurring one gets its next occurrence."""
    ids = _unique(followup_ids)
    skipped: Counter[str] = Counter()
    now = ctx.now()
    with change(ctx, "followup done (bulk)") as ch:
        items = _open_followups(ch, ctx, ids, skipped)
        befores = []
        for item in items:
            befores.append(_before(item, _STATE))
            item.status, item.completed_at = FollowUpStatus.DONE.value, now
        _write(ch, ctx, items, befores, "done (bulk)")
        from acct_tui.services.writes.followups import next_occurrences

        next_occurrences(ch, ctx, [item for item in items if item.recurrence])
        ch.keep_touches(item.account_id for item in items)  # done without a log line is no touch
    return BulkResult("done", "follow-up", tuple(i.id for i in items), dict(skipped))


def reassign_many(ctx: Ctx, followup_ids: Iterable[int], agent_id: int, note: str = "") -> BulkResult:
    """Give every follow-up in `followup_ids` to one agent; a note goes on top of each one's notes."""
    why = clean_text(note, "note", max_len=1000)
    ids = _unique(followup_ids)
    skipped: Counter[str] = Counter()
    with change(ctx, "followup reassign (bulk)") as ch:
        target = Agent.get_or_none(Agent.id == agent_id)
        if target is None or not target.active:
            raise ValidationError("choose an active agent", "assignee")
        items = []
        befores = []
        for item in _open_followups(ch, ctx, ids, skipped):
            if item.assignee_id == int(target.id):
                skipped["already theirs"] += 1
                continue
            befores.append(_before(item, ("assignee", "notes")))
            item.assignee_id = int(target.id)
            if why:
                line = f"From {ctx.agent.name}, {ctx.today:%d %b}: {why}"
                item.notes = f"{line}\n{item.notes}" if item.notes else line
            items.append(item)
        _write(ch, ctx, items, befores, f"reassigned to {target.name} (bulk)")
        ch.derived_unchanged = True  # no derived column or score depends on who holds a follow-up
    return BulkResult("reassigned", "follow-up", tuple(i.id for i in items), dict(skipped))


def each_account(
    ctx: Ctx, account_ids: Iterable[int], verb: str, action: str, one: Callable[[int], object]
) -> BulkResult:
    """Run a one-account service on each account in one change: a row it refuses is skipped, with its reason.

    Out-of-scope and missing accounts give the same "not found". Any other failure undoes all.
    """
    ids = _unique(account_ids)
    skipped: Counter[str] = Counter()
    done: list[int] = []
    with change(ctx, f"{action} (bulk)"):
        for account_id in ids:
            try:
                with change(ctx, action):  # a savepoint: a refused row leaves nothing behind
                    one(account_id)
            except NotFound:
                skipped["not found"] += 1
            except ServiceError as exc:
                skipped[exc.message] += 1
            else:
                done.append(account_id)
    return BulkResult(verb, "account", tuple(done), dict(skipped))


def handoff_many(ctx: Ctx, account_ids: Iterable[int], to_agent_id: int, note: str) -> BulkResult:
    """Hand every account to one agent with one note (each gets its handoff follow-up)."""
    from acct_tui.services.store.unit import reading
    from acct_tui.services.writes.accounts import handoff

    ids = _unique(account_ids)
    with reading():
        theirs = {
            int(i)
            for chunk in _chunks(ids)
            for (i,) in tuple_rows(
                Account.select(Account.id).where(Account.owner == to_agent_id, Account.id.in_(chunk))
            )
        }
    result = each_account(
        ctx,
        [i for i in ids if i not in theirs],
        "handed off",
        "account handoff",
        lambda account_id: handoff(ctx, account_id, to_agent_id, note),
    )
    already = sum(1 for i in ids if i in theirs)
    if already:
        result.skipped["already theirs"] = already
    return result


def share_many(
    ctx: Ctx,
    account_ids: Iterable[int],
    *,
    agent_login: str | None = None,
    team: str | None = None,
    agent_id: int | None = None,
) -> BulkResult:
    """Share every account with an agent (by login or id) or a team."""
    from acct_tui.services.store.unit import reading
    from acct_tui.services.writes.sharing import share_account

    if agent_id is not None:
        with reading():
            agent = Agent.get_or_none(Agent.id == agent_id)
        if agent is None:
            raise ValidationError("choose an agent", "agent")
        agent_login = str(agent.login)
    return each_account(
        ctx,
        account_ids,
        "shared",
        "account share",
        lambda account_id: share_account(ctx, account_id, agent_login=agent_login, team=team),
    )
