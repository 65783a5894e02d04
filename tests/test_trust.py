"""`[agent] trust`: with "os-user" the login is the operating system account, with "db-role" the
PostgreSQL session user, and naming anyone else (--agent, ACCT_TUI_AGENT, [agent] login) is refused
on one line before the database is touched."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from tests.conftest import TODAY, pg_url

ME = pwd.getpwuid(os.geteuid()).pw_name


def _close_database() -> None:
    from acct_tui.models import database_proxy

    db = database_proxy.obj
    if db is not None:
        db.close_all() if hasattr(db, "close_all") else db.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv), clock=FixedClock.on(TODAY))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        _close_database()
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("ACCT_TUI_CONFIG", str(path))
    return path


def test_os_user_trust_refuses_another_agent_and_touches_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--agent or ACCT_TUI_AGENT naming someone else is one line, exit 1, and no database is created."""
    config.write_text('[agent]\ntrust = "os-user"\n', encoding="utf-8")
    db = tmp_path / "desk.db"
    expected = (
        f'acct-tui: {config}: [agent] trust = "os-user" makes you {ME}; acting as admin is refused '
        "(leave out --agent, ACCT_TUI_AGENT and [agent] login)\n"
    )
    assert run(capsys, "--db", str(db), "--agent", "admin", "queue") == (1, "", expected)
    monkeypatch.setenv("ACCT_TUI_AGENT", "admin")
    assert run(capsys, "--db", str(db), "seed", "--accounts", "2") == (1, "", expected)
    assert not db.exists()


def test_os_user_trust_logs_in_as_the_os_account_whatever_user_says(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a claim (or claiming oneself) the agent is the OS account; $USER and $LOGNAME cannot change it."""
    config.write_text('[agent]\ntrust = "os-user"\n', encoding="utf-8")
    monkeypatch.setenv("USER", "admin")
    monkeypatch.setenv("LOGNAME", "admin")
    db = str(tmp_path / "desk.db")
    code, out, err = run(capsys, "--db", db, "where")
    assert (code, err) == (0, "") and f"agent             {ME}\n" in out
    code, out, err = run(capsys, "--db", db, "agent", "add", ME)
    assert (code, err) == (0, "") and f"added {ME} (admin)" in out
    code, out, err = run(capsys, "--db", db, "--agent", ME, "agent", "list")
    assert (code, err) == (0, "") and out.startswith(f"{ME} ")


def test_an_unknown_trust_mode_is_refused_with_the_closest_one(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in the trust mode never falls back to trusting --agent."""
    config.write_text('[agent]\ntrust = "os_user"\n', encoding="utf-8")
    code, out, err = run(capsys, "queue")
    assert (code, out) == (1, "")
    assert (
        err
        == f"acct-tui: {config}: agent.trust: 'os_user' is not a trust mode (did you mean os-user?); use flag, os-user, db-role\n"
    )


def test_db_role_trust_needs_postgresql(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A SQLite file has no session user to trust: said on one line."""
    config.write_text('[agent]\ntrust = "db-role"\n', encoding="utf-8")
    db = tmp_path / "x.db"
    code, out, err = run(capsys, "--db", str(db), "queue")
    assert (code, out) == (1, "")
    assert err == f'acct-tui: {config}: agent.trust = "db-role" needs a PostgreSQL database; {db} is not one\n'


def test_serve_ssh_refuses_a_trust_mode(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Served sessions are named by their key; a trust mode would refuse every one, so serve-ssh says so at once."""
    pytest.importorskip("asyncssh")
    config.write_text('[agent]\ntrust = "os-user"\n', encoding="utf-8")
    code, out, err = run(capsys, "--db", str(tmp_path / "x.db"), "serve-ssh", "--port", "65000")
    assert (code, out) == (1, "")
    assert err.startswith('acct-tui: serve-ssh names each agent by their key, and [agent] trust = "os-user"')
    assert err.count("\n") == 1


@pytest.mark.skipif(pg_url() is None, reason="set ACCT_TUI_TEST_PG_URL to run on PostgreSQL")
def test_db_role_trust_is_the_session_user(db_url: str, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On PostgreSQL the agent is `SELECT session_user`; --agent naming another is refused."""
    if not db_url.startswith("postgres"):
        pytest.skip("the session user is PostgreSQL's")
    import psycopg2

    url = pg_url()
    assert url is not None
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT session_user")
        role = cursor.fetchone()[0]
    conn.close()
    config.write_text('[agent]\ntrust = "db-role"\n', encoding="utf-8")
    code, out, err = run(capsys, "--db", db_url, "--agent", "admin", "agent", "list")
    assert (code, out) == (1, "")
    assert err == (
        f'acct-tui: {config}: [agent] trust = "db-role" makes you {role}; acting as admin is refused '
        "(leave out --agent, ACCT_TUI_AGENT and [agent] login)\n"
    )
    code, out, err = run(capsys, "--db", db_url, "agent", "add", role)
    assert (code, err) == (0, "") and f"added {role} (admin)" in out
