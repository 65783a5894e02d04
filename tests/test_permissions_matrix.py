"""Who may do what, through the real command line: every verb that changes the whole database or
another agent's data, run as a plain agent, as a lead and as an admin, on SQLite and PostgreSQL.

A refusal is exit 1, nothing on stdout, one `acct-tui: only ...` line on stderr, and the database
exactly as it was (every table's rows, the agents, their keys, the owners, the shares).

The desk: `boss` (admin, the database's first login); `kim` (lead of Support); `sam` (agent in
Support) who owns "Sam Co", shared with `zoe`; `zoe` (agent in Other) who owns "Zoe Co", shared
with `sam`, and has an SSH key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from tests.conftest import TODAY

ROLES = ("sam", "kim", "boss")
"""The plain agent, the lead and the admin."""


def _close_database() -> None:
    from acct_tui.models import database_proxy

    db = database_proxy.obj
    if db is not None:
        db.close_all() if hasattr(db, "close_all") else db.close()


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(db_url: str, capsys: pytest.CaptureFixture[str]) -> Run:
    """The console entry in-process, as `agent`, on the test's database."""

    def invoke(agent: str, *argv: str) -> tuple[int, str, str]:
        try:
            code = main(["--db", db_url, "--agent", agent, *argv], clock=FixedClock.on(TODAY))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            _close_database()
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def key_file(tmp_path: Path, name: str) -> Path:
    asyncssh = pytest.importorskip("asyncssh")
    key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{name}@laptop")
    path = tmp_path / f"{name}.pub"
    path.write_bytes(key.export_public_key("openssh"))
    return path


@pytest.fixture
def desk(run: Run, tmp_path: Path, db_url: str) -> str:
    """The desk of the module docstring; returns its URL."""
    steps = [
        ("agent", "add", "boss"),
        ("agent", "add", "kim", "--role", "lead", "--team", "Support"),
        ("agent", "add", "sam", "--team", "Support"),
        ("agent", "add", "zoe", "--team", "Other", "--key", str(key_file(tmp_path, "zoe"))),
        ("account", "add", "Sam Co", "--owner", "sam"),
        ("account", "add", "Zoe Co", "--owner", "zoe"),
        ("share", "Zoe Co", "--with", "sam"),
        ("share", "Sam Co", "--with", "zoe"),
    ]
    for step in steps:
        code, _out, err = run("boss", *step)
        assert (code, err) == (0, ""), step
    (tmp_path / "owned.csv").write_text("Account Name,Owner\nImported Co,zoe\n", encoding="utf-8")
    return db_url


def state(url: str) -> dict[str, Any]:
    """Everything a refused verb must leave as it was."""
    from acct_tui.db import open_database
    from acct_tui.models import ALL_MODELS, Account, AccountShare, Agent, AgentKey
    from acct_tui.services.store.unit import reading

    open_database(url)
    try:
        with reading():
            return {
                "rows": {model._meta.table_name: model.select().count() for model in ALL_MODELS},
                "agents": sorted(Agent.select(Agent.login, Agent.role, Agent.active).tuples()),
                "keys": sorted(AgentKey.select(AgentKey.fingerprint, AgentKey.revoked_at).tuples()),
                "owners": sorted(Account.select(Account.name, Account.owner).tuples()),
                "shares": sorted(AccountShare.select(AccountShare.account, AccountShare.agent).tuples()),
            }
    finally:
        _close_database()


@dataclass(frozen=True)
class Case:
    argv: Callable[[str, Path], tuple[str, ...]]
    """The command line for a role (the desk's tmp folder given for files)."""
    allowed: frozenset[str]
    """The roles that may run it."""
    sqlite_only: bool = False


def same(*argv: str) -> Callable[[str, Path], tuple[str, ...]]:
    return lambda _role, _tmp: argv


CASES = {
    "seed": Case(same("seed", "--accounts", "2", "--force"), frozenset({"boss"})),
    "migrate": Case(same("migrate"), frozenset({"boss"})),
    "restore": Case(lambda _r, tmp: ("restore", str(tmp / "backup.db"), "--force"), frozenset({"boss"}), True),
    "agent add": Case(same("agent", "add", "eve"), frozenset({"boss"})),
    "agent deactivate": Case(same("agent", "deactivate", "zoe"), frozenset({"boss"})),
    "agent key add": Case(
        lambda _r, tmp: ("agent", "key", "add", "zoe", str(key_file(tmp, "new"))), frozenset({"boss"})
    ),
    "agent key revoke": Case(same("agent", "key", "revoke", "zoe", "all"), frozenset({"boss"})),
    # Each role is given an account it can see but does not own (the admin sees all).
    "share": Case(
        lambda role, _t: (
            "share",
            "Sam Co" if role == "kim" else "Zoe Co",
            "--with",
            "kim" if role == "sam" else "boss",
        ),
        frozenset({"boss"}),
    ),
    "unshare": Case(
        lambda role, _t: ("unshare", *(("Sam Co", "--with", "zoe") if role == "kim" else ("Zoe Co", "--with", "sam"))),
        frozenset({"boss"}),
    ),
    "account add --owner": Case(same("account", "add", "Gift Co", "--owner", "zoe"), frozenset({"boss"})),
    "import accounts with owners": Case(
        lambda _r, tmp: ("import", "accounts", str(tmp / "owned.csv")), frozenset({"boss"})
    ),
    # The lead may hand off their team member's account; a sharee may not give the owner's away.
    "handoff": Case(
        lambda role, _t: ("handoff", "Sam Co" if role == "kim" else "Zoe Co", "boss", "--note", "yours now"),
        frozenset({"kim", "boss"}),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_who_may_run_each_verb(name: str, desk: str, run: Run, tmp_path: Path) -> None:
    """A plain agent and a lead are refused on one line with nothing changed; the admin (and a lead, for
    their team's handoff) gets exit 0."""
    case = CASES[name]
    if case.sqlite_only:
        if Path(desk).suffix != ".db":
            pytest.skip("restore on PostgreSQL is pg_restore's (acct-tui says so)")
        code, _out, err = run("boss", "backup", str(tmp_path / "backup.db"))
        assert (code, err) == (0, "")
    for role in sorted(ROLES, key=lambda r: r in case.allowed):  # refusals first: they change nothing
        before = state(desk)
        code, out, err = run(role, *case.argv(role, tmp_path))
        if role in case.allowed:
            assert (code, err) == (0, ""), (role, err)
            continue
        assert (code, out) == (1, ""), (role, out, err)
        assert err.startswith("acct-tui: only ") and err.count("\n") == 1, (role, err)
        assert state(desk) == before, role


def test_seed_into_a_database_with_accounts_needs_force_even_for_an_admin(desk: str, run: Run) -> None:
    """Without --force the admin's seed is refused on one line and adds nothing."""
    before = state(desk)
    code, out, err = run("boss", "seed", "--accounts", "2")
    assert (code, out) == (1, "")
    assert err.startswith("acct-tui: this database already holds 2 accounts") and err.count("\n") == 1
    assert state(desk) == before


def test_an_agent_revokes_their_own_keys(desk: str, run: Run) -> None:
    """Revoking takes access away, so any agent may revoke their own keys."""
    code, out, err = run("zoe", "agent", "key", "revoke", "zoe", "all")
    assert (code, err) == (0, "") and out.startswith("revoked key SHA256:")


def test_a_lead_gives_accounts_to_their_team_only(desk: str, run: Run) -> None:
    """A lead may create an account for a member of their team, and not for anyone else."""
    assert run("kim", "account", "add", "Team Co", "--owner", "sam")[0] == 0
    code, _out, err = run("kim", "account", "add", "Far Co", "--owner", "zoe")
    assert code == 1
    assert err == "acct-tui: only an admin or the lead of their team can create accounts for zoe; kim is lead\n"


def test_an_import_owned_by_the_importer_is_anyones(desk: str, run: Run, tmp_path: Path) -> None:
    """An agent may import accounts that name themself (or nobody) as the owner."""
    (tmp_path / "mine.csv").write_text("Account Name,Owner\nMy Co,sam\nOther Co,\n", encoding="utf-8")
    code, out, err = run("sam", "import", "accounts", str(tmp_path / "mine.csv"))
    assert (code, err) == (0, ""), err
    assert "2 new" in out or "created 2" in out or "2 created" in out
