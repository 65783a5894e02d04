"""A bulk seed is all or nothing: a failed or killed load leaves the database, its indexes and
its search triggers as they were, no helper process and no scratch folder; start-up repairs a
schema an older version left without its indexes or triggers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from acct_tui.db import SEARCH_TRIGGERS, expected_schema_objects, is_postgres, migrate, open_database
from acct_tui.dbfile import remove_stale_scratch
from acct_tui.models import Account, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.io import seed as seeding
from acct_tui.services.store.unit import reading
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent


def present_objects(db: Any) -> set[str]:
    query = (
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        if is_postgres(db)
        else "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')"
    )
    with db.connection_context():
        return {row[0] for row in db.execute_sql(query)}


def account_count() -> int:
    with reading():
        return int(Account.select().count())


def test_a_failed_bulk_seed_leaves_rows_indexes_and_triggers_as_they_were(
    db: Any, ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk load that fails after some batches adds no account and keeps every index and trigger."""
    seeding.seed(12, seed_value=1, today=TODAY, owner_ids=[ctx.agent.id])
    before = account_count()
    monkeypatch.setattr(seeding, "BULK_THRESHOLD", 10)

    def stop(done: int, total: int) -> None:
        if done >= 40:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        seeding.seed(100, seed_value=2, today=TODAY, owner_ids=[ctx.agent.id], batch_size=20, progress=stop, workers=0)
    assert account_count() == before
    assert expected_schema_objects(db) <= present_objects(db)


def test_start_up_recreates_a_missing_index_and_search_trigger(tmp_path: Path, ctx: Ctx) -> None:
    """An index and a search trigger dropped behind acct-tui's back are back after the next open,
    and rows written meanwhile are found by the search."""
    if is_postgres(database_proxy.obj):
        pytest.skip("the search triggers are SQLite's; PostgreSQL's indexes are covered by the migrate test")
    path = tmp_path / "test.db"
    seeding.seed(5, seed_value=1, today=TODAY, owner_ids=[ctx.agent.id])
    with database_proxy.connection_context():
        database_proxy.execute_sql("DROP INDEX account_team_id")
        for trigger in SEARCH_TRIGGERS:
            database_proxy.execute_sql(f"DROP TRIGGER {trigger}")
        database_proxy.execute_sql("UPDATE account SET name = 'Zyxwv Holdings', search_text = 'zyxwv holdings'")
    db = open_database(str(path))
    assert expected_schema_objects(db) <= present_objects(db)
    with database_proxy.connection_context():
        found = database_proxy.execute_sql(
            "SELECT count(*) FROM account_fts WHERE account_fts MATCH 'zyxwv*'"
        ).fetchone()[0]
    assert found == 5


def test_migrate_recreates_a_missing_index(db: Any) -> None:
    """`migrate` on a current schema recreates an index that went missing."""
    with db.connection_context():
        db.execute_sql("DROP INDEX account_team_id")
    assert "account_team_id" not in present_objects(db)
    assert migrate(db) == []
    assert expected_schema_objects(db) <= present_objects(db)


def test_stale_scratch_folders_go_and_a_running_loads_stays(tmp_path: Path) -> None:
    """A scratch folder of a process that is gone is removed; one of a running process is kept."""
    path = tmp_path / "x.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f".x.db.acct-tui-seed-{int(dead.stdout)}-abc"
    mine = tmp_path / f".x.db.acct-tui-seed-{os.getpid()}-def"
    other = tmp_path / f".y.db.acct-tui-seed-{int(dead.stdout)}-abc"
    for folder in (gone, mine, other):
        folder.mkdir()
        (folder / "half.db").write_bytes(b"x")
    assert remove_stale_scratch(path) == [gone]
    assert not gone.exists() and mine.exists() and other.exists()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _wait(condition: Any, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_a_killed_bulk_seed_leaves_nothing_behind(tmp_path: Path) -> None:
    """seed --accounts 25000 killed -9 mid-load: no half seed, every index and trigger, no helper, no scratch folder."""
    path = tmp_path / "big.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "acct_tui", "seed", "--db", str(path), "--agent", "boss"]
    subprocess.run([*base, "--accounts", "7"], check=True, env=env, capture_output=True)
    loading = subprocess.Popen(
        [*base, "--accounts", "25000", "--seed", "2", "--force"], env=env, stderr=subprocess.DEVNULL
    )

    def scratch() -> list[Path]:
        return [p for p in tmp_path.iterdir() if p.name.startswith(".big.db.acct-tui-")]

    def helper_working() -> bool:
        halves = [folder / "half.db" for folder in scratch()]
        return any(half.exists() and half.stat().st_size > 1_000_000 for half in halves)

    _wait(helper_working, "the helper never started writing")
    helpers = _children(loading.pid)
    assert helpers
    os.kill(loading.pid, signal.SIGKILL)
    loading.wait()
    _wait(lambda: not any(Path(f"/proc/{pid}").exists() for pid in helpers), "a helper outlived the seed", 30)
    assert scratch()  # a kill -9 runs no clean-up: the next start does it
    db = open_database(str(path))
    assert not scratch()
    assert account_count() == 7
    assert expected_schema_objects(db) <= present_objects(db)
