"""What an agent may see: the one rule every list, search, export and verb goes through.

- an admin sees every account;
- a lead sees their team's accounts (owned by a team member or assigned to
  the team), their own, and what is shared with them or their team;
- an agent sees the accounts they own and what is shared with them or their team;
- anyone sees an account where they hold an open follow-up (a handoff, a reassignment).

An account outside the scope answers "not found", exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from peewee import Expression

from acct_tui.models import Account, AccountShare, Agent, FollowUp
from acct_tui.services.context import AgentRef
from acct_tui.services.errors import NotFound
from acct_tui.vocab import FollowUpStatus


def visible(agent: AgentRef) -> Expression | None:
    """A where-clause on Account for what `agent` may see; None means everything."""
    if agent.is_admin:
        return None
    share_to: Expression = AccountShare.agent == agent.id
    if agent.team_id is not None:
        share_to = share_to | (AccountShare.team == agent.team_id)
    shared = AccountShare.select(AccountShare.account).where(share_to)
    assigned = FollowUp.select(FollowUp.account).where(
        FollowUp.assignee == agent.id, FollowUp.status == FollowUpStatus.OPEN.value
    )
    clause: Expression = (Account.owner == agent.id) | Account.id.in_(shared) | Account.id.in_(assigned)
    if agent.is_lead and agent.team_id is not None:
        members = Agent.select(Agent.id).where(Agent.team == agent.team_id)
        clause = clause | (Account.team == agent.team_id) | Account.owner.in_(members)
    return clause


# External ids are unique over the whole database, so a clash with an account outside the scope
# cannot be hidden; these words name no account and read the same for one in the scope.
EXTERNAL_ID_TAKEN = "{!r} is already the external id of another account; give this one its own"


def scoped(query: Any, agent: AgentRef) -> Any:
    """Narrow a query over Account to what `agent` may see."""
    clause = visible(agent)
    return query if clause is None else query.where(clause)


def can_see(agent: AgentRef, account_id: int) -> bool:
    query = scoped(Account.select(Account.id).where(Account.id == account_id), agent)
    return bool(query.exists())


def require_account(
    agent: AgentRef, account_id: int, *, for_update: bool = False, missing: str | None = None
) -> Account:
    """The account, if it exists and `agent` may see it; NotFound otherwise.

    `missing` is what to answer when the account was reached through one of its records (a
    follow-up, a contact): the words a missing record gets, so the answer reveals neither that
    the record exists nor which account holds it.
    """
    query = scoped(Account.select().where(Account.id == account_id), agent)
    if for_update:
        from acct_tui.db import is_postgres

        if is_postgres():
            query = query.for_update()
    account: Account | None = query.first()
    if account is None:
        raise NotFound(missing or f"account {account_id} not found")
    return account
