"""The bulk paths of a large import: a fixed number of queries, indexes rebuilt once, fast cell paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from playhouse.test_utils import count_queries

from acct_tui.models import Account, Activity, AuditEntry, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.domain import validation as v
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports import ImportOptions, run_import
from acct_tui.services.io.imports import accounts as account_import
from acct_tui.services.io.imports.values import DateColumn, detect_date_order, parse_date_cell, parse_datetime_cell
from acct_tui.services.store.undo import undo_last
from acct_tui.services.store.unit import reading

HEADER = "Id,Name,Type,AnnualRevenue,NumberOfEmployees,Phone,Website,OwnerId,CreatedDate,LastActivityDate,Description"


def salesforce_accounts(path: Path, rows: int, start: int = 0) -> Path:
    """A Salesforce Account export of `rows` accounts, shaped as the benchmark's."""
    lines = [HEADER]
    for i in range(start, start + rows):
        touch = f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}" if i % 4 else ""
        lines.append(
            f'"001A{i:014d}","Company {i}, Inc","Customer - Direct","{1000 + i}.00","{10 + i % 500}",'
            f'"+1 303 555 {i % 10000:04d}","https://www.c{i}.example.com","0055g00000XyZ{i % 7}AAA",'
            f'"2021-03-14T09:12:00.000Z","{touch}","Line one\r\nline two"'
        )
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def queries_for(ctx: Ctx, path: Path, options: ImportOptions | None = None) -> int:
    with count_queries() as counter:
        report = run_import(ctx, "accounts", path, options)
    assert report.ok and (report.written or report.unchanged)
    return int(counter.count)


def test_import_queries_do_not_grow_with_the_rows(ctx: Ctx, tmp_path: Path) -> None:
    """A first import and a re-import of 500 rows run as many queries as of 50."""
    small = salesforce_accounts(tmp_path / "small.csv", 50)
    large = salesforce_accounts(tmp_path / "large.csv", 500, start=1000)
    first_small, first_large = queries_for(ctx, small), queries_for(ctx, large)
    assert first_large == first_small
    again = ImportOptions(update_existing=True)
    assert queries_for(ctx, large, again) == queries_for(ctx, small, again)


def _on_postgres() -> bool:
    from acct_tui.db import is_postgres

    return bool(is_postgres())


def _indexes(table: str) -> list[tuple[str, str]]:
    with database_proxy.connection_context():
        rows = database_proxy.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name", (table,)
        ).fetchall()
    return [(str(name), str(sql)) for name, sql in rows]


def test_a_large_first_import_keeps_every_index_search_and_undo(ctx: Ctx, tmp_path: Path) -> None:
    """2,500 new accounts (indexes built once after the rows): same indexes, found by search, one undo."""
    sqlite = not _on_postgres()
    before = {table: _indexes(table) for table in ("account", "activity", "audit_entry")} if sqlite else {}
    report = run_import(ctx, "accounts", salesforce_accounts(tmp_path / "a.csv", 2500))
    assert report.created == 2500
    if sqlite:
        assert {table: _indexes(table) for table in before} == before
    with reading():
        from acct_tui.services.reads.portfolio import text_clause

        assert Account.select().where(text_clause("company 2499")).count() == 1
        assert Account.select().where(Account.domain == "c7.example.com").count() == 1
        touched = Account.get(Account.external_id == "001A00000000000001")
        assert touched.last_touch_at == dt.datetime(2026, 2, 2, 12, 0)
        assert Activity.select().count() == 2500 - 625  # every fourth row has no last activity
        assert AuditEntry.select().where(AuditEntry.change_id == report.change_id).count() == 2500 + 1875
    undo_last(ctx)
    with reading():
        assert Account.select().count() == 0 and Activity.select().count() == 0


def test_a_failure_after_the_deferred_indexes_leaves_them_in_place(
    ctx: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large import that fails after its rows went in rolls back the rows and the dropped indexes alike."""
    from peewee import IntegrityError

    from acct_tui.services.errors import Conflict

    if _on_postgres():
        pytest.skip("indexes are deferred on SQLite only")
    before = _indexes("account")
    original = account_import.write

    def clash(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(account_import, "write", clash)
    with pytest.raises(Conflict):
        run_import(ctx, "accounts", salesforce_accounts(tmp_path / "a.csv", 2500))
    assert _indexes("account") == before
    with reading():
        assert Account.select().count() == 0


def test_one_unknown_owner_on_many_rows_is_counted_on_each(ctx: Ctx, tmp_path: Path) -> None:
    """Owners are looked up once per cell text, yet every row that fell back is counted."""
    report = run_import(ctx, "accounts", salesforce_accounts(tmp_path / "a.csv", 14))
    assert report.owners_defaulted == {f"0055g00000XyZ{i}AAA": 2 for i in range(7)}


@given(st.text(alphabet=st.sampled_from("ab \t\r\n\x00\u202e\u00a0\u2028é"), max_size=12))
def test_the_notes_fast_path_matches_clean_text(raw: str) -> None:
    """Notes read on the fast path exactly as clean_text reads them, refusals included."""
    try:
        expected: str | None = v.clean_text(raw, "notes", max_len=5000, multiline=True)
    except ValidationError:
        expected = None
    try:
        got: str | None = account_import._notes(raw)
    except ValidationError:
        got = None
    assert got == expected


@pytest.mark.parametrize("raw", ["0", "250", "9999999", "10000000", "10000001", "99999999", "1,250", "250.0"])
def test_the_employees_fast_path_keeps_the_range(raw: str) -> None:
    """A plain count reads as before, and one past ten million is still refused."""
    number = int(raw.replace(",", "").split(".")[0])
    if number > 10_000_000:
        with pytest.raises(ValidationError):
            account_import._employees(raw)
    else:
        assert account_import._employees(raw) == number


def test_iso_dates_on_the_fast_paths() -> None:
    """Bare ISO dates are noon UTC moments, year-first dates decide no order, bad ones are still refused."""
    column = DateColumn(None)
    assert parse_datetime_cell("2026-03-04", column, "f") == dt.datetime(2026, 3, 4, 12, 0)
    assert parse_datetime_cell(" 2026-03-04 ", column, "f") == dt.datetime(2026, 3, 4, 12, 0)
    assert parse_date_cell("2021-03-14T09:12:00.000Z", column, "f") == dt.date(2021, 3, 14)
    assert detect_date_order([(2, "2026-03-04"), (3, "2026-04-03T10:00:00Z")], "c") == DateColumn(None)
    assert detect_date_order([(2, "2026-03-04"), (3, "25/03/2026")], "c").order == "dmy"
    with pytest.raises(ValidationError):
        parse_datetime_cell("2026-02-30", column, "f")
