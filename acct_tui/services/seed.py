"""A realistic synthetic portfolio of any size, the same for the same seed.

Accounts get contacts, products, months of activities, follow-ups (some
overdue, some due today), concerns and opportunities, and their derived
columns are computed with the same health rule the app uses. Rows are
written in large batches with explicit ids (no per-row round trips), so
100k accounts take seconds rather than minutes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import fn

from acct_tui.models import (
    Account,
    Agent,
    Contact,
    Product,
    Team,
    database_proxy,
)
from acct_tui.services.derived import local_date, search_text, tier_rank
from acct_tui.services.health import DEFAULT_POLICY, HealthInputs, HealthPolicy, assess
from acct_tui.vocab import Role

Progress = Callable[[int, int], None]

FIRST = (
    "Alex Amara Ben Bea Carla Chen Dana Diego Elif Emil Farah Femi Gita Hana Ines Ivan Jonas Juno Kai Kenji "
    "Lena Luis Maya Mateo Nadia Noor Omar Olga Pia Priya Quinn Rafa Rosa Sami Sara Tomas Tara Uma Vera Wen "
    "Yara Yusuf Zoe Zane Aiko Bruno Cleo Dev Esra Felix"
).split()
LAST = (
    "Adler Baptiste Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen Moreau Nakamura "
    "Okafor Petrov Quintero Rossi Santos Tanaka Ueda Varga Weber Xu Yilmaz Zhang Novak Silva Meyer Kim "
    "Ahmed Berg Castillo Duarte Ekström Fontaine Gallo Horvat Ibarra Jovanovic"
).split()
ADJECTIVES = (
    "Northwind Blue Harbor Bright Summit Iron Silver Granite Cedar Lumen Vertex Crescent Atlas Polar Redwood "
    "Amber Cobalt Copper Evergreen Falcon Golden Highland Juniper Keystone Maple Nimbus Orchid Pioneer Quarry "
    "Riverside Sable Tidal Union Valley Willow Zenith Aurora Beacon Canyon Delta Ember Fjord Glacier Horizon "
    "Indigo Jade Kestrel Lakeside Meridian Nova Oakridge Prairie Quartz Solstice Terra Urban Vantage Westgate"
).split()
NOUNS = (
    "Logistics Analytics Health Foods Robotics Capital Energy Labs Media Freight Pharma Retail Systems "
    "Networks Foundry Dynamics Partners Outfitters Biotech Studios Mobility Insurance Hotels Textiles "
    "Software Payments Mining Aerospace Farms Clinics Learning Security Water Solar Marine Telecom"
).split()
SUFFIXES = ("", "", "", " Inc", " Ltd", " GmbH", " SA", " Group", " Co", " AB", " BV", " KK")
INDUSTRIES = (
    "Software", "Healthcare", "Retail", "Manufacturing", "Financial services", "Logistics",
    "Education", "Energy", "Media", "Hospitality", "Telecom", "Public sector",
)  # fmt: skip
ROLES = ("CEO", "CFO", "CTO", "VP Operations", "Head of IT", "Procurement lead", "Product owner", "Office manager")
PRODUCTS = (
    ("Core Platform", "CORE", "platform"), ("Analytics Add-on", "ANL", "add-on"),
    ("Premium Support", "SUP", "service"), ("Single Sign-On", "SSO", "add-on"),
    ("Data Warehouse Sync", "DWS", "integration"), ("Mobile Suite", "MOB", "add-on"),
    ("Training Pack", "TRN", "service"), ("Audit Log Retention", "AUD", "add-on"),
    ("API Access", "API", "integration"), ("Sandbox Environment", "SBX", "add-on"),
)  # fmt: skip
ACTIVITY_SUMMARIES = {
    "call": ("Quarterly check-in call", "Discussed roadmap priorities", "Renewal timing call", "Escalation follow-up call", "Intro call with new stakeholder"),
    "email": ("Sent usage report", "Shared release notes", "Replied about invoice", "Sent renewal quote", "Followed up on training"),
    "meeting": ("Business review", "Onsite workshop", "Executive sponsor meeting", "Onboarding kickoff"),
    "note": ("Champion is changing roles", "Budget freeze rumoured", "Expansion interest in EU team", "Prefers email over calls"),
    "support": ("Helped with SSO setup", "Resolved data import error", "Walked through reporting", "Escalated API latency"),
}  # fmt: skip
FOLLOWUP_TITLES = {
    "check-in": "Check in with {who}", "renewal": "Prepare renewal proposal", "upsell": "Pitch {product}",
    "support": "Confirm fix landed", "technical": "Review integration with engineering",
    "billing": "Sort out invoice dispute", "handoff": "Introduce new contact",
}  # fmt: skip
CONCERNS = (
    ("Slow dashboard loads", "medium"), ("Invoice double-charged", "high"), ("Champion left the company", "high"),
    ("Outage last week", "critical"), ("Missing SSO feature", "low"), ("Unhappy with support response", "medium"),
    ("Data export failing", "high"), ("Price increase pushback", "medium"),
)  # fmt: skip
OPPORTUNITIES = (
    ("Add analytics seats", "upsell"),
    ("Roll out to EU team", "expansion"),
    ("Premium support", "cross-sell"),
    ("Multi-year renewal", "renewal-uplift"),
)
TIERS = (("platinum", 5), ("gold", 15), ("silver", 40), ("bronze", 40))
ARR_RANGE = {
    "platinum": (500_000, 3_000_000),
    "gold": (100_000, 500_000),
    "silver": (20_000, 100_000),
    "bronze": (2_000, 20_000),
}


@dataclass
class SeedResult:
    accounts: int = 0
    contacts: int = 0
    activities: int = 0
    followups: int = 0
    concerns: int = 0
    opportunities: int = 0
    agents: list[str] = field(default_factory=list)


@dataclass
class _Batch:
    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    subscriptions: list[tuple[Any, ...]] = field(default_factory=list)
    activities: list[tuple[Any, ...]] = field(default_factory=list)
    followups: list[tuple[Any, ...]] = field(default_factory=list)
    concerns: list[tuple[Any, ...]] = field(default_factory=list)
    opportunities: list[tuple[Any, ...]] = field(default_factory=list)


ACCOUNT_COLUMNS = (
    "id", "name", "sort_name", "external_id", "domain", "tier", "tier_rank", "industry", "owner_id", "team_id",
    "arr", "currency", "stage", "renewal_on", "satisfaction", "notes", "created_at", "updated_at", "version",
    "cadence_days", "last_touch_at", "touch_due_on", "next_followup_on", "open_followups", "overdue_followups",
    "open_concerns", "health_score", "health_band", "health_as_of", "health_next_change", "search_text",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "account_id", "name", "role", "email", "phone", "is_primary", "created_at", "version")
SUBSCRIPTION_COLUMNS = (
    "account_id",
    "product_id",
    "quantity",
    "unit_price",
    "currency",
    "start_on",
    "renewal_on",
    "status",
)
ACTIVITY_COLUMNS = (
    "account_id",
    "kind",
    "direction",
    "occurred_at",
    "agent_id",
    "contact_id",
    "summary",
    "body",
    "outcome",
    "created_at",
)
FOLLOWUP_COLUMNS = (
    "account_id", "title", "kind", "due_on", "priority", "priority_rank", "assignee_id", "status", "snooze_reason",
    "woke_reason", "recurrence", "notes", "created_by_id", "created_at", "version", "snoozed_until",
)  # fmt: skip
CONCERN_COLUMNS = (
    "account_id",
    "title",
    "detail",
    "severity",
    "status",
    "opened_at",
    "resolved_at",
    "ticket_ref",
    "opened_by_id",
    "version",
)
OPPORTUNITY_COLUMNS = (
    "account_id",
    "title",
    "kind",
    "stage",
    "status",
    "amount",
    "currency",
    "expected_close",
    "notes",
    "created_by_id",
    "created_at",
    "version",
)


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Bulk insert with the driver's fastest path."""
    if not rows:
        return
    db = database_proxy.obj
    names = ", ".join(columns)
    from acct_tui.db import is_postgres

    if is_postgres(db):
        from psycopg2.extras import execute_values

        execute_values(db.cursor(), f"INSERT INTO {table} ({names}) VALUES %s", rows, page_size=2000)
    else:
        marks = ", ".join("?" for _ in columns)
        db.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def ensure_agents(count: int, rng: random.Random, extra_admin: str | None = None) -> list[int]:
    """Seed agents (created once, reused on later seeds); returns their ids."""
    teams = [Team.get_or_create(name=name)[0].id for name in ("East", "West", "Enterprise")]
    ids: list[int] = []
    for index in range(count):
        login = FIRST[index % len(FIRST)].lower() + ("" if index < len(FIRST) else str(index // len(FIRST)))
        name = f"{FIRST[index % len(FIRST)]} {LAST[(index * 7) % len(LAST)]}"
        role = Role.LEAD.value if index % 8 == 0 else Role.AGENT.value
        agent, _ = Agent.get_or_create(
            login=login, defaults={"name": name, "role": role, "team": teams[index % len(teams)]}
        )
        ids.append(agent.id)
    if extra_admin:
        agent, _ = Agent.get_or_create(login=extra_admin, defaults={"name": extra_admin, "role": Role.ADMIN.value})
        ids.insert(0, agent.id)
    return ids


def ensure_products() -> list[int]:
    return [
        Product.get_or_create(name=name, defaults={"sku": sku, "category": cat})[0].id for name, sku, cat in PRODUCTS
    ]


def _next_id(model: Any) -> int:
    return int(model.select(fn.MAX(model.id)).scalar() or 0) + 1


def seed(
    accounts: int,
    *,
    seed_value: int = 1,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    agents: int | None = None,
    admin_login: str | None = None,
    owner_ids: Sequence[int] | None = None,
    policy: HealthPolicy = DEFAULT_POLICY,
    progress: Progress | None = None,
    batch_size: int = 5000,
) -> SeedResult:
    """Add `accounts` synthetic accounts (and their history) to the bound database."""
    rng = random.Random(seed_value)
    day = today or dt.date.today()
    moment = now or dt.datetime.combine(day, dt.time(9, 0))
    result = SeedResult()
    db = database_proxy
    with db.connection_context():
        with db.atomic():
            agent_count = agents if agents is not None else max(4, min(50, accounts // 2000))
            agent_ids = list(owner_ids) if owner_ids else ensure_agents(agent_count, rng, admin_login)
            product_ids = ensure_products()
            result.agents = [a.login for a in Agent.select(Agent.login).where(Agent.id.in_(agent_ids))]
            team_of = dict(Agent.select(Agent.id, Agent.team).where(Agent.id.in_(agent_ids)).tuples())
            next_account = _next_id(Account)
            next_contact = _next_id(Contact)
        done = 0
        while done < accounts:
            size = min(batch_size, accounts - done)
            batch = _Batch()
            for offset in range(size):
                account_id = next_account + done + offset
                next_contact = _account(
                    batch, rng, account_id, next_contact, agent_ids, team_of, product_ids, day, moment, policy
                )
            with db.atomic():
                insert_rows("account", ACCOUNT_COLUMNS, batch.accounts)
                insert_rows("contact", CONTACT_COLUMNS, batch.contacts)
                insert_rows("subscription", SUBSCRIPTION_COLUMNS, batch.subscriptions)
                insert_rows("activity", ACTIVITY_COLUMNS, batch.activities)
                insert_rows("follow_up", FOLLOWUP_COLUMNS, batch.followups)
                insert_rows("concern", CONCERN_COLUMNS, batch.concerns)
                insert_rows("opportunity", OPPORTUNITY_COLUMNS, batch.opportunities)
            done += size
            result.accounts += len(batch.accounts)
            result.contacts += len(batch.contacts)
            result.activities += len(batch.activities)
            result.followups += len(batch.followups)
            result.concerns += len(batch.concerns)
            result.opportunities += len(batch.opportunities)
            if progress:
                progress(done, accounts)
        _fix_sequences()
    return result


def _fix_sequences() -> None:
    from acct_tui.db import is_postgres

    if not is_postgres():
        return
    for table in ("account", "contact"):
        database_proxy.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


def company_name(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(ADJECTIVES)
    second = rng.choice(NOUNS)
    name = f"{first} {second}{rng.choice(SUFFIXES)}"
    domain = f"{first}{second}".lower() + rng.choice((".com", ".io", ".net", ".co", ".eu"))
    return name, domain


def _pick_tier(rng: random.Random) -> str:
    roll = rng.uniform(0, 100)
    total = 0
    for tier, weight in TIERS:
        total += weight
        if roll <= total:
            return tier
    return "bronze"


def _account(
    batch: _Batch,
    rng: random.Random,
    account_id: int,
    next_contact: int,
    agent_ids: Sequence[int],
    team_of: dict[int, int | None],
    product_ids: Sequence[int],
    today: dt.date,
    now: dt.datetime,
    policy: HealthPolicy,
) -> int:
    name, domain = company_name(rng)
    tier = _pick_tier(rng)
    low, high = ARR_RANGE[tier]
    arr = Decimal(rng.randrange(low, high, 500))
    owner = agent_ids[account_id % len(agent_ids)]
    industry = rng.choice(INDUSTRIES)
    cadence = policy.cadence_for(tier)
    renewal = today + dt.timedelta(days=rng.randint(-5, 365))
    satisfaction = rng.choice((None, 3, 5, 6, 7, 7, 8, 8, 9, 9, 10))
    created = now - dt.timedelta(days=rng.randint(200, 1500))

    contact_names = []
    contact_ids = []
    for index in range(rng.randint(1, 3)):
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = person.lower().replace(" ", ".").replace("ö", "o") + "@" + domain
        phone = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        batch.contacts.append(
            (next_contact, account_id, person, rng.choice(ROLES), email, phone, index == 0, created, 1)
        )
        contact_names.append(person)
        contact_ids.append(next_contact)
        next_contact += 1

    for product in rng.sample(list(product_ids), rng.randint(1, 3)):
        price = Decimal(rng.randrange(50, 2000, 10))
        batch.subscriptions.append(
            (account_id, product, rng.randint(1, 200), price, "USD", created.date(), renewal, "active")
        )

    # Recency: most accounts are touched within about a cadence, some have gone quiet.
    quiet = rng.random() < 0.18
    last_gap = rng.randint(cadence + 1, cadence * 3) if quiet else rng.randint(0, cadence)
    last_touch: dt.datetime | None = None
    activity_count = max(1, int(rng.expovariate(1 / 5)))
    for index in range(activity_count):
        gap = last_gap + index * rng.randint(5, 25)
        kind = rng.choice(("call", "email", "email", "meeting", "note", "support"))
        when = now - dt.timedelta(days=gap, minutes=rng.randint(0, 600))
        if kind != "note" and (last_touch is None or when > last_touch):
            last_touch = when
        summary = rng.choice(ACTIVITY_SUMMARIES[kind])
        direction = "internal" if kind == "note" else rng.choice(("outbound", "outbound", "inbound"))
        batch.activities.append(
            (account_id, kind, direction, when, owner, rng.choice(contact_ids), summary, "", "", when)
        )

    due_dates: list[dt.date] = []
    kind = rng.choice(("check-in", "check-in", "renewal", "upsell", "support", "technical", "billing"))
    due = today + dt.timedelta(days=rng.choice((-9, -4, -2, -1, 0, 0, 1, 2, 3, 5, 8, 12, 15, 21, 30)))
    priority = rng.choice(("low", "normal", "normal", "normal", "high", "urgent"))
    title = FOLLOWUP_TITLES[kind].format(who=contact_names[0].split()[0], product=rng.choice(PRODUCTS)[0])
    recurrence = rng.choice(("", "", "", "1m", "3m", "2w")) if kind == "check-in" else ""
    snoozed = due if rng.random() < 0.05 and due > today else None
    batch.followups.append(
        (account_id, title, kind, due, priority, ("low", "normal", "high", "urgent").index(priority), owner, "open",
         "waiting on the client" if snoozed else "", "", recurrence, "", owner, now, 1, snoozed)
    )  # fmt: skip
    due_dates.append(due)

    severities: list[str] = []
    if rng.random() < 0.15:
        title, severity = rng.choice(CONCERNS)
        opened = now - dt.timedelta(days=rng.randint(1, 60))
        batch.concerns.append(
            (account_id, title, "", severity, "open", opened, None, f"SUP-{rng.randint(1000, 99999)}", owner, 1)
        )
        severities.append(severity)
    if rng.random() < 0.10:
        title, severity = rng.choice(CONCERNS)
        opened = now - dt.timedelta(days=rng.randint(61, 300))
        batch.concerns.append(
            (account_id, title, "", severity, "resolved", opened, opened + dt.timedelta(days=9), "", owner, 1)
        )
    if rng.random() < 0.2:
        title, opp_kind = rng.choice(OPPORTUNITIES)
        amount = (arr * Decimal(rng.choice(("0.1", "0.2", "0.35")))).quantize(Decimal("1"))
        stage = rng.choice(("identified", "qualified", "proposed", "negotiating"))
        close = today + dt.timedelta(days=rng.randint(10, 150))
        batch.opportunities.append(
            (account_id, title, opp_kind, stage, "open", amount, "USD", close, "", owner, now, 1)
        )

    touch_day = local_date(last_touch)
    health = assess(
        HealthInputs(cadence, touch_day, tuple(severities), satisfaction, tuple(due_dates), renewal), today, policy
    )
    batch.accounts.append(
        (account_id, name, name.casefold(), f"SEED-{account_id:07d}", domain, tier, tier_rank(tier), industry, owner,
         team_of.get(owner), arr, "USD", "active" if renewal > today + dt.timedelta(days=90) else "renewing",
         renewal, satisfaction, "", created, now, 1, cadence, last_touch,
         touch_day + dt.timedelta(days=cadence) if touch_day else None, min(due_dates), len(due_dates),
         health.overdue, len(severities), health.score, health.band.value, today, health.next_change,
         search_text(name, domain, industry, contact_names))
    )  # fmt: skip
    return next_contact


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
