"""Which account a mail or a meeting belongs to, from the addresses on it.

An address names an account when it is the email of one of its contacts (a
removed contact names none), else when its domain is the account's domain (a
subdomain counts: `eu.acme.com` is Acme's). Only accounts the agent may see
are looked at, so a touch never lands where its agent could not read it. An
address that names several accounts decides nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from peewee import fn

from acct_tui.models import Account, Contact
from acct_tui.services.context import Ctx
from acct_tui.services.store.scope import scoped


@dataclass(frozen=True)
class Match:
    account_id: int
    contact_id: int | None
    """The client's person on it: the sender of an inbound touch, else the first recipient who is a contact."""
    inbound: bool
    """The client wrote (or organised): the sender is the account's contact or at its domain."""


def _domains(address: str) -> list[str]:
    """`a@mail.eu.acme.com` -> mail.eu.acme.com, eu.acme.com, acme.com (never a bare top-level domain)."""
    host = address.rpartition("@")[2].strip(".")
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


class AddressBook:
    """Address look-ups for one agent, remembered for a bulk import's thousands of messages."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self._contacts: dict[str, list[tuple[int, int]]] = {}
        self._domains: dict[str, list[int]] = {}

    def contacts(self, address: str) -> list[tuple[int, int]]:
        """(account, contact) of every contact with this address, on accounts the agent may see."""
        if address not in self._contacts:
            query = (
                Contact.select(Contact.account, Contact.id)
                .join(Account, on=(Contact.account == Account.id))
                .where(fn.LOWER(Contact.email) == address, Contact.removed_at.is_null())
                .order_by(Contact.is_primary.desc(), Contact.id)
            )
            rows = scoped(query, self.ctx.agent).tuples()
            self._contacts[address] = [(int(a), int(c)) for a, c in rows]
        return self._contacts[address]

    def domain_accounts(self, address: str) -> list[int]:
        """The accounts whose domain is the address's (or a parent of it), the closest domain first."""
        for domain in _domains(address):
            if domain not in self._domains:
                query = Account.select(Account.id).where(fn.LOWER(Account.domain) == domain).order_by(Account.id)
                self._domains[domain] = [int(a) for (a,) in scoped(query, self.ctx.agent).tuples()]
            if self._domains[domain]:
                return self._domains[domain]
        return []

    def _account_of(self, address: str) -> int | None:
        accounts = {a for a, _c in self.contacts(address)}
        return accounts.pop() if len(accounts) == 1 else None

    def _domain_of(self, address: str) -> int | None:
        accounts = self.domain_accounts(address)
        return accounts[0] if len(accounts) == 1 else None

    def names(self, account_id: int, address: str) -> bool:
        """Whether the address is one of this account's contacts or at its domain."""
        return any(a == account_id for a, _c in self.contacts(address)) or account_id in self.domain_accounts(address)

    def match(self, sender: str, recipients: Sequence[str]) -> Match | None:
        """The account of the first address that is a contact's, else of the first at an account's domain."""
        everyone = [a for a in (sender, *recipients) if a]
        account_id = next((a for a in map(self._account_of, everyone) if a is not None), None)
        if account_id is None:
            account_id = next((a for a in map(self._domain_of, everyone) if a is not None), None)
        if account_id is None:
            return None
        return self.on_account(account_id, sender, recipients)

    def on_account(self, account_id: int, sender: str, recipients: Sequence[str], *, inbound: bool = False) -> Match:
        """The touch on a given account: inbound when the sender is the client's (or `inbound` says so)."""
        inbound = inbound or (bool(sender) and self.names(account_id, sender))
        people = [sender] if inbound else list(recipients)
        contact = next((c for address in people if address for a, c in self.contacts(address) if a == account_id), None)
        return Match(account_id, contact, inbound)
