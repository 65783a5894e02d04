"""Agents and teams: who may log in, with which role, in which team."""

from __future__ import annotations

from dataclasses import dataclass

from acct_tui.models import Agent, Team
from acct_tui.services.context import AgentRef, Ctx
from acct_tui.services.domain import validation as v
from acct_tui.services.errors import NotAllowed, NotFound, ValidationError

# Who is acting lives in a small module of its own (every verb starts with it); still importable from here.
from acct_tui.services.store.acting import agent_ref as agent_ref
from acct_tui.services.store.acting import resolve_agent as resolve_agent
from acct_tui.services.store.permissions import require_admin
from acct_tui.services.store.rows import tuple_rows
from acct_tui.services.store.unit import change, reading, snapshot
from acct_tui.vocab import Role


def has_agents() -> bool:
    """Whether anyone is registered yet (a fresh database has nobody, and its first agent becomes the admin)."""
    with reading():
        return bool(Agent.select().exists())


def find_agent(login: str) -> AgentRef | None:
    with reading():
        agent = Agent.get_or_none(Agent.login == login)
        return agent_ref(agent) if agent else None


def get_agent(agent_id: int) -> AgentRef:
    with reading():
        agent = Agent.get_or_none(Agent.id == agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id} not found")
        return agent_ref(agent)


@dataclass(frozen=True)
class AgentRow:
    id: int
    login: str
    name: str
    role: str
    team: str
    active: bool
    accounts: int
    keys: int = 0


def list_agents(include_inactive: bool = False) -> list[AgentRow]:
    from peewee import JOIN, fn

    from acct_tui.models import Account, AgentKey

    with reading():
        counts: dict[int, int] = dict(
            tuple_rows(Account.select(Account.owner, fn.COUNT(Account.id)).group_by(Account.owner))
        )
        live_keys = AgentKey.select(AgentKey.agent, fn.COUNT(AgentKey.id)).where(AgentKey.revoked_at.is_null())
        key_counts: dict[int, int] = dict(tuple_rows(live_keys.group_by(AgentKey.agent)))
        query = Agent.select(Agent, Team).join(Team, JOIN.LEFT_OUTER).order_by(Agent.login)
        if not include_inactive:
            query = query.where(Agent.active == True)  # noqa: E712 - peewee expression
        return [
            AgentRow(
                id=a.id,
                login=a.login,
                name=a.name,
                role=a.role,
                team=a.team.name if a.team is not None else "",
                active=a.active,
                accounts=counts.get(a.id, 0),
                keys=key_counts.get(a.id, 0),
            )
            for a in query
        ]


def ensure_team(name: str) -> int:
    name = v.clean_text(name, "team", max_len=80, required=True)
    team, _created = Team.get_or_create(name=name)
    return int(team.id)


def add_agent(
    ctx: Ctx, login: str, *, name: str = "", role: str = "agent", team: str = "", keys_text: str = ""
) -> AgentRef:
    """Register an agent (admins only), with the SSH public keys in `keys_text` if given."""
    from acct_tui.services.writes.keys import parse_public_keys, store_keys  # SSH keys: not at start-up

    require_admin(ctx.agent, "add agents")
    login = v.login(login)
    parsed = parse_public_keys(keys_text) if keys_text else []
    display = v.clean_text(name, "name", max_len=120) or login
    chosen = v.choice(role, Role, "role")
    team_name = v.clean_text(team, "team", max_len=80)
    with change(ctx, "agent add") as ch:
        if Agent.select().where(Agent.login == login).exists():
            raise ValidationError(f"{login!r} already exists", "login")
        agent = Agent.create(
            login=login,
            name=display,
            role=chosen.value,
            team=ensure_team(team_name) if team_name else None,
        )
        ch.created(agent, f"added agent {login} ({chosen.value})")
        store_keys(ch, agent, parsed)
        return agent_ref(agent)


def deactivate_agent(ctx: Ctx, login: str) -> AgentRef:
    require_admin(ctx.agent, "deactivate agents")
    with change(ctx, "agent deactivate") as ch:
        agent = Agent.get_or_none(Agent.login == login)
        if agent is None:
            raise NotFound(f"agent {login!r} not found")
        if agent.id == ctx.agent.id:
            raise NotAllowed("you cannot deactivate yourself")
        before = snapshot(agent, ["active"])
        agent.active = False
        agent.save()
        ch.updated(agent, before, f"deactivated agent {login}")
        return agent_ref(agent)


def assignable_agents() -> list[AgentRef]:
    """Active agents, for reassigning and handing off."""
    with reading():
        return [agent_ref(a) for a in Agent.select().where(Agent.active == True).order_by(Agent.name)]  # noqa: E712
