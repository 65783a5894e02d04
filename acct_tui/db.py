"""Opening a database from a URL, its pragmas, and its schema version.

A URL is `sqlite:///path.db`, a plain file path, or
`postgresql://user@host:port/db`. `open_database` binds the one
`database_proxy` of `acct_tui.models`; a fresh database is created at the
current schema version, an older one must be upgraded with `acct-tui migrate`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from peewee import CharField, Database, OperationalError, PostgresqlDatabase, SqliteDatabase

from acct_tui.dbfile import DatabaseError as DatabaseError
from acct_tui.dbfile import (
    before_write,
    check_file,
    check_in_background,
    check_location,
    checks_started,
    create_file,
    remove_stale_scratch,
)
from acct_tui.models import ALL_MODELS, SchemaMeta, database_proxy

SCHEMA_VERSION = 4

SQLITE_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -8_000,
}

Migration = Callable[[Database], None]


def _add_health_history(db: Database) -> None:
    """Version 2: the health_history table (a row per account per day its score changed)."""
    from acct_tui.models import HealthHistory

    db.create_tables([HealthHistory])


def _v3_account_details_products_walk(db: Database) -> None:
    """Version 3: account details from CRMs (phone, city, country, employees, client since),
    contacts that can be removed, subscriptions that end, the first promised due date of a
    follow-up, a concern's resolution, the walk's marks and saved views."""
    from playhouse.migrate import SchemaMigrator
    from playhouse.migrate import migrate as apply_operations

    from acct_tui.models import Account, Concern, Contact, FollowUp, SavedView, Subscription, WalkMark

    migrator = SchemaMigrator.from_database(db)
    added = [
        ("account", "phone", Account.phone),
        ("account", "city", Account.city),
        ("account", "country", Account.country),
        ("account", "employees", Account.employees),
        ("account", "client_since", Account.client_since),
        ("contact", "removed_at", Contact.removed_at),
        ("subscription", "end_on", Subscription.end_on),
        ("subscription", "notes", Subscription.notes),
        ("subscription", "external_id", Subscription.external_id),
        ("subscription", "created_at", Subscription.created_at),
        ("subscription", "version", Subscription.version),
        ("follow_up", "first_due_on", FollowUp.first_due_on),
        ("concern", "resolution", Concern.resolution),
    ]
    operations = []
    for table, column, field in added:
        if column not in {c.name for c in db.get_columns(table)}:
            if column == "external_id":
                # SQLite cannot add a UNIQUE column: the column first, its unique index after.
                operations.append(migrator.add_column(table, column, CharField(max_length=120, null=True)))
                operations.append(migrator.add_index(table, (column,), True))
            else:
                operations.append(migrator.add_column(table, column, field))
    apply_operations(*operations)
    db.create_tables([WalkMark, SavedView])


def _v4_captured_touches(db: Database) -> None:
    """Version 4: where a captured touch came from (a mail's Message-ID, a calendar event's UID),
    on activities and on the follow-ups that plan a meeting, so a second capture adds nothing.

    The columns are NULL by default (old rows, and rows an older acct-tui writes, came from no
    capture); the unique index is both the lookup and the guard against a touch logged twice.
    """
    from playhouse.migrate import SchemaMigrator
    from playhouse.migrate import migrate as apply_operations

    migrator = SchemaMigrator.from_database(db)
    operations = []
    for table in ("activity", "follow_up"):
        if "source_ref" not in {c.name for c in db.get_columns(table)}:
            # SQLite cannot add a UNIQUE column: the column first, its unique index after.
            operations.append(migrator.add_column(table, "source_ref", CharField(max_length=255, null=True)))
            operations.append(migrator.add_index(table, ("source_ref",), True))
    apply_operations(*operations)


# Target version -> the step that upgrades a database from the version before it.
MIGRATIONS: dict[int, Migration] = {
    2: _add_health_history,
    3: _v3_account_details_products_walk,
    4: _v4_captured_touches,
}

UNREADABLE_VERSION = "this database's schema version is unreadable; restore a backup or use a new database"
_CANNOT_OPEN = "unable to open database file"
"""SQLite's whole message when a file or its journal cannot be opened (a read-only folder, a kernel file)."""
VERSIONLESS = "this database has acct-tui tables but no schema version; restore a backup or use a new database"


class SchemaTooOld(DatabaseError):
    pass


class SchemaTooNew(DatabaseError):
    pass


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed database location."""

    kind: str  # "sqlite" or "postgresql"
    path: str = ""  # SQLite file
    dsn: str = ""  # PostgreSQL URL as given

    @property
    def display(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        parsed = urlparse(self.dsn)
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        user = f"{parsed.username}@" if parsed.username else ""
        return f"postgresql://{user}{netloc}{parsed.path}"


def parse_url(url: str) -> DatabaseUrl:
    """Read a database URL or a plain SQLite file path."""
    text = url.strip()
    if not text:
        raise DatabaseError("the database URL is empty; give a file path or postgresql://...")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgres", "postgresql"):
        parsed = urlparse(text)
        if not parsed.path.strip("/"):
            raise DatabaseError(f"{text!r} names no database; use postgresql://user@host:5432/dbname")
        return DatabaseUrl("postgresql", dsn=text)
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as SQLAlchemy and peewee read them.
        path = text[len("sqlite:///") :] if text.startswith("sqlite:///") else text[len("sqlite://") :]
        if not path or path == ":memory:":
            raise DatabaseError("an in-memory database keeps nothing; give a file path")
        return DatabaseUrl("sqlite", path=str(Path(path).expanduser()))
    if scheme:
        raise DatabaseError(
            f"unknown database scheme {scheme!r}; use a file path, sqlite:///file.db or postgresql://..."
        )
    if text == ":memory:":
        raise DatabaseError("an in-memory database keeps nothing; give a file path")
    return DatabaseUrl("sqlite", path=str(Path(text).expanduser()))


# Asked every few thousand steps of a running SQLite query: true aborts it.
# The dashboard sets it to "this thread's worker was cancelled", so a query a
# newer keystroke made stale stops instead of holding a core.
_abandoned: Callable[[], bool] | None = None


def set_abandon_check(check: Callable[[], bool] | None) -> None:
    global _abandoned
    _abandoned = check


def _progress() -> int:
    return 1 if _abandoned is not None and _abandoned() else 0


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "REINDEX", "VACUUM")


class AcctSqliteDatabase(SqliteDatabase):
    """SQLite with a progress handler that lets an abandoned query stop early, and writes that
    wait for the background check of a big file (`acct_tui.dbfile.check_in_background`)."""

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if checks_started() and sql.lstrip()[:7].upper().startswith(_WRITES):
            before_write(self.database)
        return super().execute_sql(sql, params)  # type: ignore[no-untyped-call]

    def _initialize_connection(self, conn: Any) -> None:
        # peewee's hook for a freshly opened connection (its own does nothing), run after the pragmas.
        conn.set_progress_handler(_progress, 20_000)


def connect(url: str | DatabaseUrl) -> Database:
    """Build (but do not open) a peewee database for a URL."""
    spec = parse_url(url) if isinstance(url, str) else url
    if spec.kind == "sqlite":
        return AcctSqliteDatabase(
            spec.path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=10, check_same_thread=False
        )
    from playhouse.db_url import parse as parse_db_url
    from playhouse.pool import PooledPostgresqlDatabase

    params = parse_db_url(spec.dsn)
    name = params.pop("database")
    database: Database = PooledPostgresqlDatabase(name, max_connections=32, stale_timeout=300, **params)
    return database


def is_postgres(db: Database | None = None) -> bool:
    target = db if db is not None else database_proxy.obj
    return isinstance(target, PostgresqlDatabase)


BULK_ROWS = 10_000
"""A write of this many rows or more refreshes the planner's statistics."""


def after_bulk_write(rows: int) -> None:
    """Refresh the planner's statistics after a write of `rows` rows (an import, a checkpoint run).

    PostgreSQL plans from them, and until autovacuum comes round a million fresh
    rows look like none: a client detail took seconds instead of milliseconds.
    """
    if rows < BULK_ROWS:
        return
    database_proxy.execute_sql("ANALYZE" if is_postgres() else "PRAGMA optimize")


def bind(db: Database) -> None:
    database_proxy.initialize(db)


def open_database(
    url: str | DatabaseUrl, *, create: bool = True, check: bool = True, init: bool = False, read_only: bool = False
) -> Database:
    """Connect to `url`, bind the models to it and make sure the schema is usable.

    A missing SQLite file (and its folder) is created when `create` is true.
    A database that holds other tables and none of acct-tui's is refused
    unless `init` (the `--init` flag) asks for acct-tui's tables beside them.
    `read_only` (a verb that only reads, such as `status`) checks the file's header and small tables but
    not every page: nothing will be written to a damaged file, and a prompt cannot wait for the check.
    Raises `DatabaseError` with a message that says what to do.
    """
    spec = parse_url(url) if isinstance(url, str) else url
    if spec.kind == "sqlite":
        path = Path(spec.path)
        if not path.exists() and not create:
            raise DatabaseError(f"no database at {path}; run acct-tui with --db pointing at an existing file")
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder; give a database file path")
        check_location(path)
        if check and read_only and path.exists():
            check_file(path, full=False)
        elif check and path.exists() and not check_file(path):
            # Before anything connects: a damaged file is refused, never written to
            # (a big one's pages are read in the background; writes wait for that).
            check_in_background(path)
        remove_stale_scratch(path)
        if not path.exists():
            create_file(path)
    db = connect(spec)
    bind(db)
    try:
        with db.connection_context():
            if check:
                ensure_schema(db, create=create, init=init)
    except OperationalError as exc:
        hint = "; check that the file and its folder can be written" if _CANNOT_OPEN in str(exc) else ""
        raise DatabaseError(f"cannot open {spec.display}: {exc}{hint}") from exc
    except Exception as exc:  # driver errors carry no common base beyond this
        if isinstance(exc, DatabaseError):
            raise
        raise DatabaseError(f"cannot open {spec.display}: {exc}".strip()) from exc
    return db


def schema_version(db: Database) -> int | None:
    """The stored schema version, or None for a database acct-tui never touched."""
    if not db.table_exists(SchemaMeta._meta.table_name):
        return None
    row = SchemaMeta.get_or_none(SchemaMeta.key == "schema_version")
    if row is None:
        return None
    try:
        return int(row.value)
    except ValueError:
        return -1


def ensure_schema(db: Database, *, create: bool = True, init: bool = False) -> None:
    version = schema_version(db)
    if version is None:
        _refuse_versionless(db)
        if not create:
            raise DatabaseError("this database has no acct-tui schema; give the path of an acct-tui database")
        _refuse_foreign(db, init=init)
        create_schema(db)
        return
    if version < 1:
        raise DatabaseError(UNREADABLE_VERSION)
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(_too_new(version))
    if version < SCHEMA_VERSION:
        raise SchemaTooOld(
            f"this database is at schema version {version}; this acct-tui needs {SCHEMA_VERSION}. "
            "Back it up, then run: acct-tui migrate"
        )
    repair_schema(db)


def _refuse_versionless(db: Database) -> None:
    """A database holding our tables without a version is not ours to adopt or overwrite."""
    ours = {m._meta.table_name for m in ALL_MODELS}
    if any(table in ours for table in db.get_tables()):
        raise DatabaseError(VERSIONLESS)


def _tables(db: Database) -> set[str]:
    """The tables of the database (on PostgreSQL, of the schema in use), SQLite's own left out."""
    return {name for name in db.get_tables() if not name.startswith("sqlite_")}


def _refuse_foreign(db: Database, *, init: bool) -> None:
    """Another program's database does not get acct-tui's tables created in it by a mistyped --db."""
    others = sorted(_tables(db))
    if others and not init:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise DatabaseError(
            f"this database is not acct-tui's: it holds other tables ({shown}); give --db a new or empty file, "
            "or add --init to create acct-tui's tables beside them"
        )


def _too_new(version: int) -> str:
    return (
        f"this database is at schema version {version}, newer than this acct-tui "
        f"understands ({SCHEMA_VERSION}); upgrade acct-tui (pip install -U acct-tui)"
    )


def set_schema_version(version: int) -> None:
    SchemaMeta.insert(key="schema_version", value=str(version)).on_conflict(
        conflict_target=[SchemaMeta.key], update={SchemaMeta.value: str(version)}
    ).execute()


def create_schema(db: Database) -> None:
    """Create every table, index and search structure at the current version."""
    with db.atomic():
        db.create_tables(ALL_MODELS)
        create_search(db)
        set_schema_version(SCHEMA_VERSION)


def create_search(db: Database) -> None:
    """Full-text search over the account's search text (name, domain, industry, contacts)."""
    if is_postgres(db):
        try:
            # One savepoint for both: the extension may exist in a schema off the
            # search path, and then the index fails; neither may abort the schema's transaction.
            with db.atomic():
                db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                db.execute_sql(
                    "CREATE INDEX IF NOT EXISTS account_search_trgm ON account USING gin (search_text gin_trgm_ops)"
                )
        except Exception:  # no rights for the extension: the filter falls back to a scan
            pass
        return
    # Word-prefix search with prefix indexes: "sol" finds Solstice and Solar in a millisecond.
    db.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS account_fts USING fts5("
        "search_text, content='account', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    db.execute_sql(
        "CREATE TRIGGER IF NOT EXISTS account_fts_ai AFTER INSERT ON account BEGIN "
        "INSERT INTO account_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    db.execute_sql(
        "CREATE TRIGGER IF NOT EXISTS account_fts_ad AFTER DELETE ON account BEGIN "
        "INSERT INTO account_fts(account_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
    )
    db.execute_sql(
        "CREATE TRIGGER IF NOT EXISTS account_fts_au AFTER UPDATE OF search_text ON account BEGIN "
        "INSERT INTO account_fts(account_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO account_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )


SEARCH_TRIGGERS = ("account_fts_ai", "account_fts_ad", "account_fts_au")
"""The SQLite triggers that keep the search index in step with the accounts."""
PG_NAME_LENGTH = 63


def expected_schema_objects(db: Database) -> set[str]:
    """The names of every index (and, on SQLite, search trigger) the current schema has."""
    names = {index._name for model in ALL_MODELS for index in model._meta.fields_to_index()}
    if is_postgres(db):
        return {name[:PG_NAME_LENGTH] for name in names}
    return names | set(SEARCH_TRIGGERS)


def missing_tables(db: Database) -> list[str]:
    """The tables of the current schema that an acct-tui database lacks (dropped by hand, a partial restore)."""
    return sorted({model._meta.table_name for model in ALL_MODELS} - _tables(db))


def _missing_tables_error(names: list[str]) -> DatabaseError:
    what = f"the table {names[0]}" if len(names) == 1 else f"the tables {', '.join(names)}"
    them = "it" if len(names) == 1 else "them"
    return DatabaseError(
        f"this database is missing {what}; restore a backup (acct-tui restore BACKUP --force, with the same --db), "
        f"or run acct-tui migrate to recreate {them} empty"
    )


def repair_schema(db: Database, *, recreate_tables: bool = False) -> list[str]:
    """Recreate any index or search trigger that is missing; returns the names that were.

    One query at start-up: an interrupted bulk load of an older acct-tui, or a
    hand-made restore, can leave the tables without them, and then the filter
    silently finds nothing and every list scans. A missing table is data lost:
    it is refused, naming it, unless `recreate_tables` (what `migrate` does)
    creates it again, empty.
    """
    if is_postgres(db):
        query = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger', 'table')"
    raw: Any = db  # peewee's execute_sql is untyped
    present = {row[0] for row in raw.execute_sql(query)}
    lost = [model for model in ALL_MODELS if model._meta.table_name not in present]
    if lost and not recreate_tables:
        raise _missing_tables_error(sorted(model._meta.table_name for model in lost))
    missing = sorted(expected_schema_objects(db) - present)
    search_lost = not is_postgres(db) and "account_fts" not in present
    if not missing and not lost and not search_lost:
        return []
    with db.atomic():
        if lost:
            db.create_tables(lost)
        for model in ALL_MODELS:
            model._schema.create_indexes(safe=True)  # type: ignore[attr-defined]
        if search_lost or any(name in SEARCH_TRIGGERS for name in missing):
            create_search(db)
            # Rows written while the triggers were gone are missing from the index.
            raw.execute_sql("INSERT INTO account_fts(account_fts) VALUES ('rebuild')")
    return [model._meta.table_name for model in lost] + missing


def migrate(db: Database, *, init: bool = False) -> list[int]:
    """Upgrade the database step by step to the current version; returns the versions applied.

    Binds the models to `db` first, as `open_database` does: the version is
    read and written through them. A table missing from a current database is
    created again, empty; a database of another program's tables is refused
    unless `init`.
    """
    bind(db)
    path = sqlite_path(db)
    if path and Path(path).exists():
        check_file(Path(path), full=True)  # an upgrade writes everywhere: every page is checked first
    applied: list[int] = []
    with db.connection_context():
        version = schema_version(db)
        if version is None:
            _refuse_versionless(db)
            _refuse_foreign(db, init=init)
            create_schema(db)
            return [SCHEMA_VERSION]
        if version < 1:
            raise DatabaseError(UNREADABLE_VERSION)
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(_too_new(version))
        for target in range(version + 1, SCHEMA_VERSION + 1):
            step = MIGRATIONS.get(target)
            if step is None:
                raise DatabaseError(f"no upgrade step to schema version {target}; reinstall acct-tui")
            with db.atomic():
                step(db)
                set_schema_version(target)
            applied.append(target)
        repair_schema(db, recreate_tables=True)
    return applied


def describe(url: str | DatabaseUrl) -> str:
    spec = parse_url(url) if isinstance(url, str) else url
    return spec.display


def sqlite_path(db: Database) -> str | None:
    if isinstance(db, SqliteDatabase):
        return str(db.database)
    return None


def env_url() -> str | None:
    return os.environ.get("ACCT_TUI_DB") or None
