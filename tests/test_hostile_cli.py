"""Hostile input and hard stops at the command line: one-line errors, and no half-written import or lost edit."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), clock=FixedClock.on(TODAY))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> str:
    assert code != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("acct-tui:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def dbfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "cli.db"
    csv = tmp_path / "seed.csv"
    csv.write_text("Account Name,Account ID\nAcme,A1\nAcme,A2\nBeta,B1\n", encoding="utf-8")
    code, _out, err = run(capsys, "import", "accounts", str(csv), "--db", str(path), "--agent", "boss")
    assert code == 0, err
    return str(path)


def test_import_errors_are_one_line_each(capsys: pytest.CaptureFixture[str], tmp_path: Path, dbfile: str) -> None:
    """Bad rows are listed on stderr, followed by one acct-tui: line and a non-zero exit."""
    bad = tmp_path / "bad.csv"
    bad.write_text("Account Name,Annual Revenue\nGood,1\nBad,lots\n,3\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "accounts", str(bad), "--db", dbfile, "--agent", "boss")
    line = one_line_error(code, err)
    assert "imported nothing" in line and "2 bad rows" in line
    assert "line 3, Annual Revenue:" in err and "line 4, Account Name: is required" in err and out == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import", "accounts", "missing.csv"], "no file at missing.csv"),
        (["import", "accounts", "{bad}", "--map", "nope"], "is not COLUMN=field"),
        (["import", "accounts", "{latin}"], "not UTF-8"),
        (["import", "accounts", "{book}"], "workbook"),
        (["import", "accounts", "{bad}", "--rejects", "r.csv"], "--rejects goes with --skip-invalid"),
        (["export", "timeline"], "needs --account"),
        (["export", "timeline", "--account", "Nope"], "no account you can see"),
        (["brief", "Acme"], "2 accounts are called 'Acme'"),
        (["export", "portfolio", "--sort", "bogus"], "not a sort key"),
        (["export", "portfolio", "--filter", "a\x1b[2Jb"], "escape character"),
        (["export", "portfolio", "-o", "{dir}"], "is a folder"),
        (["backup", "{dbfile}"], "cannot be the database itself"),
        (["restore", "{bad}"], "not a SQLite database"),
        (["import", "contacts", "{bad}"], "no column for name"),
    ],
)
def test_cli_errors_are_one_line_without_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, dbfile: str, argv: list[str], expected: str
) -> None:
    """Every mistake at the command line ends in one acct-tui: line that says what is wrong."""
    (tmp_path / "bad.csv").write_text("Account Name\nX\n", encoding="utf-8")
    (tmp_path / "latin.csv").write_bytes("Account Name\n\x81\x8d\xff\n".encode("latin-1"))
    (tmp_path / "book.csv").write_bytes(b"PK\x03\x04....")
    (tmp_path / "out").mkdir()
    names = {"bad": tmp_path / "bad.csv", "latin": tmp_path / "latin.csv", "book": tmp_path / "book.csv",
             "dir": tmp_path / "out", "dbfile": dbfile}  # fmt: skip
    args = [a.format(**names) for a in argv]
    code, out, err = run(capsys, *args, "--db", dbfile, "--agent", "boss")
    assert expected in one_line_error(code, err)
    assert out == ""


def test_damaged_database_is_one_line_for_every_verb(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A file that is not a database stops queue, export and import with the same clear line."""
    path = tmp_path / "junk.db"
    path.write_bytes(b"\x00junk" * 100)
    for argv in (["queue"], ["export", "portfolio"], ["import", "accounts", str(path)]):
        code, _out, err = run(capsys, *argv, "--db", str(path), "--agent", "boss")
        assert "not a SQLite database" in one_line_error(code, err)


def test_export_to_file_and_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path, dbfile: str) -> None:
    """With -o the data goes to the file only; without it, to stdout only."""
    target = tmp_path / "p.csv"
    code, out, err = run(capsys, "export", "portfolio", "-o", str(target), "--db", dbfile, "--agent", "boss")
    assert code == 0 and out == "" and "wrote 3 rows" in err
    assert target.read_bytes().count(b"\r\n") == 4
    code, out, _err = run(capsys, "export", "portfolio", "--format", "json", "--db", dbfile, "--agent", "boss")
    assert code == 0 and '"accounts"' in out
    code, out, _err = run(capsys, "brief", "Beta", "--db", dbfile, "--agent", "boss")
    assert code == 0 and out.startswith("# Beta")
    beta = tmp_path / "beta.csv"
    code, out, _err = run(
        capsys, "export", "portfolio", "--filter", "beta", "-o", str(beta), "--db", dbfile, "--agent", "boss"
    )
    code, out, _err = run(capsys, "import", "accounts", str(beta), "--json", "--db", dbfile, "--agent", "boss")
    assert code == 0 and '"existing_skipped": 1' in out and '"written": false' in out


# Crash tests ------------------------------------------------------------------

IMPORT_ROWS = 20_000


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCT_TUI_")}
    env["ACCT_TUI_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(ROOT)
    return env


def _integrity(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_an_import_killed_at_any_point_is_all_there_or_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL during an import leaves either every row of it or none, and a database that passes integrity_check."""
    base = tmp_path / "base.db"
    code = main(["seed", "--accounts", "50", "--db", str(base), "--agent", "boss"], clock=FixedClock.on(TODAY))
    assert code == 0
    capsys.readouterr()
    csv = tmp_path / "big.csv"
    csv.write_text(
        "Account Name,Account ID,Website,Annual Revenue\n"
        + "".join(f'Crash Co {i},CR{i:06d},crash{i}.com,"$1,{i % 1000:03d}.00"\n' for i in range(IMPORT_ROWS)),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "acct_tui", "import", "accounts", str(csv), "--agent", "boss"]
    with sqlite3.connect(base) as conn:
        before = conn.execute("SELECT COUNT(*) FROM account").fetchone()[0]
    started = time.perf_counter()
    copy = tmp_path / "timing.db"
    copy.write_bytes(base.read_bytes())
    subprocess.run([*command, "--db", str(copy)], env=_env(tmp_path), check=True, capture_output=True)
    full = time.perf_counter() - started
    rng = random.Random(6)
    outcomes = set()
    for attempt in range(6):
        target = tmp_path / f"kill{attempt}.db"
        target.write_bytes(base.read_bytes())
        proc = subprocess.Popen(
            [*command, "--db", str(target)], env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.1, full * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _integrity(target)
        with sqlite3.connect(target) as conn:
            count = conn.execute("SELECT COUNT(*) FROM account").fetchone()[0]
            audits = conn.execute("SELECT COUNT(*) FROM audit_entry WHERE summary LIKE 'imported account%'").fetchone()[
                0
            ]
            fts = conn.execute("SELECT COUNT(*) FROM account_fts WHERE account_fts MATCH '\"crash co\"'").fetchone()[0]
            trigger = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'account_fts_ai'").fetchone()[0]
        assert count in (before, before + IMPORT_ROWS)
        assert audits == count - before and fts == count - before and trigger == 1
        outcomes.add(count == before)
    assert True in outcomes, "at least one kill landed before the commit"


EDITOR = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from acct_tui.cli import main

    db, folder = sys.argv[1], Path(sys.argv[2])
    for i in range(10_000):
        if i % 2:
            args = ["agent", "add", f"agent{i}", "--name", f"Agent {i}"]
        else:
            csv = folder / f"edit{i}.csv"
            csv.write_text(f"Account Name,Account ID\\nEdit {i},E{i}\\n", encoding="utf-8")
            args = ["import", "accounts", str(csv)]
        if main([*args, "--db", db, "--agent", "boss"]) != 0:
            sys.exit(3)
        print(f"ACK {i}", flush=True)
    """
)


@pytest.mark.slow
def test_every_acknowledged_cli_edit_survives_a_kill(tmp_path: Path) -> None:
    """A series of CLI edits killed at random points keeps every edit it acknowledged, intact."""
    db = tmp_path / "edits.db"
    folder = tmp_path / "csv"
    folder.mkdir()
    rng = random.Random(11)
    acked: list[int] = []
    for _round in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", EDITOR, str(db), str(folder)],
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lines.extend, args=(proc.stdout,))
        reader.start()
        deadline = time.monotonic() + 60
        while not any(line.startswith("ACK ") for line in lines) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.05, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join()
        round_acked = [int(line.split()[1]) for line in lines if line.startswith("ACK ")]
        assert round_acked, "the editor acknowledged some edits before the kill"
        acked += round_acked
        _integrity(db)
        with sqlite3.connect(db) as conn:
            accounts = {row[0] for row in conn.execute("SELECT external_id FROM account")}
            agents = {row[0] for row in conn.execute("SELECT login FROM agent")}
        for i in acked:
            assert (f"E{i}" in accounts) if i % 2 == 0 else (f"agent{i}" in agents)
