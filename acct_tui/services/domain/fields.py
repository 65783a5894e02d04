"""Field rules shared by forms, the command line and imports.

Each entity's fields map to one cleaning function `(raw, today) -> value`
that raises `ValidationError` naming the field. A form checks a field as it
is typed with `check_field`; a service cleans a whole record with `clean`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from acct_tui.services.domain import validation as v
from acct_tui.services.domain.dates import parse_date, parse_recurrence
from acct_tui.services.errors import ValidationError
from acct_tui.vocab import (
    ActivityKind,
    Direction,
    FollowUpKind,
    OpportunityKind,
    OpportunityStage,
    Priority,
    Severity,
    Stage,
    Tier,
)

Cleaner = Callable[[object, dt.date], Any]


def _text(name: str, max_len: int = 200, *, required: bool = False, multiline: bool = False) -> Cleaner:
    return lambda raw, _today: v.clean_text(raw, name, max_len=max_len, required=required, multiline=multiline)


def _optional_date(name: str) -> Cleaner:
    def clean(raw: object, today: dt.date) -> dt.date | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return parse_date(raw, today, name)

    return clean


def _date(name: str) -> Cleaner:
    return lambda raw, today: parse_date(raw, today, name)


def _enum(name: str, enum: Any) -> Cleaner:
    return lambda raw, _today: v.choice(raw, enum, name).value


def _bool(raw: object, _today: dt.date) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw or "").strip().lower() in ("1", "y", "yes", "true", "on", "x")


ACCOUNT: dict[str, Cleaner] = {
    "name": _text("name", 200, required=True),
    "tier": _enum("tier", Tier),
    "industry": _text("industry", 80),
    "arr": lambda raw, _t: v.money(raw, "arr"),
    "currency": lambda raw, _t: v.currency(raw, "currency"),
    "stage": _enum("stage", Stage),
    "renewal_on": _optional_date("renewal_on"),
    "satisfaction": lambda raw, _t: v.integer(raw, "satisfaction", low=0, high=10, required=False),
    "notes": _text("notes", 5000, multiline=True),
    "domain": lambda raw, _t: v.domain(raw, "domain"),
    "external_id": lambda raw, _t: v.clean_text(raw, "external_id", max_len=120) or None,
}

CONTACT: dict[str, Cleaner] = {
    "name": _text("name", 160, required=True),
    "role": _text("role", 120),
    "email": lambda raw, _t: v.email(raw, "email"),
    "phone": lambda raw, _t: v.phone(raw, "phone"),
    "is_primary": _bool,
}

ACTIVITY: dict[str, Cleaner] = {
    "kind": _enum("kind", ActivityKind),
    "direction": _enum("direction", Direction),
    "summary": _text("summary", 200, required=True),
    "body": _text("body", 20000, multiline=True),
    "outcome": _text("outcome", 200),
}

FOLLOWUP: dict[str, Cleaner] = {
    "title": _text("title", 200, required=True),
    "kind": _enum("kind", FollowUpKind),
    "due_on": _date("due_on"),
    "priority": _enum("priority", Priority),
    "recurrence": lambda raw, _t: parse_recurrence(raw, "recurrence"),
    "notes": _text("notes", 5000, multiline=True),
}

CONCERN: dict[str, Cleaner] = {
    "title": _text("title", 200, required=True),
    "severity": _enum("severity", Severity),
    "detail": _text("detail", 5000, multiline=True),
    "ticket_ref": _text("ticket_ref", 80),
    "resolution": _text("resolution", 2000, multiline=True),
}

OPPORTUNITY: dict[str, Cleaner] = {
    "title": _text("title", 200, required=True),
    "kind": _enum("kind", OpportunityKind),
    "stage": _enum("stage", OpportunityStage),
    "amount": lambda raw, _t: v.money(raw, "amount"),
    "currency": lambda raw, _t: v.currency(raw, "currency"),
    "expected_close": _optional_date("expected_close"),
    "notes": _text("notes", 5000, multiline=True),
}

SUBSCRIPTION: dict[str, Cleaner] = {
    "product": _text("product", 120, required=True),
    "quantity": lambda raw, _t: v.integer(raw, "quantity", low=1, high=10_000_000),
    "unit_price": lambda raw, _t: v.money(raw, "unit_price"),
    "currency": lambda raw, _t: v.currency(raw, "currency"),
    "start_on": _optional_date("start_on"),
    "renewal_on": _optional_date("renewal_on"),
    "end_on": _optional_date("end_on"),
    "notes": _text("notes", 5000, multiline=True),
    "external_id": lambda raw, _t: v.clean_text(raw, "external_id", max_len=120) or None,
}

ENTITIES: dict[str, dict[str, Cleaner]] = {
    "account": ACCOUNT,
    "contact": CONTACT,
    "activity": ACTIVITY,
    "followup": FOLLOWUP,
    "concern": CONCERN,
    "opportunity": OPPORTUNITY,
    "subscription": SUBSCRIPTION,
}


def check_field(entity: str, name: str, raw: object, today: dt.date) -> Any:
    """Clean one field as a form types it; raises ValidationError."""
    return ENTITIES[entity][name](raw, today)


def clean(rules: Mapping[str, Cleaner], raw: Mapping[str, object], today: dt.date) -> dict[str, Any]:
    """Clean the given fields; unknown names are a mistake of the caller."""
    unknown = set(raw) - set(rules)
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(sorted(unknown))}")
    return {name: rules[name](value, today) for name, value in raw.items()}
