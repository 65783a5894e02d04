"""Follow-ups and logged activities: the promises and the touches.

Logging a touch (call, email, meeting, support) resets the account's
contact cadence; completing a recurring follow-up schedules the next one,
counted from the day it was done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from acct_tui.models import Activity, Agent, Contact, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.domain import fields as F
from acct_tui.services.domain.dates import next_occurrence, parse_date
from acct_tui.services.domain.validation import clean_text
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.store.scope import require_account
from acct_tui.services.store.unit import Change, change, reading, snapshot
from acct_tui.services.store.wake import inbound_reason, wake_snoozed
from acct_tui.vocab import ActivityKind, Direction, FollowUpKind, FollowUpStatus, Priority

_STATE = [
    "status",
    "due_on",
    "first_due_on",
    "snoozed_until",
    "snooze_reason",
    "woke_reason",
    "completed_at",
    "assignee",
    "version",
]


def _open_followup(ch: Change, ctx: Ctx, followup_id: int) -> FollowUp:
    """The follow-up, locked with its account, if this agent may see it."""
    item = FollowUp.get_or_none(FollowUp.id == followup_id)
    if item is None:
        raise NotFound(f"follow-up {followup_id} not found")
    ch.lock(item.account_id)
    require_account(ctx.agent, item.account_id, missing=f"follow-up {followup_id} not found")
    item = FollowUp.get_by_id(followup_id)
    if item.status != FollowUpStatus.OPEN.value:
        raise ValidationError(f"follow-up {followup_id} is already {item.status}")
    return item


def _assignee(agent_id: int | None, ctx: Ctx) -> int:
    if agent_id is None:
        return ctx.agent.id
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None or not agent.active:
        raise ValidationError("choose an active agent", "assignee")
    return int(agent.id)


def _create_followup(ch: Change, ctx: Ctx, account_id: int, data: Mapping[str, object], assignee: int) -> FollowUp:
    values = dict(data)
    values.setdefault("kind", FollowUpKind.CHECK_IN.value)
    values.setdefault("priority", Priority.NORMAL.value)
    if "due_on" not in values:
        raise ValidationError("is required", "due_on")
    item = FollowUp.create(
        account=account_id,
        assignee=assignee,
        priority_rank=Priority(str(values["priority"])).rank,
        created_by=ctx.agent.id,
        created_at=ctx.now(),
        **values,
    )
    return item


def _move_due(item: FollowUp, day: dt.date) -> None:
    """Move the due date, keeping the date first promised: health counts a slip from it until done."""
    if item.first_due_on is None and day != item.due_on:
        item.first_due_on = item.due_on
    item.due_on = day


def plan_followup(ch: Change, ctx: Ctx, account_id: int, data: Mapping[str, object]) -> int:
    """A follow-up of the acting agent's inside a caller's change (values already clean); returns its id."""
    item = _create_followup(ch, ctx, account_id, data, ctx.agent.id)
    ch.created(item, f"follow-up {item.title} due {item.due_on}")
    return int(item.id)


def add_followup(ctx: Ctx, account_id: int, values: Mapping[str, object], *, assignee_id: int | None = None) -> int:
    data = F.clean(F.FOLLOWUP, values, ctx.today)
    if "title" not in data:
        raise ValidationError("is required", "title")
    with change(ctx, "followup add") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        item = _create_followup(ch, ctx, account.id, data, _assignee(assignee_id, ctx))
        ch.created(item, f"follow-up {item.title} due {item.due_on}")
        return int(item.id)


@dataclass(frozen=True)
class Completed:
    followup_id: int
    next_id: int | None
    activity_id: int | None
    planned_id: int | None = None
    """The next step planned in the same save, if one was."""


def complete_followup(
    ctx: Ctx,
    followup_id: int,
    *,
    log: Mapping[str, object] | None = None,
    contact_id: int | None = None,
    next_followup: Mapping[str, object] | None = None,
) -> Completed:
    """Mark done; a recurring one gets its next occurrence; `log` records the outcome as an activity
    (with `contact_id`, the person it was with); `next_followup` plans the next step in the same save."""
    activity_data = F.clean(F.ACTIVITY, log, ctx.today) if log else None
    plan = F.clean(F.FOLLOWUP, next_followup, ctx.today) if next_followup else None
    with change(ctx, "followup done") as ch:
        item = _open_followup(ch, ctx, followup_id)
        before = snapshot(item, _STATE)
        item.status = FollowUpStatus.DONE.value
        item.completed_at = ctx.now()
        item.version += 1
        item.save()
        ch.updated(item, before, f"done: {item.title}", action="complete")
        activity_id = None
        if activity_data:
            activity_data.setdefault("summary", f"Done: {item.title}"[:200])
            activity = _log(ch, ctx, item.account_id, activity_data, contact_id, ctx.now())
            activity_id = int(activity.id)
        next_id = next_occurrences(ch, ctx, [item])[0] if item.recurrence else None
        planned_id = None
        if plan is not None:
            plan.setdefault("title", f"Next step: {item.title}"[:200])
            planned_id = plan_followup(ch, ctx, item.account_id, plan)
        return Completed(followup_id, next_id, activity_id, planned_id)


_NEXT_FIELDS = (
    "account", "title", "kind", "due_on", "first_due_on", "priority", "priority_rank", "assignee", "status",
    "snoozed_until", "snooze_reason", "woke_reason", "recurrence", "checkpoint", "notes", "completed_at",
    "created_by", "created_at", "external_id", "version", "source_ref",
)  # fmt: skip


def next_occurrences(ch: Change, ctx: Ctx, items: Sequence[Any]) -> list[int]:
    """The next occurrence of each recurring follow-up just done (`items`: FollowUps, or their fields),
    in a few batched statements however many; their ids."""
    from acct_tui.services.io.imports.base import Op
    from acct_tui.services.io.imports.write import audit, insert_creates, reserve_ids

    now = ctx.now()
    ops = []
    for item, new_id in zip(items, reserve_ids(FollowUp, len(items)), strict=True):
        due = next_occurrence(item.recurrence, ctx.today)
        values = {
            "account": item.account_id, "title": item.title, "kind": item.kind, "due_on": due, "first_due_on": None,
            "priority": item.priority, "priority_rank": item.priority_rank, "assignee": item.assignee_id,
            "status": FollowUpStatus.OPEN.value, "snoozed_until": None, "snooze_reason": "", "woke_reason": "",
            "recurrence": item.recurrence, "checkpoint": None, "notes": item.notes, "completed_at": None,
            "created_by": ctx.agent.id, "created_at": now, "external_id": None, "version": 1, "source_ref": None,
        }  # fmt: skip
        label = f"next {item.title} due {due}"
        ops.append(Op(0, "create", values, record_id=new_id, account_id=item.account_id, label=label))
        ch.touch(item.account_id)
    insert_creates(FollowUp, ops, _NEXT_FIELDS)
    audit(ctx, ch.id, FollowUp, ops, _NEXT_FIELDS)
    return [int(op.record_id or 0) for op in ops]


def snooze_followup(ctx: Ctx, followup_id: int, until: object, reason: str = "") -> dt.date:
    """Hide the follow-up until a later day, with a reason; returns the day it comes back."""
    day = parse_date(until, ctx.today, "until")
    if day <= ctx.today:
        raise ValidationError("snooze until a later day than today (tomorrow, +3d, 1w, a date)", "until")
    why = clean_text(reason, "reason", max_len=200)
    with change(ctx, "followup snooze") as ch:
        item = _open_followup(ch, ctx, followup_id)
        before = snapshot(item, _STATE)
        item.snoozed_until = day
        _move_due(item, day)
        item.snooze_reason = why
        item.woke_reason = ""
        item.version += 1
        item.save()
        ch.updated(item, before, f"snoozed {item.title} until {day}", action="snooze")
        return day


def reschedule_followup(ctx: Ctx, followup_id: int, due: object) -> dt.date:
    day = parse_date(due, ctx.today, "due_on")
    with change(ctx, "followup reschedule") as ch:
        item = _open_followup(ch, ctx, followup_id)
        before = snapshot(item, _STATE)
        _move_due(item, day)
        item.snoozed_until = None
        item.snooze_reason = ""
        item.woke_reason = ""
        item.version += 1
        item.save()
        ch.updated(item, before, f"moved {item.title} to {day}", action="reschedule")
        return day


def reassign_followup(ctx: Ctx, followup_id: int, agent_id: int, note: str = "") -> None:
    """Give the follow-up to another agent; a note goes on top of its notes, where they read it in their queue."""
    why = clean_text(note, "note", max_len=1000)
    with change(ctx, "followup reassign") as ch:
        item = _open_followup(ch, ctx, followup_id)
        target = _assignee(agent_id, ctx)
        if target == item.assignee_id:
            raise ValidationError("it is already assigned to that agent", "assignee")
        before = snapshot(item, [*_STATE, "notes"])
        item.assignee_id = target
        if why:
            line = f"From {ctx.agent.name}, {ctx.today:%d %b}: {why}"
            item.notes = f"{line}\n{item.notes}" if item.notes else line
        item.version += 1
        item.save()
        name = Agent.get_by_id(target).name
        ch.updated(item, before, f"reassigned {item.title} to {name}", action="reassign")


@dataclass(frozen=True)
class Logged:
    activity_id: int
    followup_id: int | None


def _log(
    ch: Change,
    ctx: Ctx,
    account_id: int,
    data: Mapping[str, object],
    contact_id: int | None,
    occurred_at: dt.datetime,
) -> Activity:
    values = dict(data)
    kind = str(values.setdefault("kind", ActivityKind.CALL.value))
    default_direction = Direction.INTERNAL if kind in ("note", "handoff") else Direction.OUTBOUND
    values.setdefault("direction", default_direction.value)
    if contact_id is not None:
        contact = Contact.get_or_none(Contact.id == contact_id)
        if contact is None or contact.account_id != account_id:
            raise ValidationError("choose a contact of this account", "contact")
    activity = Activity.create(
        account=account_id, agent=ctx.agent.id, contact=contact_id, occurred_at=occurred_at, **values
    )
    ch.created(activity, f"{kind}: {activity.summary}", action="log")
    if activity.direction == Direction.INBOUND.value:
        wake_snoozed(ch, {account_id: inbound_reason(kind, activity.summary)}, ctx.today)
    return activity


def log_activity(
    ctx: Ctx,
    account_id: int,
    values: Mapping[str, object],
    *,
    contact_id: int | None = None,
    occurred_on: object = None,
    followup: Mapping[str, object] | None = None,
) -> Logged:
    """Record a call, email, meeting, note...; optionally plan the next follow-up in the same save."""
    data = F.clean(F.ACTIVITY, values, ctx.today)
    if "summary" not in data:
        raise ValidationError("is required", "summary")
    occurred_at = ctx.now()
    if occurred_on not in (None, ""):
        day = parse_date(occurred_on, ctx.today, "when")
        if day > ctx.today:
            raise ValidationError("an activity cannot be logged in the future", "when")
        if day != ctx.today:
            occurred_at = dt.datetime.combine(day, dt.time(12, 0))
    plan = F.clean(F.FOLLOWUP, followup, ctx.today) if followup else None
    if plan is not None:
        plan.setdefault("title", f"Follow up: {data['summary']}"[:200])
    with change(ctx, "activity log") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        activity = _log(ch, ctx, account.id, data, contact_id, occurred_at)
        followup_id = None
        if plan is not None:
            item = _create_followup(ch, ctx, account.id, plan, ctx.agent.id)
            ch.created(item, f"follow-up {item.title} due {item.due_on}")
            followup_id = int(item.id)
        return Logged(int(activity.id), followup_id)


@dataclass(frozen=True)
class ContactChoices:
    """The account's contacts for a form's "With" field, and who to put there first."""

    options: list[tuple[int, str]]
    default: int | None


def _default_contact(account_id: int, followup_id: int | None) -> int | None:
    """Who a touch on the account (about this follow-up) was most likely with.

    A follow-up has no contact of its own; one planned while logging a touch
    (or the next step of one done with a log) belongs to that touch's person,
    found through the change that wrote both. Otherwise the account's primary contact.
    """
    from acct_tui.models import AuditEntry

    if followup_id is not None:
        made = (
            AuditEntry.select(AuditEntry.change_id)
            .where(
                AuditEntry.account == account_id,
                AuditEntry.entity == "follow_up",
                AuditEntry.entity_id == followup_id,
                AuditEntry.before == "",
            )
            .first()
        )
        if made is not None:
            logged = (
                Activity.select(Activity.contact)
                .join(AuditEntry, on=(AuditEntry.entity_id == Activity.id))
                .where(
                    AuditEntry.change_id == made.change_id,
                    AuditEntry.entity == "activity",
                    Activity.contact.is_null(False),
                )
                .first()
            )
            if logged is not None and _current_contact(account_id, logged.contact_id):
                return int(logged.contact_id)
    primary = (
        Contact.select(Contact.id)
        .where(Contact.account == account_id, Contact.is_primary == True, Contact.removed_at.is_null())  # noqa: E712
        .order_by(Contact.id)
        .first()
    )
    return int(primary.id) if primary is not None else None


def _current_contact(account_id: int, contact_id: int) -> bool:
    return bool(
        Contact.select()
        .where(Contact.id == contact_id, Contact.account == account_id, Contact.removed_at.is_null())
        .exists()
    )


def contact_choices(ctx: Ctx, account_id: int, followup_id: int | None = None) -> ContactChoices:
    """The account's current contacts (primary first) and the one to prefill: see `_default_contact`."""
    with reading():
        require_account(ctx.agent, account_id)
        options = [
            (int(c.id), str(c.name))
            for c in Contact.select(Contact.id, Contact.name)
            .where(Contact.account == account_id, Contact.removed_at.is_null())
            .order_by(Contact.is_primary.desc(), Contact.name)
        ]
        return ContactChoices(options, _default_contact(account_id, followup_id))


def log_done_touch(ctx: Ctx, followup_id: int, kind: str) -> Logged:
    """After `d` in the walk: the follow-up done was a call, an email or a meeting; log it as a touch.

    The summary names the follow-up and the contact is the one `_default_contact` picks.
    """
    if kind not in {k.value for k in ActivityKind} or kind == ActivityKind.HANDOFF.value:
        raise ValidationError("log a call, email, meeting, note or support touch", "kind")
    with reading():
        found: Any = FollowUp.select(FollowUp.account, FollowUp.title).where(FollowUp.id == followup_id).tuples()
        row = found.first()
        if row is None:
            raise NotFound(f"follow-up {followup_id} not found")
        account_id, title = int(row[0]), str(row[1])
        require_account(ctx.agent, account_id, missing=f"follow-up {followup_id} not found")
        contact_id = _default_contact(account_id, followup_id)
    return log_activity(ctx, account_id, {"kind": kind, "summary": f"Done: {title}"[:200]}, contact_id=contact_id)
