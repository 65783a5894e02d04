"""Backups, restores and the integrity check a SQLite file gets before it is used.

- `backup_database` copies a SQLite database with SQLite's online backup
  API: one consistent snapshot while other agents keep writing (WAL lets
  them). The copy is checked and made a single self-contained file.
  PostgreSQL is backed up with its own tool; the error says which command.
- `restore_database` puts a backup in place of a database, only after the
  file proves to be an intact acct-tui database, and only over an existing
  database when forced; the database it replaces is kept beside it.
- `check_integrity` runs when the app opens a SQLite file: a damaged file is
  refused with a clear message before anything writes to it. It reads
  through its own read-only connection and stays quick on big files.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from peewee import Database, SqliteDatabase

from acct_tui.db import SCHEMA_VERSION, DatabaseError, DatabaseUrl, parse_url
from acct_tui.dbfile import check_file, check_location, create_file, open_readonly
from acct_tui.services.errors import NotAllowed


class BackupError(DatabaseError):
    """A backup or restore cannot go ahead; the message says what to do."""


def check_integrity(db: Database, *, full: bool | None = None) -> None:
    """The start-up check for a SQLite database (PostgreSQL looks after itself)."""
    if isinstance(db, SqliteDatabase):
        check_file(Path(str(db.database)), full=full)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    seconds: float


def _pg_hint(spec: DatabaseUrl, tool: str, target: str) -> BackupError:
    if tool == "pg_dump":
        command = f"pg_dump --format=custom --file {target} '{spec.display}'"
        return BackupError(f"a PostgreSQL database is backed up with pg_dump; run: {command}")
    command = f"pg_restore --clean --if-exists --dbname '{spec.display}' {target}"
    return BackupError(f"a PostgreSQL database is restored with pg_restore; run: {command}")


def backup_database(url: str | DatabaseUrl, destination: str | Path, *, force: bool = False) -> BackupResult:
    """Copy the database at `url` to `destination` as one consistent, checked SQLite file."""
    import time

    spec = parse_url(url) if isinstance(url, str) else url
    target = Path(destination).expanduser()
    if spec.kind != "sqlite":
        raise _pg_hint(spec, "pg_dump", str(target))
    source = Path(spec.path)
    if not source.exists():
        raise BackupError(f"no database at {source}; nothing to back up")
    if target.resolve() == source.resolve():
        raise BackupError("the backup file cannot be the database itself; choose another name")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; choose another name or add --force to replace it")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    check_file(source)
    started = time.perf_counter()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with sqlite3.connect(str(source), timeout=30) as src, sqlite3.connect(str(partial)) as dst:
            src.backup(dst)  # one step: a consistent snapshot while writers carry on in the WAL
            dst.execute("PRAGMA journal_mode=DELETE")
        check_file(partial, full=True)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup to {target} failed: {exc}") from None
    except DatabaseError:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started)


def describe_backup(path: Path) -> int:
    """The schema version of an acct-tui backup; raises BackupError when it is not one."""
    if not path.exists():
        raise BackupError(f"no file at {path}")
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give the backup file")
    try:
        check_file(path, full=True)
    except DatabaseError as exc:
        raise BackupError(f"{path} cannot be restored: {exc}") from None
    try:
        with open_readonly(path) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_meta" not in tables or "account" not in tables:
                raise BackupError(f"{path} is a SQLite file but not an acct-tui database")
            row = conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone()
            integrity = conn.execute("PRAGMA integrity_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database: {exc}") from None
    if [r[0] for r in integrity] != ["ok"]:
        raise BackupError(f"{path} fails its integrity check ({integrity[0][0]}); it cannot be restored")
    if row is None or not str(row[0]).isdigit():
        raise BackupError(f"{path} has no acct-tui schema version; it is not an acct-tui backup")
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise BackupError(f"{path} is at schema version {version}, newer than this acct-tui ({SCHEMA_VERSION})")
    return version


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    replaced: Path | None
    schema_version: int


def restore_database(
    url: str | DatabaseUrl, backup: str | Path, *, force: bool = False, as_login: str | None = None
) -> RestoreResult:
    """Replace the database at `url` with the backup file, keeping what it replaces beside it.

    Over an existing database, `as_login` must be one of its admins (when it
    has agents at all), and the whole restore runs under the database's write
    lock: the copy it keeps and the replacement are made in one transaction,
    so a write acknowledged to another agent is in one or the other, never lost.
    """
    spec = parse_url(url) if isinstance(url, str) else url
    source = Path(backup).expanduser()
    if spec.kind != "sqlite":
        raise _pg_hint(spec, "pg_restore", str(source))
    version = describe_backup(source)
    target = Path(spec.path)
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup and the database are the same file")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give the database file with --db")
    check_location(target)
    if not (target.exists() and target.stat().st_size > 0):
        create_file(target)
        try:
            with sqlite3.connect(str(source)) as src, sqlite3.connect(str(target), timeout=30) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise BackupError(f"the restore into {target} failed ({exc})") from None
        check_file(target, full=True)
        return RestoreResult(target, None, version)
    if not force:
        raise BackupError(
            f"there is already a database at {target}; restoring replaces everything in it. "
            "Add --force to go ahead (the current database is kept as a copy beside it)"
        )
    check_file(target, full=True)
    _require_admin_of(target, as_login)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    replaced = target.with_name(f"{target.stem}.before-restore-{stamp}{target.suffix or '.db'}")
    try:
        _replace_under_lock(target, source, replaced)
    except sqlite3.Error as exc:
        raise BackupError(f"the restore into {target} failed ({exc}); nothing was changed") from None
    check_file(target, full=True)
    return RestoreResult(target, replaced, version)


def _require_admin_of(target: Path, login: str | None) -> None:
    """Only an admin of the database being replaced may replace it (a database without agents: anyone
    who may write the file)."""
    try:
        with open_readonly(target) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "agent" not in tables or conn.execute("SELECT 1 FROM agent LIMIT 1").fetchone() is None:
                return
            row = conn.execute("SELECT role, active FROM agent WHERE login = ?", (login,)).fetchone() if login else None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{target} cannot be read ({exc}); restore into a new file instead") from None
    if row is None or row[0] != "admin" or not row[1]:
        who = f"{login} is not one" if login else "say which admin you are with --agent"
        raise NotAllowed(
            f"only an admin of the database at {target} can restore over it; {who} (acct-tui agent list shows the admins)"
        )


def _replace_under_lock(target: Path, source: Path, replaced: Path) -> None:
    """Copy `target` to `replaced`, then replace its contents with `source`'s, all under its write lock."""
    conn = sqlite3.connect(str(target), timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")  # tables are dropped and refilled in any order
        conn.execute("ATTACH DATABASE ? AS restored", (str(source),))
        conn.execute("BEGIN IMMEDIATE")  # from here no other connection commits until we do
        try:
            # Read through a connection of its own (a reader is never blocked by the write lock):
            # the database as the last acknowledged write left it, and no write can follow it now.
            with open_readonly(target) as reader, sqlite3.connect(str(replaced)) as keep:
                reader.backup(keep)
                keep.execute("PRAGMA journal_mode=DELETE")
            _copy_contents(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("DETACH DATABASE restored")
    finally:
        conn.close()


def _copy_contents(conn: sqlite3.Connection) -> None:
    """Inside the open transaction: make `main` hold exactly what `restored` holds."""

    def objects(schema: str) -> list[tuple[str, str, str | None]]:
        query = f"SELECT type, name, sql FROM {schema}.sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        return [(kind, name, sql) for kind, name, sql in conn.execute(query)]

    def shadows(listing: list[tuple[str, str, str | None]]) -> set[str]:
        virtual = [
            name for kind, name, sql in listing if kind == "table" and (sql or "").upper().startswith("CREATE VIRTUAL")
        ]
        return {name for kind, name, _ in listing if any(name.startswith(f"{v}_") for v in virtual)}

    mine = objects("main")
    skip = shadows(mine)
    for kind in ("trigger", "view", "index", "table"):
        for found, name, sql in mine:
            if found == kind and name not in skip and (kind != "index" or sql is not None):
                conn.execute(f'DROP {kind.upper()} IF EXISTS main."{name}"')
    theirs = objects("restored")
    skip = shadows(theirs)
    virtual = []
    for kind, name, sql in theirs:
        if kind == "table" and name not in skip and sql:
            conn.execute(sql)
            if sql.upper().startswith("CREATE VIRTUAL"):
                virtual.append(name)
            else:
                conn.execute(f'INSERT INTO main."{name}" SELECT * FROM restored."{name}"')
    for kind, _name, sql in theirs:
        if kind in ("index", "view", "trigger") and sql:
            conn.execute(sql)
    for name in virtual:  # a full-text index is rebuilt from the rows it indexes
        conn.execute(f'INSERT INTO main."{name}"("{name}") VALUES (\'rebuild\')')
    if conn.execute("SELECT 1 FROM restored.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        conn.execute("DELETE FROM main.sqlite_sequence")
        conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM restored.sqlite_sequence")
