"""Who may do what, beyond seeing an account (that is `acct_tui.services.store.scope`).

Changes to the whole database are an admin's, checked here in the service
layer so the command line, the dashboard and the SSH server refuse alike:

| what | who |
|---|---|
| `seed` (synthetic accounts, agents made admin) | an admin; into a database that holds accounts only with `--force` |
| `restore` over an existing database | an admin of that database (a new file: whoever may write the folder) |
| `agent add`, `agent deactivate`, `agent key add` | an admin |
| `agent key revoke` | an admin; any agent for their own keys (a lost laptop only takes access away) |
| `share` / `unshare` | an admin, or the account's owner for their own account |
| `migrate` | whoever may write the database file (SQLite) or alter its schema (PostgreSQL) |

`migrate` is the exception on purpose: it runs on a schema older than this
acct-tui, where agents cannot be read reliably yet, and it only upgrades the
schema, never grants anything. The first login on an empty database becomes
its admin (`acct_tui.services.writes.agents.resolve_agent`); the README's "Who you
are" section says which setups make a login trustworthy.
"""

from __future__ import annotations

from acct_tui.services.context import AgentRef
from acct_tui.services.errors import NotAllowed


def require_admin(agent: AgentRef, what: str) -> None:
    """Refuse, in one line, anyone but an active admin doing `what` ("seed a database")."""
    if not (agent.is_admin and agent.active):
        raise NotAllowed(
            f"only an admin can {what}; {agent.login} is {agent.role.value} (acct-tui agent list shows the admins)"
        )


def may_share(agent: AgentRef, owner_id: int) -> bool:
    """Whether `agent` may change who sees an account owned by `owner_id`."""
    return agent.is_admin or owner_id == agent.id
