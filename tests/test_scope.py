"""Every list, search, neighbour and write goes through the one scoping rule, on SQLite and PostgreSQL.

The cast: team Desk (lead lee, agents sam and kim), team Field (agent zoe),
and the admin `manager`. Accounts, named for who may see them:

| account  | owner   | how others reach it                        |
|----------|---------|--------------------------------------------|
| Sam One  | sam     | lee (a member's account)                   |
| Kim Two  | kim     | lee                                        |
| Zoe Sam  | zoe     | shared with sam                            |
| Zoe Desk | zoe     | shared with team Desk (sam, kim, lee)      |
| Zoe Kim  | zoe     | kim holds an open follow-up on it          |
| Desk Six | manager | assigned to team Desk (lee, the lead)      |
| Hidden   | manager | nobody but the admin                       |
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from acct_tui.models import Account, AccountShare, Activity, AuditEntry, Concern, Contact, FollowUp, Opportunity, Team
from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotFound
from acct_tui.services.reads.detail import account_history, account_name, client_detail, last_touches, timeline_page
from acct_tui.services.reads.portfolio import (
    PortfolioQuery,
    SortKey,
    neighbour,
    portfolio,
    portfolio_count,
    portfolio_totals,
    position_of,
)
from acct_tui.services.reads.queue import followup_queue, overdue_count
from acct_tui.services.reads.upkeep import daily_upkeep
from acct_tui.services.store.scope import can_see
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import add_agent, find_agent
from tests.conftest import TODAY, days

VISIBLE = {
    "manager": {"Sam One", "Kim Two", "Zoe Sam", "Zoe Desk", "Zoe Kim", "Desk Six", "Hidden"},
    "sam": {"Sam One", "Zoe Sam", "Zoe Desk"},
    "kim": {"Kim Two", "Zoe Desk", "Zoe Kim"},
    "lee": {"Sam One", "Kim Two", "Zoe Desk", "Desk Six"},
    "zoe": {"Zoe Sam", "Zoe Desk", "Zoe Kim"},
}


@dataclass
class Desk:
    ctx: dict[str, Ctx]
    ids: dict[str, int]
    followups: dict[str, int]


@pytest.fixture
def desk(ctx: Ctx) -> Desk:
    """The cast above, with one open follow-up (assigned to the owner) and one contact per account."""
    for login, role, team in (
        ("sam", "agent", "Desk"),
        ("kim", "agent", "Desk"),
        ("lee", "lead", "Desk"),
        ("zoe", "agent", "Field"),
    ):
        add_agent(ctx, login, role=role, team=team)
    contexts = {"manager": ctx}
    for login in ("sam", "kim", "lee", "zoe"):
        agent = find_agent(login)
        assert agent is not None
        contexts[login] = Ctx(agent=agent, clock=ctx.clock)
    owners = {
        "Sam One": "sam",
        "Kim Two": "kim",
        "Zoe Sam": "zoe",
        "Zoe Desk": "zoe",
        "Zoe Kim": "zoe",
        "Desk Six": "manager",
        "Hidden": "manager",
    }
    ids: dict[str, int] = {}
    items: dict[str, int] = {}
    for number, (name, owner) in enumerate(owners.items(), start=1):
        owner_ctx = contexts[owner]
        account_id = accounts.create_account(
            ctx, {"name": name, "arr": str(1000 * number), "tier": "gold"}, owner_id=owner_ctx.agent.id
        )
        ids[name] = account_id
        accounts.add_contact(ctx, account_id, {"name": f"Contact of {name} Holmes{number}"})
        items[name] = followups.add_followup(
            ctx, account_id, {"title": f"Call {name}", "due_on": days(-1)}, assignee_id=owner_ctx.agent.id
        )
    with reading():
        desk_team = Team.get(Team.name == "Desk")
        AccountShare.create(account=ids["Zoe Sam"], agent=contexts["sam"].agent.id)
        AccountShare.create(account=ids["Zoe Desk"], team=desk_team.id)
        Account.update(team=desk_team.id).where(Account.id == ids["Desk Six"]).execute()
    followups.add_followup(
        ctx, ids["Zoe Kim"], {"title": "Kim helps Zoe", "due_on": days(2)}, assignee_id=contexts["kim"].agent.id
    )
    return Desk(contexts, ids, items)


def _names(desk: Desk, ids: Any) -> set[str]:
    by_id = {v: k for k, v in desk.ids.items()}
    return {by_id[i] for i in ids}


def _counts() -> dict[str, int]:
    with reading():
        return {
            model.__name__: model.select().count()
            for model in (Account, Activity, AuditEntry, Concern, Contact, FollowUp, Opportunity, AccountShare)
        }


@pytest.mark.parametrize("login", sorted(VISIBLE))
def test_portfolio_lists_exactly_the_scope(desk: Desk, login: str) -> None:
    """The portfolio page, its count and its totals hold exactly what the agent may see."""
    ctx = desk.ctx[login]
    page = portfolio(ctx, PortfolioQuery(sort=SortKey.NAME), page_size=100)
    assert {row.name for row in page.rows} == VISIBLE[login]
    assert page.total == portfolio_count(ctx, PortfolioQuery()) == len(VISIBLE[login])
    expected_arr = sum(1000 * (list(desk.ids).index(name) + 1) for name in VISIBLE[login])
    assert sum(portfolio_totals(ctx, PortfolioQuery()).arr.values()) == expected_arr


def test_can_see_agrees_with_the_portfolio(desk: Desk) -> None:
    """The single-account check answers yes exactly for the accounts the portfolio lists."""
    for login, visible in VISIBLE.items():
        ctx = desk.ctx[login]
        assert {name for name, account_id in desk.ids.items() if can_see(ctx.agent, account_id)} == visible, login


def test_queue_of_everyone_in_scope_stays_in_scope(desk: Desk) -> None:
    """The queue (everyone's items, as a lead sees it) holds items of visible accounts only; overdue counts agree."""
    for login, visible in VISIBLE.items():
        ctx = desk.ctx[login]
        queue = followup_queue(ctx, agent_id=None)
        in_queue = _names(desk, {item.account_id for _, item in queue.all_items()})
        assert in_queue == visible, login  # every visible account has an open item in this cast
        mine = followup_queue(ctx)
        assert all(item.assignee_id == ctx.agent.id for _, item in mine.all_items())
        assert overdue_count(ctx) == len(mine.overdue)


def test_a_follow_up_assigned_to_you_brings_its_account_into_scope(desk: Desk) -> None:
    """Kim sees Zoe Kim while she holds an open follow-up there, and not after she completes it."""
    kim = desk.ctx["kim"]
    item = next(i for _, i in followup_queue(kim).all_items() if i.title == "Kim helps Zoe")
    assert item.account_id == desk.ids["Zoe Kim"]
    followups.complete_followup(kim, item.id)
    assert not can_see(kim.agent, desk.ids["Zoe Kim"])
    with pytest.raises(NotFound):
        client_detail(kim, desk.ids["Zoe Kim"])


def test_handing_off_moves_the_account_out_of_your_scope(desk: Desk) -> None:
    """After Sam hands Sam One to Zoe, Sam no longer sees it; Zoe does."""
    sam, zoe = desk.ctx["sam"], desk.ctx["zoe"]
    followups.complete_followup(sam, desk.followups["Sam One"])
    accounts.handoff(sam, desk.ids["Sam One"], zoe.agent.id, "All yours: renewal in spring")
    assert not can_see(sam.agent, desk.ids["Sam One"])
    assert can_see(zoe.agent, desk.ids["Sam One"])


def _same_not_found(exc: NotFound, account_id: int) -> str:
    return str(exc).replace(str(account_id), "N")


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda ctx, i: client_detail(ctx, i), id="detail"),
        pytest.param(lambda ctx, i: timeline_page(ctx, i), id="timeline"),
        pytest.param(lambda ctx, i: account_history(ctx, i), id="history"),
        pytest.param(lambda ctx, i: account_name(ctx, i), id="name"),
    ],
)
def test_reading_an_account_outside_scope_is_not_found(desk: Desk, read: Any) -> None:
    """Opening an account by id outside the scope says "not found", word for word as a missing id."""
    sam = desk.ctx["sam"]
    hidden = desk.ids["Hidden"]
    with pytest.raises(NotFound) as outside:
        read(sam, hidden)
    with pytest.raises(NotFound) as missing:
        read(sam, 999_999)
    assert _same_not_found(outside.value, hidden) == _same_not_found(missing.value, 999_999)
    assert "Hidden" not in str(outside.value)


def test_last_touches_skips_accounts_outside_scope(desk: Desk) -> None:
    """The daily walk's timeline cards silently leave out accounts the agent may not see."""
    sam = desk.ctx["sam"]
    followups.log_activity(desk.ctx["manager"], desk.ids["Hidden"], {"kind": "call", "summary": "secret"})
    cards = last_touches(sam, [desk.ids["Hidden"], desk.ids["Sam One"]])
    assert desk.ids["Hidden"] not in cards or cards[desk.ids["Hidden"]] == []


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda ctx, i, f: accounts.edit_account(ctx, i, 1, {"notes": "mine now"}), id="edit"),
        pytest.param(lambda ctx, i, f: accounts.edit_account(ctx, i, 1, {"notes": "x"}, force=True), id="force"),
        pytest.param(lambda ctx, i, f: followups.log_activity(ctx, i, {"summary": "call"}), id="log"),
        pytest.param(lambda ctx, i, f: followups.add_followup(ctx, i, {"title": "t", "due_on": "+1d"}), id="followup"),
        pytest.param(lambda ctx, i, f: accounts.add_contact(ctx, i, {"name": "Spy"}), id="contact"),
        pytest.param(lambda ctx, i, f: accounts.add_concern(ctx, i, {"title": "c"}), id="concern"),
        pytest.param(lambda ctx, i, f: accounts.add_opportunity(ctx, i, {"title": "o"}), id="opportunity"),
        pytest.param(lambda ctx, i, f: accounts.handoff(ctx, i, ctx.agent.id, "take it"), id="handoff"),
        pytest.param(lambda ctx, i, f: followups.complete_followup(ctx, f), id="done"),
        pytest.param(lambda ctx, i, f: followups.snooze_followup(ctx, f, "+3d"), id="snooze"),
        pytest.param(lambda ctx, i, f: followups.reschedule_followup(ctx, f, "+3d"), id="reschedule"),
        pytest.param(lambda ctx, i, f: followups.reassign_followup(ctx, f, ctx.agent.id), id="reassign"),
    ],
)
def test_writing_to_an_account_outside_scope_is_not_found_and_writes_nothing(desk: Desk, write: Any) -> None:
    """Every write on an account (or its follow-up) outside the scope is refused as not found, leaving no trace."""
    sam = desk.ctx["sam"]
    before = _counts()
    with pytest.raises(NotFound):
        write(sam, desk.ids["Hidden"], desk.followups["Hidden"])
    assert _counts() == before
    with reading():
        assert FollowUp.get_by_id(desk.followups["Hidden"]).status == "open"


def test_concern_and_opportunity_changes_outside_scope_are_not_found(desk: Desk) -> None:
    """Resolving a concern or moving an opportunity of a hidden account is refused as not found."""
    manager, sam = desk.ctx["manager"], desk.ctx["sam"]
    concern = accounts.add_concern(manager, desk.ids["Hidden"], {"title": "Outage"})
    opportunity = accounts.add_opportunity(manager, desk.ids["Hidden"], {"title": "Upsell"})
    with pytest.raises(NotFound):
        accounts.resolve_concern(sam, concern)
    with pytest.raises(NotFound):
        accounts.set_opportunity_stage(sam, opportunity, "won")


@pytest.mark.parametrize("text", ["hidden", "holmes7", "zoe"])
def test_search_finds_nothing_outside_scope(desk: Desk, text: str) -> None:
    """The live filter, on names and contact names alike, only ever narrows the agent's own scope."""
    for login, visible in VISIBLE.items():
        ctx = desk.ctx[login]
        found = {row.name for row in portfolio(ctx, PortfolioQuery(text=text), page_size=100).rows}
        assert found <= visible
        admin_found = {row.name for row in portfolio(desk.ctx["manager"], PortfolioQuery(text=text)).rows}
        assert found == admin_found & visible


def test_neighbours_step_over_accounts_outside_scope(desk: Desk) -> None:
    """Previous / next in the detail screen walk the agent's own order; a hidden id has no position."""
    sam = desk.ctx["sam"]
    query = PortfolioQuery(sort=SortKey.NAME)
    order = ["Sam One", "Zoe Desk", "Zoe Sam"]
    ids = [desk.ids[name] for name in order]
    assert neighbour(sam, query, ids[0], +1) == ids[1]
    assert neighbour(sam, query, ids[1], +1) == ids[2]
    assert neighbour(sam, query, ids[2], +1) is None
    assert neighbour(sam, query, ids[0], -1) is None
    assert neighbour(sam, query, ids[2], -1) == ids[1]
    assert position_of(sam, query, desk.ids["Kim Two"]) is None
    assert neighbour(sam, query, desk.ids["Hidden"], +1) is None


def test_daily_upkeep_walks_only_the_agents_scope(desk: Desk) -> None:
    """Today's walk never brings up an account the agent may not see."""
    for login, visible in VISIBLE.items():
        walk = daily_upkeep(desk.ctx[login])
        assert {item.account_name for item in walk} <= visible


def test_queue_verb_prints_only_the_agents_scope(desk: Desk, db_url: str, tmp_path: Path) -> None:
    """`acct-tui queue --json --agent sam` lists Sam's items and nothing from hidden accounts."""
    env_home = tmp_path / "cli-home"
    out = subprocess.run(
        [sys.executable, "-m", "acct_tui", "--db", db_url, "--agent", "sam", "queue", "--json", "--days", "30"],
        capture_output=True,
        text=True,
        check=True,
        env={"ACCT_TUI_HOME": str(env_home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())},
    ).stdout
    payload = json.loads(out)
    listed = {item["account"] for section in payload["sections"].values() for item in section}
    assert listed == {"Sam One"}
    assert all(item["assignee"] == "sam" for section in payload["sections"].values() for item in section)


def test_unknown_agent_is_refused_by_screenless_verbs(desk: Desk, db_url: str, tmp_path: Path) -> None:
    """A login that is not registered gets no scope at all: the verb refuses with what to do."""
    result = subprocess.run(
        [sys.executable, "-m", "acct_tui", "--db", db_url, "--agent", "mallory", "queue", "--json"],
        capture_output=True,
        text=True,
        env={"ACCT_TUI_HOME": str(tmp_path / "h"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "not registered" in result.stderr and "agent add mallory" in result.stderr


def test_overdue_is_counted_in_scope_only(desk: Desk) -> None:
    """The header's overdue count for the lead counts only their own items, never a hidden account's."""
    lee = desk.ctx["lee"]
    followups.add_followup(desk.ctx["manager"], desk.ids["Desk Six"], {"title": "Lee's", "due_on": days(-3)},
                           assignee_id=lee.agent.id)  # fmt: skip
    assert overdue_count(lee) == 1
    assert TODAY - dt.timedelta(days=3) == followup_queue(lee).overdue[0].due_on


def test_undoing_a_change_on_an_account_outside_scope_is_not_found(desk: Desk) -> None:
    """An agent cannot undo (by its id, as from a history row) a change made on an account they may not see."""
    from acct_tui.services.store.undo import undo_change

    manager, sam = desk.ctx["manager"], desk.ctx["sam"]
    accounts.edit_account(manager, desk.ids["Hidden"], 1, {"notes": "board approved the budget"})
    with reading():
        change_id = (
            AuditEntry.select(AuditEntry.change_id)
            .where(AuditEntry.entity == "account", AuditEntry.entity_id == desk.ids["Hidden"])
            .order_by(AuditEntry.id.desc())
            .scalar()
        )
    before = _counts()
    with pytest.raises(NotFound):
        undo_change(sam, change_id)
    assert _counts() == before
    with reading():
        assert Account.get_by_id(desk.ids["Hidden"]).notes == "board approved the budget"


def test_an_agent_can_undo_their_own_handoff(desk: Desk) -> None:
    """z right after handing an account off gives it back, though the handoff took it out of the agent's scope."""
    from acct_tui.services.store.undo import undo_last

    sam, zoe = desk.ctx["sam"], desk.ctx["zoe"]
    accounts.handoff(sam, desk.ids["Sam One"], zoe.agent.id, "Going on leave")
    assert not can_see(sam.agent, desk.ids["Sam One"])
    undo_last(sam)
    assert can_see(sam.agent, desk.ids["Sam One"])
    with reading():
        assert Account.get_by_id(desk.ids["Sam One"]).owner_id == sam.agent.id
