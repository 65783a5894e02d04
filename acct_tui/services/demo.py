"""The demo database: a manager's portfolio with a real day's work waiting.

Built on first use, relative to the day it is built: overdue and due
follow-ups, accounts gone quiet, a renewal coming with no plan, an account
at risk with a critical concern, and a few team-mates to hand work to.
The scripted accounts go through the same services as the app, so their
audit trail and derived columns are exactly what the app would write.
"""

from __future__ import annotations

import datetime as dt

from acct_tui.clock import Clock, FixedClock
from acct_tui.models import Agent, Team, database_proxy
from acct_tui.services import accounts, followups
from acct_tui.services.agents import agent_ref
from acct_tui.services.checkpoints import mark_in_step, sync_all
from acct_tui.services.context import Ctx
from acct_tui.services.seed import seed
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
