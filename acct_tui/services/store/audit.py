"""What one user action wrote, recorded as it goes: the audit entries undo reverses.

`Change` collects the rows an action creates, updates or deletes (as JSON
snapshots) and the accounts whose derived columns must be recomputed.
`acct_tui.services.store.unit.change` opens the transaction around it and does the
recomputing; the modules that refresh derived columns (`derived`, `wake`)
record through a `Change` without importing the unit of work that calls them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from peewee import DateField, DateTimeField, DecimalField, Model

from acct_tui.models import Account, AuditEntry
from acct_tui.services.context import Ctx


def to_json(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_json(model: type[Model], name: str, value: object) -> object:
    """A snapshot value back in the type its field holds."""
    if value is None:
        return None
    field = model._meta.fields[name]
    if isinstance(field, DateTimeField):
        return dt.datetime.fromisoformat(str(value))
    if isinstance(field, DateField):
        return dt.date.fromisoformat(str(value))
    if isinstance(field, DecimalField):
        return Decimal(str(value))
    return value


def snapshot(obj: Model, fields: Iterable[str] | None = None) -> dict[str, object]:
    """Field values of a row as JSON-ready data (foreign keys as ids)."""
    data: Mapping[str, Any] = obj.__data__
    model_fields = obj._meta.fields
    names = list(fields) if fields is not None else list(model_fields)
    out: dict[str, object] = {}
    for name in names:
        value = data.get(name)
        field = model_fields.get(name)
        if isinstance(field, DecimalField) and value is not None:
            # SQLite hands back 120000 for 120000.00: store one spelling of each amount.
            value = Decimal(str(value)).quantize(Decimal(10) ** -field.decimal_places)
        out[name] = to_json(value)
    return out


def account_of(obj: Model) -> int | None:
    if isinstance(obj, Account):
        return obj.id
    value = obj.__data__.get("account")
    return int(value) if value is not None else None


class Change:
    """The rows one user action touched, recorded as it goes."""

    def __init__(self, ctx: Ctx, action: str, *, change_id: str | None = None) -> None:
        self.ctx = ctx
        self.action = action
        self.id = change_id or uuid.uuid4().hex
        self.accounts: set[int] = set()
        self.search_accounts: set[int] = set()
        self.derived_unchanged = False
        """Set by a writer whose change no derived column depends on (who holds a follow-up):
        the accounts are locked, and their refresh at the end is skipped."""
        self.kept_touches: set[int] = set()
        """Accounts whose activities this change has not written (see `keep_touches`)."""
        self.entries: list[AuditEntry] = []
        self.band_changes: dict[int, tuple[str, str]] = {}
        """Accounts whose health band this change moved: id -> (band before, band after)."""

    def lock(self, account_id: int) -> None:
        """Hold the account row for the rest of the transaction (PostgreSQL row lock;
        SQLite already serialises writers with BEGIN IMMEDIATE)."""
        from acct_tui.db import is_postgres

        if is_postgres():
            Account.select(Account.id).where(Account.id == account_id).for_update().execute()
        self.accounts.add(account_id)

    def lock_many(self, account_ids: Iterable[int]) -> None:
        """`lock` for many accounts: in id order (as every writer takes them), a statement per 500."""
        from acct_tui.db import is_postgres
        from acct_tui.services.store.rows import id_in

        wanted = sorted(set(account_ids) - self.accounts)
        if is_postgres():
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                Account.select(Account.id).where(id_in(Account.id, chunk)).order_by(Account.id).for_update().execute()
        self.accounts.update(wanted)

    def touch(self, account_id: int | None, *, search: bool = False) -> None:
        if account_id is None:
            return
        self.accounts.add(account_id)
        if search:
            self.search_accounts.add(account_id)

    def keep_touches(self, account_ids: Iterable[int]) -> None:
        """Say that this change writes no activity on these accounts: their refresh at the end keeps
        the stored last touch instead of reading every activity again (a bulk snooze of 10k rows).
        An activity recorded through this change later still counts."""
        self.kept_touches.update(account_ids)

    def _entry(
        self,
        obj: Model,
        action: str,
        before: Mapping[str, object] | None,
        after: Mapping[str, object] | None,
        summary: str,
    ) -> AuditEntry:
        account_id = account_of(obj)
        self.touch(account_id)
        if obj._meta.table_name == "activity":
            self.kept_touches.discard(account_id or 0)
        entry = AuditEntry.create(
            change_id=self.id,
            session_id=self.ctx.session_id,
            at=self.ctx.now(),
            agent=self.ctx.agent.id,
            account=account_id,
            entity=obj._meta.table_name,
            entity_id=obj.get_id(),
            action=action,
            summary=summary[:240],
            before=json.dumps(before, sort_keys=True, ensure_ascii=False) if before is not None else "",
            after=json.dumps(after, sort_keys=True, ensure_ascii=False) if after is not None else "",
        )
        self.entries.append(entry)
        return entry

    def created(self, obj: Model, summary: str, action: str = "create") -> None:
        self._entry(obj, action, None, snapshot(obj), summary)

    def updated(self, obj: Model, before: Mapping[str, object], summary: str, action: str = "update") -> None:
        """Record the fields in `before` (their old values) against their values now."""
        after = snapshot(obj, before.keys())
        if dict(before) == after:
            return
        self._entry(obj, action, dict(before), after, summary)

    def deleted(self, obj: Model, summary: str, action: str = "delete") -> None:
        self._entry(obj, action, snapshot(obj), None, summary)
