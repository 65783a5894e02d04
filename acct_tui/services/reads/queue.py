"""The follow-up queue: overdue, due today, coming up, snoozed; most urgent first.

Urgency adds up points a manager would weigh (how late, priority, account
health, renewal countdown, ARR) and keeps the reasons, so the queue can
explain why an item is where it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import fn

from acct_tui.models import Account, Agent, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.reads.contexts import narrow
from acct_tui.services.reads.sections import section_conditions
from acct_tui.services.store.rows import as_date
from acct_tui.services.store.scope import scoped
from acct_tui.services.store.unit import reading
from acct_tui.services.store.wake import DATE_REASON
from acct_tui.vocab import FollowUpStatus, HealthBand, Priority

UPCOMING_DAYS = 14
SECTION_LIMIT = 100
WOKE_POINTS = 5


@dataclass(frozen=True)
class QueueItem:
    id: int
    account_id: int
    account_name: str
    health_score: int
    health_band: HealthBand
    arr: Decimal
    currency: str
    renewal_on: dt.date | None
    kind: str
    title: str
    due_on: dt.date
    priority: str
    assignee_id: int
    assignee_login: str
    assignee_name: str
    snoozed_until: dt.date | None
    snooze_reason: str
    woke_reason: str
    recurrence: str
    notes: str
    urgency: int
    reasons: tuple[str, ...]
    version: int


@dataclass(frozen=True)
class Queue:
    today: dt.date
    overdue: list[QueueItem] = field(default_factory=list)
    due_today: list[QueueItem] = field(default_factory=list)
    upcoming: list[QueueItem] = field(default_factory=list)
    snoozed: list[QueueItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    SECTIONS = ("overdue", "today", "upcoming", "snoozed")

    def section(self, name: str) -> list[QueueItem]:
        return {
            "overdue": self.overdue,
            "today": self.due_today,
            "upcoming": self.upcoming,
            "snoozed": self.snoozed,
        }[name]

    def all_items(self) -> list[tuple[str, QueueItem]]:
        return [(name, item) for name in self.SECTIONS for item in self.section(name)]


_PRIORITY_POINTS = {Priority.URGENT: 10, Priority.HIGH: 6, Priority.NORMAL: 2, Priority.LOW: 0}
_BAND_POINTS = {HealthBand.AT_RISK: 8, HealthBand.WATCH: 3, HealthBand.HEALTHY: 0}


def urgency(
    due_on: dt.date,
    priority: str,
    band: HealthBand,
    renewal_on: dt.date | None,
    arr: Decimal,
    today: dt.date,
) -> tuple[int, tuple[str, ...]]:
    """Points and the reasons behind them; more points, more urgent."""
    parts: list[tuple[int, str]] = []
    late = (today - due_on).days
    if late > 0:
        parts.append((min(late, 14) * 2, f"{late} days late" if late > 1 else "1 day late"))
    elif late == 0:
        parts.append((3, "due today"))
    points = _PRIORITY_POINTS.get(Priority(priority), 0)
    if points:
        parts.append((points, f"{priority} priority"))
    points = _BAND_POINTS[band]
    if points:
        parts.append((points, f"account {band.label}"))
    if renewal_on is not None:
        days = (renewal_on - today).days
        if 0 <= days <= 30:
            parts.append((6, f"renews in {days} days"))
        elif 30 < days <= 60:
            parts.append((3, f"renews in {days} days"))
    if arr >= 1_000_000:
        parts.append((6, "ARR over 1M"))
    elif arr >= 250_000:
        parts.append((4, "ARR over 250k"))
    elif arr >= 50_000:
        parts.append((2, "ARR over 50k"))
    return sum(p for p, _ in parts), tuple(f"+{p} {why}" for p, why in parts)


_COLUMNS = (
    FollowUp.id,
    FollowUp.account,
    Account.name,
    Account.health_score,
    Account.health_band,
    Account.arr,
    Account.currency,
    Account.renewal_on,
    FollowUp.kind,
    FollowUp.title,
    FollowUp.due_on,
    FollowUp.priority,
    FollowUp.assignee,
    Agent.login,
    Agent.name,
    FollowUp.snoozed_until,
    FollowUp.snooze_reason,
    FollowUp.woke_reason,
    FollowUp.recurrence,
    FollowUp.notes,
    FollowUp.version,
)


def _base(ctx: Ctx, agent_id: int | None) -> object:
    query = (
        FollowUp.select(*_COLUMNS)
        .join(Account, on=(FollowUp.account == Account.id))
        .switch(FollowUp)
        .join(Agent, on=(FollowUp.assignee == Agent.id))
        .where(FollowUp.status == FollowUpStatus.OPEN.value)
    )
    if agent_id is not None:
        query = query.where(FollowUp.assignee == agent_id)
    return narrow(scoped(query, ctx.agent), ctx.context)


def _counter(ctx: Ctx, agent_id: int | None) -> Any:
    """Counting needs the account only when a scope or a context narrows by it."""
    query = FollowUp.select(FollowUp.id).where(FollowUp.status == FollowUpStatus.OPEN.value)
    if agent_id is not None:
        query = query.where(FollowUp.assignee == agent_id)
    if ctx.agent.is_admin and ctx.context is None:
        return query
    query = query.join(Account, on=(FollowUp.account == Account.id))
    return narrow(scoped(query, ctx.agent), ctx.context)


def _item(values: tuple[Any, ...], today: dt.date) -> QueueItem:
    (
        id_, account_id, name, score, band, arr, currency, renewal, kind, title, due, priority,
        assignee_id, login, agent_name, snoozed, reason, woke, recurrence, notes, version,
    ) = values  # fmt: skip
    due_on = as_date(due)
    renewal_on = as_date(renewal) if renewal else None
    health_band = HealthBand(str(band))
    amount = Decimal(str(arr))
    points, reasons = urgency(due_on, str(priority), health_band, renewal_on, amount, today)
    snoozed_until = as_date(snoozed) if snoozed else None
    woke_reason = str(woke)
    if not woke_reason and snoozed_until is not None and snoozed_until <= today:
        woke_reason = DATE_REASON
    elif woke_reason:
        # Woken early by something the client did or by a falling score: worth a look first.
        points += WOKE_POINTS
        reasons = (*reasons, f"+{WOKE_POINTS} woke early")
    return QueueItem(
        id=int(id_),
        account_id=int(account_id),
        account_name=str(name),
        health_score=int(score),
        health_band=health_band,
        arr=amount,
        currency=str(currency),
        renewal_on=renewal_on,
        kind=str(kind),
        title=str(title),
        due_on=due_on,
        priority=str(priority),
        assignee_id=int(assignee_id),
        assignee_login=str(login),
        assignee_name=str(agent_name),
        snoozed_until=snoozed_until,
        snooze_reason=str(reason),
        woke_reason=woke_reason,
        recurrence=str(recurrence),
        notes=str(notes),
        urgency=points,
        reasons=reasons,
        version=int(version),
    )


def followup_queue(
    ctx: Ctx,
    *,
    agent_id: int | None = -1,
    today: dt.date | None = None,
    upcoming_days: int = UPCOMING_DAYS,
    limit: int = SECTION_LIMIT,
    exact_counts: bool = True,
) -> Queue:
    """The queue of `agent_id` (default: the acting agent; None: everyone in scope).

    A section holds at most `limit` items; its count is exact when
    `exact_counts`, else the number held (a screen fetches `queue_counts`
    after showing the items).
    """
    day = today or ctx.today
    who = ctx.agent.id if agent_id == -1 else agent_id
    conditions = section_conditions(day, upcoming_days)
    with reading():
        base: Any = _base(ctx, who)
        counter = _counter(ctx, who)
        counts: dict[str, int] = {}
        items: dict[str, list[QueueItem]] = {}
        for name, condition in conditions.items():
            order = _SNOOZED_ORDER if name == "snoozed" else _DUE_ORDER
            # Raw cursor rows: peewee's per-column conversion costs more than the query here.
            cursor = database_proxy.execute(base.where(condition).order_by(*order).limit(limit))
            rows = [_item(row, day) for row in cursor.fetchall()]
            full = len(rows) >= limit and exact_counts
            counts[name] = int(counter.where(condition).count()) if full else len(rows)
            items[name] = rows
    for name in ("overdue", "today"):
        items[name].sort(key=lambda i: (-i.urgency, i.due_on, i.id))
    items["upcoming"].sort(key=lambda i: (i.due_on, -i.urgency, i.id))
    return Queue(day, items["overdue"], items["today"], items["upcoming"], items["snoozed"], counts)


def queue_counts(
    ctx: Ctx, *, agent_id: int | None = -1, today: dt.date | None = None, upcoming_days: int = UPCOMING_DAYS
) -> dict[str, int]:
    """How many follow-ups each section holds (index-only counts, for the section headings)."""
    day = today or ctx.today
    who = ctx.agent.id if agent_id == -1 else agent_id
    with reading():
        counter = _counter(ctx, who)
        return {
            name: int(counter.where(condition).count())
            for name, condition in section_conditions(day, upcoming_days).items()
        }


# Each order is its section's index read as it stands: (assignee, status, due on, snoozed until, id)
# and (assignee, status, snoozed until, id). Leaving the snooze date out of the due order would
# make SQLite walk every agent's open follow-ups by due date instead, sorting none but skipping
# all the others': the cost of the queue then grew with the book, not with the section's limit.
_DUE_ORDER = (FollowUp.due_on, FollowUp.snoozed_until, FollowUp.id)
_SNOOZED_ORDER = (FollowUp.snoozed_until, FollowUp.id)


def overdue_count(ctx: Ctx) -> int:
    """How many of the acting agent's follow-ups are late (for the header)."""
    day = ctx.today
    with reading():
        query = scoped(
            FollowUp.select(fn.COUNT(FollowUp.id))
            .join(Account, on=(FollowUp.account == Account.id))
            .where(
                FollowUp.status == FollowUpStatus.OPEN.value,
                FollowUp.assignee == ctx.agent.id,
                FollowUp.due_on < day,
            ),
            ctx.agent,
        )
        return int(query.scalar() or 0)
