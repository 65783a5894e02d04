"""Writing a planned import in bulk: reserved ids, batched inserts and updates, audit rows.

Everything here runs inside the import's one transaction. New rows get ids
reserved up front (the table's next ids under SQLite's write lock, or a
block of the PostgreSQL sequence), so rows, their children and their audit
entries are written with a few batched statements rather than one round
trip per row.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from peewee import Model, fn

from acct_tui.models import AuditEntry, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.io.imports.base import Op, chunked
from acct_tui.services.io.seed import insert_rows
from acct_tui.services.store.rows import execute_many
from acct_tui.services.store.unit import to_json

BATCH = 5000


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, safe against concurrent writers."""
    if count == 0:
        return []
    from acct_tui.db import is_postgres

    table = model._meta.table_name
    if is_postgres():
        cursor = database_proxy.execute_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", (count,)
        )
        return [int(row[0]) for row in cursor.fetchall()]
    start = int(model.select(fn.MAX(model._meta.primary_key)).scalar() or 0) + 1
    return list(range(start, start + count))


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def bulk_insert(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows: PostgreSQL's COPY (several times faster than multi-row INSERTs), SQLite's executemany."""
    from acct_tui.db import is_postgres

    if not rows:
        return
    if not is_postgres():
        insert_rows(table, columns, rows)
        return
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(_copy_text, row)))
        buffer.write("\n")
    buffer.seek(0)
    database_proxy.cursor().copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _columns(model: type[Model], names: Sequence[str]) -> list[str]:
    fields = model._meta.fields
    return [fields[name].column_name for name in names]


def insert_creates(
    model: type[Model],
    ops: Sequence[Op],
    names: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert the planned rows (each op's values hold every name in `names`, ids already set)."""
    table = model._meta.table_name
    columns = ["id", *_columns(model, names)]
    fields = model._meta.fields
    missing = {n for op in ops[:1] for n in names if n not in op.values}
    if missing:  # a column added to the model after this import was written: its default
        defaults = {n: fields[n].default() if callable(fields[n].default) else fields[n].default for n in missing}
        for op in ops:
            op.values.update(defaults)
    pick = operator.itemgetter(*names)
    done = 0
    for batch in chunked(ops, BATCH):
        bulk_insert(table, columns, [(op.record_id, *pick(op.values)) for op in batch])
        done += len(batch)
        if progress:
            progress(done)


def apply_updates(
    model: type[Model],
    ops: Sequence[Op],
    now: Any,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write each op's changed fields, a batch per set of fields; the version moves on by one."""
    fields = model._meta.fields
    param = database_proxy.obj.param
    groups: dict[tuple[str, ...], list[Op]] = defaultdict(list)
    for op in ops:
        groups[tuple(sorted(op.values))].append(op)
    done = 0
    for names, group in groups.items():
        sets = [f"{fields[n].column_name} = {param}" for n in names]
        extra: list[Any] = []
        if "updated_at" in fields and "updated_at" not in names:
            sets.append(f"updated_at = {param}")
            extra.append(now)
        if "version" in fields:
            sets.append("version = version + 1")
        sql = f"UPDATE {model._meta.table_name} SET {', '.join(sets)} WHERE id = {param}"
        for batch in chunked(group, BATCH):
            execute_many(sql, [(*(op.values[n] for n in names), *extra, op.record_id) for op in batch])
            done += len(batch)
            if progress:
                progress(done)


@contextmanager
def search_index_deferred(count: int, threshold: int = 2000) -> Iterator[None]:
    """Fill SQLite's account search index once for a large batch of new accounts.

    Its per-row insert trigger costs more than the insert itself; inside the
    import's transaction the trigger is dropped, the rows go in, the index
    gets the new rows in one statement and the trigger is put back, all or
    nothing with the rest of the import.
    """
    from acct_tui.db import is_postgres

    if is_postgres() or count < threshold:
        yield
        return
    found = database_proxy.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'account_fts_ai'"
    ).fetchone()
    if found is None:
        yield
        return
    start = int(database_proxy.execute_sql("SELECT COALESCE(MAX(id), 0) FROM account").fetchone()[0])
    database_proxy.execute_sql("DROP TRIGGER account_fts_ai")
    yield
    database_proxy.execute_sql(
        "INSERT INTO account_fts(rowid, search_text) SELECT id, search_text FROM account WHERE id > ?", (start,)
    )
    database_proxy.execute_sql(found[0])


@contextmanager
def indexes_deferred(model: type[Model], count: int, threshold: int = 2000) -> Iterator[None]:
    """Build a small table's secondary indexes once after a large batch of rows, on SQLite.

    Sorting the rows once per index costs a fraction of updating every index
    row by row; it pays while the batch is at least as large as what the
    table holds (a first import), so a large table keeps its indexes in place.
    Unique indexes stay, so they still refuse a duplicate as the row goes in.
    Inside the import's transaction: a failure rolls the dropped indexes back
    with everything else.
    """
    from acct_tui.db import is_postgres

    if is_postgres() or count < threshold:
        yield
        return
    table = model._meta.table_name
    # The largest id bounds the row count from above, without counting the rows.
    held = int(database_proxy.execute_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])
    if held > count:
        yield
        return
    found = database_proxy.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    indexes = [(name, sql) for name, sql in found if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
    for name, _sql in indexes:
        database_proxy.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        database_proxy.execute_sql(sql)


_PLAIN_JSON = frozenset((str, int, bool))
_CENTS = Decimal("0.01")


def _json(value: Any) -> Any:
    """A value as `unit.snapshot` writes it (amounts always with two decimals), so undo can compare."""
    if isinstance(value, Decimal):
        return str(value.quantize(_CENTS))
    return to_json(value)


AUDIT_COLUMNS = ("change_id", "session_id", "at", "agent_id", "account_id", "entity", "entity_id", "action",
                 "summary", "before", "after")  # fmt: skip


# One encoder for every entry: `json.dumps` with options builds a new encoder per call, which
# cost more than the encoding itself over a large import's audit rows.
_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def _dump(data: dict[str, Any] | None) -> str:
    return _ENCODE(data) if data is not None else ""


def audit(
    ctx: Ctx,
    change_id: str,
    model: type[Model],
    ops: Sequence[Op],
    audit_fields: Sequence[str],
    *,
    update_action: str = "update",
) -> None:
    """One audit entry per created or updated row, all under the import's change id
    (an undo's own entries say `update_action` "undo", so they are not undone in turn)."""
    entity = model._meta.table_name
    now = ctx.now()
    session_id, agent_id = ctx.session_id, ctx.agent.id
    plain = _PLAIN_JSON
    rows = []
    for op in ops:
        if op.action == "create":
            get = op.values.get
            # Empty fields say nothing a reader or undo needs.
            after: dict[str, Any] = {n: v for n in audit_fields if (v := get(n)) is not None and v != ""}
            for n, value in after.items():
                if type(value) not in plain:
                    after[n] = _json(value)
            after["id"] = op.record_id
            before = None
            action = "create"
        else:
            after = {n: _json(op.values[n]) for n in op.before}
            before = dict(op.before)
            action = update_action
        rows.append(
            (change_id, session_id, now, agent_id, op.account_id, entity, op.record_id, action,
             op.label[:240], _dump(before), _ENCODE(after))
        )  # fmt: skip
    with indexes_deferred(AuditEntry, len(rows)):
        for batch in chunked(rows, BATCH):
            bulk_insert(AuditEntry._meta.table_name, AUDIT_COLUMNS, batch)


def retire(
    ctx: Ctx,
    change_id: str,
    model: type[Model],
    rows: Sequence[tuple[int, int | None, dict[str, Any]]],
    why: str,
    *,
    action: str = "delete",
    labels: Sequence[str] | None = None,
) -> None:
    """Delete rows (id, account id, snapshot) and audit each as a delete, so undo puts it back.

    An undo deleting what its change created passes `action` "undo" and its own `labels`, one per row.
    """
    entity = model._meta.table_name
    key: Any = model._meta.primary_key
    for chunk in chunked([row_id for row_id, _account, _values in rows]):
        model.delete().where(key.in_(list(chunk))).execute()
    now = ctx.now()
    summaries = labels or [f"{values.get('summary', entity)}: {why}" for _i, _a, values in rows]
    entries = [
        (change_id, ctx.session_id, now, ctx.agent.id, account_id, entity, row_id, action, summary[:240],
         _dump(values), "")
        for (row_id, account_id, values), summary in zip(rows, summaries, strict=True)
    ]  # fmt: skip
    for batch in chunked(entries, BATCH):
        bulk_insert(AuditEntry._meta.table_name, AUDIT_COLUMNS, batch)
