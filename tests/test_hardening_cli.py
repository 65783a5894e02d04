"""Hostile arguments at the command line: each is one line saying what to do, never "unexpected error";
an empty or foreign --db is refused; `account edit --expect-version` refuses to overwrite a newer save."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from acct_tui import locations
from acct_tui.cli import main
from acct_tui.clock import FixedClock
from tests.conftest import TODAY

HUGE = "100000000000000000000000"  # 10**23: past any database integer


def _close_database() -> None:
    from acct_tui.models import database_proxy

    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main() in-process; argparse's exits are caught as a shell sees them."""
    try:
        code = main(list(argv), clock=FixedClock.on(TODAY))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        _close_database()
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, err: str) -> str:
    """The one `acct-tui:` line of a refusal with a non-zero exit, no traceback, no "unexpected error"."""
    assert code != 0, err
    assert "Traceback" not in err and "unexpected error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("acct-tui: "), err
    return lines[0]


@pytest.fixture
def desk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A file administered by `boss` with the account Acme and follow-up #1."""
    url = str(tmp_path / "desk.db")
    assert run(capsys, "--db", url, "--agent", "boss", "agent", "add", "boss")[0] == 0
    assert run(capsys, "--db", url, "--agent", "boss", "account", "add", "Acme")[0] == 0
    code, _out, err = run(capsys, "--db", url, "--agent", "boss", "followup", "add", "Acme", "Call", "--due", "+2d")
    assert code == 0, err
    return url


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["done", HUGE], "too big to be an id"),
        (["snooze", HUGE, "tomorrow"], "too big to be an id"),
        (["concern", "resolve", HUGE], "too big to be an id"),
        (["account", "show", HUGE], "no account you can see"),
        (["health", "explain", HUGE], "no account you can see"),
        (["brief", HUGE], "not found"),
        (["account", "show", "²"], "no account you can see"),
        (["queue", "--days", "1000000000"], "--days: 1,000,000,000 is too big; give 1 to 36,500"),
        (["export", "queue", "--days", "1000000000"], "--days: 1,000,000,000 is too big; give 0 to 36,500"),
        (["portfolio", "--limit", HUGE], "--limit: 100,000,000,000,000,000,000,000 is too big"),
        (["seed", "--accounts", HUGE], "--accounts: 100,000,000,000,000,000,000,000 is too big"),
        (["account", "edit", "Acme", "tier=gold", "--expect-version", HUGE], "--expect-version:"),
    ],
)
def test_huge_numbers_are_refused_in_one_line(
    desk: str, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """An id of 10**23, a day count of a billion or a limit past any integer is refused by name, in one line."""
    code, out, err = run(capsys, *argv, "--db", desk, "--agent", "boss")
    assert expected in one_line(code, err) and out == ""


def test_rejects_that_cannot_be_written_are_refused_before_the_import(
    desk: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--rejects` naming a folder, a missing folder or an unwritable place is refused and nothing is imported."""
    csv = tmp_path / "in.csv"
    csv.write_text("Account Name,Annual Revenue\nNew One,1\nBad,lots\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    cases = {
        str(tmp_path / "folder"): "is a folder; give --rejects a file name",
        str(tmp_path / "nope" / "r.csv"): "no folder",
        "/proc/r.csv": "cannot write /proc/r.csv",
    }
    for rejects, expected in cases.items():
        argv = ["import", "accounts", str(csv), "--skip-invalid", "--rejects", rejects]
        code, out, err = run(capsys, *argv, "--db", desk, "--agent", "boss")
        assert expected in one_line(code, err) and out == ""
    with sqlite3.connect(desk) as conn:
        assert conn.execute("SELECT count(*) FROM account WHERE name = 'New One'").fetchone() == (0,)


@pytest.mark.parametrize("db", ["/proc/x.db", "/proc/sub/x.db", "/dev/null"])
@pytest.mark.parametrize("verb", [["queue"], ["agent", "list"], ["seed", "--accounts", "1"]])
def test_a_database_in_a_system_folder_is_refused(capsys: pytest.CaptureFixture[str], db: str, verb: list[str]) -> None:
    """A --db under /proc or /dev says it cannot hold a database and to pick a folder of one's own."""
    code, _out, err = run(capsys, *verb, "--db", db, "--agent", "boss")
    assert "give --db a file in a folder of yours" in one_line(code, err)


def test_restore_into_a_system_folder_is_refused(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`restore` into /proc/sub/x.db is one line, not a FileNotFoundError."""
    code, _out, err = run(capsys, "restore", desk, "--db", "/proc/sub/x.db", "--agent", "boss")
    assert "give --db a file in a folder of yours" in one_line(code, err)


def test_a_dropped_table_is_named_and_migrate_recreates_it(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """With follow_up dropped, `queue` names the table and says restore or migrate; `migrate` recreates it empty."""
    with sqlite3.connect(desk) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DROP TABLE follow_up")
    code, _out, err = run(capsys, "queue", "--db", desk, "--agent", "boss")
    line = one_line(code, err)
    assert "missing the table follow_up" in line and "acct-tui restore" in line and "acct-tui migrate" in line
    code, out, err = run(capsys, "migrate", "--db", desk, "--agent", "boss")
    assert (code, err) == (0, "") and "recreated the missing table follow_up" in out and "empty" in out
    code, out, err = run(capsys, "queue", "--db", desk, "--agent", "boss")
    assert (code, err) == (0, "") and "OVERDUE (0)" in out


def test_an_empty_db_is_refused_not_read_as_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    """`--db ''` (an unset shell variable) is refused and the default database is not created."""
    for argv in (["queue", "--db", ""], ["--db", " ", "agent", "add", "boss"], ["--db", ""]):
        code, _out, err = run(capsys, *argv, "--agent", "boss")
        assert "--db is empty" in one_line(code, err)
    assert not locations.default_database().exists()


def foreign_file(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    return path


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_foreign_sqlite_file_is_refused_unless_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Another program's database gets no acct-tui table unless --init; --init creates them beside its own."""
    path = foreign_file(tmp_path / "other.db")
    for argv in (["queue"], ["agent", "add", "boss"], ["migrate"], ["seed", "--accounts", "2"]):
        code, _out, err = run(capsys, *argv, "--db", str(path), "--agent", "boss")
        line = one_line(code, err)
        assert "not acct-tui's: it holds other tables (notes)" in line and "--init" in line
    assert tables(path) == {"notes"}
    code, _out, err = run(capsys, "agent", "add", "boss", "--db", str(path), "--agent", "boss", "--init")
    assert (code, err) == (0, "")
    assert {"notes", "account", "follow_up", "schema_meta"} <= tables(path)
    code, out, err = run(capsys, "queue", "--db", str(path), "--agent", "boss")  # now it is acct-tui's
    assert (code, err) == (0, "") and "OVERDUE (0)" in out


def test_an_empty_file_or_a_new_path_is_still_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty file and a path that does not exist yet become acct-tui databases without --init."""
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (empty, tmp_path / "sub" / "new.db"):
        code, _out, err = run(capsys, "agent", "add", "boss", "--db", str(path), "--agent", "boss")
        assert (code, err) == (0, "") and "account" in tables(path)


def test_init_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    """`acct-tui --help` documents --init."""
    code, out, _err = run(capsys, "--help")
    assert code == 0 and "--init" in out and "already holds other tables" in " ".join(out.split())


def test_edit_with_a_stale_expected_version_is_refused(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`account show` prints the version; `edit --expect-version` saves at it, and refuses a stale one naming the
    current version, saving nothing; --force does not get past it."""
    common = ("--db", desk, "--agent", "boss")
    code, out, err = run(capsys, "account", "show", "Acme", *common)
    assert code == 0 and "version 1" in out
    code, out, _err = run(capsys, "account", "show", "Acme", "--json", *common)
    assert json.loads(out)["version"] == 1
    code, out, err = run(capsys, "account", "edit", "Acme", "tier=gold", "--expect-version", "1", *common)
    assert (code, err) == (0, "")
    for extra in ((), ("--force",)):
        argv = ["account", "edit", "Acme", "tier=bronze", "--expect-version", "1", *extra]
        code, out, err = run(capsys, *argv, *common)
        line = one_line(code, err)
        assert code == 1 and out == ""
        assert "Acme is at version 2, not 1" in line and "--expect-version 2" in line
    with sqlite3.connect(desk) as conn:
        assert conn.execute("SELECT tier, version FROM account WHERE name = 'Acme'").fetchone() == ("gold", 2)


def test_force_help_says_what_force_does(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`account edit --force` keeps a name another account has, as its help says, and nothing more."""
    common = ("--db", desk, "--agent", "boss")
    assert run(capsys, "account", "add", "Beta", *common)[0] == 0
    code, _out, err = run(capsys, "account", "edit", "Beta", "name=Acme", *common)
    assert code == 1 and "Acme" in err
    code, _out, err = run(capsys, "account", "edit", "Beta", "name=Acme", "--force", *common)
    assert (code, err) == (0, "")
    code, out, _err = run(capsys, "account", "edit", "--help")
    help_text = " ".join(out.split())
    assert "--force keep a new name even if another account has it" in help_text
    assert "--expect-version N save only if the account is still at version N" in help_text


def test_a_dropped_search_index_is_rebuilt_at_start(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """With the full-text table dropped, the next verb recreates it and the filter finds the accounts again."""
    with sqlite3.connect(desk) as conn:
        conn.execute("DROP TABLE account_fts")
    code, out, err = run(capsys, "portfolio", "--filter", "acm", "--db", desk, "--agent", "boss")
    assert (code, err) == (0, "") and "Acme" in out
