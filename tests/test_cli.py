"""The command line as scripts and cron jobs use it: flags anywhere, clean stdout, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from acct_tui import __version__
from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.db import SCHEMA_VERSION
from tests.conftest import TODAY

REPO = Path(__file__).resolve().parent.parent


def _close_database() -> None:
    from acct_tui.models import database_proxy

    db = database_proxy.obj
    if db is None:
        return
    if hasattr(db, "close_all"):
        db.close_all()
    elif not db.is_closed():
        db.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main() in-process, as the console script calls it; argparse's exits are caught like a shell would."""
    try:
        code = main(list(argv), clock=FixedClock.on(TODAY))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        _close_database()
    out, err = capsys.readouterr()
    return code, out, err


def _python(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=120, **kwargs
    )


@pytest.fixture
def seeded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A SQLite file with 200 seeded accounts, administered by `boss`."""
    url = str(tmp_path / "seeded.db")
    code, _out, err = run(capsys, "--db", url, "--agent", "boss", "seed", "--accounts", "200", "--seed", "3")
    assert (code, err) == (0, "")
    return url


# --- flags anywhere ----------------------------------------------------------------------------


def test_db_and_agent_work_before_or_after_the_verb(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`--db X queue`, `queue --db X` and any mix of the two give the same answer."""
    outputs = {
        run(capsys, *argv)[1]
        for argv in (
            ("--db", seeded, "--agent", "boss", "queue", "--json"),
            ("queue", "--json", "--db", seeded, "--agent", "boss"),
            ("--agent", "boss", "queue", "--db", seeded, "--json"),
            ("--db", seeded, "queue", "--agent", "boss", "--json"),
        )
    }
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["agent"] == "boss"


def test_nested_verbs_take_the_flags_too(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`agent list` accepts --db before the group, between group and action, or at the end."""
    outputs = {
        run(capsys, *argv)[1]
        for argv in (
            ("--db", seeded, "agent", "list", "--json"),
            ("agent", "--db", seeded, "list", "--json"),
            ("agent", "list", "--json", "--db", seeded),
        )
    }
    assert len(outputs) == 1


def test_environment_fallbacks_and_flag_precedence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ACCT_TUI_DB and ACCT_TUI_AGENT are used when no flag is given; a flag beats them."""
    monkeypatch.setenv("ACCT_TUI_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("ACCT_TUI_AGENT", "envagent")
    _code, out, _err = run(capsys, "where")
    assert f"sqlite:///{tmp_path / 'env.db'}" in out and "envagent" in out
    _code, out, _err = run(capsys, "where", "--db", str(tmp_path / "flag.db"), "--agent", "flagagent")
    assert f"sqlite:///{tmp_path / 'flag.db'}" in out and "flagagent" in out and "envagent" not in out


# --- where, seed, queue, migrate ------------------------------------------------------------------


def test_where_prints_the_paths(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Config file, data folder, the database in use, the default and demo databases, logs and the agent."""
    code, out, err = run(capsys, "where", "--agent", "sam")
    assert (code, err) == (0, "")
    rows = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in out.splitlines())
    assert rows == {
        "config file": str(isolated_home / "config" / "config.toml"),
        "data folder": str(isolated_home / "data"),
        "database": f"sqlite:///{isolated_home / 'data' / 'accounts.db'}",
        "default database": str(isolated_home / "data" / "accounts.db"),
        "demo database": str(isolated_home / "data" / "demo.db"),
        "logs": str(isolated_home / "logs"),
        "agent": "sam",
    }
    assert not (isolated_home / "data" / "accounts.db").exists()


def test_seed_reports_what_it_added_and_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`seed --accounts 200 --seed 3` twice gives the same portfolio; the summary line says what was added."""
    from acct_tui.db import open_database
    from acct_tui.models import Account
    from acct_tui.services.store.unit import reading

    portfolios = []
    for name in ("one.db", "two.db"):
        url = str(tmp_path / name)
        code, out, err = run(capsys, "seed", "--db", url, "--agent", "boss", "--accounts", "200", "--seed", "3")
        assert (code, err) == (0, "")
        assert out.startswith("added 200 accounts, ")
        assert "boss" in out.splitlines()[1]
        open_database(url)
        with reading():
            portfolios.append([(a.name, a.arr, a.owner_id) for a in Account.select().order_by(Account.id)])
        _close_database()
    assert len(portfolios[0]) == 200
    assert portfolios[0] == portfolios[1]


def test_queue_json_is_valid_json_on_stdout_only(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`queue --json` writes one JSON document to stdout and nothing to stderr, on either backend."""
    code, _out, err = run(capsys, "--db", db_url, "--agent", "boss", "seed", "--accounts", "60", "--seed", "3")
    assert (code, err) == (0, "")
    code, out, err = run(capsys, "--db", db_url, "--agent", "boss", "queue", "--json")
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert payload["agent"] == "boss" and payload["today"] == TODAY.isoformat()
    assert list(payload["sections"]) == ["overdue", "today", "upcoming", "snoozed"]
    assert {name: len(items) for name, items in payload["sections"].items()} == payload["counts"]
    items = [item for section in payload["sections"].values() for item in section]
    assert items, "the seeded admin owns accounts with follow-ups"
    assert {"id", "account", "title", "due_on", "priority", "health", "urgency", "reasons"} <= set(items[0])
    overdue = payload["sections"]["overdue"]
    assert all(item["due_on"] < TODAY.isoformat() for item in overdue)
    assert [item["urgency"] for item in overdue] == sorted((item["urgency"] for item in overdue), reverse=True)


def test_queue_as_text(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: a heading per section with its count, one line per follow-up."""
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "queue")
    assert (code, err) == (0, "")
    headings = [line for line in out.splitlines() if not line.startswith("  ")]
    assert [h.split(" (")[0] for h in headings] == ["OVERDUE", "TODAY", "UPCOMING", "SNOOZED"]
    assert any(line.startswith("  #") for line in out.splitlines())


def test_migrate_on_an_up_to_date_database(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`migrate` on a current database says so and succeeds, without a traceback or a half-bound proxy."""
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "migrate")
    assert (code, err) == (0, "")
    assert out.strip() == f"sqlite:///{seeded} is already at schema version {SCHEMA_VERSION}"


def test_migrate_needs_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`migrate` never creates a database by mistake: a missing file is an error."""
    target = tmp_path / "typo.db"
    code, out, err = run(capsys, "--db", str(target), "migrate")
    assert code == 1 and out == ""
    assert err == f"acct-tui: no database at {target}\n"
    assert not target.exists()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`--version` prints the version and exits 0."""
    code, out, _err = run(capsys, "--version")
    assert (code, out.strip()) == (0, f"acct-tui {__version__}")


# --- agents --------------------------------------------------------------------------------------


def test_agent_add_list_deactivate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first login administers a fresh file: it adds, lists and deactivates agents."""
    url = str(tmp_path / "desk.db")
    code, out, err = run(
        capsys, "--db", url, "--agent", "boss", "agent", "add", "sam", "--role", "lead", "--team", "East"
    )
    assert (code, out, err) == (0, "added sam (lead)\n", "")
    run(capsys, "--db", url, "--agent", "boss", "agent", "add", "kim", "--name", "Kim Ito")

    code, out, err = run(capsys, "--db", url, "--agent", "boss", "agent", "list", "--json")
    assert (code, err) == (0, "")
    listed = {row["login"]: row for row in json.loads(out)}
    assert set(listed) == {"boss", "sam", "kim"}
    assert (listed["boss"]["role"], listed["sam"]["role"], listed["sam"]["team"]) == ("admin", "lead", "East")
    assert listed["kim"]["name"] == "Kim Ito" and listed["kim"]["active"] is True

    code, out, err = run(capsys, "--db", url, "--agent", "boss", "agent", "deactivate", "kim")
    assert (code, out, err) == (0, "deactivated kim\n", "")
    _code, out, _err = run(capsys, "--db", url, "--agent", "sam", "agent", "list")
    assert "kim" not in out and "sam" in out
    _code, out, _err = run(capsys, "--db", url, "--agent", "sam", "agent", "list", "--all")
    assert "kim" in out and "(deactivated)" in out

    code, out, err = run(capsys, "--db", url, "--agent", "kim", "queue")
    assert code == 1 and out == "" and err.startswith("acct-tui: agent 'kim' is deactivated")


def test_only_an_admin_adds_agents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An agent who is not an admin is refused, on one line, and nothing is added."""
    url = str(tmp_path / "desk.db")
    run(capsys, "--db", url, "--agent", "boss", "agent", "add", "sam")
    code, out, err = run(capsys, "--db", url, "--agent", "sam", "agent", "add", "eve")
    assert (code, out, err) == (
        1,
        "",
        "acct-tui: only an admin can add agents; sam is agent (acct-tui agent list shows the admins)\n",
    )
    _code, out, _err = run(capsys, "--db", url, "--agent", "boss", "agent", "list")
    assert "eve" not in out


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("--db", "mysql://root@localhost/acct", "queue"), "unknown database scheme 'mysql'"),
        (("--db", "mysql://root@localhost/acct", "where"), "unknown database scheme 'mysql'"),
        (("--db", "{seeded}", "--agent", "nobody", "queue"), "agent 'nobody' is not registered"),
        (("--db", "{seeded}", "--agent", "nobody", "queue", "--json"), "agent 'nobody' is not registered"),
        (("--db", "{seeded}", "--agent", "nobody", "agent", "add", "x"), "agent 'nobody' is not registered"),
        (("--db", "{seeded}", "seed", "--accounts", "-5"), "argument --accounts: -5 must be 1 or more"),
        (("--db", "{seeded}", "seed", "--accounts", "lots"), "'lots' is not a whole number"),
        (("--db", "{seeded}", "seed"), "the following arguments are required: --accounts"),
        (("--db", "{seeded}", "frobnicate"), "invalid choice: 'frobnicate'"),
        (("--db", "{seeded}", "agent"), "the following arguments are required: ACTION"),
        (("--db", "postgresql://postgres@127.0.0.1:1/nowhere", "queue"), "cannot open postgresql://"),
        (("--db", ":memory:", "queue"), "in-memory database keeps nothing"),
    ],
)
def test_errors_are_one_line_on_stderr(
    seeded: str, capsys: pytest.CaptureFixture[str], argv: Any, fragment: str
) -> None:
    """Every refusal: non-zero exit, nothing on stdout, exactly one stderr line starting `acct-tui:`, no traceback."""
    code, out, err = run(capsys, *(arg.format(seeded=seeded) for arg in argv))
    assert code not in (0, None)
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("acct-tui: ")
    assert fragment in err
    assert "Traceback" not in err


def test_a_database_from_a_newer_acct_tui_is_one_line(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A schema this version cannot read: one line saying to upgrade acct-tui."""
    from acct_tui.db import open_database
    from acct_tui.models import SchemaMeta

    database = open_database(seeded)
    with database.connection_context():
        SchemaMeta.update(value="9").execute()
    _close_database()
    for verb in ("queue", "migrate"):
        code, out, err = run(capsys, "--db", seeded, "--agent", "boss", verb)
        assert (code, out) == (1, "")
        assert err.count("\n") == 1 and err.startswith("acct-tui: this database is at schema version 9")
        assert "upgrade acct-tui" in err


def test_unexpected_errors_are_one_line_unless_debugging(
    seeded: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug surfaces as one line naming ACCT_TUI_DEBUG; with it set, the traceback is raised."""
    import acct_tui.services.reads.queue as queue

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(queue, "followup_queue", broken)
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "queue")
    assert (code, out) == (1, "")
    assert err == "acct-tui: unexpected error: KeyError: 'boom' (set ACCT_TUI_DEBUG=1 for details)\n"
    monkeypatch.setenv("ACCT_TUI_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["--db", seeded, "--agent", "boss", "queue"])
    _close_database()


# --- the real command, in a fresh interpreter ----------------------------------------------------


def test_python_dash_m_runs_the_queue(seeded: str) -> None:
    """`python -m acct_tui --db X --agent boss queue --json`: exit 0, JSON on stdout, empty stderr."""
    done = _python("-m", "acct_tui", "--db", seeded, "--agent", "boss", "queue", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["agent"] == "boss"


def test_python_dash_m_reports_errors_on_one_line(tmp_path: Path) -> None:
    """A bad URL from the real command: exit 1, one stderr line, no traceback."""
    done = _python("-m", "acct_tui", "--db", "oracle://x/y", "queue")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        "acct-tui: unknown database scheme 'oracle'; use a file path, sqlite:///file.db or postgresql://...\n"
    )


def test_screenless_verbs_never_import_textual(seeded: str, tmp_path: Path) -> None:
    """seed, queue, where, migrate, agent list and the capture verbs run without loading Textual."""
    fresh = str(tmp_path / "fresh.db")
    maildir, ics, eml = (str(tmp_path / name) for name in ("Maildir", "cal.ics", "one.eml"))
    code = f"""
import mailbox, pathlib, sys
from acct_tui.cli import main
mailbox.Maildir({maildir!r}, create=True)
pathlib.Path({ics!r}).write_text("BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nPRODID:-//t//EN\\r\\nEND:VCALENDAR\\r\\n")
pathlib.Path({eml!r}).write_text("From: x@y.example\\nSubject: Hi\\nMessage-ID: <t@y>\\n\\nHello\\n")
for argv in (
    ["--db", {seeded!r}, "--agent", "boss", "import", "mail", {maildir!r}],
    ["--db", {seeded!r}, "--agent", "boss", "import", "calendar", {ics!r}],
    ["--db", {seeded!r}, "--agent", "boss", "log", "--from-email", {eml!r}, "--account", "1"],
    ["--db", {fresh!r}, "--agent", "boss", "seed", "--accounts", "5"],
    ["--db", {seeded!r}, "--agent", "boss", "queue", "--json"],
    ["--db", {seeded!r}, "--agent", "boss", "queue"],
    ["--db", {seeded!r}, "where"],
    ["--db", {seeded!r}, "--agent", "boss", "migrate"],
    ["--db", {seeded!r}, "--agent", "boss", "agent", "list"],
    ["--demo", "queue"],
    ["queue", "--demo", "--json"],
):
    assert main(argv) == 0, argv
print("textual loaded" if any(m == "textual" or m.startswith("textual.") for m in sys.modules) else "no textual")
"""
    done = _python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "no textual"


def test_a_sqlite_session_never_loads_a_postgresql_driver(seeded: str) -> None:
    """Peewee imports any PostgreSQL driver it finds; on a SQLite file acct-tui keeps it out (start-up time)."""
    code = f"""
import sys
from acct_tui.cli import main
assert main(["--db", {seeded!r}, "--agent", "boss", "queue", "--json"]) == 0
print("driver loaded" if sys.modules.get("psycopg2") or sys.modules.get("psycopg") else "no driver")
"""
    done = _python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "no driver"


def test_options_alone_open_the_dashboard_and_anything_else_goes_to_the_verbs() -> None:
    """--db, --agent and --demo anywhere; a verb, --help or --version leaves something for the full parser."""
    from acct_tui.cli import early_options

    args, rest = early_options(["--db", "x.db", "--demo", "--agent", "ann"])
    assert (args.db, args.agent, args.demo, rest) == ("x.db", "ann", True, [])
    assert early_options(["queue", "--db", "x.db"])[1] == ["queue"]
    assert early_options(["--version"])[1] == ["--version"]
    assert early_options(["-h"])[1] == ["-h"]


def test_the_demo_database_is_built_once_and_opens_as_the_manager(isolated_home: Path) -> None:
    """`--demo` builds demo.db in the data folder on first use (no half-built leftovers), then reuses it."""
    from acct_tui.config import load_settings
    from acct_tui.runtime import open_demo

    settings = load_settings(agent="whoever")
    clock = FixedClock.on(TODAY)
    ctx, path = open_demo(settings, clock)
    _close_database()
    demo = isolated_home / "data" / "demo.db"
    assert path == str(demo) and demo.exists()
    assert not [p.name for p in demo.parent.iterdir() if ".building" in p.name]
    assert (ctx.agent.login, ctx.agent.role.value) == ("manager", "lead")
    built = demo.stat().st_mtime_ns

    ctx, _path = open_demo(settings, clock, explicit_agent="alex")
    _close_database()
    assert ctx.agent.login == "alex"
    assert demo.stat().st_mtime_ns == built


# --- the demo and a fresh database -----------------------------------------------------------------


def test_demo_works_with_every_verb_and_leaves_the_default_database_alone(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--demo queue` and `queue --demo` read the demo as its manager; no default database is created."""
    code, out, err = run(capsys, "--demo", "queue", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["agent"] == "manager"
    code, out, _err = run(capsys, "portfolio", "--demo", "--limit", "3")
    assert code == 0 and "of" in out
    code, out, _err = run(capsys, "--demo", "--agent", "alex", "queue", "--json")
    assert json.loads(out)["agent"] == "alex"
    assert not (isolated_home / "data" / "accounts.db").exists()
    code, out, err = run(capsys, "--demo", "--db", str(isolated_home / "x.db"), "queue")
    assert (code, out) == (1, "") and "not both" in err


def test_a_fresh_database_has_one_clear_path_to_the_first_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`queue` on a fresh file says to run `agent add LOGIN`; that succeeds, makes the login admin, and queue works."""
    url = str(tmp_path / "fresh.db")
    code, out, err = run(capsys, "--db", url, "--agent", "sam", "queue")
    assert (code, out) == (1, "")
    assert err == "acct-tui: this database has no agents yet; register yourself first: acct-tui agent add sam\n"
    code, out, err = run(capsys, "--db", url, "--agent", "sam", "agent", "add", "sam")
    assert (code, out, err) == (0, "added sam (admin): the first agent of a database is its admin\n", "")
    code, _out, err = run(capsys, "--db", url, "--agent", "sam", "queue")
    assert (code, err) == (0, "")
    code, out, err = run(capsys, "--db", url, "--agent", "sam", "agent", "add", "sam")
    assert (code, out) == (1, "") and "already exists" in err


def test_agent_list_is_refused_to_an_unregistered_login(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Only a registered agent reads the roster; anyone else gets the one-line 'not registered' refusal."""
    code, out, err = run(capsys, "--db", seeded, "--agent", "stranger", "agent", "list")
    assert (code, out) == (1, "") and "agent 'stranger' is not registered" in err
    code, out, err = run(capsys, "--db", seeded, "--agent", "stranger", "agent", "key", "list")
    assert (code, out) == (1, "") and "not registered" in err


# --- verbs that used to accept the wrong thing silently ---------------------------------------------


@pytest.fixture
def desk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A small file administered by `boss` with two accounts: Kestrel Freight and Acme."""
    url = str(tmp_path / "desk.db")
    assert run(capsys, "--db", url, "--agent", "boss", "agent", "add", "boss")[0] == 0
    for name in ("Kestrel Freight", "Acme"):
        code, _out, err = run(capsys, "--db", url, "--agent", "boss", "account", "add", name)
        assert (code, err) == (0, "")
    return url


def test_an_account_is_found_by_the_start_of_its_name_in_any_case(
    desk: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`log kestrel ...` logs on Kestrel Freight; a near miss is refused with "did you mean"."""
    code, out, err = run(capsys, "--db", desk, "--agent", "boss", "log", "kestrel", "call", "hello")
    assert (code, out, err) == (0, "Logged call on Kestrel Freight\n", "")
    code, out, err = run(capsys, "--db", desk, "--agent", "boss", "log", "Kestral Freight", "call", "hi")
    assert (code, out) == (1, "")
    assert "did you mean Kestrel Freight?" in err and err.count("\n") == 1


def test_a_duplicate_account_name_is_refused_unless_forced(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`account add acme` when Acme exists: exit 1 naming the clash; with --force both are kept."""
    code, out, err = run(capsys, "--db", desk, "--agent", "boss", "account", "add", "ACME")
    assert (code, out) == (1, "") and "another account is already called 'Acme'" in err
    code, _out, err = run(capsys, "--db", desk, "--agent", "boss", "account", "add", "ACME", "--force")
    assert (code, err) == (0, "")


def test_refused_values_name_the_option_typed(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`--next someday` is refused as --next (not the internal due_on); `--amount 10k` means 10,000."""
    code, out, err = run(capsys, "--db", desk, "--agent", "boss", "log", "acme", "call", "hi", "--next", "someday")
    assert (code, out) == (1, "") and err.startswith("acct-tui: --next: 'someday' is not a date")
    code, out, err = run(
        capsys, "--db", desk, "--agent", "boss", "opportunity", "add", "acme", "Seats", "--amount", "10k", "--json"
    )
    assert (code, err) == (0, "")
    from acct_tui.db import open_database
    from acct_tui.models import Opportunity

    open_database(desk, create=False)
    try:
        assert Opportunity.get_by_id(json.loads(out)["opportunity_id"]).amount == 10000
    finally:
        _close_database()


def test_a_due_date_in_the_past_is_written_with_a_warning(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`followup add --due -3d` adds it and warns on stderr that it lands in the past; a future date says nothing."""
    code, out, err = run(capsys, "--db", desk, "--agent", "boss", "followup", "add", "acme", "Late", "--due=-3d")
    assert code == 0 and out.startswith("Follow-up #")
    assert err == "acct-tui: warning: --due: Tue 24 Nov 2026 is in the past (3 days ago); it will show as overdue\n"
    code, _out, err = run(capsys, "--db", desk, "--agent", "boss", "followup", "add", "acme", "Soon", "--due", "+3d")
    assert (code, err) == (0, "")


def test_limits_are_whole_numbers_and_a_default_cut_is_said_on_stderr(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--limit 0` is refused; the default 50 of 200 says so on stderr (also with --json); an explicit limit is quiet."""
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "portfolio", "--limit", "0")
    assert (code, out) == (2, "") and "--limit: 0 must be 1 or more" in err
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "portfolio", "--json")
    assert code == 0 and len(json.loads(out)["rows"]) == 50
    assert err == "acct-tui: note: listed 50 of 200 accounts (the default --limit 50); give --limit N for more\n"
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "portfolio", "--limit", "5")
    assert (code, err) == (0, "") and "5 of 200 accounts" in out


def test_what_if_refuses_a_key_the_formula_lacks(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`health what-if foo=bar` is one line naming --set and the real keys, not a silent no-op."""
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "health", "what-if", "foo=bar")
    assert (code, out) == (1, "")
    assert err.startswith("acct-tui: --set: 'foo' is not a value of the health formula")


def test_export_refuses_a_calendar_format_and_a_missing_folder(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`export calendar --format json` is refused (it is .ics); `-o` into a missing folder creates nothing."""
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "export", "calendar", "--format", "json")
    assert (code, out) == (1, "") and "written as .ics only" in err
    target = tmp_path / "nonexistent" / "dir" / "x.csv"
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "export", "portfolio", "-o", str(target))
    assert (code, out) == (1, "") and f"no folder {target.parent}" in err
    assert not (tmp_path / "nonexistent").exists()
    code, _out, err = run(
        capsys, "--db", seeded, "--agent", "boss", "export", "calendar", "-o", str(tmp_path / "c.ics")
    )
    assert code == 0 and (tmp_path / "c.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_queue_says_on_stderr_when_its_default_limit_cut_a_section(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A section longer than the default limit is listed in part with a note on stderr; an explicit --limit is quiet."""
    from acct_tui.verbs import basic

    monkeypatch.setattr(basic, "QUEUE_LIMIT", 1)
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "queue", "--json")
    payload = json.loads(out)
    cut = [name for name, count in payload["counts"].items() if count > len(payload["sections"][name])]
    assert code == 0 and cut
    assert err.startswith("acct-tui: note: listed ") and err.endswith("give --limit N for more\n")
    assert all(f"{name} 1 of {payload['counts'][name]:,}" in err for name in cut)
    code, out, err = run(capsys, "--db", seeded, "--agent", "boss", "queue", "--limit", "1")
    assert (code, err) == (0, "")
