"""Importing follow-ups: open tasks from a CRM, with their due dates, priorities and owners.

CRM task words are read as ours: "Not Started", "In Progress", "Waiting"
are open, "Completed" is done; "Medium" is normal priority; a "Call" or
"To-do" task is a check-in. A row matches an existing follow-up by external
id, else by account, title and due date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from acct_tui.models import FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.domain import validation as v
from acct_tui.services.domain.dates import parse_recurrence
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
)
from acct_tui.services.io.imports.columns import ColumnMap
from acct_tui.services.io.imports.owners import Owners
from acct_tui.services.io.imports.refs import AccountBook, resolve_account
from acct_tui.services.io.imports.values import detect_date_order, parse_date_cell
from acct_tui.services.store.unit import to_json
from acct_tui.vocab import FollowUpKind, FollowUpStatus, Priority

EDITABLE = ("title", "kind", "due_on", "priority", "status", "notes", "recurrence", "assignee", "external_id")
_STATUS_WORDS = {
    "open": "open", "not started": "open", "in progress": "open", "waiting": "open", "deferred": "open",
    "waiting on someone else": "open", "waiting on someone": "open", "scheduled": "open", "new": "open",
    "completed": "done", "complete": "done", "done": "done", "closed": "done",
    "cancelled": "cancelled", "canceled": "cancelled",
}  # fmt: skip
_PRIORITY_WORDS = {"medium": "normal", "none": "low", "normal": "normal", "med": "normal", "highest": "urgent",
                   "critical": "urgent", "lowest": "low"}  # fmt: skip
_KIND_WORDS = {"call": "check-in", "email": "check-in", "meeting": "check-in", "todo": "check-in",
               "to do": "check-in", "to-do": "check-in", "other": "check-in", "task": "check-in",
               "linkedin": "check-in", "linked in": "check-in", "check in": "check-in"}  # fmt: skip


def _words(raw: str) -> str:
    return " ".join(raw.strip().casefold().replace("_", " ").split())


def _status(raw: str) -> str:
    word = _words(raw)
    if word in _STATUS_WORDS:
        return _STATUS_WORDS[word]
    raise ValidationError(f"{raw[:40]!r} is not a status; use open, in progress, completed or cancelled", "status")


def _priority(raw: str) -> str:
    word = _words(raw)
    return _PRIORITY_WORDS.get(word) or v.choice(word, Priority, "priority").value


def _kind(raw: str) -> str:
    word = _words(raw)
    return _KIND_WORDS.get(word) or v.choice(word, FollowUpKind, "kind").value


def clean(
    ctx: Ctx,
    rows: Sequence[Row],
    columns: ColumnMap,
    options: ImportOptions,
    errors: RowErrors,
    progress: Callable[[int], None] | None = None,
) -> None:
    try:
        date_column = detect_date_order(
            ((r.line, c) for r in rows if (c := cell(r, columns, "due_on")).strip()),
            columns.column("due_on"),
            options.date_order,
        )
    except ValidationError as exc:
        errors.add(0, columns.column("due_on"), exc.message, fatal=True)
        return
    cleaners: dict[str, Callable[[str], Any]] = {
        "external_id": lambda raw: v.clean_text(raw, "external_id", max_len=120),
        "title": lambda raw: v.clean_text(raw, "title", max_len=200, required=True),
        "due_on": lambda raw: parse_date_cell(raw, date_column, "due_on"),
        "priority": _priority,
        "kind": _kind,
        "status": _status,
        "notes": lambda raw: v.clean_text(raw, "notes", max_len=5000, multiline=True),
        "recurrence": lambda raw: parse_recurrence(raw),
        "assignee": lambda raw: v.clean_text(raw, "assignee", max_len=120),
        "account": lambda raw: v.clean_text(raw, "account", max_len=200),
        "account_external_id": lambda raw: v.clean_text(raw, "account_external_id", max_len=120),
    }
    clean_cells(rows, columns, cleaners, errors, progress)
    for row in rows:
        if row.line in errors.lines:
            continue
        for name in ("title", "due_on"):
            if name not in row.values:
                errors.add(row.line, columns.column(name), "is required")
                break


def plan(ctx: Ctx, rows: Sequence[Row], columns: ColumnMap, options: ImportOptions, errors: RowErrors) -> Plan:
    book = AccountBook.load(ctx)
    owners = Owners(ctx, options.owner_map, options.strict_owners, errors)
    resolved: list[tuple[Row, int]] = []
    for row in rows:
        account_id = resolve_account(book, row, columns, errors)
        if account_id is None:
            continue
        if row.values.get("assignee"):
            try:
                assignee = owners.find(row.values["assignee"])
            except ValidationError as exc:
                errors.add(row.line, columns.column("assignee"), exc.message)
                continue
            if assignee is None:
                del row.values["assignee"]  # a new follow-up is the importer's; an existing one stays with its own
            else:
                row.values["assignee"] = assignee
        resolved.append((row, account_id))
    existing: dict[int, dict[str, Any]] = {}
    by_key: dict[tuple[int, str, Any], int] = {}
    by_external: dict[str, int] = {}
    for chunk in chunked(sorted({a for _r, a in resolved})):
        for record in dict_rows(FollowUp.select().where(FollowUp.account.in_(list(chunk)))):
            existing[record["id"]] = record
            by_key[(record["account"], record["title"].casefold(), record["due_on"])] = record["id"]
            if record["external_id"]:
                by_external[record["external_id"]] = record["id"]
    wanted = [str(r.values["external_id"]) for r, _a in resolved if r.values.get("external_id")]
    for chunk in chunked(wanted):
        for record in dict_rows(FollowUp.select().where(FollowUp.external_id.in_(list(chunk)))):
            existing.setdefault(record["id"], record)
            by_external[record["external_id"]] = record["id"]

    result = Plan()
    seen: dict[tuple[Any, ...], int] = {}
    now = ctx.now()
    for row, account_id in resolved:
        values = row.values
        natural = (account_id, str(values["title"]).casefold(), values["due_on"])
        key: tuple[Any, ...] = ("external_id", values["external_id"]) if values.get("external_id") else natural
        if key in seen:
            errors.add(row.line, columns.column("title"), f"the same follow-up as line {seen[key]}")
            continue
        seen[key] = row.line
        target = by_external.get(values.get("external_id") or "") or by_key.get(natural)
        if target is not None and existing[target]["account"] != account_id:
            errors.add(row.line, columns.column("external_id"), "is a follow-up of another account")
            continue
        if target is None:
            result.creates.append(_create(ctx, row, account_id, now))
            result.refresh.add(account_id)
            continue
        if not options.update_existing:
            result.existing_skipped += 1
            continue
        current = existing[target]
        changes = {n: val for n, val in values.items() if n in EDITABLE and to_json(val) != to_json(current.get(n))}
        if not changes:
            result.unchanged += 1
            continue
        before = {n: to_json(current.get(n)) for n in changes}
        if "priority" in changes:
            changes["priority_rank"] = Priority(changes["priority"]).rank
            before["priority_rank"] = current["priority_rank"]
        if "status" in changes:
            changes["completed_at"] = now if changes["status"] == FollowUpStatus.DONE.value else None
            before["completed_at"] = to_json(current["completed_at"])
        result.updates.append(Op(row.line, "update", changes, record_id=target, before=before, account_id=account_id,
                                 label=f"import updated {current['title']}"))  # fmt: skip
        result.refresh.add(account_id)
    result.owners_defaulted = dict(owners.defaulted)
    if note := owners.note("assignee"):
        result.notes.append(note)
    return result


def _create(ctx: Ctx, row: Row, account_id: int, now: Any) -> Op:
    values = row.values
    priority = values.get("priority", Priority.NORMAL.value)
    status = values.get("status", FollowUpStatus.OPEN.value)
    data = {
        "account": account_id, "title": values["title"], "kind": values.get("kind", FollowUpKind.CHECK_IN.value),
        "due_on": values["due_on"], "priority": priority, "priority_rank": Priority(priority).rank,
        "assignee": values.get("assignee") or ctx.agent.id, "status": status, "snoozed_until": None,
        "snooze_reason": "", "woke_reason": "", "recurrence": values.get("recurrence", ""), "checkpoint": None,
        "notes": values.get("notes", ""), "completed_at": now if status == FollowUpStatus.DONE.value else None,
        "created_by": ctx.agent.id, "created_at": now, "external_id": values.get("external_id") or None, "version": 1,
    }  # fmt: skip
    return Op(
        row.line,
        "create",
        data,
        account_id=account_id,
        label=f"imported follow-up {data['title']} due {data['due_on']}",
    )


CREATE_FIELDS = ("account", "title", "kind", "due_on", "priority", "priority_rank", "assignee", "status",
                 "snoozed_until", "snooze_reason", "woke_reason", "recurrence", "checkpoint", "notes", "completed_at",
                 "created_by", "created_at", "external_id", "version")  # fmt: skip


def write(ctx: Ctx, result: Plan, change_id: str, progress: Callable[[int], None] | None = None) -> None:
    from acct_tui.services.io.imports.write import apply_updates, audit, insert_creates, reserve_ids

    for op, followup_id in zip(result.creates, reserve_ids(FollowUp, len(result.creates)), strict=True):
        op.record_id = followup_id
    insert_creates(FollowUp, result.creates, CREATE_FIELDS, progress)
    apply_updates(FollowUp, result.updates, ctx.now())
    audit(ctx, change_id, FollowUp, [*result.creates, *result.updates], ("account", *EDITABLE))
