"""Contexts narrow all three views at once; the walk follows the preset's order."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

from acct_tui.models import Team
from acct_tui.services.context import Ctx
from acct_tui.services.domain.policy import PolicyError, plan_from_config
from acct_tui.services.errors import NotFound
from acct_tui.services.reads.contexts import contexts_from_config, resolve_context
from acct_tui.services.reads.portfolio import PortfolioQuery, portfolio_rows
from acct_tui.services.reads.queue import followup_queue
from acct_tui.services.reads.upkeep import ItemKind, daily_upkeep
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import add_agent
from tests.conftest import days

CONFIG = tomllib.loads(
    """
[contexts.enterprise]
tier = "platinum"
team = "East"

[contexts.retail]
industry = "Retail"
owner = "manager"
"""
)


def _book(ctx: Ctx) -> dict[str, int]:
    """Three accounts, each overdue and quiet: only the East platinum one is enterprise."""
    with reading():
        east = Team.create(name="East").id
    ids = {
        "Big East": accounts.create_account(ctx, {"name": "Big East", "tier": "platinum", "industry": "Retail"}),
        "Big West": accounts.create_account(ctx, {"name": "Big West", "tier": "platinum"}),
        "Small East": accounts.create_account(ctx, {"name": "Small East", "tier": "silver", "industry": "Retail"}),
    }
    with reading():
        accounts.Account.update(team=east).where(accounts.Account.name.in_(["Big East", "Small East"])).execute()
    for name, account_id in ids.items():
        followups.add_followup(ctx, account_id, {"title": f"Call {name}", "due_on": days(-1)})
    return ids


def test_a_context_narrows_the_portfolio_the_queue_and_the_walk(ctx: Ctx) -> None:
    """`enterprise` (platinum, team East): one account in the portfolio, its follow-up alone in the queue and the walk."""
    _book(ctx)
    active = resolve_context("enterprise", contexts_from_config(CONFIG))
    narrowed = replace(ctx, context=active)
    names = {row.name for row in portfolio_rows(narrowed, PortfolioQuery(context=active.terms), 0, 50)}
    assert names == {"Big East"}
    assert [item.account_name for item in followup_queue(narrowed).overdue] == ["Big East"]
    assert {item.account_name for item in daily_upkeep(narrowed)} == {"Big East"}
    assert {item.account_name for item in daily_upkeep(ctx)} == {"Big East", "Big West", "Small East"}
    assert active.describe() == "tier platinum, team East"


def test_owner_and_industry_contexts(ctx: Ctx) -> None:
    """`retail` (industry Retail, owner manager): both Retail accounts, in every view."""
    _book(ctx)
    narrowed = replace(ctx, context=resolve_context("Retail", contexts_from_config(CONFIG)))
    assert {item.account_name for item in followup_queue(narrowed).overdue} == {"Big East", "Small East"}


def test_unknown_contexts_teams_and_agents_are_refused_by_name(ctx: Ctx) -> None:
    """A context, team or owner that does not exist is an error that names it."""
    with pytest.raises(NotFound, match="no context called 'mid'; contexts: enterprise, retail"):
        resolve_context("mid", contexts_from_config(CONFIG))
    with pytest.raises(NotFound, match="no team called 'East'"):
        resolve_context("enterprise", contexts_from_config(CONFIG))
    add_agent(ctx, "sam", name="Sam")
    bad = {"contexts": {"x": {"owner": "nobody"}}}
    with pytest.raises(NotFound, match="no agent with the login 'nobody'"):
        resolve_context("x", contexts_from_config(bad))


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"x": {"region": "EU"}}, "contexts.x.region"),
        ({"x": {"tier": "diamond"}}, "contexts.x.tier"),
        ({"x": {"tier": 3}}, "contexts.x.tier"),
        ({"x": {}}, "contexts.x"),
    ],
)
def test_a_wrong_context_definition_names_its_key(table: dict[str, object], key: str) -> None:
    """Unknown filters, unknown tiers, non-text values and empty contexts are refused naming the key."""
    with pytest.raises(PolicyError) as caught:
        contexts_from_config({"contexts": table})
    assert caught.value.field == key


def test_the_walk_follows_the_preset_order(ctx: Ctx) -> None:
    """few-large walks renewals first, then follow-ups; the default walks follow-ups first."""
    due = accounts.create_account(ctx, {"name": "Due Co"})
    followups.log_activity(ctx, due, {"kind": "call", "summary": "Call"})
    followups.add_followup(ctx, due, {"title": "Send deck", "due_on": "today"})
    renewing = accounts.create_account(ctx, {"name": "Renewing Co", "renewal_on": days(20)})
    followups.log_activity(ctx, renewing, {"kind": "call", "summary": "Call"})
    default_walk = [item.kind for item in daily_upkeep(ctx)]
    few_large = replace(ctx, plan=plan_from_config({"preset": "few-large"}))
    assert default_walk == [ItemKind.FOLLOWUP, ItemKind.RENEWAL]
    assert [item.kind for item in daily_upkeep(few_large)] == [ItemKind.RENEWAL, ItemKind.FOLLOWUP]
