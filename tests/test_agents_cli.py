"""`acct-tui agent ...` with SSH keys, and `acct-tui share/unshare`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from acct_tui.cli import main
from tests.conftest import TODAY

asyncssh = pytest.importorskip("asyncssh")

Run = Callable[..., tuple[int, str, str]]


def _close_database() -> None:
    from acct_tui.models import database_proxy

    db = database_proxy.obj
    if db is None:
        return
    if hasattr(db, "close_all"):
        db.close_all()
    elif not db.is_closed():
        db.close()


@pytest.fixture
def run(db_url: str, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the command line as `boss` (the first login, so the admin) on a fresh database."""
    from acct_tui.clock import FixedClock

    def invoke(*argv: str, agent: str = "boss", stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            import io
            import sys

            old = sys.stdin
            sys.stdin = io.StringIO(stdin)
        try:
            code = main(["--db", db_url, "--agent", agent, *argv], clock=FixedClock.on(TODAY))
        finally:
            if stdin is not None:
                sys.stdin = old
            _close_database()
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def public_key_file(tmp_path: Path, name: str, algorithm: str = "ssh-ed25519", **options: Any) -> tuple[Path, str]:
    """A fresh key pair's public half in a file, and its SHA256 fingerprint."""
    key = asyncssh.generate_private_key(algorithm, comment=f"{name}@laptop", **options)
    path = tmp_path / f"{name}.pub"
    path.write_bytes(key.export_public_key("openssh"))
    return path, key.get_fingerprint("sha256")


def _audit(db_url: str, entity: str) -> list[tuple[str, str]]:
    from acct_tui.db import open_database
    from acct_tui.models import AuditEntry
    from acct_tui.services.store.unit import reading

    open_database(db_url)
    try:
        with reading():
            rows = AuditEntry.select(AuditEntry.action, AuditEntry.summary).where(AuditEntry.entity == entity)
            return [(row.action, row.summary) for row in rows.order_by(AuditEntry.id)]
    finally:
        _close_database()


def test_agent_add_with_key_registers_its_fingerprint(run: Run, tmp_path: Path) -> None:
    """`agent add NAME --key FILE` creates the agent with the key, fingerprinted like ssh-keygen -l."""
    pub, fingerprint = public_key_file(tmp_path, "sam")
    code, out, err = run("agent", "add", "sam", "--team", "Support", "--key", str(pub))
    assert (code, err) == (0, "")
    assert "added sam (agent)" in out
    code, out, _ = run("agent", "key", "list", "sam", "--json")
    rows = json.loads(out)
    assert [(r["login"], r["algorithm"], r["fingerprint"], r["comment"]) for r in rows] == [
        ("sam", "ssh-ed25519", fingerprint, "sam@laptop")
    ]
    code, out, _ = run("agent", "list")
    assert "sam" in out and "Support" in out and "1 keys" in out


def test_fingerprint_matches_ssh_keygen(run: Run, tmp_path: Path) -> None:
    """The stored fingerprint is exactly what OpenSSH prints for the same file."""
    import shutil
    import subprocess

    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    pub, _ = public_key_file(tmp_path, "ana")
    printed = subprocess.run(["ssh-keygen", "-lf", str(pub)], capture_output=True, text=True, check=True).stdout
    run("agent", "add", "ana", "--key", str(pub))
    _, out, _ = run("agent", "key", "list", "ana", "--json")
    assert json.loads(out)[0]["fingerprint"] == printed.split()[1]


def test_a_key_cannot_be_registered_twice(run: Run, tmp_path: Path) -> None:
    """The same key for another agent, or again for the same one, is refused and nothing is added."""
    pub, fingerprint = public_key_file(tmp_path, "sam")
    run("agent", "add", "sam", "--key", str(pub))
    code, _, err = run("agent", "add", "kim", "--key", str(pub))
    assert code == 1
    assert f"{fingerprint} is already registered to sam" in err
    _, out, _ = run("agent", "list", "--json")
    assert "kim" not in [row["login"] for row in json.loads(out)]  # the agent was not half-created
    code, _, err = run("agent", "key", "add", "sam", str(pub))
    assert code == 1 and "already registered" in err


def test_a_revoked_key_cannot_come_back(run: Run, tmp_path: Path) -> None:
    """Revoking keeps the key on record, so adding it again is refused with the reason."""
    pub, fingerprint = public_key_file(tmp_path, "sam")
    run("agent", "add", "sam", "--key", str(pub))
    code, out, _ = run("agent", "key", "revoke", "sam", fingerprint)
    assert code == 0 and f"revoked key {fingerprint} of sam" in out
    code, _, err = run("agent", "key", "add", "sam", str(pub))
    assert code == 1 and "(revoked)" in err


def test_revoke_all_and_revoke_by_bare_fingerprint(run: Run, tmp_path: Path) -> None:
    """`revoke NAME all` revokes every live key; a fingerprint without SHA256: is accepted."""
    first, fp1 = public_key_file(tmp_path, "one")
    second, fp2 = public_key_file(tmp_path, "two")
    third, fp3 = public_key_file(tmp_path, "three")
    run("agent", "add", "sam", "--key", str(first))
    run("agent", "key", "add", "sam", str(second))
    run("agent", "key", "add", "sam", str(third))
    code, out, _ = run("agent", "key", "revoke", "sam", fp1.removeprefix("SHA256:"))
    assert code == 0 and fp1 in out
    code, out, _ = run("agent", "key", "revoke", "sam", "all")
    assert code == 0 and fp2 in out and fp3 in out and fp1 not in out
    _, out, _ = run("agent", "key", "list", "sam", "--json")
    assert json.loads(out) == []
    _, out, _ = run("agent", "key", "list", "sam", "--all", "--json")
    assert all(row["revoked_at"] for row in json.loads(out))
    code, _, err = run("agent", "key", "revoke", "sam", "all")
    assert code == 1 and "no active SSH keys" in err


def test_key_add_and_revoke_are_audited(run: Run, tmp_path: Path, db_url: str) -> None:
    """Adding and revoking a key each leave an audit entry naming the fingerprint."""
    pub, fingerprint = public_key_file(tmp_path, "sam")
    run("agent", "add", "sam")
    run("agent", "key", "add", "sam", str(pub))
    run("agent", "key", "revoke", "sam", "all")
    assert _audit(db_url, "agent_key") == [
        ("key add", f"added SSH key {fingerprint} for sam"),
        ("key revoke", f"revoked SSH key {fingerprint} of sam"),
    ]


def test_key_from_stdin_and_authorized_keys_options(run: Run, tmp_path: Path) -> None:
    """A key piped on stdin is read; an authorized_keys line with options is read for its key."""
    pub, fingerprint = public_key_file(tmp_path, "sam")
    run("agent", "add", "sam")
    code, out, err = run("agent", "key", "add", "sam", "-", stdin='restrict,command="x" ' + pub.read_text())
    assert (code, err) == (0, "")
    assert fingerprint in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n", "private key"),
        ("ssh-ed25519 not-base64 me@host\n", "not an SSH public key"),
        ("\n# only a comment\n", "no public key found"),
    ],
)
def test_bad_key_files_are_refused(run: Run, tmp_path: Path, content: str, message: str) -> None:
    """A private key, garbage or an empty file is refused with a message that says what to give."""
    path = tmp_path / "bad.pub"
    path.write_text(content)
    run("agent", "add", "sam")
    code, _, err = run("agent", "key", "add", "sam", str(path))
    assert code == 1
    assert message in err


def test_weak_rsa_keys_are_refused(run: Run, tmp_path: Path) -> None:
    """An RSA key under 2048 bits is refused; ed25519 is suggested."""
    pub, _ = public_key_file(tmp_path, "old", "ssh-rsa", key_size=1024)
    code, _, err = run("agent", "add", "old", "--key", str(pub))
    assert code == 1 and "1024 bits" in err and "ed25519" in err


def test_missing_key_file_says_what_to_give(run: Run, tmp_path: Path) -> None:
    """A key path that does not exist is one line on stderr naming the .pub file to give."""
    run("agent", "add", "sam")
    code, _, err = run("agent", "key", "add", "sam", str(tmp_path / "nope.pub"))
    assert code == 1 and "id_ed25519.pub" in err


def test_only_admins_manage_keys_but_agents_may_revoke_their_own(run: Run, tmp_path: Path) -> None:
    """An agent cannot add keys or revoke another's, but can revoke their own (a lost laptop)."""
    pub, fingerprint = public_key_file(tmp_path, "sam")
    other, _ = public_key_file(tmp_path, "kim")
    run("agent", "add", "sam", "--key", str(pub))
    run("agent", "add", "kim", "--key", str(other))
    extra, _ = public_key_file(tmp_path, "extra")
    code, _, err = run("agent", "key", "add", "sam", str(extra), agent="sam")
    assert code == 1 and "only an admin" in err
    code, _, err = run("agent", "key", "revoke", "kim", "all", agent="sam")
    assert code == 1 and "only an admin" in err
    code, out, _ = run("agent", "key", "revoke", "sam", fingerprint, agent="sam")
    assert code == 0 and fingerprint in out


def test_deactivated_agent_has_no_login_keys(run: Run, tmp_path: Path, db_url: str) -> None:
    """The server's key lookup gives nothing for an unknown or deactivated agent, and only live keys otherwise."""
    from acct_tui.db import open_database
    from acct_tui.services.writes.keys import login_fingerprints

    first, fp1 = public_key_file(tmp_path, "one")
    second, fp2 = public_key_file(tmp_path, "two")
    run("agent", "add", "sam", "--key", str(first))
    run("agent", "key", "add", "sam", str(second))
    run("agent", "key", "revoke", "sam", fp1)
    open_database(db_url)
    try:
        assert login_fingerprints("sam") == frozenset({fp2})
        assert login_fingerprints("nobody") is None
    finally:
        _close_database()
    code, _, _ = run("agent", "deactivate", "sam")
    assert code == 0
    open_database(db_url)
    try:
        assert login_fingerprints("sam") is None
    finally:
        _close_database()


def _make_account(db_url: str, owner: str, name: str) -> int:
    from acct_tui.clock import FixedClock
    from acct_tui.db import open_database
    from acct_tui.services.context import Ctx
    from acct_tui.services.writes.accounts import create_account
    from acct_tui.services.writes.agents import find_agent

    open_database(db_url)
    try:
        agent = find_agent(owner)
        assert agent is not None
        return create_account(Ctx(agent=agent, clock=FixedClock.on(TODAY)), {"name": name})
    finally:
        _close_database()


def _portfolio_names(db_url: str, login: str) -> list[str]:
    from acct_tui.db import open_database
    from acct_tui.services.context import Ctx
    from acct_tui.services.reads.portfolio import portfolio
    from acct_tui.services.writes.agents import find_agent

    open_database(db_url)
    try:
        agent = find_agent(login)
        assert agent is not None
        return sorted(row.name for row in portfolio(Ctx(agent=agent)).rows)
    finally:
        _close_database()


def test_share_with_an_agent_then_unshare(run: Run, db_url: str) -> None:
    """`share ACCOUNT --with AGENT` puts it in their portfolio; `unshare` takes it out; both are in its history."""
    run("agent", "add", "sam")
    run("agent", "add", "kim")
    account_id = _make_account(db_url, "sam", "Acme Corp")
    assert _portfolio_names(db_url, "kim") == []
    code, out, err = run("share", "acme corp", "--with", "kim", agent="sam")
    assert (code, err) == (0, "")
    assert "shared Acme Corp with kim" in out and "shared with: kim" in out
    assert _portfolio_names(db_url, "kim") == ["Acme Corp"]
    code, out, _ = run("share", str(account_id), "--with", "kim", agent="sam")
    assert code == 0 and "already shared" in out
    code, out, _ = run("unshare", str(account_id), "--with", "kim", agent="sam")
    assert code == 0 and "stopped sharing" in out and "shared with: nobody" in out
    assert _portfolio_names(db_url, "kim") == []
    assert [action for action, _ in _audit(db_url, "account_share")] == ["share", "unshare"]


def test_share_with_a_team(run: Run, db_url: str) -> None:
    """Sharing with a team lets every member see the account."""
    run("agent", "add", "sam")
    run("agent", "add", "ana", "--team", "Billing")
    run("agent", "add", "bo", "--team", "Billing")
    _make_account(db_url, "sam", "Globex")
    code, out, _ = run("share", "Globex", "--team", "Billing", agent="sam")
    assert code == 0 and "team Billing" in out
    assert _portfolio_names(db_url, "ana") == ["Globex"]
    assert _portfolio_names(db_url, "bo") == ["Globex"]


def test_share_refusals(run: Run, db_url: str) -> None:
    """Only the owner or an admin shares; an account outside your scope is "not found"; a target must exist."""
    run("agent", "add", "sam")
    run("agent", "add", "kim")
    run("agent", "add", "lee")
    account_id = _make_account(db_url, "sam", "Initech")
    code, _, err = run("share", str(account_id), "--with", "lee", agent="kim")
    assert code == 1 and f"account '{account_id}' not found" in err
    run("share", str(account_id), "--with", "kim", agent="sam")
    code, _, err = run("share", str(account_id), "--with", "lee", agent="kim")
    assert code == 1 and "only the owner" in err
    code, _, err = run("share", str(account_id), "--with", "ghost", agent="sam")
    assert code == 1 and "agent 'ghost' not found" in err
    code, _, err = run("share", str(account_id), "--team", "Nowhere", agent="sam")
    assert code == 1 and "team 'Nowhere' not found" in err
    code, _, err = run("share", str(account_id), "--with", "sam", agent="sam")
    assert code == 1 and "owns Initech already" in err
    code, _, err = run("share", str(account_id), "--with", "lee")  # boss, the admin
    assert code == 0


def test_authorized_keys_lines_force_each_key_into_its_agents_dashboard(run: Run, tmp_path: Path) -> None:
    """`agent key list --authorized-keys` prints one restricted, forced-command line per live key of active agents."""
    import shutil
    import subprocess

    sam_pub, sam_fp = public_key_file(tmp_path, "sam")
    kim_pub, _ = public_key_file(tmp_path, "kim")
    old_pub, old_fp = public_key_file(tmp_path, "old")
    run("agent", "add", "sam", "--key", str(sam_pub))
    run("agent", "key", "add", "sam", str(old_pub))
    run("agent", "key", "revoke", "sam", old_fp)
    run("agent", "add", "kim", "--key", str(kim_pub))
    run("agent", "deactivate", "kim")
    code, out, _ = run("agent", "key", "list", "--authorized-keys", "--command", "/opt/acct/bin/acct-tui")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        'restrict,pty,command="if [ -t 0 ]; then exec env ACCT_TUI_SERVED=1 /opt/acct/bin/acct-tui --agent sam; '
    )
    assert " ssh-ed25519 " in lines[0] and lines[0].endswith(" sam@acct-tui")
    if shutil.which("ssh-keygen"):
        listed = tmp_path / "authorized_keys"
        listed.write_text(out)
        printed = subprocess.run(["ssh-keygen", "-lf", str(listed)], capture_output=True, text=True, check=True)
        assert printed.stdout.split()[1] == sam_fp
    code, _, err = run("agent", "key", "list", "--authorized-keys", "--command", 'acct-tui" ; sh')
    assert code == 1 and "quotes" in err
