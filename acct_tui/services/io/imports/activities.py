"""Importing activities: calls, emails, meetings and notes from a CRM's history.

The CRM's words are read as ours ("Log a Call" is a call, an "Event" a
meeting, a "Task" a note). Without a type column the file's own column names
tell (a HubSpot calls export has "Call Title"), else rows are notes, which do
not reset the contact cadence. A row matches an existing activity by
external id, else by account, moment and summary, so a second import of
the same history adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from acct_tui.models import Activity, Contact
from acct_tui.services.context import Ctx
from acct_tui.services.domain import validation as v
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.base import ACTIVITY_CREATE_FIELDS as CREATE_FIELDS
from acct_tui.services.io.imports.base import ACTIVITY_EDITABLE as EDITABLE
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
from acct_tui.services.io.imports.owners import Owners
from acct_tui.services.io.imports.refs import AccountBook, resolve_account, short_id
from acct_tui.services.io.imports.touches import retire_covered
from acct_tui.services.io.imports.values import detect_date_order, parse_datetime_cell
from acct_tui.services.store.rows import as_datetime
from acct_tui.services.store.unit import to_json
from acct_tui.vocab import ActivityKind, Direction

_KIND_WORDS = {
    "log a call": "call", "phone": "call", "phone call": "call", "calls": "call", "call logged": "call",
    "e-mail": "email", "emails": "email", "sent email": "email", "list email": "email", "incoming email": "email",
    "forwarded email": "email", "email reply": "email",
    "event": "meeting", "meetings": "meeting", "appointment": "meeting", "visit": "meeting", "video call": "meeting",
    "task": "note", "todo": "note", "to do": "note", "to-do": "note", "other": "note", "notes": "note",
    "case": "support", "ticket": "support",
}  # fmt: skip
_DIRECTION_WORDS = {"in": "inbound", "incoming": "inbound", "incoming_email": "inbound", "received": "inbound",
                    "out": "outbound", "outgoing": "outbound", "sent": "outbound", "email": "outbound"}  # fmt: skip


def _kind(raw: str) -> str:
    word = " ".join(raw.strip().casefold().replace("_", " ").split())
    return _KIND_WORDS.get(word) or v.choice(word, ActivityKind, "kind").value


def _direction(raw: str) -> str:
    word = raw.strip().casefold()
    return _DIRECTION_WORDS.get(word) or v.choice(word, Direction, "direction").value


def _status(raw: str) -> str | None:
    """A task's status as open or done; a word we do not know keeps the row (None)."""
    from acct_tui.services.io.imports.followups import _status as task_status

    try:
        return task_status(raw)
    except ValidationError:
        return None


def _first_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= 200 else line[:199] + "…"


def clean(
    ctx: Ctx,
    rows: Sequence[Row],
    columns: ColumnMap,
    options: ImportOptions,
    errors: RowErrors,
    progress: Callable[[int], None] | None = None,
) -> None:
    date_column = None
    try:
        date_column = detect_date_order(
            ((r.line, c) for r in rows if (c := cell(r, columns, "occurred_at")).strip()),
            columns.column("occurred_at"),
            options.date_order,
        )
    except ValidationError as exc:
        errors.add(0, columns.column("occurred_at"), exc.message, fatal=True)
        return
    cleaners: dict[str, Callable[[str], Any]] = {
        "external_id": lambda raw: v.clean_text(raw, "external_id", max_len=120),
        "kind": _kind,
        "subtype": _kind,
        "summary": lambda raw: v.clean_text(raw, "summary", max_len=200),
        "body": lambda raw: v.clean_text(raw, "body", max_len=20000, multiline=True),
        "occurred_at": lambda raw: parse_datetime_cell(raw, date_column, "occurred_at"),
        "direction": _direction,
        "status": _status,
        "outcome": lambda raw: v.clean_text(raw, "outcome", max_len=200),
        "contact": lambda raw: v.clean_text(raw, "contact", max_len=254),
        "contact_external_id": lambda raw: v.clean_text(raw, "contact_external_id", max_len=120),
        "agent": lambda raw: v.clean_text(raw, "agent", max_len=120),
        "account": lambda raw: v.clean_text(raw, "account", max_len=200),
        "account_external_id": lambda raw: v.clean_text(raw, "account_external_id", max_len=120),
    }
    clean_cells(rows, columns, cleaners, errors, progress)
    latest = ctx.now() + dt.timedelta(days=1)
    default_kind = columns.implied_kind or ActivityKind.NOTE.value
    for row in rows:
        values = row.values
        if values.pop("status", None) == "open":
            # A Salesforce Task export holds planned tasks too: they are follow-ups, not history.
            values.clear()
            values["open_task"] = True
            continue
        subtype = values.pop("subtype", None)
        if subtype and "kind" not in values:  # a Salesforce task with no Type says Call or Email in TaskSubtype
            values["kind"] = subtype
        if not values.get("summary") and values.get("body"):
            values["summary"] = _first_line(values["body"])
        if not values.get("summary") and row.line not in errors.lines:
            column = columns.column("summary") if columns.has("summary") else columns.column("body")
            errors.add(row.line, column, "is required (an activity needs a subject or a body)")
        if "occurred_at" not in values and row.line not in errors.lines:
            errors.add(row.line, columns.column("occurred_at"), "is required (when did it happen?)")
        elif "occurred_at" in values and values["occurred_at"] > latest:
            errors.add(row.line, columns.column("occurred_at"), "is in the future; import planned work as followups")
        values.setdefault("kind", default_kind)
        internal = values["kind"] in (ActivityKind.NOTE.value, ActivityKind.HANDOFF.value)
        values.setdefault("direction", Direction.INTERNAL.value if internal else Direction.OUTBOUND.value)


def plan(ctx: Ctx, rows: Sequence[Row], columns: ColumnMap, options: ImportOptions, errors: RowErrors) -> Plan:
    open_tasks = sum(1 for row in rows if row.values.get("open_task"))
    rows = [row for row in rows if not row.values.get("open_task")]
    book = AccountBook.load(ctx)
    # Who logged an activity is history, not ownership: an unknown one is left empty (never refused).
    owners = Owners(ctx, options.owner_map, True, errors)
    resolved = [(row, a) for row in rows if (a := resolve_account(book, row, columns, errors)) is not None]
    accounts = sorted({a for _r, a in resolved})
    contacts_by_key: dict[tuple[int, str], int] = {}
    contacts_by_external: dict[str, tuple[int, int]] = {}
    existing: dict[int, dict[str, Any]] = {}
    by_moment: dict[tuple[int, dt.datetime | None, str], int] = {}
    by_external: dict[str, int] = {}
    for chunk in chunked(accounts):
        for contact_id, account_id, name, email, contact_external in tuple_rows(
            Contact.select(Contact.id, Contact.account, Contact.name, Contact.email, Contact.external_id).where(
                Contact.account.in_(list(chunk))
            )
        ):
            if contact_external:
                contacts_by_external[contact_external] = (contact_id, account_id)
                if (short := short_id(contact_external)) is not None:
                    contacts_by_external.setdefault(short, (contact_id, account_id))
            contacts_by_key.setdefault((account_id, name.casefold()), contact_id)
            if email:
                contacts_by_key.setdefault((account_id, email.casefold()), contact_id)
        for record in dict_rows(Activity.select().where(Activity.account.in_(list(chunk)))):
            existing[record["id"]] = record
            by_moment[(record["account"], as_datetime(record["occurred_at"]), record["summary"])] = record["id"]
            if record["external_id"]:
                by_external[record["external_id"]] = record["id"]
    wanted = [str(r.values["external_id"]) for r, _a in resolved if r.values.get("external_id")]
    for chunk in chunked(wanted):
        for record in dict_rows(Activity.select().where(Activity.external_id.in_(list(chunk)))):
            existing.setdefault(record["id"], record)
            by_external[record["external_id"]] = record["id"]

    result = ActivityPlan()
    seen: dict[tuple[Any, ...], int] = {}
    unknown_contacts = unknown_agents = 0
    now = ctx.now()
    for row, account_id in resolved:
        values = row.values
        key: tuple[Any, ...] = (
            ("external_id", values["external_id"]) if values.get("external_id")
            else ("moment", account_id, values["occurred_at"], values["summary"])
        )  # fmt: skip
        if key in seen:
            errors.add(row.line, "", f"the same activity as line {seen[key]}")
            continue
        seen[key] = row.line
        who = values.pop("contact_external_id", None)
        if who:  # the CRM id of a contact imported before (Salesforce's WhoId)
            found = contacts_by_external.get(who) or contacts_by_external.get(short_id(who) or "")
            if found is not None and found[1] == account_id:
                values["contact"] = found[0]
            elif not values.get("contact"):
                values["contact"] = None
                unknown_contacts += 1
        if isinstance(values.get("contact"), str):
            contact_id = contacts_by_key.get((account_id, values["contact"].casefold()))
            unknown_contacts += contact_id is None
            values["contact"] = contact_id
        if values.get("agent"):
            try:
                values["agent"] = owners.find(values["agent"])
            except ValidationError:
                del values["agent"]  # saved without one; an existing activity keeps its own
                unknown_agents += 1
        target = by_external.get(values.get("external_id") or "") or by_moment.get(
            (account_id, values["occurred_at"], values["summary"])
        )
        if target is not None and existing[target]["account"] != account_id:
            errors.add(row.line, columns.column("external_id"), "is an activity of another account")
            continue
        if target is None:
            data = {"account": account_id, "kind": values["kind"], "direction": values["direction"],
                    "occurred_at": values["occurred_at"], "agent": values.get("agent"),
                    "contact": values.get("contact"), "summary": values["summary"], "body": values.get("body", ""),
                    "outcome": values.get("outcome", ""), "external_id": values.get("external_id") or None,
                    "created_at": now}  # fmt: skip
            result.creates.append(
                Op(row.line, "create", data, account_id=account_id, label=f"imported {data['kind']}: {data['summary']}")
            )
            result.refresh.add(account_id)
            continue
        if not options.update_existing:
            result.existing_skipped += 1
            continue
        current = existing[target]
        changes = {
            n: val for n, val in values.items()
            if n in EDITABLE and to_json(val) != to_json(as_datetime(current.get(n)) if n == "occurred_at" else current.get(n))
        }  # fmt: skip
        if not changes:
            result.unchanged += 1
            continue
        before = {n: to_json(current.get(n)) for n in changes}
        result.updates.append(Op(row.line, "update", changes, record_id=target, before=before, account_id=account_id,
                                 label=f"import updated {current['summary']}"))  # fmt: skip
        result.refresh.add(account_id)
    if unknown_contacts:
        result.notes.append(f"{unknown_contacts} rows name a contact the account does not have; saved without one")
    if unknown_agents:
        result.notes.append(f"{unknown_agents} rows name an agent acct-tui does not know; saved without one")
    retire_covered(result.creates, result.retired, result.refresh, result.notes)
    if open_tasks:
        result.notes.append(
            f"{open_tasks:,} open {'tasks are' if open_tasks != 1 else 'task is'} not history yet and "
            f"{'were' if open_tasks != 1 else 'was'} left out; "
            "import the same file as followups to plan them"
        )
    return result


@dataclass
class ActivityPlan(Plan):
    """An activities plan, plus the imported last-touch entries the new activities make redundant."""

    retired: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    """(activity id, account id, its values as undo restores them)."""


def write(ctx: Ctx, result: Plan, change_id: str, progress: Callable[[int], None] | None = None) -> None:
    from acct_tui.services.io.imports.write import apply_updates, audit, insert_creates, reserve_ids, retire

    for op, activity_id in zip(result.creates, reserve_ids(Activity, len(result.creates)), strict=True):
        op.record_id = activity_id
    insert_creates(Activity, result.creates, CREATE_FIELDS, progress)
    apply_updates(Activity, result.updates, ctx.now())
    audit(ctx, change_id, Activity, [*result.creates, *result.updates], ("account", *EDITABLE))
    if isinstance(result, ActivityPlan) and result.retired:
        retire(ctx, change_id, Activity, result.retired, "gave way to the imported activities")
