"""Backups while agents write, guarded restores, and refusing a damaged SQLite file at open."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pytest

from acct_tui import dbfile
from acct_tui.clock import FixedClock
from acct_tui.db import DatabaseError, open_database
from acct_tui.services.context import Ctx
from acct_tui.services.io.backup import BackupError, backup_database, check_file, restore_database
from acct_tui.services.writes import accounts
from acct_tui.services.writes.agents import resolve_agent
from tests.conftest import TODAY


def _database(path: Path, accounts_count: int = 20) -> Ctx:
    open_database(str(path))
    ctx = Ctx(agent=resolve_agent("manager"), clock=FixedClock.on(TODAY))
    for index in range(accounts_count):
        accounts.create_account(ctx, {"name": f"Account {index}", "notes": "x" * 500})
    return ctx


def _close(path: Path) -> None:
    from acct_tui.models import database_proxy

    with database_proxy.connection_context():
        database_proxy.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database_proxy.obj.close()


def _counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        accounts_n = conn.execute("SELECT COUNT(*) FROM account").fetchone()[0]
        created = conn.execute("SELECT COUNT(*) FROM audit_entry WHERE entity = 'account'").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return accounts_n, created


def test_backup_is_consistent_while_another_thread_writes(tmp_path: Path) -> None:
    """A backup taken while accounts are being created holds whole transactions only and passes integrity_check."""
    path = tmp_path / "live.db"
    ctx = _database(path)
    stop = threading.Event()
    written = []

    def writer() -> None:
        index = 0
        while not stop.is_set():
            accounts.create_account(ctx, {"name": f"Busy {index}"})
            written.append(index)
            index += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        copies = [backup_database(str(path), tmp_path / f"copy{i}.db") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    assert written, "the writer made progress"
    for result in copies:
        count, created = _counts(result.path)
        assert count == created and count >= 20
        assert not Path(f"{result.path}-wal").exists()


def test_backup_refuses_to_overwrite_and_explains_postgresql(tmp_path: Path) -> None:
    """An existing backup file needs --force; PostgreSQL gets the pg_dump command to run."""
    path = tmp_path / "a.db"
    _database(path, 1)
    backup_database(str(path), tmp_path / "b.db")
    with pytest.raises(BackupError, match="--force"):
        backup_database(str(path), tmp_path / "b.db")
    backup_database(str(path), tmp_path / "b.db", force=True)
    with pytest.raises(
        BackupError, match=re.escape("pg_dump --format=custom --file out.dump 'postgresql://desk@db:5432/acct'")
    ):
        backup_database("postgresql://desk:secret@db:5432/acct", "out.dump")


def test_restore_refuses_an_existing_database_without_force(tmp_path: Path) -> None:
    """Restore over a live database needs --force, checks the backup first and keeps what it replaced."""
    source = tmp_path / "source.db"
    _database(source, 3)
    saved = backup_database(str(source), tmp_path / "saved.db").path
    target = tmp_path / "target.db"
    _database(target, 7)
    _close(target)
    with pytest.raises(BackupError, match="--force"):
        restore_database(str(target), saved)
    assert _counts(target)[0] == 7
    result = restore_database(str(target), saved, force=True, as_login="manager")
    assert _counts(target)[0] == 3
    assert result.replaced is not None and _counts(result.replaced)[0] == 7
    fresh = tmp_path / "fresh.db"
    restore_database(str(fresh), saved)
    assert _counts(fresh)[0] == 3


def test_restore_refuses_files_that_are_not_acct_tui_backups(tmp_path: Path) -> None:
    """A text file, a foreign SQLite file or a damaged backup is refused before anything is replaced."""
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore_database(str(tmp_path / "t.db"), text)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE x (y)")
    with pytest.raises(BackupError, match="not an acct-tui database"):
        restore_database(str(tmp_path / "t.db"), foreign)
    assert not (tmp_path / "t.db").exists()


def _corrupt(path: Path) -> None:
    """Overwrite the first page of the account table's b-tree with garbage."""
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'account'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(bytes((i * 37) % 251 for i in range(page_size // 2)))


def test_a_damaged_file_is_refused_at_open(tmp_path: Path) -> None:
    """Opening a SQLite file with a corrupted page fails with a clear message and leaves the file as it was."""
    path = tmp_path / "damaged.db"
    _database(path, 50)
    _close(path)
    _corrupt(path)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match=r"is damaged \(Page \d+: btreeInitPage.*\); acct-tui will not write to it"):
        open_database(str(path))
    assert path.read_bytes() == before
    with pytest.raises(BackupError):
        restore_database(str(tmp_path / "new.db"), path)


def test_the_start_check_stays_bounded_on_big_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the size limit only the small tables are checked, and a truncated or foreign file is still caught."""
    path = tmp_path / "big.db"
    _database(path, 5)
    _close(path)
    monkeypatch.setattr(dbfile, "FULL_CHECK_BYTES", 0)
    check_file(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatabaseError, match="damaged"):
        check_file(path)
    path.write_bytes(b"not a database at all" * 10)
    with pytest.raises(DatabaseError, match="not a SQLite database"):
        open_database(str(path))
