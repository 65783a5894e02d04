"""Opening a database: URLs, the schema version, refusals that say what to do, and `migrate`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from peewee import CharField, Database
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as apply_operations

import acct_tui.db as dbm
from acct_tui.db import DatabaseError, SchemaTooNew, SchemaTooOld, connect, open_database, parse_url, schema_version
from acct_tui.models import Account, Agent, SchemaMeta
from tests.conftest import PG_ENV, pg_url


def _close(database: Database) -> None:
    if hasattr(database, "close_all"):
        database.close_all()
    elif not database.is_closed():
        database.close()


def _reopen(url: str, **kwargs: Any) -> Database:
    """Open `url` afresh (a new connection object), as a second run of the app would."""
    return open_database(url, **kwargs)


def _set_version(database: Database, value: str) -> None:
    with database.connection_context():
        SchemaMeta.update(value=value).where(SchemaMeta.key == "schema_version").execute()


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind", "path"),
    [
        ("accounts.db", "sqlite", "accounts.db"),
        ("/srv/acct/accounts.db", "sqlite", "/srv/acct/accounts.db"),
        ("sqlite:///rel.db", "sqlite", "rel.db"),
        ("sqlite:////abs/dir/abs.db", "sqlite", "/abs/dir/abs.db"),
        ("  sqlite:///padded.db  ", "sqlite", "padded.db"),
    ],
)
def test_sqlite_urls_and_plain_paths(url: str, kind: str, path: str) -> None:
    """A plain path, sqlite:///relative and sqlite:////absolute all name a SQLite file."""
    spec = parse_url(url)
    assert (spec.kind, spec.path) == (kind, path)


def test_home_in_a_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`~/x.db` means the user's home, not a folder called ~."""
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_url("~/x.db").path == str(tmp_path / "x.db")


@pytest.mark.parametrize("url", ["postgresql://desk@db.example.com:5432/accounts", "postgres://desk@db/accounts"])
def test_postgresql_urls(url: str) -> None:
    """Both spellings of the PostgreSQL scheme are accepted and kept as given."""
    spec = parse_url(url)
    assert spec.kind == "postgresql"
    assert spec.dsn == url


def test_a_postgresql_password_is_never_displayed() -> None:
    """`where` and error messages show user, host, port and database, not the password."""
    shown = parse_url("postgresql://desk:s3cret@db.example.com:5433/accounts").display
    assert shown == "postgresql://desk@db.example.com:5433/accounts"
    assert "s3cret" not in shown


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@localhost/accounts", "unknown database scheme 'mysql'"),
        ("https://example.com/accounts.db", "unknown database scheme 'https'"),
        ("postgresql://desk@db.example.com:5432", "names no database"),
        ("", "empty"),
        ("   ", "empty"),
        (":memory:", "in-memory database keeps nothing"),
        ("sqlite:///:memory:", "in-memory database keeps nothing"),
        ("sqlite://:memory:", "in-memory database keeps nothing"),
        ("sqlite:///", "in-memory database keeps nothing"),
    ],
)
def test_bad_urls_are_refused_with_what_to_use(url: str, fragment: str) -> None:
    """Unknown schemes, a server with no database, empty and in-memory URLs: refused, saying why."""
    with pytest.raises(DatabaseError) as caught:
        parse_url(url)
    assert fragment in str(caught.value)


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    """Pointing --db at a directory is refused before anything is created in it."""
    with pytest.raises(DatabaseError, match="is a folder"):
        open_database(str(tmp_path))


def test_a_missing_file_is_created_with_its_folder(tmp_path: Path) -> None:
    """First use: the file and any missing folders appear, at the current schema version."""
    target = tmp_path / "new" / "deeper" / "accounts.db"
    database = open_database(f"sqlite:///{target}")
    try:
        assert target.exists()
        with database.connection_context():
            assert schema_version(database) == dbm.SCHEMA_VERSION
    finally:
        _close(database)


def test_a_missing_file_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    """With create=False a missing SQLite file is an error, and no file appears."""
    target = tmp_path / "absent.db"
    with pytest.raises(DatabaseError, match="no database at"):
        open_database(str(target), create=False)
    assert not target.exists()


# --- the schema version -----------------------------------------------------------------------


def test_a_fresh_database_is_created_at_the_current_version(db: Database) -> None:
    """Every table exists and the stored version is SCHEMA_VERSION."""
    with db.connection_context():
        assert schema_version(db) == dbm.SCHEMA_VERSION
        tables = set(db.get_tables())
    assert {"account", "agent", "follow_up", "audit_entry", "schema_meta"} <= tables


def test_reopening_a_current_database_keeps_its_rows(db: Database, db_url: str) -> None:
    """Opening an existing database neither recreates nor empties it."""
    with db.connection_context():
        Agent.create(login="sam", name="Sam")
    again = _reopen(db_url)
    try:
        with again.connection_context():
            assert [a.login for a in Agent.select()] == ["sam"]
    finally:
        _close(again)


def test_an_older_version_is_refused_with_the_command_to_run(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database one version behind this acct-tui: refused, telling to run `acct-tui migrate`."""
    current = dbm.SCHEMA_VERSION
    monkeypatch.setattr(dbm, "SCHEMA_VERSION", current + 1)
    with pytest.raises(SchemaTooOld) as caught:
        _reopen(db_url)
    message = str(caught.value)
    assert f"schema version {current}" in message and f"needs {current + 1}" in message
    assert "acct-tui migrate" in message


def test_a_newer_version_is_refused_saying_to_upgrade_acct_tui(db: Database, db_url: str) -> None:
    """A database written by a later acct-tui: refused, naming both versions and the upgrade."""
    _set_version(db, "99")
    with pytest.raises(SchemaTooNew) as caught:
        _reopen(db_url)
    message = str(caught.value)
    assert "schema version 99" in message and "newer" in message
    assert "upgrade acct-tui" in message


@pytest.mark.parametrize("stored", ["0", "banana"])
def test_an_unreadable_version_is_refused_not_called_newer(db: Database, db_url: str, stored: str) -> None:
    """A version of 0 or a non-number is refused as unreadable, not misreported as newer."""
    _set_version(db, stored)
    with pytest.raises(DatabaseError) as caught:
        _reopen(db_url)
    assert not isinstance(caught.value, SchemaTooNew)
    assert "unreadable" in str(caught.value)


def test_tables_without_a_version_are_refused(db_url: str) -> None:
    """acct-tui tables with no schema_meta: refused (not adopted, not overwritten), by open and by migrate."""
    raw = connect(db_url)
    try:
        with raw.connection_context(), raw.atomic():
            raw.execute_sql("CREATE TABLE account (id INTEGER PRIMARY KEY, name VARCHAR(200))")
            raw.execute_sql("INSERT INTO account (id, name) VALUES (1, 'Somebody else''s data')")
        with pytest.raises(DatabaseError, match="no schema version"):
            _reopen(db_url)
        with pytest.raises(DatabaseError, match="no schema version"):
            dbm.migrate(connect(db_url))
        with raw.connection_context():
            assert raw.execute_sql("SELECT name FROM account").fetchall() == [("Somebody else's data",)]
            assert "schema_meta" not in raw.get_tables()
    finally:
        _close(raw)


def test_an_empty_version_row_table_is_refused(db: Database, db_url: str) -> None:
    """schema_meta present but its version row gone: refused like any versionless database."""
    with db.connection_context():
        SchemaMeta.delete().execute()
    with pytest.raises(DatabaseError, match="no schema version"):
        _reopen(db_url)


# --- migrate -----------------------------------------------------------------------------------


def _add_nickname(database: Database) -> None:
    migrator = SchemaMigrator.from_database(database)
    apply_operations(migrator.add_column("account", "nickname", CharField(max_length=40, null=True)))


def _index_nickname(database: Database) -> None:
    migrator = SchemaMigrator.from_database(database)
    apply_operations(migrator.add_index("account", ("nickname",), False))


def _broken(database: Database) -> None:
    raise RuntimeError("the second step is broken")


def _with_steps(monkeypatch: pytest.MonkeyPatch, steps: dict[int, Callable[[Database], None]]) -> None:
    monkeypatch.setattr(dbm, "SCHEMA_VERSION", max(steps))
    monkeypatch.setattr(dbm, "MIGRATIONS", steps)


def _columns(database: Database, table: str) -> set[str]:
    with database.connection_context():
        return {column.name for column in database.get_columns(table)}


def test_migrate_upgrades_step_by_step_and_keeps_the_data(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two versions up: each step runs once in order, the data stays, the app then opens it."""
    base = dbm.SCHEMA_VERSION
    with db.connection_context():
        owner = Agent.create(login="sam", name="Sam")
        Account.create(name="Acme", sort_name="acme", owner=owner)
    _with_steps(monkeypatch, {base + 1: _add_nickname, base + 2: _index_nickname})
    with pytest.raises(SchemaTooOld):
        _reopen(db_url)

    target = connect(db_url)
    try:
        assert dbm.migrate(target) == [base + 1, base + 2]
        assert "nickname" in _columns(target, "account")
        with target.connection_context():
            assert schema_version(target) == base + 2
            indexed = [index.columns for index in target.get_indexes("account")]
        assert ["nickname"] in indexed
        assert dbm.migrate(target) == []
    finally:
        _close(target)

    opened = _reopen(db_url)
    try:
        with opened.connection_context():
            assert [a.name for a in Account.select()] == ["Acme"]
    finally:
        _close(opened)


def test_a_failing_step_leaves_the_last_good_version(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first step is applied and recorded; the second fails and leaves no trace; the error propagates."""
    base = dbm.SCHEMA_VERSION
    _with_steps(monkeypatch, {base + 1: _add_nickname, base + 2: _broken})
    target = connect(db_url)
    try:
        with pytest.raises(RuntimeError, match="second step"):
            dbm.migrate(target)
        with target.connection_context():
            assert schema_version(target) == base + 1
        assert "nickname" in _columns(target, "account")
    finally:
        _close(target)


def test_a_missing_step_is_reported(db: Database, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """A version gap with no step: a message naming the version, nothing half-done."""
    base = dbm.SCHEMA_VERSION
    _with_steps(monkeypatch, {base + 1: _add_nickname, base + 2: _index_nickname})
    monkeypatch.setattr(dbm, "MIGRATIONS", {base + 2: _index_nickname})
    target = connect(db_url)
    try:
        with pytest.raises(DatabaseError, match=f"no upgrade step to schema version {base + 1}"):
            dbm.migrate(target)
        with target.connection_context():
            assert schema_version(target) == base
    finally:
        _close(target)


def test_migrate_refuses_a_newer_database(db: Database, db_url: str) -> None:
    """migrate never downgrades: a newer database is refused with the upgrade hint."""
    _set_version(db, "7")
    target = connect(db_url)
    try:
        with pytest.raises(SchemaTooNew, match="upgrade acct-tui"):
            dbm.migrate(target)
    finally:
        _close(target)


def test_migrate_works_before_anything_is_bound(tmp_path: Path) -> None:
    """`acct-tui migrate` builds its own connection; it must not depend on an earlier open."""
    path = tmp_path / "fresh.db"
    first = open_database(str(path))
    _close(first)
    dbm.database_proxy.initialize(None)
    target = connect(str(path))
    try:
        assert dbm.migrate(target) == []
    finally:
        _close(target)


def test_migration_2_adds_health_history_to_a_version_1_database(db: Database, db_url: str) -> None:
    """A version-1 database (no health_history) is refused until `migrate` adds the table; data is kept."""
    from acct_tui.models import HealthHistory

    with db.connection_context():
        owner = Agent.create(login="sam", name="Sam")
        Account.create(name="Acme", sort_name="acme", owner=owner)
        db.drop_tables([HealthHistory])
        dbm.set_schema_version(1)
    _close(db)
    with pytest.raises(SchemaTooOld, match="acct-tui migrate"):
        _reopen(db_url)
    target = connect(db_url)
    try:
        assert dbm.migrate(target) == [2, 3, 4]
        assert {"account_id", "day", "score", "band"} <= _columns(target, "health_history")
        with target.connection_context():
            unique = [ix.columns for ix in target.get_indexes("health_history") if ix.unique]
        assert ["account_id", "day"] in unique
    finally:
        _close(target)
    opened = _reopen(db_url)
    try:
        with opened.connection_context():
            account = Account.get(Account.name == "Acme")
            HealthHistory.create(account=account, day=dt.date(2026, 11, 27), score=80, band="healthy")
            assert HealthHistory.select().count() == 1
    finally:
        _close(opened)


ONLY_POSTGRES = pytest.param(
    "postgres", marks=pytest.mark.skipif(pg_url() is None, reason=f"set {PG_ENV} to run on PostgreSQL")
)


@pytest.mark.parametrize("db_url", [ONLY_POSTGRES], indirect=True)
@pytest.mark.parametrize("failing", ["CREATE EXTENSION", "gin_trgm_ops"])
def test_postgresql_without_a_usable_trigram_index_still_opens(
    db_url: str, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """No rights for the extension, or it lives off the search path: the schema is still created and versioned."""
    from playhouse.pool import PooledPostgresqlDatabase

    real = PooledPostgresqlDatabase.execute_sql

    def refuse(self: Any, sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if failing in sql:
            sql = "SELECT 1 / 0"  # a real server error, which aborts the transaction as the refusal would
        return real(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(PooledPostgresqlDatabase, "execute_sql", refuse)
    database = open_database(db_url)
    try:
        with database.connection_context():
            assert schema_version(database) == dbm.SCHEMA_VERSION
    finally:
        _close(database)


_V3_COLUMNS = {
    "account": ("phone", "city", "country", "employees", "client_since"),
    "contact": ("removed_at",),
    "subscription": ("end_on", "notes", "external_id", "created_at", "version"),
    "follow_up": ("first_due_on",),
    "concern": ("resolution",),
}


def test_version_3_upgrades_a_version_2_database_keeping_its_rows(db: Database, db_url: str) -> None:
    """A v2 database (no account details, no walk marks): migrate adds them and the rows stay."""
    with db.connection_context():
        owner = Agent.create(login="sam", name="Sam")
        Account.create(name="Acme", sort_name="acme", owner=owner)
        db.execute_sql("DROP TABLE walk_mark")
        db.execute_sql("DROP TABLE saved_view")
        db.execute_sql("DROP INDEX subscription_external_id")
        for table, columns in _V3_COLUMNS.items():
            for column in columns:
                db.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    _set_version(db, "2")
    with pytest.raises(SchemaTooOld):
        _reopen(db_url)
    target = connect(db_url)
    try:
        assert dbm.migrate(target) == [3, 4]
        for table, columns in _V3_COLUMNS.items():
            assert set(columns) <= _columns(target, table)
        with target.connection_context():
            assert {"walk_mark", "saved_view"} <= set(target.get_tables())
    finally:
        _close(target)
    opened = _reopen(db_url)
    try:
        with opened.connection_context():
            acme = Account.get(Account.name == "Acme")
            assert (acme.phone, acme.employees, acme.client_since) == ("", None, None)
    finally:
        _close(opened)


def test_version_4_adds_where_a_captured_touch_came_from(db: Database, db_url: str) -> None:
    """A v3 database (no source_ref): migrate adds the column and its unique index on activities and follow-ups,
    and the rows already there came from no capture."""
    from acct_tui.models import Activity

    with db.connection_context():
        owner = Agent.create(login="sam", name="Sam")
        acme = Account.create(name="Acme", sort_name="acme", owner=owner)
        for table in ("activity", "follow_up"):
            db.execute_sql(f"DROP INDEX {table}_source_ref")
            db.execute_sql(f"ALTER TABLE {table} DROP COLUMN source_ref")
        # Only the columns named (and those with a default) are written: none of them is the dropped one.
        Activity.insert(
            account=acme.id, kind="call", occurred_at=dt.datetime(2026, 11, 1, 10), summary="Old call"
        ).execute()
    _set_version(db, "3")
    with pytest.raises(SchemaTooOld):
        _reopen(db_url)
    target = connect(db_url)
    try:
        assert dbm.migrate(target) == [4]
        with target.connection_context():
            for table in ("activity", "follow_up"):
                assert "source_ref" in _columns(target, table)
                unique = [ix.columns for ix in target.get_indexes(table) if ix.unique]
                assert ["source_ref"] in unique
    finally:
        _close(target)
    opened = _reopen(db_url)
    try:
        with opened.connection_context():
            assert Activity.get(Activity.summary == "Old call").source_ref is None
    finally:
        _close(opened)
