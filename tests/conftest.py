"""Shared fixtures: an isolated home for every test, and one test body on two backends.

Service tests that take the `db` fixture run on a temporary SQLite file and,
when ACCT_TUI_TEST_PG_URL points at a PostgreSQL server, again on a fresh
PostgreSQL schema. Without that variable the PostgreSQL runs are skipped
with the reason; `.ci/run` sets it.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acct_tui.clock import FixedClock
from acct_tui.services.context import Ctx

TODAY = dt.date(2026, 11, 27)
PG_ENV = "ACCT_TUI_TEST_PG_URL"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every path (config, data, logs) under tmp_path: a test never sees a real user's files."""
    home = tmp_path / "home"
    monkeypatch.setenv("ACCT_TUI_HOME", str(home))
    for name in ("ACCT_TUI_DB", "ACCT_TUI_AGENT", "ACCT_TUI_CONFIG", "ACCT_TUI_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def _backends() -> list[Any]:
    return [
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(pg_url() is None, reason=f"set {PG_ENV} to run on PostgreSQL"),
        ),
    ]


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.db")
        return
    import psycopg2

    base = pg_url()
    assert base is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(base)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema},public"
    from acct_tui.models import database_proxy

    if database_proxy.obj is not None:
        database_proxy.obj.close_all() if hasattr(database_proxy.obj, "close_all") else None
    with admin.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


@pytest.fixture
def db(db_url: str) -> Iterator[Any]:
    from acct_tui.db import open_database

    database = open_database(db_url)
    yield database
    if hasattr(database, "close_all"):
        database.close_all()
    elif not database.is_closed():
        database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(TODAY, hour=10)


@pytest.fixture
def ctx(db: Any, clock: FixedClock) -> Ctx:
    """The first agent of a fresh database: an admin."""
    from acct_tui.services.writes.agents import resolve_agent

    return Ctx(agent=resolve_agent("manager"), clock=clock)


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line for all the skips, counted by reason, instead of a line per skipped test;
    and one saying how many slow tests the default `-m "not slow"` left out."""
    deselected = len(terminalreporter.stats.get("deselected", []))
    if deselected and config.option.markexpr == "not slow" and not config.option.keyword:
        terminalreporter.write_line(f"left out {deselected} slow tests: pytest -m slow runs them", yellow=True)
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        longrepr = report.longrepr
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    parts = [f"{count} {reason}" for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
    terminalreporter.write_line(f"skipped {len(skipped)}: " + "; ".join(parts), yellow=True)
