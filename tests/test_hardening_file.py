"""A damaged SQLite file is never written to, whatever its size: past the start-up check's size
limit the remaining pages are checked in the background and every write waits for that check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from acct_tui import dbfile
from acct_tui.clock import FixedClock
from acct_tui.db import DatabaseError, connect, migrate, open_database
from acct_tui.models import database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.io.seed import seed
from acct_tui.services.writes import accounts
from acct_tui.services.writes.agents import resolve_agent
from tests.conftest import TODAY


@pytest.fixture(autouse=True)
def _fresh_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no background check, and every file counts as big."""
    monkeypatch.setattr(dbfile, "_checks", {})
    monkeypatch.setattr(dbfile, "FULL_CHECK_BYTES", 0)


def _database(path: Path) -> None:
    open_database(str(path))
    seed(60, seed_value=1, today=TODAY, agents=2, admin_login="boss")
    with database_proxy.connection_context():
        database_proxy.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database_proxy.obj.close()


def _corrupt_deep_page(path: Path) -> None:
    """Overwrite a leaf page of the activity table, one the bounded check never reads."""
    with sqlite3.connect(path) as conn:
        pages = conn.execute("SELECT pageno FROM dbstat WHERE name = 'activity' AND pagetype = 'leaf'").fetchall()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    page = pages[len(pages) // 2][0]
    with path.open("r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(bytes((i * 37) % 251 for i in range(page_size)))


def _ctx() -> Ctx:
    return Ctx(agent=resolve_agent("boss"), clock=FixedClock.on(TODAY, hour=10))


def test_a_big_damaged_file_opens_for_reading_and_refuses_every_write(tmp_path: Path) -> None:
    """Damage deep in a big file passes the bounded start check, then the first write is refused and the file stays as it was."""
    path = tmp_path / "big.db"
    _database(path)
    _corrupt_deep_page(path)
    before = path.read_bytes()
    open_database(str(path))
    ctx = _ctx()
    with pytest.raises(DatabaseError, match=r"is damaged .*acct-tui will not write to it"):
        accounts.create_account(ctx, {"name": "New", "tier": "gold"})
    database_proxy.obj.close()
    assert path.read_bytes() == before


def test_a_big_intact_file_takes_writes_once_checked(tmp_path: Path) -> None:
    """On an intact big file the write waits for the full check and then goes through."""
    path = tmp_path / "big.db"
    _database(path)
    open_database(str(path))
    assert dbfile.checks_started()
    account_id = accounts.create_account(_ctx(), {"name": "New", "tier": "gold"})
    assert account_id > 0


def test_migrate_checks_every_page_first(tmp_path: Path) -> None:
    """`migrate` refuses a damaged file whatever its size, before writing anything."""
    path = tmp_path / "big.db"
    _database(path)
    _corrupt_deep_page(path)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="damaged"):
        migrate(connect(str(path)))
    assert path.read_bytes() == before
