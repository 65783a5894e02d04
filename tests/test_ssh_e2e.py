"""End to end: the real dashboard served over SSH, driven through a pseudo-terminal and rendered with pyte.

A server starts on a free loopback port; a client with a registered key asks
for a terminal, the dashboard comes up as that agent (showing only their
accounts), keys are pressed, and the database is checked. Once with the
asyncssh client (on SQLite and PostgreSQL), once with the OpenSSH `ssh` binary.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

asyncssh = pytest.importorskip("asyncssh")
pytest.importorskip("pyte")

from acct_tui.services.context import Ctx  # noqa: E402
from tests.ssh_support import (  # noqa: E402
    RealSsh,
    Terminal,
    environment_without_ssh_agent,
    new_key,
    register_agent,
    serving,
    ssh_argv,
    write_private_key,
)

pytestmark = pytest.mark.slow

SAM_ACCOUNTS = ("Sam Alpha Corp", "Sam Beta Ltd")
KIM_ACCOUNT = "Kim Secret Inc"


@pytest.fixture
def sqlite_admin(tmp_path: Path, clock: Any) -> Any:
    """The admin of a fresh SQLite file at tmp_path/desk.db (the OpenSSH client tests need no second backend)."""
    from acct_tui.db import open_database
    from acct_tui.services.writes.agents import resolve_agent

    database = open_database(str(tmp_path / "desk.db"))
    yield Ctx(agent=resolve_agent("manager"), clock=clock)
    database.close()


def _desk(ctx: Ctx) -> Any:
    """sam (with a key) owns two accounts; kim owns one sam may not see."""
    from acct_tui.services.writes.accounts import create_account

    key = new_key("sam@laptop")
    register_agent(ctx, "sam", key)
    register_agent(ctx, "kim", None)
    from acct_tui.services.writes.agents import find_agent

    sam, kim = find_agent("sam"), find_agent("kim")
    assert sam is not None and kim is not None
    for name in SAM_ACCOUNTS:
        create_account(ctx, {"name": name, "tier": "gold", "arr": "90000"}, owner_id=sam.id)
    create_account(ctx, {"name": KIM_ACCOUNT, "tier": "gold", "arr": "90000"}, owner_id=kim.id)
    return key


def _activities_by(login: str) -> list[tuple[str, str]]:
    from acct_tui.models import Account, Activity, Agent
    from acct_tui.services.store.unit import reading

    with reading():
        query = (
            Activity.select(Activity.summary, Account.name)
            .join(Account, on=(Activity.account == Account.id))
            .switch(Activity)
            .join(Agent, on=(Activity.agent == Agent.id))
            .where(Agent.login == login)
        )
        return [(summary, name) for summary, name in query.tuples()]


async def _wait_until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.1)
    return check()


async def test_dashboard_over_ssh_logs_an_activity_as_the_agent(tmp_path: Path, db_url: str, ctx: Ctx) -> None:
    """sam connects with a terminal, sees only their portfolio, logs a call with l / ctrl+s, and it is saved as sam's."""
    key = _desk(ctx)
    async with serving(tmp_path, db_url) as served, await served.connect("sam", key) as conn:
        terminal = await Terminal.open(conn, 100, 30)
        screen = await terminal.wait_for(lambda s: all(name in s for name in SAM_ACCOUNTS), timeout=30)
        assert KIM_ACCOUNT not in screen
        terminal.press("j")  # the cursor moves; nothing is written
        await terminal.settle()
        assert _activities_by("sam") == []
        terminal.press("l")
        await terminal.wait_for("Log an activity")
        terminal.press("Called over SSH")
        await terminal.wait_for("Called over SSH")
        terminal.press("\x13")  # ctrl+s saves
        saved = await _wait_until(lambda: _activities_by("sam"))
        assert len(saved) == 1
        summary, account = saved[0]
        assert summary == "Called over SSH" and account in SAM_ACCOUNTS
        await terminal.wait_for("Logged on")
        terminal.press("\x11")  # ctrl+q quits
        result = await asyncio.wait_for(terminal.process.wait(), 15)
    assert result.exit_status == 0
    log = served.log()
    assert "session start agent=sam" in log and "session end agent=sam" in log and "status=0" in log


@pytest.mark.skipif(shutil.which("ssh") is None, reason="the OpenSSH client is not installed")
async def test_openssh_client_lands_in_the_dashboard_and_resizes(tmp_path: Path, sqlite_admin: Ctx) -> None:
    """`ssh -p PORT sam@host` shows sam's dashboard; resizing the client's window re-lays it out; q quits with 0."""
    key = _desk(sqlite_admin)
    key_file = write_private_key(key, tmp_path / "id_sam")
    env = environment_without_ssh_agent() | {"TERM": "xterm-256color"}
    async with serving(tmp_path, str(tmp_path / "desk.db")) as served:
        client = RealSsh(ssh_argv(served.port, key_file, "sam", "-tt"), 90, 26, env)
        try:
            screen = await client.wait_for(lambda s: SAM_ACCOUNTS[0] in s, timeout=30)
            assert KIM_ACCOUNT not in screen
            assert all(len(line.rstrip()) <= 90 for line in screen.splitlines())
            client.resize(130, 40)
            await client.wait_for(lambda s: any(len(line.rstrip()) > 100 for line in s.splitlines()), timeout=15)
            client.press("q")
            assert await client.wait_exit() == 0
        finally:
            client.kill()
    assert "session start agent=sam" in served.log() and "size=90x26" in served.log()


@pytest.mark.skipif(shutil.which("ssh") is None, reason="the OpenSSH client is not installed")
async def test_openssh_client_cannot_run_commands_or_use_passwords(tmp_path: Path, sqlite_admin: Ctx) -> None:
    """With the real client: `ssh host cmd` fails with no output from the server, and passwords are not offered."""
    key = _desk(sqlite_admin)
    key_file = write_private_key(key, tmp_path / "id_sam")
    env = environment_without_ssh_agent()
    async with serving(tmp_path, str(tmp_path / "desk.db")) as served:
        argv = ssh_argv(served.port, key_file, "sam")
        run = await asyncio.create_subprocess_exec(
            *argv, "id", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(run.communicate(), 20)
        assert run.returncode == 255 and out == b""
        assert b"exec request failed" in err
        password_only = [
            arg if arg != "IdentitiesOnly=yes" else "PreferredAuthentications=password,keyboard-interactive"
            for arg in argv
        ]
        run = await asyncio.create_subprocess_exec(
            *password_only, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(run.communicate(), 20)
        assert run.returncode == 255
        assert b"Permission denied (publickey)" in err
    log = served.log()
    assert "exec refused agent=sam" in log
    assert "no public key offered" in log
