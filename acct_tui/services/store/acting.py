"""Who is acting: the agent a session starts as, found by login (the first login of an empty database
becomes its admin). Small on purpose: every verb starts here, a shell prompt's `status` among them."""

from __future__ import annotations

from acct_tui.models import Agent, database_proxy
from acct_tui.services.context import AgentRef
from acct_tui.services.domain import validation as v
from acct_tui.services.errors import NotAllowed, NotFound
from acct_tui.vocab import Role


def agent_ref(agent: Agent) -> AgentRef:
    return AgentRef(
        id=agent.id,
        login=agent.login,
        name=agent.name,
        role=Role(agent.role),
        team_id=agent.__data__.get("team"),
        active=agent.active,
    )


def resolve_agent(login: str, *, bootstrap: bool = True) -> AgentRef:
    """The agent who is starting a session.

    On a database with no agents yet, the first login becomes its admin
    (a manager's own file); otherwise an unknown or deactivated login is refused.
    """
    login = v.login(login, "agent")
    with database_proxy.connection_context(), database_proxy.atomic():
        agent = Agent.get_or_none(Agent.login == login)
        if agent is None:
            if bootstrap and not Agent.select().exists():
                agent = Agent.create(login=login, name=login, role=Role.ADMIN.value)
                return agent_ref(agent)
            if not Agent.select().exists():
                # One path on a fresh database: `agent add` makes its first agent the admin.
                raise NotFound(f"this database has no agents yet; register yourself first: acct-tui agent add {login}")
            raise NotFound(
                f"agent {login!r} is not registered in this database; "
                f"an admin can add it with: acct-tui agent add {login}"
            )
        if not agent.active:
            raise NotAllowed(f"agent {login!r} is deactivated; ask an admin to reactivate it")
        return agent_ref(agent)
