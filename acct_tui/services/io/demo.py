"""The demo database: a manager's portfolio with a real day's work waiting.

Built on first use, relative to the day it is built: overdue and due
follow-ups, accounts gone quiet, a renewal coming with no plan, an account
at risk with a critical concern, and a few team-mates to hand work to.
The scripted accounts go through the same services as the app, so their
audit trail and derived columns are exactly what the app would write.

A demo of one day would show every trend arrow flat: each account also gets
twelve weeks of health history ending at its score today (Kestrel Freight
sliding since its outage, others climbing or holding), concerns opened on the
days their story says, and product lines whose seats and prices add up to
the account's ARR.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from acct_tui.clock import Clock, FixedClock
from acct_tui.models import Account, Agent, Concern, HealthHistory, Product, Subscription, Team, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.io.seed import seed
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import agent_ref
from acct_tui.services.writes.checkpoints import mark_in_step, sync_all
from acct_tui.vocab import Role

DEMO_MANAGER = "manager"
TEAMMATES = (("alex", "Alex Okafor"), ("priya", "Priya Santos"), ("jordan", "Jordan Weber"))


def build_demo(clock: Clock) -> Ctx:
    """Fill the bound (empty) database with the demo; returns the manager's context."""
    today = clock.today()
    with database_proxy.connection_context(), database_proxy.atomic():
        team = Team.get_or_create(name="East")[0]
        manager = Agent.create(login=DEMO_MANAGER, name="Demo Manager", role=Role.LEAD.value, team=team)
        mates = [Agent.create(login=login, name=name, role=Role.AGENT.value, team=team) for login, name in TEAMMATES]
    owners = [manager.id, manager.id, manager.id] + [m.id for m in mates]
    seed(42, seed_value=7, today=today, now=clock.now(), owner_ids=owners)
    ctx = Ctx(agent=agent_ref(manager), clock=FixedClock(clock.now()))
    _scripted(ctx, today, mates[0].id)
    # The seeded accounts get their renewal checkpoints now, not at the first start.
    sync_all(ctx)
    with database_proxy.connection_context(), database_proxy.atomic():
        _sane_products(today)
        _past_weeks(ctx, today)
    mark_in_step()
    return Ctx(agent=agent_ref(manager), clock=clock)


def _days(today: dt.date, n: int) -> str:
    return (today + dt.timedelta(days=n)).isoformat()


def _scripted(ctx: Ctx, today: dt.date, mate_id: int) -> None:
    """The accounts the demo's story is about."""
    at_risk = accounts.create_account(
        ctx,
        {
            "name": "Kestrel Freight",
            "tier": "platinum",
            "industry": "Logistics",
            "arr": "1850000",
            "renewal_on": _days(today, 48),
            "satisfaction": "4",
            "domain": "kestrelfreight.com",
            "notes": "Flagship logistics client. Exec sponsor: COO.",
        },
    )
    accounts.add_contact(
        ctx,
        at_risk,
        {"name": "Ines Haddad", "role": "COO", "email": "ines.haddad@kestrelfreight.com", "is_primary": True},
    )
    accounts.add_contact(
        ctx, at_risk, {"name": "Tomas Varga", "role": "Head of IT", "email": "tomas.varga@kestrelfreight.com"}
    )
    accounts.add_concern(
        ctx, at_risk, {"title": "Tracking outage during peak week", "severity": "critical", "ticket_ref": "SUP-48211"}
    )
    accounts.add_concern(ctx, at_risk, {"title": "Invoice double-charged in October", "severity": "high"})
    followups.log_activity(
        ctx,
        at_risk,
        {"kind": "call", "summary": "Outage debrief with Ines", "body": "Wants a written RCA and credits."},
        occurred_on=_days(today, -19),
    )
    followups.add_followup(
        ctx,
        at_risk,
        {"title": "Send RCA and credit proposal", "kind": "support", "due_on": _days(today, -3), "priority": "urgent"},
    )

    renewal = accounts.create_account(
        ctx,
        {
            "name": "Blue Harbor Analytics",
            "tier": "gold",
            "industry": "Software",
            "arr": "240000",
            "renewal_on": _days(today, 24),
            "satisfaction": "8",
            "domain": "blueharbor.io",
        },
    )
    accounts.add_contact(
        ctx, renewal, {"name": "Maya Lindqvist", "role": "VP Operations", "email": "maya@blueharbor.io"}
    )
    followups.log_activity(
        ctx, renewal, {"kind": "email", "summary": "Sent usage report"}, occurred_on=_days(today, -9)
    )
    accounts.add_opportunity(
        ctx, renewal, {"title": "Add 40 analytics seats", "kind": "upsell", "amount": "36000", "stage": "qualified"}
    )

    quiet = accounts.create_account(
        ctx,
        {
            "name": "Cedar Clinics",
            "tier": "gold",
            "industry": "Healthcare",
            "arr": "132000",
            "renewal_on": _days(today, 160),
            "satisfaction": "7",
        },
    )
    accounts.add_contact(ctx, quiet, {"name": "Omar Nakamura", "role": "CFO", "email": "omar@cedarclinics.com"})
    followups.log_activity(ctx, quiet, {"kind": "meeting", "summary": "Business review"}, occurred_on=_days(today, -41))

    today_item = accounts.create_account(
        ctx,
        {
            "name": "Lumen Payments",
            "tier": "silver",
            "industry": "Financial services",
            "arr": "64000",
            "renewal_on": _days(today, 200),
            "satisfaction": "9",
        },
    )
    accounts.add_contact(ctx, today_item, {"name": "Sara Costa", "role": "Product owner", "email": "sara@lumenpay.com"})
    followups.log_activity(
        ctx, today_item, {"kind": "call", "summary": "Intro call with new stakeholder"}, occurred_on=_days(today, -6)
    )
    followups.add_followup(
        ctx, today_item, {"title": "Check in with Sara", "kind": "check-in", "due_on": "today", "recurrence": "monthly"}
    )
    followups.add_followup(
        ctx,
        today_item,
        {"title": "Pitch Single Sign-On", "kind": "upsell", "due_on": _days(today, 5), "priority": "high"},
        assignee_id=mate_id,
    )


SCRIPTED_PRODUCTS = {
    # account: (product, seats, unit price a year) lines that add up to its ARR
    "Kestrel Freight": (("Core Platform", 850, "1650"), ("Premium Support", 1, "250000"), ("Data Warehouse Sync", 1, "197500")),
    "Blue Harbor Analytics": (("Core Platform", 120, "1500"), ("Analytics Add-on", 40, "1500")),
    "Cedar Clinics": (("Core Platform", 80, "1400"), ("Training Pack", 1, "20000")),
    "Lumen Payments": (("Core Platform", 40, "1400"), ("Single Sign-On", 40, "200")),
}  # fmt: skip
CONCERN_AGE_DAYS = {"Tracking outage during peak week": 19, "Invoice double-charged in October": 34}
"""The scripted concerns were raised when their story says, not all on the day the demo was built."""
HISTORY_WEEKS = 12


def _tuples(query: Any) -> Iterable[tuple[Any, ...]]:
    """A query's rows as tuples (Peewee's typing sees model instances)."""
    return cast(Iterable[tuple[Any, ...]], query.tuples())


def _sane_products(today: dt.date) -> None:
    """Seats and unit prices that add up to each account's ARR (the seeded ones had 1 to 200 of anything)."""
    ids = {name: pid for pid, name in _tuples(Product.select(Product.id, Product.name))}
    for name, lines in SCRIPTED_PRODUCTS.items():
        account = Account.get(Account.name == name)
        for product, seats, yearly in lines:
            Subscription.create(
                account=account.id,
                product=ids[product],
                quantity=seats,
                unit_price=Decimal(yearly),
                currency=account.currency,
                start_on=today - dt.timedelta(days=700),
                renewal_on=account.renewal_on,
            )
    accounts_of = {account_id: (name, Decimal(arr)) for account_id, name, arr in _tuples(
        Account.select(Account.id, Account.name, Account.arr)
    )}  # fmt: skip
    lines_of: dict[int, list[tuple[int, Decimal]]] = {}
    for sub_id, account_id, price in _tuples(
        Subscription.select(Subscription.id, Subscription.account, Subscription.unit_price)
    ):
        lines_of.setdefault(account_id, []).append((sub_id, Decimal(price)))
    for account_id, subs in lines_of.items():
        name, arr = accounts_of[account_id]
        if name in SCRIPTED_PRODUCTS:
            continue
        share = arr / len(subs)
        for sub_id, price in subs:
            seats = max(1, int(share / (price if price > 1 else Decimal(1))))
            unit = (share / seats).quantize(Decimal("10"))
            Subscription.update(quantity=seats, unit_price=unit).where(Subscription.id == sub_id).execute()


def _past_weeks(ctx: Ctx, today: dt.date) -> None:
    """Weekly health scores for the last twelve weeks, ending at each account's score today, so trends move."""
    now = ctx.clock.now()
    for title, age in CONCERN_AGE_DAYS.items():
        Concern.update(opened_at=now - dt.timedelta(days=age)).where(Concern.title == title).execute()
    rows: list[dict[str, Any]] = []
    for account_id, name, score in _tuples(Account.select(Account.id, Account.name, Account.health_score)):
        rng = random.Random(account_id * 7919)
        if name == "Kestrel Freight":
            start, fall_from = 78, 3  # healthy until the outage three weeks ago
        else:
            start = max(0, min(100, score - rng.choice((-24, -16, -9, -4, 0, 0, 5, 11, 18))))
            fall_from = 0
        previous = None
        for week in range(HISTORY_WEEKS, 0, -1):
            if fall_from and week > fall_from:
                value = start + rng.randint(-2, 2)
            else:
                done = (HISTORY_WEEKS - week) / HISTORY_WEEKS if not fall_from else (fall_from - week + 1) / fall_from
                value = round(start + (score - start) * done) + rng.randint(-3, 3)
            value = max(0, min(100, value))
            if value == previous:
                continue  # history holds the days a score changed
            previous = value
            rows.append(
                {
                    "account": account_id,
                    "day": today - dt.timedelta(days=7 * week),
                    "score": value,
                    "band": ctx.policy.band_for(value).value,
                }
            )
    for start_at in range(0, len(rows), 500):
        HealthHistory.insert_many(rows[start_at : start_at + 500]).on_conflict_ignore().execute()
