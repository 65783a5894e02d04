"""Carrying out the verbs on an account's records: products bought, contacts, a concern's resolution.

The same services as the client detail's keys, so `acct-tui product add`,
the `:` prompt and the Products pane write the same rows and audit entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acct_tui.services.context import Ctx
from acct_tui.services.grammar import targets as T
from acct_tui.services.grammar.outcome import Outcome
from acct_tui.services.grammar.syntax import Command, CommandError
from acct_tui.services.reads.detail import account_name
from acct_tui.services.writes import accounts, products

_PRODUCT_OPTIONS = {
    "product": "product",
    "quantity": "quantity",
    "price": "unit_price",
    "currency": "currency",
    "start": "start_on",
    "renewal": "renewal_on",
    "end": "end_on",
    "notes": "notes",
    "external_id": "external_id",
}


def _product_values(args: Mapping[str, Any]) -> dict[str, object]:
    return {field: args[option] for option, field in _PRODUCT_OPTIONS.items() if args.get(option) is not None}


def _none_left(rest: list[str], verb: str) -> None:
    if rest:
        raise CommandError(f"{verb} takes an id and options only (got {' '.join(rest)!r})")


def product_add(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    values = _product_values(command.args) | {"product": T.text(rest, "product's name")}
    sub = products.add_subscription(ctx, account_id, values)
    name = account_name(ctx, account_id)
    return _outcome(f"Added {values['product']} to {name} (line #{sub})", {"subscription_id": sub}, wrote=True)


def product_edit(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    sub, rest = T.record_id(words, "product line (see acct-tui product list ACCOUNT)")
    _none_left(rest, "product edit")
    values = _product_values(command.args)
    if not values:
        raise CommandError("say what to change: --quantity, --price, --start, --renewal, --end, --product, --notes")
    version = products.edit_subscription(ctx, sub, values)
    return _outcome(
        f"Saved {', '.join(sorted(values))} on line #{sub}",
        {"subscription_id": sub, "version": version},
        wrote=True,
    )


def product_end(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    sub, rest = T.record_id(words, "product line (see acct-tui product list ACCOUNT)")
    _none_left(rest, "product end")
    day = products.end_subscription(ctx, sub, command.args.get("on") or "today")
    return _outcome(f"Line #{sub} ends {day:%a %d %b %Y}", {"subscription_id": sub, "end_on": day}, wrote=True)


def product_list(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, _rest = T.account_target(ctx, command, words, fuzzy=True)
    rows = products.list_subscriptions(ctx, account_id)
    name = account_name(ctx, account_id)
    data = {
        "account_id": account_id,
        "products": [
            {
                "id": r.id,
                "product": r.product,
                "quantity": r.quantity,
                "unit_price": r.unit_price,
                "currency": r.currency,
                "start_on": r.start_on,
                "renewal_on": r.renewal_on,
                "end_on": r.end_on,
                "status": r.status,
                "notes": r.notes,
            }
            for r in rows
        ],
    }
    lines = [f"{name}: {len(rows)} product line{'s' if len(rows) != 1 else ''}"]
    for r in rows:
        dates = " · ".join(
            part
            for part in (
                f"since {r.start_on:%d %b %Y}" if r.start_on else "",
                f"renews {r.renewal_on:%d %b %Y}" if r.renewal_on else "",
                r.state(ctx.today) if r.end_on else "",
            )
            if part
        )
        lines.append(f"#{r.id:<6} {r.product[:40]:<40} {r.quantity:>6} × {r.unit_price:,.2f} {r.currency}  {dates}")
    return _outcome(lines[0], data, text="\n".join(lines))


def contact_edit(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    cid, rest = T.record_id(words, "contact")
    _none_left(rest, "contact edit")
    a = command.args
    values: dict[str, object] = {k: a[k] for k in ("name", "role", "email", "phone") if a.get(k) is not None}
    if a.get("primary") is not None:
        values["is_primary"] = bool(a["primary"])
    if not values:
        raise CommandError("say what to change: --name, --role, --email, --phone, --primary / --no-primary")
    version = accounts.edit_contact(ctx, cid, values)
    return _outcome(
        f"Saved {', '.join(sorted(values))} on contact #{cid}", {"contact_id": cid, "version": version}, wrote=True
    )


def contact_remove(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    cid, rest = T.record_id(words, "contact")
    _none_left(rest, "contact remove")
    accounts.remove_contact(ctx, cid)
    return _outcome(f"Removed contact #{cid} (undo brings them back)", {"contact_id": cid}, wrote=True)


def concern_resolve(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    concern_id, rest = T.record_id(words, "concern")
    note = command.args.get("note")
    if note is not None and rest:
        raise CommandError("give the note as words or with --note, not both")
    resolution = note if note is not None else " ".join(rest)
    accounts.resolve_concern(ctx, concern_id, resolution)
    return _outcome(f"Resolved concern #{concern_id}", {"concern_id": concern_id, "resolution": resolution}, wrote=True)


def _outcome(message: str, data: dict[str, Any], *, wrote: bool = False, text: str = "") -> Outcome:
    return Outcome(message, data, wrote=wrote, text=text)


RUNNERS = {
    "product add": product_add,
    "product edit": product_edit,
    "product end": product_end,
    "product list": product_list,
    "contact edit": contact_edit,
    "contact remove": contact_remove,
    "concern resolve": concern_resolve,
}
