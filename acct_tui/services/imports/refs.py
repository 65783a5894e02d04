"""Finding the account a child row (contact, activity, follow-up) belongs to.

A row names its account by the CRM's account id (the account's external id
here) or by its name; only accounts the agent may see are candidates, so an
import can never attach anything to someone else's account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from acct_tui.models import Account
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.imports.base import Row, RowErrors, tuple_rows
from acct_tui.services.imports.columns import ColumnMap
from acct_tui.services.scope import scoped


@dataclass(frozen=True)
class AccountBook:
    by_external: dict[str, int]
    by_name: dict[str, list[int]]

    @classmethod
    def load(cls, ctx: Ctx) -> AccountBook:
        by_external: dict[str, int] = {}
        by_name: dict[str, list[int]] = {}
        query = scoped(Account.select(Account.id, Account.external_id, Account.sort_name), ctx.agent)
        for account_id, external_id, sort_name in tuple_rows(query):
            if external_id:
                by_external[external_id] = account_id
            by_name.setdefault(sort_name, []).append(account_id)
        return cls(by_external, by_name)

    def find(self, external_id: str | None, name: str | None) -> int:
        if external_id:
            found = self.by_external.get(external_id)
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
