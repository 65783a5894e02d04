"""Finding the account a child row (contact, activity, follow-up) belongs to.

A row names its account by the CRM's account id (the account's external id
here) or by its name; only accounts the agent may see are candidates, so an
import can never attach anything to someone else's account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from acct_tui.models import Account
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.base import Row, RowErrors, tuple_rows
from acct_tui.services.io.imports.columns import ColumnMap
from acct_tui.services.store.scope import scoped

_SALESFORCE_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?")
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_suffix(short: str) -> str:
    """The three characters Salesforce appends to a 15-character id: which letters of each five are capitals."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(short[start : start + 5]) if "A" <= char <= "Z")
        suffix += _CHECKSUM[bits]
    return suffix


def short_id(external_id: str) -> str | None:
    """A Salesforce record id's 15-character form, or None for any other id.

    Reports export the 15-character id, Data Export and Data Loader the 18-character one
    (the same 15 plus a case checksum): either finds a record imported with the other. An
    18-character id whose checksum does not fit is not a Salesforce id and matches only itself.
    """
    if not _SALESFORCE_ID.fullmatch(external_id) or external_id.isdigit():
        return None
    short = external_id[:15]
    if len(external_id) == 18 and external_id[15:] != salesforce_suffix(short):
        return None
    return short


def id_index(pairs: Any) -> dict[str, int]:
    """{external id: record id} for (external id, record id) pairs, with Salesforce ids under both forms."""
    index: dict[str, int] = {}
    for external_id, record_id in pairs:
        if not external_id:
            continue
        index[external_id] = record_id
        short = short_id(external_id)
        if short is not None:
            index.setdefault(short, record_id)
    return index


def find_id(index: dict[str, int], external_id: str) -> int | None:
    """The record an id names in an `id_index`; also the first of a HubSpot list such as '7001;7002'."""
    found = index.get(external_id)
    if found is None and (short := short_id(external_id)) is not None:
        found = index.get(short)
    if found is None and (";" in external_id or "," in external_id):
        first = re.split(r"[;,]", external_id, maxsplit=1)[0].strip()
        found = find_id(index, first) if first else None
    return found


@dataclass(frozen=True)
class AccountBook:
    by_external: dict[str, int]
    by_name: dict[str, list[int]]

    @classmethod
    def load(cls, ctx: Ctx) -> AccountBook:
        pairs: list[tuple[str, int]] = []
        by_name: dict[str, list[int]] = {}
        query = scoped(Account.select(Account.id, Account.external_id, Account.sort_name), ctx.agent)
        for account_id, external_id, sort_name in tuple_rows(query):
            pairs.append((external_id, account_id))
            by_name.setdefault(sort_name, []).append(account_id)
        return cls(id_index(pairs), by_name)

    def find(self, external_id: str | None, name: str | None) -> int:
        if external_id:
            found = find_id(self.by_external, external_id)
            if found is None:
                raise ValidationError(f"no account you can see has the id {external_id[:60]!r}; import accounts first")
            return found
        key = (name or "").casefold()
        candidates = self.by_name.get(key, [])
        if not candidates:
            raise ValidationError(
                f"no account you can see is named {name[:80]!r}; import accounts first" if name else "is required"
            )
        if len(candidates) > 1:
            raise ValidationError(f"{len(candidates)} accounts are named {name!r}; add an account id column to choose")
        return candidates[0]


def resolve_account(book: AccountBook, row: Row, columns: ColumnMap, errors: RowErrors) -> int | None:
    """The row's account id, or None with the reason recorded."""
    values: dict[str, Any] = row.values
    external_id = values.get("account_external_id")
    name = values.get("account")
    try:
        return book.find(external_id, name)
    except ValidationError as exc:
        used = "account_external_id" if external_id else "account"
        column = columns.column(used) if columns.has(used) else used
        if not external_id and not name:
            column = columns.column("account") if columns.has("account") else columns.column("account_external_id")
        reason = exc.message
        if external_id and column.casefold() == "whatid":
            reason += " (a WhatId may name an opportunity or a case: export the AccountId column too)"
        errors.add(row.line, column, reason)
        return None
