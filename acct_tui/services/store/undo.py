"""Undo: reverse the last change an agent made in this session, through the audit trail.

An undo is itself a change with its own audit entries; the entries it
reverses are marked with its id, so it is never undone twice. A record that
somebody else changed since is left alone: the undo is refused with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from peewee import Model

from acct_tui.models import (
    Account,
    AccountShare,
    Activity,
    Agent,
    AuditEntry,
    Concern,
    Contact,
    FollowUp,
    Opportunity,
    Subscription,
    WalkMark,
)
from acct_tui.services.context import Ctx
from acct_tui.services.errors import Conflict, NotFound
from acct_tui.services.store.derived import DERIVED_COLUMNS
from acct_tui.services.store.rows import dict_rows, id_in
from acct_tui.services.store.scope import require_account
from acct_tui.services.store.unit import Change, change, from_json, reading, snapshot, to_json

_MODELS: dict[str, type[Model]] = {
    model._meta.table_name: model
    for model in (
        Account,
        AccountShare,
        Activity,
        Agent,
        Concern,
        Contact,
        FollowUp,
        Opportunity,
        Subscription,
        WalkMark,
    )
}


@dataclass(frozen=True)
class Undone:
    change_id: str
    summary: str
    account_id: int | None


def last_undoable(ctx: Ctx) -> AuditEntry | None:
    """The newest entry of this agent's session that can still be undone."""
    with reading():
        entry: AuditEntry | None = (
            AuditEntry.select()
            .where(
                AuditEntry.agent == ctx.agent.id,
                AuditEntry.session_id == ctx.session_id,
                AuditEntry.undone_by.is_null(),
                AuditEntry.action != "undo",
            )
            .order_by(AuditEntry.id.desc())
            .first()
        )
        return entry


def undo_last(ctx: Ctx) -> Undone:
    """Reverse the agent's last change of this session."""
    latest = last_undoable(ctx)
    if latest is None:
        raise NotFound("nothing to undo in this session")
    return undo_change(ctx, latest.change_id)


def undo_change(ctx: Ctx, change_id: str) -> Undone:
    with change(ctx, "undo") as ch:
        entries = list(
            AuditEntry.select()
            .where(AuditEntry.change_id == change_id, AuditEntry.undone_by.is_null())
            .order_by(AuditEntry.id.desc())
        )
        if not entries:
            raise NotFound("that change was already undone")
        own = all(e.agent_id == ctx.agent.id and e.session_id == ctx.session_id for e in entries)
        for account_id in sorted({e.account_id for e in entries if e.account_id}):
            ch.lock(account_id)
            if not own:
                # Someone else's change (from an account's history): only on accounts in scope.
                # One's own change in this session stays undoable even if it moved the account
                # out of scope (a handoff).
                require_account(ctx.agent, account_id)
        if _in_bulk(entries):
            _reverse_creates(ch, [e for e in entries if not e.before])
            _reverse_updates(ch, [e for e in entries if e.before])
        else:
            for entry in entries:
                _reverse(ch, entry)
        AuditEntry.update(undone_by=ch.id).where(AuditEntry.change_id == change_id).execute()
        summary = entries[-1].summary
        first_account = next((e.account_id for e in entries if e.account_id), None)
        return Undone(change_id, summary, first_account)


BULK = 50
"""From this many field updates of one kind of record, an undo writes them back set by set."""

_BULK_MODELS = (FollowUp,)


_NOT_DERIVED = frozenset({"assignee", "notes", "version"})
"""Follow-up fields no derived column or score reads."""


def _in_bulk(entries: list[AuditEntry]) -> bool:
    """A bulk action's change: many updates of follow-ups, and perhaps follow-ups created (the next
    occurrences of recurring ones done), each row written once; nothing deleted."""
    if len(entries) < BULK:
        return False
    entity = entries[0].entity
    model = _MODELS.get(entity)
    if model not in _BULK_MODELS:
        return False
    if not all(e.entity == entity and e.after and e.action != "delete" for e in entries):
        return False
    return len({e.entity_id for e in entries}) == len(entries)


def _current_rows(model: type[Model], ids: list[int], names: Iterable[str]) -> dict[int, dict[str, Any]]:
    from acct_tui.services.io.imports.base import chunked

    fields = model._meta.fields
    key: Any = model._meta.primary_key
    current: dict[int, dict[str, Any]] = {}
    for chunk in chunked(ids):
        query = model.select(*(fields[n] for n in {"id", *names})).where(id_in(key, chunk))
        for row in dict_rows(query):
            current[int(row["id"])] = row
    return current


def _moved_since(model: type[Model], now: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields of `after` (a row as an entry left it) that hold something else `now`."""
    return sorted(
        k for k, value in after.items()
        if k not in ("updated_at", "version") and to_json(_field_value(model, k, now.get(k))) != to_json(value)
    )  # fmt: skip


def _reverse_creates(ch: Change, entries: list[AuditEntry]) -> None:
    """Delete many rows the change created, each checked unchanged since: a statement per few hundred.

    The same outcome as `_reverse` on each entry; a row already gone is left gone.
    """
    from acct_tui.services.io.imports.write import retire

    if not entries:
        return
    model = _MODELS[entries[0].entity]
    names = list(model._meta.fields)
    current = _current_rows(model, [int(entry.entity_id) for entry in entries], names)
    rows: list[tuple[int, int | None, dict[str, Any]]] = []
    labels = []
    for entry in entries:
        now = current.get(int(entry.entity_id))
        if now is None:
            continue
        moved = _moved_since(model, now, json.loads(entry.after))
        if moved:
            raise Conflict(f"cannot undo {entry.summary!r}: {', '.join(moved)} changed since")
        snap = {name: to_json(_field_value(model, name, now.get(name))) for name in names}
        rows.append((int(entry.entity_id), entry.account_id, snap))
        labels.append(f"undo: {entry.summary}")
        ch.touch(entry.account_id)
    retire(ch.ctx, ch.id, model, rows, "", action="undo", labels=labels)


def _reverse_updates(ch: Change, entries: list[AuditEntry]) -> None:
    """Put back the fields of many updated rows: each checked unchanged since, then batch updates.

    The same outcome as `_reverse` on each entry, in a handful of statements instead of a few per row.
    """
    from acct_tui.services.io.imports.base import Op
    from acct_tui.services.io.imports.write import apply_updates, audit

    if not entries:
        return
    model = _MODELS[entries[0].entity]
    parsed = [(entry, json.loads(entry.before), json.loads(entry.after)) for entry in entries]
    names = sorted({name for _e, before, after in parsed for name in (*before, *after)} & set(model._meta.fields))
    current = _current_rows(model, [int(entry.entity_id) for entry in entries], names)
    ops = []
    for entry, before, after in parsed:
        now = current.get(int(entry.entity_id))
        if now is None:
            raise Conflict(f"cannot undo {entry.summary!r}: the record was deleted since")
        moved = _moved_since(model, now, after)
        if moved:
            raise Conflict(f"cannot undo {entry.summary!r}: {', '.join(moved)} changed since")
        values = {k: from_json(model, k, v) for k, v in before.items() if k != "version"}
        old = {k: to_json(_field_value(model, k, now.get(k))) for k in values}
        old["version"] = now.get("version")
        label = f"undo: {entry.summary}"
        ops.append(
            Op(
                0,
                "update",
                values,
                record_id=int(entry.entity_id),
                before=old,
                account_id=entry.account_id,
                label=label,
            )
        )
        ch.touch(entry.account_id)
    apply_updates(model, ops, ch.ctx.now())
    for op in ops:
        op.values["version"] = (op.before["version"] or 0) + 1
    audit(ch.ctx, ch.id, model, ops, (), update_action="undo")
    if all(set(op.values) <= _NOT_DERIVED for op in ops):
        ch.derived_unchanged = True  # a reassignment put back: nothing derived moves


def _field_value(model: type[Model], name: str, raw: Any) -> Any:
    """A value read with `.dicts()` as the model's field gives it (a date, not its text)."""
    field = model._meta.fields.get(name)
    return field.python_value(raw) if field is not None and raw is not None else raw


def _reverse(ch: Change, entry: AuditEntry) -> None:
    model = _MODELS.get(entry.entity)
    if model is None:
        raise Conflict(f"changes to {entry.entity} cannot be undone here")
    before = json.loads(entry.before) if entry.before else None
    after = json.loads(entry.after) if entry.after else None
    current = model.get_or_none(model._meta.primary_key == entry.entity_id)
    label = f"undo: {entry.summary}"
    if after is not None and before is None:  # it was created: delete it
        if current is None:
            return
        _check_unchanged(current, after, entry)
        if isinstance(current, Account):
            _check_bare(current, entry)
        ch.deleted(current, label, action="undo")
        current.delete_instance()
        if isinstance(current, Contact | Activity):
            ch.touch(current.account_id, search=isinstance(current, Contact))
        return
    if before is not None and after is None:  # it was deleted: put it back
        values = {name: from_json(model, name, value) for name, value in before.items()}
        restored = model.create(**values)
        ch.created(restored, label, action="undo")
        if isinstance(restored, Contact):
            ch.touch(restored.account_id, search=True)
        return
    assert before is not None and after is not None
    if current is None:
        raise Conflict(f"cannot undo {entry.summary!r}: the record was deleted since")
    _check_unchanged(current, after, entry)
    old = snapshot(current, before.keys())
    for name, value in before.items():
        if name != "version":  # versions only move forward, or a stale editor could win
            setattr(current, name, from_json(model, name, value))
    if "version" in model._meta.fields:
        current.version += 1  # type: ignore[attr-defined]
    if isinstance(current, Account) and "name" in before:
        current.sort_name = current.name.casefold()
    current.save()
    ch.updated(current, old, label, action="undo")
    if isinstance(current, Account):
        ch.touch(current.id, search=True)
    elif isinstance(current, Contact):  # a name, or who is still a contact, is what the filter finds
        ch.touch(current.account_id, search=True)


def _check_unchanged(current: Model, after: dict[str, object], entry: AuditEntry) -> None:
    # The derived columns move by themselves (the same transaction refreshes
    # them), so only what a person wrote counts as "changed since".
    # Nor does the version: undoing a later change moves it on too, and that must not
    # block undoing the change before it (`z` twice on one record).
    ignored = {"updated_at", "version", *DERIVED_COLUMNS} if isinstance(current, Account) else {"updated_at", "version"}
    now = snapshot(current, after.keys())
    moved = [k for k, value in after.items() if now.get(k) != to_json(value) and k not in ignored]
    if moved:
        raise Conflict(
            f"cannot undo {entry.summary!r}: {', '.join(sorted(moved))} changed since",
            theirs={k: now[k] for k in moved},
        )


def _check_bare(account: Account, entry: AuditEntry) -> None:
    """Undoing an account's creation deletes it: refuse while later work hangs off it."""
    children: dict[str, Any] = {
        "contacts": Contact,
        "activities": Activity,
        "follow-ups": FollowUp,
        "concerns": Concern,
        "opportunities": Opportunity,
        "products": Subscription,
        "shares": AccountShare,
    }
    held = [name for name, model in children.items() if model.select().where(model.account == account.id).exists()]
    if held:
        raise Conflict(f"cannot undo {entry.summary!r}: {', '.join(held)} were added to it since")
