"""Writing renewal checkpoints: the edits to one follow-up, and the batch writers behind `sync_all`.

`cancel` and `move` change a checkpoint follow-up in memory, for one
account's sync to save. `write_moves`, `write_cancels` and `write_creates`
apply a whole batch of accounts' plans in a few statements with the
driver's executemany, and write their audit entries the same way, as part
of the change that runs them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from peewee import fn

from acct_tui.models import AuditEntry, FollowUp, database_proxy
from acct_tui.services.store.rows import as_date, execute_many
from acct_tui.services.store.unit import Change, snapshot, to_json
from acct_tui.vocab import FollowUpStatus

STATE = ["due_on", "snoozed_until", "woke_reason", "status", "checkpoint", "version"]
"""The fields of a checkpoint follow-up its audit entries record."""
MOVED_REASON = "the renewal date moved"


def cancel(item: FollowUp) -> None:
    """Mark the checkpoint cancelled; the caller saves it."""
    item.status = FollowUpStatus.CANCELLED.value
    item.version += 1


def move(item: FollowUp, due: dt.date, name: str) -> int:
    """Set the new due date and renewal; 1 if the due date changed."""
    moved = int(as_date(item.due_on) != due)
    item.due_on = due
    item.checkpoint = name
    if item.snoozed_until is not None and as_date(item.snoozed_until) > due:
        # A snooze past the new date would hide a checkpoint that is now sooner.
        item.snoozed_until = None
        item.woke_reason = MOVED_REASON
    item.version += 1
    return moved


def _execute_many(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Insert plain rows with the driver's executemany (peewee's query builder costs more than the insert)."""
    if not rows:
        return
    param = database_proxy.obj.param
    marks = ", ".join(param for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    execute_many(sql, [tuple(row) for row in rows])


def _reserve_ids(count: int) -> list[int]:
    """`count` fresh follow-up ids: a block of the PostgreSQL sequence, or the next ids under SQLite's write lock."""
    from acct_tui.db import is_postgres

    if count == 0:
        return []
    if is_postgres():
        cursor = database_proxy.execute_sql(
            "SELECT nextval(pg_get_serial_sequence('follow_up', 'id')) FROM generate_series(1, %s)", (count,)
        )
        return [int(row[0]) for row in cursor.fetchall()]
    start = int(FollowUp.select(fn.MAX(FollowUp.id)).scalar() or 0) + 1
    return list(range(start, start + count))


_AUDIT_COLUMNS = ("change_id", "session_id", "at", "agent_id", "account_id", "entity", "entity_id", "action",
                  "summary", "before", "after")  # fmt: skip


def _audit(ch: Change, rows: Sequence[tuple[int, int, str, dict[str, object] | None, dict[str, object], str]]) -> None:
    """(follow-up id, account id, action, before, after, summary) as audit entries of the change, in one batch."""
    now = ch.ctx.now()
    _execute_many(
        AuditEntry._meta.table_name,
        _AUDIT_COLUMNS,
        [
            (
                ch.id,
                ch.ctx.session_id,
                now,
                ch.ctx.agent.id,
                account_id,
                "follow_up",
                fid,
                action,
                summary[:240],
                json.dumps(before, sort_keys=True) if before is not None else "",
                json.dumps(after, sort_keys=True),
            )
            for fid, account_id, action, before, after, summary in rows
        ],
    )


def _state_of(ids: Sequence[int]) -> dict[int, FollowUp]:
    found: dict[int, FollowUp] = {}
    for start in range(0, len(ids), 500):
        for item in FollowUp.select().where(FollowUp.id.in_(list(ids[start : start + 500]))):
            found[item.id] = item
    return found


def write_moves(ch: Change, moves: dict[int, tuple[dt.date, str]]) -> tuple[int, set[int]]:
    """Move these follow-ups (id -> new due date, checkpoint), audited: (due dates changed, accounts touched)."""
    if not moves:
        return 0, set()
    touched: set[int] = set()
    audit = []
    moved = 0
    for fid, item in _state_of(sorted(moves)).items():
        before = snapshot(item, STATE)
        due, name = moves[fid]
        moved += move(item, due, name)
        item.save()
        audit.append(
            (fid, item.account_id, "checkpoint", before, snapshot(item, STATE), f"{item.title}: now due {due}")
        )
        touched.add(int(item.account_id))
    _audit(ch, audit)
    return moved, touched


def write_cancels(ch: Change, ids: list[int]) -> set[int]:
    """Cancel these follow-ups, audited: the accounts touched."""
    if not ids:
        return set()
    audit = []
    touched: set[int] = set()
    for fid, item in _state_of(ids).items():
        before = snapshot(item, STATE)
        cancel(item)
        item.save()
        audit.append((fid, item.account_id, "checkpoint", before, snapshot(item, STATE), f"cancelled {item.title}"))
        touched.add(int(item.account_id))
    _audit(ch, audit)
    return touched


_CREATE_FIELDS = ("account", "title", "kind", "due_on", "priority", "priority_rank", "assignee", "checkpoint",
                  "created_by", "created_at")  # fmt: skip


def write_creates(ch: Change, rows: list[dict[str, object]]) -> set[int]:
    """Insert new checkpoint follow-ups (field -> value rows) under reserved ids, audited: the accounts touched."""
    if not rows:
        return set()
    fields = FollowUp._meta.fields
    defaults = {name: fields[name].default for name in ("status", "snooze_reason", "woke_reason", "recurrence",
                                                        "notes", "version")}  # fmt: skip
    ids = _reserve_ids(len(rows))
    columns = ["id", *(fields[n].column_name for n in (*_CREATE_FIELDS, *defaults))]
    _execute_many(
        "follow_up",
        columns,
        [(fid, *(row[n] for n in _CREATE_FIELDS), *defaults.values()) for fid, row in zip(ids, rows, strict=True)],
    )
    audit = [
        (
            fid,
            int(str(row["account"])),
            "checkpoint",
            None,
            {key: to_json(value) for key, value in row.items()} | {"id": fid},
            f"{row['title']} due {row['due_on']}",
        )
        for fid, row in zip(ids, rows, strict=True)
    ]
    _audit(ch, audit)
    return {int(str(row["account"])) for row in rows}
