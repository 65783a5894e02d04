"""Importing contacts: people at an account, matched by external id, then email, then name.

A file may mark one primary contact per account; marking one clears the
account's previous primary in the same import. An account's first contact
becomes its primary when nothing says otherwise, as it does in the app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from acct_tui.models import Contact
from acct_tui.services.context import Ctx
from acct_tui.services.domain import validation as v
from acct_tui.services.domain.fields import _bool
from acct_tui.services.io.imports.base import ImportOptions, Op, Plan, Row, RowErrors, chunked, clean_cells, dict_rows
from acct_tui.services.io.imports.columns import ColumnMap
from acct_tui.services.io.imports.refs import AccountBook, resolve_account
from acct_tui.services.store.unit import to_json

EDITABLE = ("name", "role", "email", "phone", "is_primary", "external_id")


def clean(
    ctx: Ctx,
    rows: Sequence[Row],
    columns: ColumnMap,
    options: ImportOptions,
    errors: RowErrors,
    progress: Callable[[int], None] | None = None,
) -> None:
    cleaners: dict[str, Callable[[str], Any]] = {
        "external_id": lambda raw: v.clean_text(raw, "external_id", max_len=120),
        "name": lambda raw: v.clean_text(raw, "name", max_len=160),
        "first_name": lambda raw: v.clean_text(raw, "first_name", max_len=80),
        "last_name": lambda raw: v.clean_text(raw, "last_name", max_len=80),
        "email": lambda raw: v.email(raw),
        "phone": lambda raw: v.phone(raw),
        "role": lambda raw: v.clean_text(raw, "role", max_len=120),
        "is_primary": lambda raw: _bool(raw, ctx.today),
        "account": lambda raw: v.clean_text(raw, "account", max_len=200),
        "account_external_id": lambda raw: v.clean_text(raw, "account_external_id", max_len=120),
    }
    clean_cells(rows, columns, cleaners, errors, progress)
    for row in rows:
        values = row.values
        first, last = values.pop("first_name", ""), values.pop("last_name", "")
        if "name" not in values and (first or last):
            joined = " ".join(part for part in (first, last) if part)
            if len(joined) > 160:
                errors.add(
                    row.line,
                    columns.column("last_name" if last else "first_name"),
                    "the full name is over 160 characters",
                )
            values["name"] = joined
        if not values.get("name") and row.line not in errors.lines:
            column = next(columns.column(n) for n in ("name", "first_name", "last_name") if columns.has(n))
            errors.add(row.line, column, "is required (a contact needs a name)")


def plan(ctx: Ctx, rows: Sequence[Row], columns: ColumnMap, options: ImportOptions, errors: RowErrors) -> Plan:
    book = AccountBook.load(ctx)
    resolved: list[tuple[Row, int]] = []
    for row in rows:
        account_id = resolve_account(book, row, columns, errors)
        if account_id is not None:
            resolved.append((row, account_id))
    accounts = sorted({account_id for _row, account_id in resolved})
    existing: dict[int, dict[str, Any]] = {}
    by_external: dict[str, int] = {}
    by_email: dict[tuple[int, str], int] = {}
    by_name: dict[tuple[int, str], list[int]] = {}
    primary: dict[int, int] = {}
    for chunk in chunked(accounts):
        for record in dict_rows(Contact.select().where(Contact.account.in_(list(chunk)))):
            existing[record["id"]] = record
            if record["email"]:
                by_email[(record["account"], record["email"].casefold())] = record["id"]
            by_name.setdefault((record["account"], record["name"].casefold()), []).append(record["id"])
            if record["is_primary"]:
                primary[record["account"]] = record["id"]
    external_ids = [str(r.values["external_id"]) for r, _a in resolved if r.values.get("external_id")]
    for chunk in chunked(external_ids):
        for record in dict_rows(Contact.select().where(Contact.external_id.in_(list(chunk)))):
            by_external[record["external_id"]] = record["id"]
            existing.setdefault(record["id"], record)

    result = Plan()
    seen: dict[tuple[Any, ...], int] = {}
    claimed: dict[int, int] = {}
    primary_line: dict[int, int] = {}
    now = ctx.now()
    for row, account_id in resolved:
        values = row.values
        key = _key(values, account_id)
        if key in seen:
            errors.add(row.line, _column(columns, key[0]), f"the same contact as line {seen[key]}")
            continue
        seen[key] = row.line
        target = _match(values, account_id, by_external, by_email, by_name)
        if isinstance(target, str):
            errors.add(row.line, _column(columns, "external_id"), target)
            continue
        if target is not None and existing[target]["account"] != account_id:
            errors.add(row.line, _column(columns, "external_id"), "is a contact of another account")
            continue
        if target is not None and target in claimed:
            errors.add(row.line, _column(columns, key[0]), f"is the same contact as line {claimed[target]}")
            continue
        if values.get("is_primary"):
            if account_id in primary_line:
                errors.add(
                    row.line,
                    columns.column("is_primary"),
                    f"line {primary_line[account_id]} is already this account's primary contact",
                )
                continue
            primary_line[account_id] = row.line
        if target is None:
            data = {"account": account_id, "name": values["name"], "role": values.get("role", ""),
                    "email": values.get("email", ""), "phone": values.get("phone", ""),
                    "is_primary": bool(values.get("is_primary", False)),
                    "external_id": values.get("external_id") or None, "created_at": now, "version": 1}  # fmt: skip
            result.creates.append(
                Op(row.line, "create", data, account_id=account_id, label=f"imported contact {data['name']}")
            )
            result.refresh.add(account_id)
            result.refresh_search.add(account_id)
            continue
        claimed[target] = row.line
        if not options.update_existing:
            result.existing_skipped += 1
            continue
        current = existing[target]
        changes = {n: val for n, val in values.items() if n in EDITABLE and to_json(val) != to_json(current.get(n))}
        if not changes:
            result.unchanged += 1
            continue
        before = {n: to_json(current.get(n)) for n in changes}
        label = f"import updated {current['name']}: {', '.join(sorted(changes))}"
        result.updates.append(
            Op(row.line, "update", changes, record_id=target, before=before, account_id=account_id, label=label)
        )
        result.refresh.add(account_id)
        result.refresh_search.add(account_id)
    _settle_primaries(result, primary, primary_line, existing)
    return result


def _key(values: dict[str, Any], account_id: int) -> tuple[Any, ...]:
    if values.get("external_id"):
        return ("external_id", values["external_id"])
    if values.get("email"):
        return ("email", account_id, str(values["email"]).casefold())
    return ("name", account_id, str(values["name"]).casefold())


def _column(columns: ColumnMap, name: str) -> str:
    for candidate in (name, "name", "first_name", "last_name"):
        if columns.has(candidate):
            return columns.column(candidate)
    return name


def _match(
    values: dict[str, Any],
    account_id: int,
    by_external: dict[str, int],
    by_email: dict[tuple[int, str], int],
    by_name: dict[tuple[int, str], list[int]],
) -> int | str | None:
    external_id = values.get("external_id")
    if external_id and external_id in by_external:
        return by_external[external_id]
    email = values.get("email")
    if email and (account_id, email.casefold()) in by_email:
        return by_email[(account_id, email.casefold())]
    named = by_name.get((account_id, str(values["name"]).casefold()), [])
    if len(named) > 1:
        return f"{len(named)} contacts of this account are named {values['name']!r}; add an email or id column"
    return named[0] if named else None


def _settle_primaries(
    result: Plan, primary: dict[int, int], primary_line: dict[int, int], existing: dict[int, Any]
) -> None:
    """One primary per account: a new primary demotes the old; a first contact becomes primary."""
    updated = {op.record_id: op for op in result.updates}
    for account_id, line in primary_line.items():
        old = primary.get(account_id)
        chosen = next((op for op in (*result.creates, *result.updates) if op.line == line), None)
        if old is None or chosen is None or chosen.record_id == old:
            continue
        if old in updated:
            if updated[old].values.get("is_primary") is False:
                continue
            updated[old].values["is_primary"] = False
            updated[old].before.setdefault("is_primary", True)
            continue
        result.updates.append(Op(0, "update", {"is_primary": False}, record_id=old, before={"is_primary": True},
                                 account_id=account_id, label=f"{existing[old]['name']} no longer primary"))  # fmt: skip
    has_primary = set(primary) | set(primary_line)
    for op in result.creates:
        account_id = int(op.account_id or 0)
        if account_id not in has_primary:
            op.values["is_primary"] = True
            has_primary.add(account_id)


CREATE_FIELDS = ("account", "name", "role", "email", "phone", "is_primary", "external_id", "created_at", "version")


def write(ctx: Ctx, result: Plan, change_id: str, progress: Callable[[int], None] | None = None) -> None:
    from acct_tui.services.io.imports.write import apply_updates, audit, insert_creates, reserve_ids

    for op, contact_id in zip(result.creates, reserve_ids(Contact, len(result.creates)), strict=True):
        op.record_id = contact_id
    insert_creates(Contact, result.creates, CREATE_FIELDS, progress)
    apply_updates(Contact, result.updates, ctx.now())
    audit(ctx, change_id, Contact, [*result.creates, *result.updates], ("account", *EDITABLE))
