"""Products an account bought: record, edit and end a subscription; list them.

Each write is one user action: one transaction with its audit entries, so
`z` undoes it. A product is named in plain words: an existing product is
picked whatever the case it is typed in, and a new name adds the product to
the catalogue. Ending a subscription keeps it (with its end date) so the
account's history of what it bought stays whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peewee import fn

from acct_tui.models import Product, Subscription
from acct_tui.services.context import Ctx
from acct_tui.services.domain import fields as F
from acct_tui.services.errors import Conflict, NotFound, ValidationError
from acct_tui.services.store.scope import require_account
from acct_tui.services.store.unit import Change, change, reading, snapshot
from acct_tui.vocab import SubscriptionStatus

EDITABLE = ("product", "quantity", "unit_price", "currency", "start_on", "renewal_on", "end_on", "notes")


@dataclass(frozen=True)
class ProductRow:
    """One subscription as the Products pane and `product list` show it."""

    id: int
    product: str
    quantity: int
    unit_price: Decimal
    currency: str
    start_on: dt.date | None
    renewal_on: dt.date | None
    status: str
    end_on: dt.date | None = None
    notes: str = ""
    version: int = 1

    def state(self, today: dt.date) -> str:
        """active, `ends 12 Mar 2027`, or ended: what the end date means today."""
        if self.end_on is None:
            return self.status
        if self.end_on <= today:
            return "ended"
        return f"ends {self.end_on:%d %b %Y}"

    @property
    def ended(self) -> bool:
        return self.end_on is not None


def subscription_rows(account_id: int) -> list[ProductRow]:
    """The account's subscriptions, current ones first, then by product (the caller checked scope)."""
    query = (
        Subscription.select(Subscription, Product)
        .join(Product)
        .where(Subscription.account == account_id)
        .order_by(Subscription.end_on.is_null(False), Product.name, Subscription.id)
    )
    return [
        ProductRow(
            s.id,
            s.product.name,
            int(s.quantity),
            Decimal(str(s.unit_price)).quantize(Decimal("0.01")),
            s.currency,
            s.start_on,
            s.renewal_on,
            s.status,
            s.end_on,
            s.notes or "",
            int(s.version or 1),
        )
        for s in query
    ]


def list_subscriptions(ctx: Ctx, account_id: int) -> list[ProductRow]:
    """What the account bought, if the agent may see it."""
    with reading():
        require_account(ctx.agent, account_id)
        return subscription_rows(account_id)


def product_names() -> list[str]:
    """The catalogue's product names, for a form's hint."""
    with reading():
        query: Any = Product.select(Product.name).order_by(Product.name).tuples()
        return [str(name) for (name,) in query]


def find_product(name: str) -> Product | None:
    """The catalogue's product of that name, case ignored."""
    found: Product | None = Product.get_or_none(fn.LOWER(Product.name) == name.strip().lower())
    return found


def _product_id(name: str) -> int:
    """An existing product (case ignored), or a new one in the catalogue."""
    found = find_product(name)
    if found is not None:
        return int(found.id)
    # The catalogue row is shared by every account: it is not part of this account's
    # change, so undoing the subscription leaves the name in the catalogue for next time.
    return int(Product.create(name=name.strip()).id)


def _status(end_on: dt.date | None, today: dt.date) -> str:
    if end_on is not None and end_on <= today:
        return SubscriptionStatus.CANCELLED.value
    return SubscriptionStatus.ACTIVE.value


def _check_dates(start_on: dt.date | None, end_on: dt.date | None) -> None:
    if start_on is not None and end_on is not None and end_on < start_on:
        raise ValidationError(f"ends before it starts ({start_on:%d %b %Y})", "end_on")


def _check_external(external_id: object, subscription_id: int | None) -> None:
    if not external_id:
        return
    clash = Subscription.get_or_none(Subscription.external_id == external_id)
    if clash is not None and clash.id != subscription_id:
        raise ValidationError(f"{external_id!r} is already the external id of another subscription", "external_id")


def add_subscription(ctx: Ctx, account_id: int, values: Mapping[str, object]) -> int:
    """Record a product the account bought; returns the subscription's id."""
    data = F.clean(F.SUBSCRIPTION, values, ctx.today)
    if not data.get("product"):
        raise ValidationError("is required", "product")
    data.setdefault("quantity", 1)
    data.setdefault("unit_price", Decimal("0.00"))
    _check_dates(data.get("start_on"), data.get("end_on"))
    with change(ctx, "product add") as ch:
        ch.lock(account_id)
        account = require_account(ctx.agent, account_id)
        data.setdefault("currency", account.currency)
        _check_external(data.get("external_id"), None)
        name = str(data.pop("product"))
        subscription = Subscription.create(
            account=account.id,
            product=_product_id(name),
            status=_status(data.get("end_on"), ctx.today),
            created_at=ctx.now(),
            **data,
        )
        ch.created(subscription, f"added product {_name_of(subscription)} × {subscription.quantity}")
        return int(subscription.id)


def _name_of(subscription: Subscription) -> str:
    return str(Product.get_by_id(subscription.__data__["product"]).name)


def _load(ctx: Ctx, ch: Change, subscription_id: int) -> Subscription:
    subscription: Subscription | None = Subscription.get_or_none(Subscription.id == subscription_id)
    if subscription is None:
        raise NotFound(f"product line {subscription_id} not found")
    account_id = int(subscription.__data__["account"])
    ch.lock(account_id)
    require_account(ctx.agent, account_id, missing=f"product line {subscription_id} not found")
    return subscription


def subscription_values(subscription: Subscription) -> dict[str, object]:
    """The editable fields as the form and a conflict show them (the product by name)."""
    values = snapshot(subscription, [n for n in EDITABLE if n != "product"])
    values["product"] = _name_of(subscription)
    return values


def edit_subscription(
    ctx: Ctx,
    subscription_id: int,
    changes: Mapping[str, object],
    *,
    version: int | None = None,
) -> int:
    """Save the fields that changed; returns the new version.

    With `version` (what the form read), a save someone made since is a
    Conflict and nothing is written.
    """
    data = F.clean(F.SUBSCRIPTION, changes, ctx.today)
    with change(ctx, "product edit") as ch:
        subscription = _load(ctx, ch, subscription_id)
        if version is not None and subscription.version != version:
            raise Conflict(
                f"{_name_of(subscription)} was changed by someone else since you opened it",
                theirs=subscription_values(subscription),
                version=subscription.version,
            )
        if "product" in data:
            wanted = str(data.pop("product"))
            found = find_product(wanted)
            if found is None or found.id != subscription.__data__["product"]:
                data["product"] = _product_id(wanted)
        if "external_id" in data:
            _check_external(data["external_id"], subscription_id)
        current = snapshot(subscription, list(data))
        changed = {k: val for k, val in data.items() if snapshot_value(subscription, k, val) != current.get(k)}
        if not changed:
            return int(subscription.version)
        _check_dates(changed.get("start_on", subscription.start_on), changed.get("end_on", subscription.end_on))
        before = snapshot(subscription, [*changed, "status"])
        for name, value in changed.items():
            setattr(subscription, name, value)
        subscription.status = _status(subscription.end_on, ctx.today)
        subscription.version += 1
        subscription.save()
        names = ", ".join(sorted(changed))
        ch.updated(subscription, before, f"{_name_of(subscription)}: edited {names}")
        return int(subscription.version)


def snapshot_value(subscription: Subscription, name: str, value: object) -> object:
    """`value` spelled as a snapshot of the field would spell it (so 5 and 5.00 are one price)."""
    probe: Any = Subscription(**{name: value})
    return snapshot(probe, [name])[name]


def end_subscription(ctx: Ctx, subscription_id: int, end_on: object = "today") -> dt.date:
    """End a subscription on a day (today by default); it stays listed as ended."""
    day: dt.date | None = F.SUBSCRIPTION["end_on"](end_on, ctx.today)
    if day is None:
        raise ValidationError("give the day it ends: today, a date", "end_on")
    with change(ctx, "product end") as ch:
        subscription = _load(ctx, ch, subscription_id)
        if subscription.end_on is not None and subscription.end_on <= ctx.today:
            raise ValidationError(f"this product already ended on {subscription.end_on:%d %b %Y}", "end_on")
        _check_dates(subscription.start_on, day)
        before = snapshot(subscription, ["end_on", "status"])
        subscription.end_on = day
        subscription.status = _status(day, ctx.today)
        subscription.version += 1
        subscription.save()
        ch.updated(subscription, before, f"ended product {_name_of(subscription)} on {day:%d %b %Y}", action="end")
        return day
