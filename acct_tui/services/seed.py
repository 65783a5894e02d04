"""A realistic synthetic portfolio of any size, the same for the same seed.

Accounts get contacts, products, months of activities, follow-ups (some
overdue, some due today), concerns and opportunities, and their derived
columns are computed with the same health rule the app uses. Rows are
written in large batches with explicit ids (no per-row round trips), so
100k accounts take seconds rather than minutes.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import fn

from acct_tui.clock import to_local
from acct_tui.models import (
    Account,
    Activity,
    Agent,
    Concern,
    Contact,
    FollowUp,
    Opportunity,
    Product,
    Subscription,
    Team,
    database_proxy,
)
from acct_tui.services.derived import search_text, tier_rank
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
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per phase of a big load, for the curious (and the benchmark)."""

    def count(self, table: str, rows: int) -> None:
        name = {"account": "accounts", "contact": "contacts", "activity": "activities", "follow_up": "followups",
                "concern": "concerns", "opportunity": "opportunities"}.get(table)  # fmt: skip
        if name:
            setattr(self, name, getattr(self, name) + rows)

    def add(self, batch: _Batch) -> None:
        self.accounts += len(batch.accounts)
        self.contacts += len(batch.contacts)
        self.activities += len(batch.activities)
        self.followups += len(batch.followups)
        self.concerns += len(batch.concerns)
        self.opportunities += len(batch.opportunities)


@dataclass
class _Batch:
    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    subscriptions: list[tuple[Any, ...]] = field(default_factory=list)
    activities: list[tuple[Any, ...]] = field(default_factory=list)
    followups: list[tuple[Any, ...]] = field(default_factory=list)
    concerns: list[tuple[Any, ...]] = field(default_factory=list)
    opportunities: list[tuple[Any, ...]] = field(default_factory=list)

    def tables(self) -> list[tuple[str, Sequence[str], list[tuple[Any, ...]]]]:
        return [
            ("account", ACCOUNT_COLUMNS, self.accounts),
            ("contact", CONTACT_COLUMNS, self.contacts),
            ("subscription", SUBSCRIPTION_COLUMNS, self.subscriptions),
            ("activity", ACTIVITY_COLUMNS, self.activities),
            ("follow_up", FOLLOWUP_COLUMNS, self.followups),
            ("concern", CONCERN_COLUMNS, self.concerns),
            ("opportunity", OPPORTUNITY_COLUMNS, self.opportunities),
        ]


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
    workers: int | None = None,
) -> SeedResult:
    """Add `accounts` synthetic accounts (and their history) to the bound database.

    Batches are generated independently (each from its own seed), in worker
    processes when the portfolio is large, while this process writes them.
    A large seed into SQLite drops the secondary indexes and the search
    triggers first and rebuilds them once at the end: building an index
    from sorted data is far cheaper than a million random inserts into it.
    """
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
            first_account = _next_id(Account)
            first_contact = _next_id(Contact)
        plan = _Plan(
            seed_value, first_account, first_contact, tuple(agent_ids), team_of, tuple(product_ids), day, moment, policy
        )
        starts = list(range(0, accounts, batch_size))
        sizes = [min(batch_size, accounts - start) for start in starts]
        bulk = accounts >= BULK_THRESHOLD
        with _bulk_load(enabled=bulk, phases=result.phases):
            started = time.perf_counter()
            if bulk and (workers is None or workers > 0) and len(starts) > 1:
                _load_with_helper(plan, starts, sizes, result, accounts, progress)
            else:
                for start, size in zip(starts, sizes, strict=True):
                    batch = generate_batch(plan, start, size)
                    with db.atomic():
                        for table, columns, rows in batch.tables():
                            insert_rows(table, columns, rows)
                    result.add(batch)
                    if progress:
                        progress(result.accounts, accounts)
            result.phases["generate and insert"] = time.perf_counter() - started
        _fix_sequences()
        from acct_tui.services.checkpoints import mark_out_of_step

        mark_out_of_step()
    return result


BULK_THRESHOLD = 20_000


@dataclass(frozen=True)
class _Plan:
    """Everything a batch needs, picklable for worker processes."""

    seed_value: int
    first_account: int
    first_contact: int
    agent_ids: tuple[int, ...]
    team_of: dict[int, int | None]
    product_ids: tuple[int, ...]
    today: dt.date
    now: dt.datetime
    policy: HealthPolicy


def _load_with_helper(
    plan: _Plan,
    starts: list[int],
    sizes: list[int],
    result: SeedResult,
    accounts: int,
    progress: Progress | None,
) -> None:
    """Split the batches with a second process that writes its half to a scratch SQLite file;
    copy that file's rows in with one INSERT ... SELECT per table (SQLite's own speed)."""
    import multiprocessing
    import shutil
    import tempfile

    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited connection
    folder = tempfile.mkdtemp(prefix="acct-tui-seed-")
    scratch = os.path.join(folder, "half.db")
    done = context.Value("q", 0)
    theirs = [(start, size) for index, (start, size) in enumerate(zip(starts, sizes, strict=True)) if index % 2]
    mine = [(start, size) for index, (start, size) in enumerate(zip(starts, sizes, strict=True)) if not index % 2]
    helper = context.Process(target=_helper_load, args=(plan, theirs, scratch, done), daemon=True)
    helper.start()
    try:
        for start, size in mine:
            batch = generate_batch(plan, start, size)
            with database_proxy.atomic():
                for table, columns, rows in batch.tables():
                    insert_rows(table, columns, rows)
            result.add(batch)
            if progress:
                progress(result.accounts + int(done.value), accounts)
        while helper.is_alive():
            helper.join(0.5)
            if progress:
                progress(result.accounts + int(done.value), accounts)
        if helper.exitcode != 0:
            raise RuntimeError(f"the seeding helper process failed (exit {helper.exitcode})")
        database_proxy.execute_sql("ATTACH DATABASE ? AS half", (scratch,))
        try:
            with database_proxy.atomic():
                for table, columns, _rows in _Batch().tables():
                    names = ", ".join(columns)
                    cursor = database_proxy.execute_sql(
                        f"INSERT INTO main.{table} ({names}) SELECT {names} FROM half.{table}"
                    )
                    result.count(table, cursor.rowcount)
        finally:
            database_proxy.execute_sql("DETACH DATABASE half")
        if progress:
            progress(accounts, accounts)
    finally:
        if helper.is_alive():
            helper.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _helper_load(plan: _Plan, batches: list[tuple[int, int]], path: str, done: Any) -> None:
    """In the helper process: generate these batches into a plain scratch file."""
    import sqlite3

    import peewee  # noqa: F401  (registers the date and Decimal adapters the rows rely on)

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    for table, columns, _rows in _Batch().tables():
        connection.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
    for start, size in batches:
        batch = generate_batch(plan, start, size)
        connection.execute("BEGIN")
        for table, columns, rows in batch.tables():
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        connection.execute("COMMIT")
        with done.get_lock():
            done.value += size
    connection.close()


@contextmanager
def _bulk_load(*, enabled: bool, phases: dict[str, float]) -> Iterator[None]:
    """Drop secondary indexes and search triggers for a big SQLite load; rebuild them after."""
    from acct_tui.db import create_search, is_postgres

    if not enabled or is_postgres():
        yield
        return
    db = database_proxy.obj
    models = (Account, Contact, Subscription, Activity, FollowUp, Concern, Opportunity)
    dropped: list[str] = []
    for model in models:
        for index in db.get_indexes(model._meta.table_name):
            if not index.unique and not index.name.startswith("sqlite_"):
                db.execute_sql(f'DROP INDEX IF EXISTS "{index.name}"')
                dropped.append(index.name)
    for trigger in ("account_fts_ai", "account_fts_ad", "account_fts_au"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute_sql("PRAGMA synchronous = OFF")
    db.execute_sql("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        started = time.perf_counter()
        db.execute_sql("PRAGMA synchronous = NORMAL")
        for model in models:
            model._schema.create_indexes(safe=True)
        phases["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        db.execute_sql("INSERT INTO account_fts(account_fts) VALUES ('rebuild')")
        create_search(db)
        phases["search index"] = time.perf_counter() - started
        started = time.perf_counter()
        db.execute_sql("PRAGMA cache_size = -32000")
        db.execute_sql("PRAGMA analysis_limit = 1000")  # statistics from a sample: seconds, not minutes
        db.execute_sql("ANALYZE")
        phases["statistics"] = time.perf_counter() - started


def _fix_sequences() -> None:
    from acct_tui.db import is_postgres

    if not is_postgres():
        return
    for table in ("account", "contact"):
        database_proxy.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


def company_name(rng: random.Random) -> tuple[str, str]:
    rnd = rng.random
    first = ADJECTIVES[int(rnd() * len(ADJECTIVES))]
    second = NOUNS[int(rnd() * len(NOUNS))]
    name = f"{first} {second}{SUFFIXES[int(rnd() * len(SUFFIXES))]}"
    domain = f"{first}{second}".lower() + _TLDS[int(rnd() * len(_TLDS))]
    return name, domain


_TLDS = (".com", ".io", ".net", ".co", ".eu")
_TIER_LIMITS = tuple(
    zip((t for t, _w in TIERS), (sum(w for _t, w in TIERS[: i + 1]) / 100 for i in range(len(TIERS))), strict=True)
)
_ACTIVITY_KINDS = ("call", "email", "email", "meeting", "note", "support")
_FOLLOWUP_KINDS = ("check-in", "check-in", "renewal", "upsell", "support", "technical", "billing")
_DUE_OFFSETS = (-9, -4, -2, -1, 0, 0, 1, 2, 3, 5, 8, 12, 15, 21, 30)
_PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
_PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
_SATISFACTION = (None, 3, 5, 6, 7, 7, 8, 8, 9, 9, 10)
_RECURRENCES = ("", "", "", "1m", "3m", "2w")
_DIRECTIONS = ("outbound", "outbound", "inbound")
CONTACT_SLOTS = 3  # contact ids are allotted three per account, so batches need no coordination


def generate_batch(plan: _Plan, start: int, size: int) -> _Batch:
    """Accounts [start, start + size) of the plan, always the same for the same seed."""
    rng = random.Random(plan.seed_value * 1_000_003 + start)
    rnd = rng.random
    batch = _Batch()
    today, now, policy = plan.today, plan.now, plan.policy
    offset = to_local(now) - now  # the local date of a UTC time, without a zone lookup per row
    day = dt.timedelta(days=1)

    def pick(seq: Sequence[Any]) -> Any:
        return seq[int(rnd() * len(seq))]

    def between(low: int, high: int) -> int:
        return low + int(rnd() * (high - low + 1))

    for index in range(start, start + size):
        account_id = plan.first_account + index
        name, domain = company_name(rng)
        roll = rnd()
        tier = next(t for t, limit in _TIER_LIMITS if roll <= limit)
        low, high = ARR_RANGE[tier]
        arr = Decimal(low + 500 * int(rnd() * ((high - low) // 500)))
        owner = plan.agent_ids[account_id % len(plan.agent_ids)]
        industry = pick(INDUSTRIES)
        cadence = policy.cadence_for(tier)
        renewal = today + day * between(-5, 365)
        satisfaction = pick(_SATISFACTION)
        created = now - day * between(200, 1500)

        contact_names = []
        contact_ids = []
        first_contact = plan.first_contact + index * CONTACT_SLOTS
        for slot in range(between(1, CONTACT_SLOTS)):
            person = f"{pick(FIRST)} {pick(LAST)}"
            email = person.lower().replace(" ", ".").replace("ö", "o") + "@" + domain
            phone = f"+1 555 {between(100, 999)} {between(1000, 9999)}"
            contact_id = first_contact + slot
            batch.contacts.append((contact_id, account_id, person, pick(ROLES), email, phone, slot == 0, created, 1))
            contact_names.append(person)
            contact_ids.append(contact_id)

        for product in rng.sample(plan.product_ids, between(1, 3)):
            price = Decimal(50 + 10 * int(rnd() * 195))
            batch.subscriptions.append(
                (account_id, product, between(1, 200), price, "USD", created.date(), renewal, "active")
            )

        # Recency: most accounts are touched within about a cadence, some have gone quiet.
        last_gap = between(cadence + 1, cadence * 3) if rnd() < 0.18 else between(0, cadence)
        last_touch: dt.datetime | None = None
        for step in range(max(1, int(rng.expovariate(0.2)))):
            kind = pick(_ACTIVITY_KINDS)
            when = now - dt.timedelta(days=last_gap + step * between(5, 25), minutes=between(0, 600))
            if kind != "note" and (last_touch is None or when > last_touch):
                last_touch = when
            direction = "internal" if kind == "note" else pick(_DIRECTIONS)
            summary = pick(ACTIVITY_SUMMARIES[kind])
            batch.activities.append(
                (account_id, kind, direction, when, owner, pick(contact_ids), summary, "", "", when)
            )

        kind = pick(_FOLLOWUP_KINDS)
        due = today + day * pick(_DUE_OFFSETS)
        priority = pick(_PRIORITIES)
        title = FOLLOWUP_TITLES[kind].format(who=contact_names[0].split()[0], product=pick(PRODUCTS)[0])
        recurrence = pick(_RECURRENCES) if kind == "check-in" else ""
        snoozed = due if rnd() < 0.05 and due > today else None
        batch.followups.append(
            (account_id, title, kind, due, priority, _PRIORITY_RANK[priority], owner, "open",
             "waiting on the client" if snoozed else "", "", recurrence, "", owner, now, 1, snoozed)
        )  # fmt: skip

        severities: tuple[str, ...] = ()
        if rnd() < 0.15:
            title, severity = pick(CONCERNS)
            opened = now - day * between(1, 60)
            batch.concerns.append(
                (account_id, title, "", severity, "open", opened, None, f"SUP-{between(1000, 99999)}", owner, 1)
            )
            severities = (severity,)
        if rnd() < 0.10:
            title, severity = pick(CONCERNS)
            opened = now - day * between(61, 300)
            batch.concerns.append((account_id, title, "", severity, "resolved", opened, opened + day * 9, "", owner, 1))
        if rnd() < 0.2:
            title, opp_kind = pick(OPPORTUNITIES)
            amount = (arr * Decimal(pick(("0.1", "0.2", "0.35")))).quantize(Decimal("1"))
            stage = pick(("identified", "qualified", "proposed", "negotiating"))
            batch.opportunities.append(
                (
                    account_id,
                    title,
                    opp_kind,
                    stage,
                    "open",
                    amount,
                    "USD",
                    today + day * between(10, 150),
                    "",
                    owner,
                    now,
                    1,
                )
            )

        touch_day = (last_touch + offset).date() if last_touch else None
        health = assess(HealthInputs(cadence, touch_day, severities, satisfaction, (due,), renewal), today, policy)
        batch.accounts.append(
            (account_id, name, name.casefold(), f"SEED-{account_id:07d}", domain, tier, tier_rank(tier), industry, owner,
             plan.team_of.get(owner), arr, "USD", "active" if renewal > today + day * 90 else "renewing",
             renewal, satisfaction, "", created, now, 1, cadence, last_touch,
             touch_day + day * cadence if touch_day else None, due, 1,
             health.overdue, len(severities), health.score, health.band.value, today, health.next_change,
             search_text(name, domain, industry, contact_names))
        )  # fmt: skip
    return batch


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
