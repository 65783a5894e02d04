"""Sharing an account with another agent or a whole team, and taking it back.

Who may share: an admin, or the account's owner (see
`acct_tui.services.store.permissions`); a lead works the team's accounts but does not
hand out access to them. A share lets the other agent (or every member of the
team) see and work the account; it is an audited change of the account, so it
shows in its history and can be undone.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import Expression, fn

from acct_tui.models import Account, AccountShare, Agent, Team
from acct_tui.services.context import Ctx
from acct_tui.services.domain.validation import MAX_ID
from acct_tui.services.errors import NotAllowed, NotFound, ValidationError
from acct_tui.services.store.permissions import may_share
from acct_tui.services.store.scope import require_account, scoped
from acct_tui.services.store.unit import change, reading


@dataclass(frozen=True)
class Shared:
    """The outcome of a share or unshare: whether anything changed, and who has it now."""

    account_id: int
    account_name: str
    changed: bool
    shared_with: tuple[str, ...]


def find_account(ctx: Ctx, ref: str) -> int:
    """An account id from what a person types: its id, its external id or its exact name.

    Only accounts in the agent's scope are found; anything else is "not found".
    """
    text = ref.strip()
    if not text:
        raise ValidationError("name an account: its id, external id or name", "account")
    with reading():
        number = int(text) if text.isascii() and text.isdigit() else None
        if number is not None and number <= MAX_ID:
            query = scoped(Account.select(Account.id).where(Account.id == number), ctx.agent)
            row = query.first()
            if row is not None:
                return int(row.id)
        by_external = scoped(Account.select(Account.id).where(Account.external_id == text), ctx.agent).first()
        if by_external is not None:
            return int(by_external.id)
        named = list(
            scoped(Account.select(Account.id).where(fn.LOWER(Account.name) == text.casefold()), ctx.agent).limit(2)
        )
    if len(named) == 1:
        return int(named[0].id)
    if len(named) > 1:
        raise ValidationError(f"more than one account is called {text!r}; give its id", "account")
    raise NotFound(f"account {text!r} not found")


def _shared_with(account_id: int) -> tuple[str, ...]:
    agents = (
        Agent.select(Agent.login)
        .join(AccountShare, on=(AccountShare.agent == Agent.id))
        .where(AccountShare.account == account_id)
    )
    teams = (
        Team.select(Team.name)
        .join(AccountShare, on=(AccountShare.team == Team.id))
        .where(AccountShare.account == account_id)
    )
    return tuple(sorted(a.login for a in agents)) + tuple(sorted(f"team {t.name}" for t in teams))


def _check_may_share(ctx: Ctx, account: Account) -> None:
    if may_share(ctx.agent, account.__data__["owner"]):
        return
    raise NotAllowed(f"only the owner of {account.name} or an admin can change who it is shared with")


def _target(agent_login: str | None, team: str | None) -> tuple[Agent | None, Team | None]:
    if (agent_login is None) == (team is None):
        raise ValidationError("share with one agent or one team", "with")
    if agent_login is not None:
        agent = Agent.get_or_none(Agent.login == agent_login)
        if agent is None:
            raise NotFound(f"agent {agent_login!r} not found")
        return agent, None
    found = Team.get_or_none(Team.name == team)
    if found is None:
        raise NotFound(f"team {team!r} not found; teams are created with: acct-tui agent add NAME --team TEAM")
    return None, found


def _share_match(agent: Agent | None, team_row: Team | None) -> tuple[Expression, str]:
    """The share rows of the one agent or team `_target` found, and how a person names it."""
    if agent is not None:
        return AccountShare.agent == agent.id, agent.login
    assert team_row is not None  # _target finds exactly one of the two
    return AccountShare.team == team_row.id, f"team {team_row.name}"


def share_account(ctx: Ctx, account_id: int, *, agent_login: str | None = None, team: str | None = None) -> Shared:
    """Let one agent or one team see and work the account. Sharing twice changes nothing."""
    with change(ctx, "share") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        _check_may_share(ctx, account)
        agent, team_row = _target(agent_login, team)
        if agent is not None and agent.id == account.__data__["owner"]:
            raise ValidationError(f"{agent.login} owns {account.name} already", "with")
        match, who = _share_match(agent, team_row)
        exists = AccountShare.select().where(AccountShare.account == account.id, match).exists()
        if not exists:
            share = AccountShare.create(account=account.id, agent=agent, team=team_row)
            ch.created(share, f"shared {account.name} with {who}", action="share")
        return Shared(account.id, account.name, not exists, _shared_with(account.id))


def unshare_account(ctx: Ctx, account_id: int, *, agent_login: str | None = None, team: str | None = None) -> Shared:
    """Stop sharing the account with one agent or one team."""
    with change(ctx, "unshare") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        _check_may_share(ctx, account)
        agent, team_row = _target(agent_login, team)
        match, who = _share_match(agent, team_row)
        shares = list(AccountShare.select().where(AccountShare.account == account.id, match))
        for share in shares:
            ch.deleted(share, f"stopped sharing {account.name} with {who}", action="unshare")
            share.delete_instance()
        return Shared(account.id, account.name, bool(shares), _shared_with(account.id))
