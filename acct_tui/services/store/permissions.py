"""Who may do what, beyond seeing an account (that is `acct_tui.services.store.scope`).

Changes to the whole database, and giving accounts to other agents, are
checked here in the service layer so the command line, the dashboard and the
SSH server refuse alike, in one line:

| what | who |
|---|---|
| `seed` (synthetic accounts, agents made admin) | an admin; into a database that holds accounts only with `--force` |
| `restore` over an existing database | an admin of that database (a new file: whoever may write the folder) |
| `migrate` | an admin of that database (one without agents: whoever may write it) |
| `agent add`, `agent deactivate`, `agent key add` | an admin |
| `agent key revoke` | an admin; any agent for their own keys (a lost laptop only takes access away) |
| `share` / `unshare` | an admin, or the account's owner for their own account |
| an account owned by someone else (`account add --owner`, `import accounts` with an owner column) | an admin; a lead for the members of their team |
| `handoff` | an admin, the account's owner, or the lead of the owner's (or the account's) team |

`migrate` reads the agent table with plain SQL: it runs on a schema older
than this acct-tui, and the agent table's login, role and active columns are
in every version. The first login on an empty database becomes its admin
(`acct_tui.services.writes.agents.resolve_agent`); the README's "Trust model"
section says which setups make a login trustworthy.
"""

from __future__ import annotations

from peewee import Database

from acct_tui.services.context import AgentRef
from acct_tui.services.errors import NotAllowed


def require_admin(agent: AgentRef, what: str) -> None:
    """Refuse, in one line, anyone but an active admin doing `what` ("seed a database")."""
    if not (agent.is_admin and agent.active):
        raise NotAllowed(
            f"only an admin can {what}; {agent.login} is {agent.role.value} (acct-tui agent list shows the admins)"
        )


def require_admin_of(db: Database, login: str, what: str) -> None:
    """`require_admin` for a database whose schema may be older than this acct-tui; a database
    with no agents yet is anyone's who may write it."""
    tables = set(db.get_tables())
    if "agent" not in tables or db.execute_sql("SELECT 1 FROM agent LIMIT 1").fetchone() is None:
        return
    row = db.execute_sql(f"SELECT role, active FROM agent WHERE login = {db.param}", (login,)).fetchone()
    if row is None or row[0] != "admin" or not row[1]:
        who = f"{login} is {row[0] if row else 'not an agent of it'}"
        raise NotAllowed(f"only an admin can {what}; {who} (acct-tui agent list shows the admins)")


def may_share(agent: AgentRef, owner_id: int) -> bool:
    """Whether `agent` may change who sees an account owned by `owner_id`."""
    return agent.is_admin or owner_id == agent.id


def may_act_for(agent: AgentRef, owner_id: int, *team_ids: int | None) -> bool:
    """Whether `agent` may give an account to `owner_id`, or give away one `owner_id` owns:
    an admin, that agent themself, or the lead of a team among `team_ids` (the owner's, the account's)."""
    if agent.is_admin or owner_id == agent.id:
        return True
    return agent.is_lead and agent.team_id is not None and agent.team_id in team_ids


def require_act_for(
    agent: AgentRef, owner_id: int, owner_login: str, team_ids: tuple[int | None, ...], what: str
) -> None:
    """Refuse, in one line, `agent` doing `what` ("give accounts to") for another agent it may not act for."""
    if not may_act_for(agent, owner_id, *team_ids):
        raise NotAllowed(
            f"only an admin or the lead of their team can {what} {owner_login}; {agent.login} is {agent.role.value}"
        )
