"""`restore --force` while others write: every acknowledged write is in the database it replaced or in
the restored one, never lost; and only an admin of the database restores over it."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from acct_tui.clock import FixedClock
from acct_tui.db import open_database
from acct_tui.models import database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotAllowed
from acct_tui.services.io.backup import backup_database, restore_database
from acct_tui.services.writes.agents import add_agent, resolve_agent
from tests.conftest import TODAY


def _database(path: Path) -> Ctx:
    open_database(str(path))
    ctx = Ctx(agent=resolve_agent("boss"), clock=FixedClock.on(TODAY))
    add_agent(ctx, "sam")
    database_proxy.obj.close()
    return ctx


def _keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT key FROM schema_meta")}


def test_writes_acknowledged_during_a_restore_are_never_lost(tmp_path: Path) -> None:
    """A writer committing as fast as it can through the restore: each committed row survives somewhere."""
    saved_from = tmp_path / "saved-from.db"
    _database(saved_from)
    saved = backup_database(str(saved_from), tmp_path / "saved.db").path
    target = tmp_path / "live.db"
    _database(target)
    acknowledged: list[str] = []
    started = threading.Event()

    def write() -> None:
        conn = sqlite3.connect(target, timeout=30, isolation_level=None)
        for index in range(600):
            key = f"w{index}"
            conn.execute("INSERT INTO schema_meta (key, value) VALUES (?, 'x')", (key,))
            acknowledged.append(key)  # autocommit: the insert is committed once execute returns
            if index == 20:
                started.set()
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    started.wait()
    result = restore_database(str(target), saved, force=True, as_login="boss")
    writer.join()
    assert result.replaced is not None
    lost = set(acknowledged) - _keys(result.replaced) - _keys(target)
    assert lost == set()


def test_only_an_admin_of_the_database_restores_over_it(tmp_path: Path) -> None:
    """A plain agent (or nobody named) is refused and the database is untouched; its admin may restore."""
    saved_from = tmp_path / "saved-from.db"
    _database(saved_from)
    saved = backup_database(str(saved_from), tmp_path / "saved.db").path
    target = tmp_path / "live.db"
    _database(target)
    before = target.read_bytes()
    for login in ("sam", None, "ghost"):
        with pytest.raises(NotAllowed, match="only an admin of the database"):
            restore_database(str(target), saved, force=True, as_login=login)
    assert target.read_bytes() == before
    assert restore_database(str(target), saved, force=True, as_login="boss").replaced is not None
    with sqlite3.connect(target) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        found = conn.execute("SELECT count(*) FROM account_fts").fetchone()[0]
    with sqlite3.connect(saved) as conn:
        assert names == {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert found == conn.execute("SELECT count(*) FROM account_fts").fetchone()[0]
    open_database(str(target))
