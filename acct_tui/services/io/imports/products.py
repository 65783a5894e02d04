"""Importing products bought: a CRM's assets, subscriptions or opportunity line items.

A row names its account (by the CRM's account id or the name), a product,
and optionally quantity, unit price, currency and start / renewal / end
dates. The product is one of the catalogue's whatever its case, or a new one
added with the import. A row matches an existing line by external id, else
by account and product (when the account holds that product once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from acct_tui.models import Product, Subscription
from acct_tui.services.context import Ctx
from acct_tui.services.domain import validation as v
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.base import (
    ImportOptions,
    Op,
    Plan,
    Row,
    RowErrors,
    cell,
    chunked,
    clean_cells,
    dict_rows,
    tuple_rows,
)
from acct_tui.services.io.imports.columns import ColumnMap
from acct_tui.services.io.imports.refs import AccountBook, resolve_account
from acct_tui.services.io.imports.values import (
    currency_of,
    detect_date_order,
    detect_decimal_mark,
    parse_amount_cell,
    parse_date_cell,
)
from acct_tui.services.store.unit import to_json
from acct_tui.vocab import SubscriptionStatus

EDITABLE = ("product", "quantity", "unit_price", "currency", "start_on", "renewal_on", "end_on", "notes",
            "external_id")  # fmt: skip
DATES = ("start_on", "renewal_on", "end_on")
_ENDED_WORDS = {"cancelled", "canceled", "ended", "expired", "inactive", "churned", "terminated", "obsolete"}


def _quantity(raw: str) -> int:
    text = raw.strip().replace(",", "").replace("_", "")
    if text.endswith(".0") or text.endswith(".00"):  # spreadsheets write 5 as 5.00
        text = text.split(".")[0]
    number = v.integer(text, "quantity", low=1, high=10_000_000)
    assert number is not None
    return number


def clean(
    ctx: Ctx,
    rows: Sequence[Row],
    columns: ColumnMap,
    options: ImportOptions,
    errors: RowErrors,
    progress: Callable[[int], None] | None = None,
) -> None:
    date_columns = {}
    for name in DATES:
        if not columns.has(name):
            continue
        try:
            date_columns[name] = detect_date_order(
                ((r.line, c) for r in rows if (c := cell(r, columns, name)).strip()),
                columns.column(name),
                options.date_order,
            )
        except ValidationError as exc:
            errors.add(0, columns.column(name), exc.message, fatal=True)
            return
    mark = None
    if columns.has("unit_price"):
        try:
            mark = detect_decimal_mark(
                ((r.line, c) for r in rows if (c := cell(r, columns, "unit_price")).strip()),
                columns.column("unit_price"),
            )
        except ValidationError as exc:
            errors.add(0, columns.column("unit_price"), exc.message, fatal=True)
            return

    def price(raw: str) -> tuple[Any, str | None]:
        return parse_amount_cell(raw, mark, "unit_price")

    def date_cleaner(name: str) -> Callable[[str], Any]:
        return lambda raw: parse_date_cell(raw, date_columns[name], name)

    cleaners: dict[str, Callable[[str], Any]] = {
        "external_id": lambda raw: v.clean_text(raw, "external_id", max_len=120),
        "product": lambda raw: v.clean_text(raw, "product", max_len=120),
        "sku": lambda raw: v.clean_text(raw, "sku", max_len=40),
        "quantity": _quantity,
        "unit_price": price,
        "currency": lambda raw: v.currency(raw),
        "status": lambda raw: v.clean_text(raw, "status", max_len=40).casefold(),
        "notes": lambda raw: v.clean_text(raw, "notes", max_len=5000, multiline=True),
        "account": lambda raw: v.clean_text(raw, "account", max_len=200),
        "account_external_id": lambda raw: v.clean_text(raw, "account_external_id", max_len=120),
        **{name: date_cleaner(name) for name in date_columns},
    }
    clean_cells(rows, columns, cleaners, errors, progress)
    for row in rows:
        values = row.values
        if "unit_price" in values:
            amount, code = values.pop("unit_price")
            values["unit_price"] = amount
            if "currency" not in values and currency_of(code):
                values["currency"] = currency_of(code)
        status = values.pop("status", "")
        if row.line in errors.lines:
            continue
        if not values.get("product"):
            errors.add(row.line, columns.column("product"), "is required (which product was bought)")
            continue
        start, end = values.get("start_on"), values.get("end_on")
        if start is not None and end is not None and end < start:
            errors.add(row.line, columns.column("end_on"), f"ends before it starts ({start:%d %b %Y})")
            continue
        if status in _ENDED_WORDS and end is None:
            values["end_on"] = ctx.today  # a CRM said it is over without saying when: from today


def plan(ctx: Ctx, rows: Sequence[Row], columns: ColumnMap, options: ImportOptions, errors: RowErrors) -> Plan:
    book = AccountBook.load(ctx)
    catalogue = {str(name).casefold(): int(pid) for pid, name in tuple_rows(Product.select(Product.id, Product.name))}
    resolved: list[tuple[Row, int]] = []
    for row in rows:
        account_id = resolve_account(book, row, columns, errors)
        if account_id is not None:
            resolved.append((row, account_id))
    existing: dict[int, dict[str, Any]] = {}
    by_external: dict[str, int] = {}
    by_product: dict[tuple[int, int], list[int]] = {}
    currency_of_account: dict[int, str] = {}
    from acct_tui.models import Account

    for chunk in chunked(sorted({a for _r, a in resolved})):
        for record in dict_rows(Subscription.select().where(Subscription.account.in_(list(chunk)))):
            existing[record["id"]] = record
            by_product.setdefault((record["account"], record["product"]), []).append(record["id"])
            if record["external_id"]:
                by_external[record["external_id"]] = record["id"]
        for account_id, currency in tuple_rows(
            Account.select(Account.id, Account.currency).where(Account.id.in_(list(chunk)))
        ):
            currency_of_account[int(account_id)] = str(currency)
    wanted = [str(r.values["external_id"]) for r, _a in resolved if r.values.get("external_id")]
    for chunk in chunked(wanted):
        for record in dict_rows(Subscription.select().where(Subscription.external_id.in_(list(chunk)))):
            existing.setdefault(record["id"], record)
            by_external[record["external_id"]] = record["id"]

    result = Plan()
    seen: dict[tuple[Any, ...], int] = {}
    new_products: dict[str, str] = {}
    now = ctx.now()
    for row, account_id in resolved:
        values = row.values
        name = str(values["product"])
        product_id = catalogue.get(name.casefold())
        if product_id is None:
            new_products.setdefault(name.casefold(), name)
        natural: tuple[Any, ...] = ("product", account_id, name.casefold())
        key = ("external_id", values["external_id"]) if values.get("external_id") else natural
        if key in seen:
            errors.add(row.line, columns.column("product"), f"the same product line as line {seen[key]}")
            continue
        seen[key] = row.line
        target = by_external.get(values.get("external_id") or "")
        if target is None and product_id is not None and not values.get("external_id"):
            lines = by_product.get((account_id, product_id), [])
            if len(lines) > 1:
                errors.add(row.line, columns.column("product"),
                           f"the account holds {name!r} {len(lines)} times; add an id column to choose")  # fmt: skip
                continue
            target = lines[0] if lines else None
        if target is not None and existing[target]["account"] != account_id:
            errors.add(row.line, columns.column("external_id"), "is a product line of another account")
            continue
        if target is None:
            end_on = values.get("end_on")
            data = {
                "account": account_id, "product": product_id, "product_name": name, "product_sku": values.get("sku", ""),
                "quantity": values.get("quantity", 1), "unit_price": values.get("unit_price", 0),
                "currency": values.get("currency") or currency_of_account.get(account_id, "USD"),
                "start_on": values.get("start_on"), "renewal_on": values.get("renewal_on"), "end_on": end_on,
                "status": _status(end_on, ctx),
                "notes": values.get("notes", ""), "external_id": values.get("external_id") or None,
                "created_at": now, "version": 1,
            }  # fmt: skip
            result.creates.append(Op(row.line, "create", data, account_id=account_id, label=f"imported product {name}"))
            result.refresh.add(account_id)
            continue
        if not options.update_existing:
            result.existing_skipped += 1
            continue
        current = existing[target]
        incoming = {n: val for n, val in values.items() if n in EDITABLE and n != "product"}
        if product_id is not None and product_id != current["product"]:
            incoming["product"] = product_id
        changes = {n: val for n, val in incoming.items() if _same(val) != _same(current.get(n))}
        if not changes:
            result.unchanged += 1
            continue
        before = {n: _same(current.get(n)) for n in changes}
        if "end_on" in changes:
            changes["status"] = _status(changes["end_on"], ctx)
            before["status"] = current["status"]
        result.updates.append(Op(row.line, "update", changes, record_id=target, before=before, account_id=account_id,
                                 label=f"import updated product {name}"))  # fmt: skip
        result.refresh.add(account_id)
    if new_products:
        result.notes.append(f"new products for the catalogue: {', '.join(new_products.values())}")
    return result


def _same(value: Any) -> Any:
    """A value spelled one way for comparing: amounts with two decimals, dates as ISO text."""
    from decimal import Decimal

    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    return to_json(value)


def _status(end_on: Any, ctx: Ctx) -> str:
    if end_on is not None and end_on <= ctx.today:
        return SubscriptionStatus.CANCELLED.value
    return SubscriptionStatus.ACTIVE.value


CREATE_FIELDS = ("account", "product", "quantity", "unit_price", "currency", "start_on", "renewal_on", "end_on",
                 "status", "notes", "external_id", "created_at", "version")  # fmt: skip


def write(ctx: Ctx, result: Plan, change_id: str, progress: Callable[[int], None] | None = None) -> None:
    from acct_tui.services.io.imports.write import apply_updates, audit, insert_creates, reserve_ids

    # New catalogue names first (the catalogue is shared, like a picked name in the app: not undone with the import).
    catalogue = {str(name).casefold(): int(pid) for pid, name in tuple_rows(Product.select(Product.id, Product.name))}
    for op in result.creates:
        if op.values["product"] is None:
            name = str(op.values["product_name"])
            if name.casefold() not in catalogue:
                sku = str(op.values.get("product_sku") or "")
                catalogue[name.casefold()] = int(Product.create(name=name, sku=sku).id)
            op.values["product"] = catalogue[name.casefold()]
    for op, subscription_id in zip(result.creates, reserve_ids(Subscription, len(result.creates)), strict=True):
        op.record_id = subscription_id
    insert_creates(Subscription, result.creates, CREATE_FIELDS, progress)
    apply_updates(Subscription, result.updates, ctx.now())
    audit(ctx, change_id, Subscription, [*result.creates, *result.updates], ("account", *EDITABLE, "status"))
