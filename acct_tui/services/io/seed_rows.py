"""The rows of a synthetic portfolio: made-up names, products and histories, the same for the same seed.

Accounts get contacts, products, months of activities, follow-ups (some
overdue, some due today), concerns and opportunities, and their derived
columns are computed with the same health rule the app uses. A batch is
made from its `Plan` and its place alone (contact ids are allotted per
account), so batches can be made in any order and in any process;
`acct_tui.services.io.seed` writes them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from acct_tui.clock import to_local
from acct_tui.services.domain.health import HealthInputs, HealthPolicy, assess
from acct_tui.services.store.derived import tier_rank
from acct_tui.services.store.search import search_text

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


@dataclass(frozen=True)
class Plan:
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


@dataclass
class Batch:
    """A batch of rows, table by table; each row a tuple in the order of its table's `*_COLUMNS`."""

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


def company_name(rng: random.Random) -> tuple[str, str]:
    """A made-up company name and its web domain."""
    rnd = rng.random
    first = ADJECTIVES[int(rnd() * len(ADJECTIVES))]
    second = NOUNS[int(rnd() * len(NOUNS))]
    name = f"{first} {second}{SUFFIXES[int(rnd() * len(SUFFIXES))]}"
    domain = f"{first}{second}".lower() + _TLDS[int(rnd() * len(_TLDS))]
    return name, domain


def generate_batch(plan: Plan, start: int, size: int) -> Batch:
    """Accounts [start, start + size) of the plan, always the same for the same seed."""
    rng = random.Random(plan.seed_value * 1_000_003 + start)
    rnd = rng.random
    batch = Batch()
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
