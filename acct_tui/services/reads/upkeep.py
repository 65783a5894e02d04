"""The daily upkeep list: the day's work, in the order a manager clears it.

Four categories, walked in the order of the agent's plan (`WorkPlan.walk_order`,
set by the cadence preset or `[upkeep] order`); by default:

1. overdue and due follow-ups, most urgent first;
2. accounts past their contact cadence (gone quiet), biggest first;
3. renewals within 90 days with no open renewal follow-up, soonest first;
4. accounts at risk, lowest score first.

Each account appears once among the account categories: an account already on
the list (say, through a follow-up) is not listed again, and its other reasons
travel with the item as context. An active context narrows every category.
A reason the agent marked reviewed today, or "check in later" until a later
day (see `walkmarks`), stays off the walk.

`walk_cards` folds the list into one card per account: its due follow-ups and
all its reasons, so one pass over the walk clears an account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from acct_tui.models import Account, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.reads.contexts import narrow
from acct_tui.services.reads.queue import QueueItem, followup_queue
from acct_tui.services.store.derived import local_date
from acct_tui.services.store.rows import as_datetime, maybe_date
from acct_tui.services.store.unit import reading
from acct_tui.services.writes.walkmarks import hidden_reasons
from acct_tui.vocab import FollowUpKind, FollowUpStatus, HealthBand, Stage

RENEWAL_WINDOW_DAYS = 90
CATEGORY_LIMIT = 500


class ItemKind(StrEnum):
    FOLLOWUP = "followup"
    QUIET = "quiet"
    RENEWAL = "renewal"
    AT_RISK = "at_risk"

    @property
    def label(self) -> str:
        return {
            ItemKind.FOLLOWUP: "follow-up",
            ItemKind.QUIET: "gone quiet",
            ItemKind.RENEWAL: "renewal without a plan",
            ItemKind.AT_RISK: "at risk",
        }[self]


@dataclass(frozen=True)
class UpkeepItem:
    kind: ItemKind
    account_id: int
    account_name: str
    health_score: int
    health_band: HealthBand
    arr: Decimal
    currency: str
    renewal_on: dt.date | None
    last_touch_on: dt.date | None
    why: str
    also: tuple[str, ...] = ()
    followup: QueueItem | None = None
    reasons: tuple[tuple[ItemKind, str], ...] = ()
    """Every account reason (not follow-ups) the account is on the walk for, this item's own first."""

    @property
    def key(self) -> str:
        if self.followup is not None:
            return f"followup:{self.followup.id}"
        return f"{self.kind.value}:{self.account_id}"


@dataclass
class _AccountFacts:
    id: int
    name: str
    score: int
    band: HealthBand
    arr: Decimal
    currency: str
    renewal_on: dt.date | None
    last_touch_on: dt.date | None
    reasons: dict[ItemKind, str] = field(default_factory=dict)
    checkpointed: bool = False


_COLUMNS = (
    Account.id,
    Account.name,
    Account.health_score,
    Account.health_band,
    Account.arr,
    Account.currency,
    Account.renewal_on,
    Account.last_touch_at,
    Account.touch_due_on,
)


def _facts(row: tuple[Any, ...]) -> _AccountFacts:
    id_, name, score, band, arr, currency, renewal, touch, _due = row
    return _AccountFacts(
        id=int(id_),
        name=str(name),
        score=int(score),
        band=HealthBand(str(band)),
        arr=Decimal(str(arr)),
        currency=str(currency),
        renewal_on=maybe_date(renewal),
        last_touch_on=local_date(as_datetime(touch)),
    )


def _rows(query: Any) -> list[tuple[Any, ...]]:
    return list(query.tuples())


def daily_upkeep(ctx: Ctx) -> list[UpkeepItem]:
    """The acting agent's walk for today, its categories in the order of the agent's plan."""
    today = ctx.today
    queue = followup_queue(ctx, upcoming_days=0)
    me = ctx.agent.id
    live = Account.stage != Stage.CHURNED.value

    def mine(*where: object) -> Any:
        return narrow(Account.select(*_COLUMNS).where(Account.owner == me, live, *where), ctx.context)

    with reading():
        quiet = [
            _facts(r)
            for r in mine((Account.touch_due_on < today) | Account.last_touch_at.is_null())
            .order_by(Account.arr.desc(), Account.id)
            .limit(CATEGORY_LIMIT)
            .tuples()
        ]
        # A checkpoint is a reminder, not a plan: the renewal stays on the walk until someone plans it.
        planned = FollowUp.select(FollowUp.account).where(
            FollowUp.status == FollowUpStatus.OPEN.value,
            FollowUp.kind == FollowUpKind.RENEWAL.value,
            FollowUp.checkpoint.is_null(),
        )
        renewals = [
            _facts(r)
            for r in mine(
                Account.renewal_on.between(today, today + dt.timedelta(days=RENEWAL_WINDOW_DAYS)),
                Account.id.not_in(planned),
            )
            .order_by(Account.renewal_on, Account.id)
            .limit(CATEGORY_LIMIT)
            .tuples()
        ]
        at_risk = [
            _facts(r)
            for r in mine(Account.health_band == HealthBand.AT_RISK.value)
            .order_by(Account.health_score, Account.id)
            .limit(CATEGORY_LIMIT)
            .tuples()
        ]
        hidden = hidden_reasons(me, today)
        # A renewal with only the automatic checkpoint has a reminder, not a plan: say so.
        checkpointed = {
            int(account_id)
            for (account_id,) in _rows(
                FollowUp.select(FollowUp.account).where(
                    FollowUp.account.in_([r.id for r in renewals]),
                    FollowUp.status == FollowUpStatus.OPEN.value,
                    FollowUp.checkpoint.is_null(False),
                )
            )
        }
        # Follow-up cards show the account's last touch too, flagged for another reason or not.
        touched = {
            int(account_id): local_date(as_datetime(moment))
            for account_id, moment in _rows(
                Account.select(Account.id, Account.last_touch_at).where(
                    Account.id.in_(sorted({i.account_id for i in queue.overdue + queue.due_today}))
                )
            )
        }
    facts: dict[int, _AccountFacts] = {}
    categories = {"quiet": (ItemKind.QUIET, quiet), "renewals": (ItemKind.RENEWAL, renewals)}
    categories["at_risk"] = (ItemKind.AT_RISK, at_risk)
    for kind, rows in categories.values():
        for row in rows:
            if (row.id, kind.value) in hidden:
                continue
            known = facts.setdefault(row.id, row)
            known.checkpointed = known.checkpointed or row.id in checkpointed
            known.reasons[kind] = _reason(kind, known, today)

    items: list[UpkeepItem] = []
    seen: set[int] = set()
    for category in ctx.plan.walk_order:
        if category == "followups":
            for item in queue.overdue + queue.due_today:
                items.append(_followup_item(item, facts.get(item.account_id), touched.get(item.account_id), today))
                seen.add(item.account_id)
            continue
        kind, rows = categories[category]
        for row in rows:
            if row.id in seen or row.id not in facts or kind not in facts[row.id].reasons:
                continue
            seen.add(row.id)
            known = facts[row.id]
            others = tuple(reason for other, reason in known.reasons.items() if other is not kind)
            items.append(
                UpkeepItem(
                    kind=kind,
                    account_id=known.id,
                    account_name=known.name,
                    health_score=known.score,
                    health_band=known.band,
                    arr=known.arr,
                    currency=known.currency,
                    renewal_on=known.renewal_on,
                    last_touch_on=known.last_touch_on,
                    why=known.reasons[kind],
                    also=others,
                    reasons=((kind, known.reasons[kind]), *((k, r) for k, r in known.reasons.items() if k is not kind)),
                )
            )
    return items


def _followup_item(
    item: QueueItem, known: _AccountFacts | None, last_touch: dt.date | None, today: dt.date
) -> UpkeepItem:
    also = tuple(known.reasons.values()) if known else ()
    return UpkeepItem(
        kind=ItemKind.FOLLOWUP,
        account_id=item.account_id,
        account_name=item.account_name,
        health_score=item.health_score,
        health_band=item.health_band,
        arr=item.arr,
        currency=item.currency,
        renewal_on=item.renewal_on,
        last_touch_on=last_touch,
        why=f"{item.kind} follow-up " + ("due today" if item.due_on == today else _late(item.due_on, today)),
        also=also,
        followup=item,
        reasons=tuple(known.reasons.items()) if known else (),
    )


def _late(due: dt.date, today: dt.date) -> str:
    days = (today - due).days
    return f"{days} day{'s' if days != 1 else ''} overdue"


def _reason(kind: ItemKind, row: _AccountFacts, today: dt.date) -> str:
    if kind is ItemKind.QUIET:
        if row.last_touch_on is None:
            return "never contacted"
        return f"gone quiet: last touch {(today - row.last_touch_on).days} days ago"
    if kind is ItemKind.RENEWAL:
        days = (row.renewal_on - today).days if row.renewal_on else 0
        if row.checkpointed:
            return f"renews in {days} days: only the automatic checkpoint, no renewal plan yet"
        return f"renews in {days} days with no renewal follow-up"
    return f"at risk: health {row.score}"


@dataclass(frozen=True)
class WalkCard:
    """One account in the walk: its due follow-ups (most urgent first) and every reason it is here."""

    account_id: int
    account_name: str
    health_score: int
    health_band: HealthBand
    arr: Decimal
    currency: str
    renewal_on: dt.date | None
    last_touch_on: dt.date | None
    followups: tuple[QueueItem, ...]
    reasons: tuple[tuple[ItemKind, str], ...]

    @property
    def key(self) -> str:
        return f"account:{self.account_id}"

    @property
    def kind(self) -> ItemKind:
        """What the card is first of all: follow-ups to clear, else its first reason."""
        return ItemKind.FOLLOWUP if self.followups else self.reasons[0][0]

    @property
    def reason_keys(self) -> tuple[str, ...]:
        return tuple(kind.value for kind, _text in self.reasons)


def walk_cards(ctx: Ctx) -> list[WalkCard]:
    """The walk folded to one card per account, in the order the account first comes up."""
    order: list[int] = []
    followups: dict[int, list[QueueItem]] = {}
    reasons: dict[int, dict[ItemKind, str]] = {}
    first: dict[int, UpkeepItem] = {}
    for item in daily_upkeep(ctx):
        if item.account_id not in first:
            first[item.account_id] = item
            order.append(item.account_id)
            followups[item.account_id] = []
            reasons[item.account_id] = {}
        if item.followup is not None:
            followups[item.account_id].append(item.followup)
        for kind, text in item.reasons:
            reasons[item.account_id].setdefault(kind, text)
    cards = []
    for account_id in order:
        head = first[account_id]
        cards.append(
            WalkCard(
                account_id=account_id,
                account_name=head.account_name,
                health_score=head.health_score,
                health_band=head.health_band,
                arr=head.arr,
                currency=head.currency,
                renewal_on=head.renewal_on,
                last_touch_on=head.last_touch_on,
                followups=tuple(followups[account_id]),
                reasons=tuple(reasons[account_id].items()),
            )
        )
    return cards
