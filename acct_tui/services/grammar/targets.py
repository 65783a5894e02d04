"""Reading the words that name what a verb acts on: an account, a follow-up, an agent, a contact.

A target is the first word when it is given (`12`, `#12`, `@Acme`, `"Kestrel
Freight"`); in the `:` prompt it may be left out and the highlighted row is
used. On the command line the first word is always the target.
"""

from __future__ import annotations

from typing import Any

from acct_tui.models import Agent, Contact
from acct_tui.services.context import Ctx
from acct_tui.services.domain.validation import record_number
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.grammar.syntax import Command, CommandError
from acct_tui.services.store.unit import reading


def find_account(ctx: Ctx, text: str, *, fuzzy: bool = False) -> int:
    """An account by id, name (any case, or the start of exactly one) or external id; with `fuzzy`,
    else the first whose words match."""
    from acct_tui.services.io.exports import find_account as exact

    try:
        return exact(ctx, text)
    except NotFound:
        if not fuzzy:
            raise
    from acct_tui.services.reads.portfolio import PortfolioQuery, SortKey, portfolio_rows

    rows = portfolio_rows(ctx, PortfolioQuery(text=text, sort=SortKey.NAME), 0, 1)
    if not rows:
        raise NotFound(f"no account you can see matches {text[:80]!r}") from None
    return rows[0].id


def account_target(ctx: Ctx, command: Command, words: list[str], *, fuzzy: bool = False) -> tuple[int, list[str]]:
    """The account a verb acts on and the words after it."""
    if words and words[0].startswith("@") and len(words[0]) > 1:
        return find_account(ctx, words[0][1:], fuzzy=fuzzy), words[1:]
    if command.origin == "prompt" and command.focus.account_id is not None:
        return command.focus.account_id, words
    if not words:
        where = "highlight one or " if command.origin == "prompt" else ""
        raise CommandError(f"name an account: {where}give its id or its name")
    return find_account(ctx, words[0], fuzzy=fuzzy), words[1:]


def followup_target(command: Command, words: list[str]) -> tuple[int, list[str]]:
    """The follow-up a verb acts on: `#ID` anywhere, a bare id first on the command line, else the highlighted one."""
    focus = command.focus.followup_id
    number = record_number(words[0]) if words else None
    if number is not None and (command.origin == "cli" or words[0].startswith("#") or focus is None):
        return number, words[1:]
    if command.origin == "prompt" and focus is not None:
        return focus, words
    where = "highlight one or " if command.origin == "prompt" else ""
    raise CommandError(f"name a follow-up: {where}give its id (see acct-tui queue)")


def record_id(words: list[str], what: str) -> tuple[int, list[str]]:
    number = record_number(words[0]) if words else None
    if number is None:
        raise CommandError(f"name the {what} by its id")
    return number, words[1:]


def agent_id(login: str) -> int:
    with reading():
        found = Agent.get_or_none(Agent.login == login.strip())
    if found is None:
        raise NotFound(f"no agent with the login {login!r}; see: acct-tui agent list")
    return int(found.id)


def contact_id(account_id: int, name: str) -> int:
    """A contact of the account by name (case ignored), or its id; removed contacts are not offered."""
    with reading():
        query: Any = Contact.select(Contact.id, Contact.name).where(
            Contact.account == account_id, Contact.removed_at.is_null()
        )
        rows = [(cid, cname) for cid, cname in query.tuples()]
    wanted = name.strip().casefold()
    matches = [cid for cid, cname in rows if cname.casefold() == wanted or str(cid) == wanted.lstrip("#")]
    if len(matches) != 1:
        known = ", ".join(cname for _cid, cname in rows) or "none yet"
        raise ValidationError(f"no single contact called {name!r} on this account (contacts: {known})", "contact")
    return int(matches[0])


def text(words: list[str], what: str) -> str:
    joined = " ".join(words).strip()
    if not joined:
        raise CommandError(f"give the {what}")
    return joined


def pairs(words: list[str]) -> dict[str, str]:
    """`field=value` words as a mapping."""
    found: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"write FIELD=VALUE (got {word!r})")
        found[key.strip()] = value
    return found
