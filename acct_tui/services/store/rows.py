"""A query's rows as what they are: tuples or dicts, typed for the checker.

peewee's stubs type `query.tuples()` and `query.dicts()` as the query itself, so
iterating one reads as iterating model instances. Iterating through these says
what each row really is; at run time they are the same iteration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any


def tuple_rows(query: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of `query` as tuples, in the order of its selected columns."""
    rows: Iterator[tuple[Any, ...]] = iter(query.tuples())
    return rows


def raw_rows(query: Any) -> list[tuple[Any, ...]]:
    """The rows of `query` as the driver hands them back, without peewee's per-value conversion.

    For the hot set reads of bulk writes and the derived refresh (tens of thousands of values,
    where the conversion cost more than the query). On SQLite dates and timestamps stay ISO
    text: the caller reads them with `as_date` or `as_datetime`.
    """
    from acct_tui.models import database_proxy

    sql, params = query.sql()
    rows: list[tuple[Any, ...]] = database_proxy.execute_sql(sql, params).fetchall()
    return rows


def dict_rows(query: Any) -> Iterator[dict[str, Any]]:
    """The rows of `query` as dicts keyed by column name."""
    rows: Iterator[dict[str, Any]] = iter(query.dicts())
    return rows


def id_in(column: Any, ids: Iterable[int]) -> Any:
    """`column IN (1, 2, 3)` with the ids written into the SQL, for lists of hundreds of ids.

    peewee builds a parameter node per value, which cost more than the query on the hot paths
    (the derived refresh, bulk actions); the ids are integers, formatted here, so nothing
    from outside reaches the SQL text.
    """
    from peewee import SQL

    listed = ",".join(str(int(i)) for i in ids)
    return column.in_(SQL(f"({listed or 'NULL'})"))


def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement for each row, in the open transaction.

    psycopg2's `executemany` makes a round trip per row (10k updates: seconds on PostgreSQL);
    `execute_batch` sends them a few hundred at a time. SQLite's is already a loop in C.
    """
    from acct_tui.db import is_postgres
    from acct_tui.models import database_proxy

    if not rows:
        return
    cursor = database_proxy.cursor()
    if is_postgres():
        from psycopg2.extras import execute_batch

        execute_batch(cursor, sql, rows, page_size=500)
    else:
        cursor.executemany(sql, rows)


def as_datetime(value: object) -> dt.datetime | None:
    """A timestamp as the driver hands it back (a datetime, or ISO text on SQLite), or None."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def as_date(value: object) -> dt.date:
    """A date as the driver hands it back (a date, a datetime, or ISO text on SQLite)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def maybe_date(value: object) -> dt.date | None:
    """`as_date` for a column that may be empty."""
    return None if value is None else as_date(value)
