"""One account whole: the card, contacts, products, timeline, follow-ups, concerns,
opportunities, health and why, and the change history.

Everything is returned as frozen dataclasses holding plain values, so a
screen can render them on the UI thread without touching the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import JOIN, Case

from acct_tui.models import (
    Account,
    Activity,
    Agent,
    AuditEntry,
    Concern,
    Contact,
    FollowUp,
    Opportunity,
    Product,
)
from acct_tui.services.context import Ctx
from acct_tui.services.domain.health import Health, HealthInputs, assess
from acct_tui.services.errors import NotFound
from acct_tui.services.store.derived import local_date
from acct_tui.services.store.rows import dict_rows
from acct_tui.services.store.scope import require_account
from acct_tui.services.store.unit import reading
from acct_tui.services.writes.products import ProductRow, subscription_rows
from acct_tui.vocab import TOUCH_KINDS, ConcernStatus, FollowUpStatus, OpportunityStatus, Severity


@dataclass(frozen=True)
class AccountCard:
    id: int
    name: str
    tier: str
    industry: str
    domain: str
    owner_id: int
    owner_login: str
    owner_name: str
    arr: Decimal
    currency: str
    stage: str
    renewal_on: dt.date | None
    satisfaction: int | None
    notes: str
    cadence_days: int
    last_touch_on: dt.date | None
    next_followup_on: dt.date | None
    version: int
    external_id: str
    values: dict[str, object]
    phone: str = ""
    city: str = ""
    country: str = ""
    employees: int | None = None
    client_since: dt.date | None = None
    """When the client relationship began (a CRM's created date on import)."""


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    role: str
    email: str
    phone: str
    is_primary: bool
    version: int = 1


@dataclass(frozen=True)
class TimelineItem:
    id: int
    kind: str
    direction: str
    occurred_at: dt.datetime
    agent: str
    contact: str
    summary: str
    body: str
    outcome: str


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    title: str
    kind: str
    due_on: dt.date
    priority: str
    assignee_id: int
    assignee: str
    snoozed_until: dt.date | None
    snooze_reason: str
    recurrence: str
    notes: str
    first_due_on: dt.date | None = None
    """The date first promised, when the due date was moved since (health counts the slip from it)."""


@dataclass(frozen=True)
class ConcernRow:
    id: int
    title: str
    severity: str
    status: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    ticket_ref: str
    detail: str
    resolution: str = ""


@dataclass(frozen=True)
class OpportunityRow:
    id: int
    title: str
    kind: str
    stage: str
    status: str
    amount: Decimal
    currency: str
    expected_close: dt.date | None


@dataclass(frozen=True)
class HistoryRow:
    id: int
    change_id: str
    at: dt.datetime
    agent: str
    entity: str
    action: str
    summary: str
    fields: tuple[tuple[str, object, object], ...]
    undone: bool


@dataclass(frozen=True)
class ClientDetail:
    card: AccountCard
    health: Health
    contacts: list[ContactRow]
    products: list[ProductRow]
    timeline: list[TimelineItem]
    timeline_total: int
    followups: list[FollowUpRow]
    concerns: list[ConcernRow]
    opportunities: list[OpportunityRow]
    history: list[HistoryRow]
    health_weeks: list[int | None] = field(default_factory=list)
    """The score at the end of each of the last 12 weeks, oldest first, the last one today's."""


TIMELINE_PAGE = 50


def client_detail(ctx: Ctx, account_id: int, *, timeline_limit: int = TIMELINE_PAGE) -> ClientDetail:
    """Everything about one account the agent may see; NotFound otherwise."""
    from acct_tui.services.writes.accounts import account_values

    with reading():
        account = require_account(ctx.agent, account_id)
        owner = Agent.get_by_id(account.owner_id)
        contacts = [
            ContactRow(c.id, c.name, c.role, c.email, c.phone, c.is_primary, c.version)
            for c in Contact.select()
            .where(Contact.account == account_id, Contact.removed_at.is_null())
            .order_by(Contact.is_primary.desc(), Contact.name)
        ]
        products = subscription_rows(account_id)
        followups = _open_followups(account_id)
        concerns = _concerns(account_id)
        opportunities = [
            OpportunityRow(
                o.id, o.title, o.kind, o.stage, o.status, Decimal(str(o.amount)), o.currency, o.expected_close
            )
            for o in Opportunity.select()
            .where(Opportunity.account == account_id)
            .order_by((Opportunity.status == OpportunityStatus.OPEN.value).desc(), Opportunity.created_at.desc())
            .limit(50)
        ]
        timeline = timeline_page(ctx, account_id, limit=timeline_limit, checked=True)
        timeline_total = Activity.select().where(Activity.account == account_id).count()
        last_touch = (
            Activity.select(Activity.occurred_at)
            .where(Activity.account == account_id, Activity.kind.in_([k.value for k in TOUCH_KINDS]))
            .order_by(Activity.occurred_at.desc())
            .limit(1)
            .scalar()
        )
        history = account_history(ctx, account_id, checked=True)
        card = AccountCard(
            id=account.id,
            name=account.name,
            tier=account.tier,
            industry=account.industry,
            domain=account.domain or "",
            owner_id=owner.id,
            owner_login=owner.login,
            owner_name=owner.name,
            arr=Decimal(str(account.arr)),
            currency=account.currency,
            stage=account.stage,
            renewal_on=account.renewal_on,
            satisfaction=account.satisfaction,
            notes=account.notes,
            cadence_days=ctx.policy.cadence_for(account.tier),
            last_touch_on=local_date(last_touch),
            next_followup_on=min((f.due_on for f in followups), default=None),
            version=account.version,
            external_id=account.external_id or "",
            values=account_values(account),
            phone=account.phone or "",
            city=account.city or "",
            country=account.country or "",
            employees=account.employees,
            client_since=account.client_since,
        )
    health = assess(
        HealthInputs(
            cadence_days=card.cadence_days,
            last_touch=card.last_touch_on,
            concern_severities=tuple(c.severity for c in concerns if c.status == ConcernStatus.OPEN.value),
            satisfaction=card.satisfaction,
            open_due_dates=tuple(f.due_on for f in followups),
            renewal_on=card.renewal_on,
            promised_due_dates=tuple(min(f.due_on, f.first_due_on or f.due_on) for f in followups),
        ),
        ctx.today,
        ctx.policy,
    )
    from acct_tui.services.reads.history import health_weeks

    weeks = health_weeks(account_id, ctx.today)
    weeks[-1] = health.score  # today's, as the card shows it, even before upkeep records it
    return ClientDetail(
        card, health, contacts, products, timeline, timeline_total, followups, concerns, opportunities, history, weeks
    )


SEVERITY_ORDER = Case(
    Concern.severity,
    [(s.value, rank) for rank, s in enumerate(reversed(list(Severity)))],
    len(Severity),
)
"""Critical first: the rank of each severity, in SQL so the 50 shown are the 50 that matter most."""


def _concerns(account_id: int) -> list[ConcernRow]:
    """Open concerns by severity then age (the oldest worry of a severity first), then the resolved, newest first."""
    is_open = Concern.status == ConcernStatus.OPEN.value
    return [
        ConcernRow(
            c.id, c.title, c.severity, c.status, c.opened_at, c.resolved_at, c.ticket_ref, c.detail, c.resolution or ""
        )
        for c in Concern.select()
        .where(Concern.account == account_id)
        .order_by(
            is_open.desc(),
            Case(None, [(is_open, SEVERITY_ORDER)], len(Severity)),
            Case(None, [(is_open, Concern.opened_at)], None).asc(),
            Concern.resolved_at.desc(),
            Concern.id.desc(),
        )
        .limit(50)
    ]


def _open_followups(account_id: int) -> list[FollowUpRow]:
    return [
        FollowUpRow(
            f.id,
            f.title,
            f.kind,
            f.due_on,
            f.priority,
            f.assignee.id,
            f.assignee.name,
            f.snoozed_until,
            f.snooze_reason,
            f.recurrence,
            f.notes,
            f.first_due_on,
        )
        for f in FollowUp.select(FollowUp, Agent)
        .join(Agent, on=(FollowUp.assignee == Agent.id))
        .where(FollowUp.account == account_id, FollowUp.status == FollowUpStatus.OPEN.value)
        .order_by(FollowUp.due_on, FollowUp.priority_rank.desc())
    ]


def timeline_page(
    ctx: Ctx,
    account_id: int,
    *,
    before: tuple[dt.datetime, int] | None = None,
    limit: int = TIMELINE_PAGE,
    checked: bool = False,
) -> list[TimelineItem]:
    """Newest first; pass the last item's (occurred_at, id) as `before` for the next page."""
    with reading():
        if not checked:
            require_account(ctx.agent, account_id)
        query = (
            Activity.select(Activity, Agent.name.alias("agent_name"), Contact.name.alias("contact_name"))
            .join(Agent, JOIN.LEFT_OUTER, on=(Activity.agent == Agent.id))
            .switch(Activity)
            .join(Contact, JOIN.LEFT_OUTER, on=(Activity.contact == Contact.id))
            .where(Activity.account == account_id)
        )
        if before is not None:
            moment, last_id = before
            query = query.where(
                (Activity.occurred_at < moment) | ((Activity.occurred_at == moment) & (Activity.id < last_id))
            )
        # As dicts: the agent's and contact's names are aliased columns, not the activity's fields.
        rows = dict_rows(query.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit))
        return [
            TimelineItem(
                a["id"],
                a["kind"],
                a["direction"],
                a["occurred_at"],
                a["agent_name"] or "",
                a["contact_name"] or "",
                a["summary"],
                a["body"],
                a["outcome"],
            )
            for a in rows
        ]


def account_history(ctx: Ctx, account_id: int, *, limit: int = 100, checked: bool = False) -> list[HistoryRow]:
    """Who changed what on this account and when, newest first."""
    with reading():
        if not checked:
            require_account(ctx.agent, account_id)
        # As dicts: the agent's name is an aliased column, not one of the entry's fields.
        entries = list(
            dict_rows(
                AuditEntry.select(AuditEntry, Agent.name.alias("agent_name"))
                .join(Agent, JOIN.LEFT_OUTER, on=(AuditEntry.agent == Agent.id))
                .where(AuditEntry.account == account_id)
                .order_by(AuditEntry.id.desc())
                .limit(limit)
            )
        )
    decoded = [
        (
            entry,
            json.loads(entry["before"]) if entry["before"] else {},
            json.loads(entry["after"]) if entry["after"] else {},
        )
        for entry in entries
    ]
    names = _reference_names(decoded)
    rows = []
    for entry, before, after in decoded:
        # A record created or deleted (whatever the action's name: "log", "undo") is told by the summary;
        # only a change of fields lists them.
        keys = sorted(set(before) | set(after)) if before and after else []
        fields = tuple(
            (k, _named(names, k, before.get(k)), _named(names, k, after.get(k)))
            for k in keys
            if k not in _UNSHOWN and before.get(k) != after.get(k)
        )
        rows.append(
            HistoryRow(
                entry["id"],
                entry["change_id"],
                entry["at"],
                entry["agent_name"] or "system",
                entry["entity"],
                entry["action"],
                entry["summary"],
                fields,
                entry["undone_by"] is not None,
            )
        )
    return rows


_UNSHOWN = frozenset({"version", "updated_at"})
"""Bookkeeping a person did not change: never listed as a change."""

REFERENCES: dict[str, Any] = {
    "owner": Agent,
    "assignee": Agent,
    "agent": Agent,
    "created_by": Agent,
    "opened_by": Agent,
    "contact": Contact,
    "account": Account,
    "product": Product,
}
"""Fields that hold another record's id, and the table whose name stands for it in the history."""


def _reference_names(
    decoded: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]],
) -> dict[tuple[Any, int], str]:
    """The names of the agents, contacts, accounts and products the shown changes point at.

    A query per kind of record named, at most four however long the history is."""
    wanted: dict[Any, set[int]] = defaultdict(set)
    for _entry, before, after in decoded:
        if not (before and after):
            continue  # a creation or a deletion lists no fields
        for key, model in REFERENCES.items():
            if before.get(key) == after.get(key):
                continue
            for value in (before.get(key), after.get(key)):
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted[model].add(value)
    names: dict[tuple[Any, int], str] = {}
    if not wanted:
        return names
    with reading():
        for model, ids in wanted.items():
            for record_id, name in model.select(model.id, model.name).where(model.id.in_(sorted(ids))).tuples():
                names[(model, int(record_id))] = str(name)
    return names


def _named(names: dict[tuple[Any, int], str], key: str, value: object) -> object:
    model = REFERENCES.get(key)
    if model is None or not isinstance(value, int) or isinstance(value, bool):
        return value
    return names.get((model, value), f"#{value}")


def account_name(ctx: Ctx, account_id: int) -> str:
    with reading():
        return str(require_account(ctx.agent, account_id).name)


def last_touches(ctx: Ctx, account_ids: list[int], per_account: int = 3) -> dict[int, list[TimelineItem]]:
    """The latest few activities of several accounts (for the daily walk's cards)."""
    result: dict[int, list[TimelineItem]] = defaultdict(list)
    for account_id in account_ids:
        try:
            result[account_id] = timeline_page(ctx, account_id, limit=per_account)
        except NotFound:
            continue
    return result


def contact_options(ctx: Ctx, account_id: int) -> list[tuple[int, str]]:
    """The account's contacts as (id, name), primary first (for forms)."""
    with reading():
        require_account(ctx.agent, account_id)
        return [
            (c.id, c.name)
            for c in Contact.select(Contact.id, Contact.name)
            .where(Contact.account == account_id, Contact.removed_at.is_null())
            .order_by(Contact.is_primary.desc(), Contact.name)
        ]
