"""The SSH server: who gets in, what they may ask for, and how a session's terminal and process behave.

These tests run a stand-in app (tests/ssh_support.py FAKE_APP) so they pin the
server's plumbing quickly; tests/test_ssh_e2e.py drives the real dashboard.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

asyncssh = pytest.importorskip("asyncssh")
pytest.importorskip("pyte")

from acct_tui.services.context import Ctx  # noqa: E402
from acct_tui.ssh.hostkey import HostKeyError, load_or_create_host_key  # noqa: E402
from acct_tui.ssh.limits import FailureTracker, Limits, SessionCounter  # noqa: E402
from tests.ssh_support import (  # noqa: E402
    Terminal,
    fake_app_command,
    new_key,
    pids_of,
    register_agent,
    serving,
    wait_gone,
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "desk.db")


@pytest.fixture
def admin(sqlite_url: str) -> Any:
    """The first agent of a fresh SQLite database (an admin), for registering agents and keys."""
    from acct_tui.db import open_database
    from acct_tui.services.writes.agents import resolve_agent

    database = open_database(sqlite_url)
    yield Ctx(agent=resolve_agent("boss"))
    database.close()


@pytest.fixture
def sam_key(admin: Ctx) -> Any:
    """sam, an agent with one registered key."""
    key = new_key("sam@laptop")
    register_agent(admin, "sam", key)
    return key


# Authentication -------------------------------------------------------------------------


async def test_registered_key_gets_a_session(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """An agent's registered key opens a session running as that agent, logged with the key's fingerprint."""
    command, _ = fake_app_command(tmp_path)
    async with serving(tmp_path, sqlite_url, app_command=command) as served:
        async with await served.connect("sam", sam_key) as conn:
            terminal = await Terminal.open(conn)
            screen = await terminal.wait_for("READY")
            assert "agent=sam" in screen
        await asyncio.sleep(0.2)
    log = served.log()
    assert "login agent=sam source=127.0.0.1" in log and sam_key.get_fingerprint("sha256") in log
    assert "session start agent=sam" in log and "session end agent=sam" in log


@pytest.mark.parametrize(
    ("login", "which", "reason"),
    [
        ("nobody", "sam", "unknown or deactivated agent"),
        ("sam", "other", "no registered key offered"),
        ("sam", "revoked", "no registered key offered"),
        ("ann", "ann", "unknown or deactivated agent"),
    ],
    ids=["unknown-agent", "wrong-key", "revoked-key", "deactivated-agent"],
)
async def test_logins_refused(
    tmp_path: Path, sqlite_url: str, admin: Ctx, sam_key: Any, login: str, which: str, reason: str
) -> None:
    """Unknown agents, unregistered or revoked keys and deactivated agents are refused, and the log says why."""
    from acct_tui.services.writes.agents import deactivate_agent
    from acct_tui.services.writes.keys import add_keys, revoke_keys

    keys = {"sam": sam_key, "other": new_key(), "revoked": new_key(), "ann": new_key()}
    add_keys(admin, "sam", keys["revoked"].export_public_key("openssh").decode())
    revoke_keys(admin, "sam", keys["revoked"].get_fingerprint("sha256"))
    register_agent(admin, "ann", keys["ann"])
    deactivate_agent(admin, "ann")
    async with serving(tmp_path, sqlite_url) as served:
        with pytest.raises(asyncssh.PermissionDenied):
            await served.connect(login, keys[which])
        await asyncio.sleep(0.1)
    assert f"login refused agent={login} source=127.0.0.1" in served.log()
    assert reason in served.log()


async def test_passwords_and_keyboard_interactive_are_refused(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """A password (or keyboard-interactive) login never gets in, even for a registered agent."""
    async with serving(tmp_path, sqlite_url) as served:
        with pytest.raises(asyncssh.PermissionDenied):
            await served.connect("sam", None, password="hunter2")
        with pytest.raises(asyncssh.PermissionDenied):
            await served.connect("sam", None, password="hunter2", kbdint_auth=True)
        await asyncio.sleep(0.1)
    assert "no public key offered (passwords and keyboard-interactive are not accepted)" in served.log()


async def test_failed_logins_ban_the_source_for_a_while(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """After max_failures failed logins from an address, even the right key is refused until the ban ends."""
    limits = Limits(max_failures=2, ban_seconds=600)
    async with serving(tmp_path, sqlite_url, limits=limits) as served:
        for _ in range(2):
            with pytest.raises(asyncssh.PermissionDenied):
                await served.connect("sam", new_key())
            await asyncio.sleep(0.05)
        with pytest.raises((asyncssh.DisconnectError, asyncssh.ConnectionLost, ConnectionError)):
            await served.connect("sam", sam_key)
        await asyncio.sleep(0.1)
    log = served.log()
    assert "source banned source=127.0.0.1" in log
    assert "connection refused source=127.0.0.1: banned" in log


async def test_too_many_keys_on_one_connection_are_cut_off(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """A client offering more keys than max_keys_per_connection is disconnected before it finds the right one."""
    limits = Limits(max_keys_per_connection=3)
    keys = [new_key() for _ in range(5)] + [sam_key]
    async with serving(tmp_path, sqlite_url, limits=limits) as served:
        with pytest.raises((asyncssh.PermissionDenied, asyncssh.DisconnectError)):
            await asyncssh.connect(
                "127.0.0.1", served.port, username="sam", client_keys=keys, known_hosts=None, agent_path=None
            )
        await asyncio.sleep(0.1)
    assert "login agent=sam" not in served.log()


async def test_login_timeout_drops_a_silent_client(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """A connection that does not authenticate within the login timeout is closed, and logged as refused."""
    async with serving(tmp_path, sqlite_url, limits=Limits(login_timeout=1)) as served:
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        banner = await asyncio.wait_for(reader.readline(), 5)
        assert banner.startswith(b"SSH-2.0-acct-tui")
        closed_after = asyncio.get_running_loop().time()
        remaining = await asyncio.wait_for(reader.read(), 5)  # the server hangs up: EOF
        assert asyncio.get_running_loop().time() - closed_after < 4
        writer.close()
        del remaining
        await asyncio.sleep(0.1)
    assert "login refused agent=- source=127.0.0.1" in served.log()


# What an authenticated client may ask for --------------------------------------------------


async def test_exec_requests_are_refused(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """`ssh host COMMAND` runs nothing: the exec request fails and is logged."""
    async with serving(tmp_path, sqlite_url) as served, await served.connect("sam", sam_key) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.run("id; cat /etc/passwd")
    assert "exec refused agent=sam" in served.log()


async def test_sftp_and_other_subsystems_are_refused(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """No file transfer: the sftp subsystem request fails and is logged."""
    async with serving(tmp_path, sqlite_url) as served, await served.connect("sam", sam_key) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.start_sftp_client()
    assert "subsystem refused agent=sam" in served.log() and "'sftp'" in served.log()


async def test_port_forwarding_is_refused(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """Neither local (direct-tcpip) nor remote (tcpip-forward) forwarding is allowed; both are logged."""
    async with serving(tmp_path, sqlite_url) as served, await served.connect("sam", sam_key) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", served.port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("", 0, "127.0.0.1", 22)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_unix_connection(asyncssh.SSHUNIXSession, "/run/docker.sock")
    log = served.log()
    assert "port forwarding refused agent=sam" in log
    assert "remote forwarding refused agent=sam" in log
    assert "socket forwarding refused agent=sam" in log


async def test_a_shell_without_a_terminal_is_refused(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """`ssh -T` gets one line saying the dashboard needs a terminal, and exit status 1."""
    command, pids = fake_app_command(tmp_path)
    async with (
        serving(tmp_path, sqlite_url, app_command=command) as served,
        await served.connect("sam", sam_key) as conn,
    ):
        process = await conn.create_process(encoding=None)
        message = await process.stderr.read()
        result = await process.wait()
    assert b"needs a terminal" in message
    assert result.exit_status == 1
    assert not pids.exists()  # no app was started


# The session: one terminal, one app process ------------------------------------------------


async def test_the_app_runs_on_its_own_terminal_as_the_agent(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """The app gets the client's TERM and size, a controlling terminal, ACCT_TUI_SERVED=1 and the server's database only."""
    command, _ = fake_app_command(tmp_path)
    async with (
        serving(tmp_path, sqlite_url, app_command=command) as served,
        await served.connect("sam", sam_key) as conn,
    ):
        terminal = await Terminal.open(
            conn, 130, 28, env={"NO_COLOR": "1", "LD_PRELOAD": "/tmp/evil.so", "ACCT_TUI_DB": "/tmp/other.db"}
        )
        screen = await terminal.wait_for("READY")
    line = next(row for row in screen.splitlines() if "READY" in row)
    assert "agent=sam size=130x28 term=xterm-256color" in line
    assert "env=ACCT_TUI_SERVED,NO_COLOR " in line  # no LD_PRELOAD, no forwarded agent socket
    assert "db=desk.db ctty=True served=1" in line  # the server's database, not the one the client asked for


async def test_keys_reach_the_app_and_resizes_raise_sigwinch(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """Typed keys arrive in the app byte for byte; a window change reaches it as SIGWINCH with the new size."""
    command, _ = fake_app_command(tmp_path)
    async with (
        serving(tmp_path, sqlite_url, app_command=command) as served,
        await served.connect("sam", sam_key) as conn,
    ):
        terminal = await Terminal.open(conn, 80, 24)
        await terminal.wait_for("READY")
        terminal.press("jk")
        await terminal.wait_for("[j][k]")
        terminal.resize(132, 43)
        screen = await terminal.wait_for("RESIZED")
        assert "size=132x43" in screen


async def test_app_exit_status_closes_the_channel(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """When the app exits, its last output still arrives and the client gets its exit status."""
    command, pids = fake_app_command(tmp_path)
    async with (
        serving(tmp_path, sqlite_url, app_command=command) as served,
        await served.connect("sam", sam_key) as conn,
    ):
        terminal = await Terminal.open(conn)
        await terminal.wait_for("READY")
        terminal.press("q")
        await terminal.wait_for("BYE")
        result = await asyncio.wait_for(terminal.process.wait(), 10)
    assert result.exit_status == 7
    assert await wait_gone(pids_of(pids)) == []
    assert "status=7" in served.log()


async def test_closing_the_client_ends_the_app_process_group(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """Dropping the connection hangs up the app and everything it started; the session's place is given back."""
    command, pids = fake_app_command(tmp_path)
    async with serving(tmp_path, sqlite_url, app_command=command, limits=Limits(max_sessions_per_agent=1)) as served:
        conn = await served.connect("sam", sam_key)
        terminal = await Terminal.open(conn)
        await terminal.wait_for("READY")
        app_pid, helper_pid = pids_of(pids)
        conn.abort()
        assert await wait_gone([app_pid, helper_pid]) == []
        await asyncio.sleep(0.2)
        assert served.server.desk.sessions.count("sam") == 0
        async with await served.connect("sam", sam_key) as again:  # the limit of one is free again
            await (await Terminal.open(again)).wait_for("READY")


async def test_sessions_per_agent_are_limited(tmp_path: Path, sqlite_url: str, admin: Ctx, sam_key: Any) -> None:
    """Past max_sessions_per_agent the next session is refused with the reason; other agents are not affected."""
    kim_key = new_key()
    register_agent(admin, "kim", kim_key)
    command, _ = fake_app_command(tmp_path)
    async with (
        serving(tmp_path, sqlite_url, app_command=command, limits=Limits(max_sessions_per_agent=1)) as served,
        await served.connect("sam", sam_key) as first,
    ):
        await (await Terminal.open(first)).wait_for("READY")
        async with await served.connect("sam", sam_key) as second:
            process = await second.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
            message = await process.stderr.read()
            assert (await process.wait()).exit_status == 1
        assert b"already has 1 dashboards open (the limit is 1)" in message
        async with await served.connect("kim", kim_key) as other:
            await (await Terminal.open(other)).wait_for("agent=kim")
    assert "session refused agent=sam" in served.log()


async def test_a_slow_query_in_one_session_does_not_hold_up_another(
    tmp_path: Path, sqlite_url: str, admin: Ctx, sam_key: Any
) -> None:
    """A session whose app stops reading input (busy) leaves other sessions responsive."""
    kim_key = new_key()
    register_agent(admin, "kim", kim_key)
    command, _ = fake_app_command(tmp_path)
    async with (
        serving(tmp_path, sqlite_url, app_command=command) as served,
        await served.connect("sam", sam_key) as busy,
        await served.connect("kim", kim_key) as free,
    ):
        stuck = await Terminal.open(busy)
        await stuck.wait_for("READY")
        os.kill(pids_of(tmp_path / "fake_app.pids")[0], 19)  # SIGSTOP: the app hangs
        stuck.press(b"x" * 200_000)  # more than the terminal buffers: the server must not block on it
        other = await Terminal.open(free)
        await other.wait_for("agent=kim")
        other.press("ok")
        await other.wait_for("[o][k]")


# Host key and limits bookkeeping -----------------------------------------------------------


def test_host_key_is_created_private_and_reused(tmp_path: Path) -> None:
    """The first start writes the host key with mode 600; later starts load the same key; an open one is refused."""
    path = tmp_path / "data" / "ssh_host_ed25519_key"
    key, created = load_or_create_host_key(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = load_or_create_host_key(path)
    assert not created_again
    assert again.get_fingerprint("sha256") == key.get_fingerprint("sha256")
    path.chmod(0o644)
    with pytest.raises(HostKeyError, match="chmod 600"):
        load_or_create_host_key(path)


def test_host_key_defaults_to_the_data_folder(isolated_home: Path) -> None:
    """Without a path, the host key lives in the data folder (acct_tui.locations)."""
    from acct_tui import locations

    _, created = load_or_create_host_key()
    assert created
    assert (locations.data_dir() / "ssh_host_ed25519_key").exists()


def test_failure_window_and_ban_expire() -> None:
    """Failures older than the window are forgotten; a ban lasts ban_seconds; a good login forgives."""
    now = [0.0]
    tracker = FailureTracker(Limits(max_failures=3, failure_window=60, ban_seconds=100), clock=lambda: now[0])
    assert not tracker.failed("10.0.0.1")
    now[0] = 70.0
    assert not tracker.failed("10.0.0.1")
    assert not tracker.failed("10.0.0.1")  # the first one fell out of the window
    tracker.succeeded("10.0.0.1")
    assert not tracker.failed("10.0.0.1")
    assert not tracker.failed("10.0.0.1")
    assert tracker.failed("10.0.0.1")
    assert tracker.banned_for("10.0.0.1") == 100
    assert tracker.banned_for("10.0.0.2") == 0
    now[0] = 171.0
    assert tracker.banned_for("10.0.0.1") == 0


def test_session_counter_limits_per_agent_and_in_all() -> None:
    """The per-agent limit and the server-wide limit each refuse with their own reason."""
    counter = SessionCounter(Limits(max_sessions_per_agent=2, max_sessions=3))
    for login in ("sam", "sam", "kim"):
        assert counter.refusal(login) is None
        counter.open(login)
    assert "already has 2" in (counter.refusal("sam") or "")
    assert "server is full" in (counter.refusal("lee") or "")
    counter.close("sam")
    assert counter.refusal("lee") is None


def test_serve_ssh_is_on_the_command_line() -> None:
    """`acct-tui serve-ssh --help` lists the options of the issue."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "acct_tui", "serve-ssh", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--host", "--port", "--db", "--max-sessions-per-agent", "--login-timeout"):
        assert option in out


def test_the_server_does_not_import_textual() -> None:
    """The SSH server only relays bytes: loading it (and the serve-ssh verb) leaves Textual unloaded."""
    import subprocess
    import sys

    code = "import sys, acct_tui.ssh.server, acct_tui.verbs.ssh; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


async def test_stopping_the_server_hangs_up_every_session(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """When the server stops, every app process ends and every client is disconnected."""
    command, pids = fake_app_command(tmp_path)
    async with serving(tmp_path, sqlite_url, app_command=command) as served:
        conn = await served.connect("sam", sam_key)
        terminal = await Terminal.open(conn)
        await terminal.wait_for("READY")
        app_pid, helper_pid = pids_of(pids)
        await asyncio.wait_for(served.server.close(), 15)
        assert await wait_gone([app_pid, helper_pid]) == []
        await asyncio.wait_for(conn.wait_closed(), 10)


async def test_agent_and_x11_forwarding_are_refused(tmp_path: Path, sqlite_url: str, sam_key: Any) -> None:
    """An X11 request fails; an agent-forwarding request gives the app no agent socket."""
    command, _ = fake_app_command(tmp_path)
    async with serving(tmp_path, sqlite_url, app_command=command) as served:
        async with await served.connect("sam", sam_key) as conn:
            with pytest.raises(asyncssh.ChannelOpenError, match="X11"):
                await conn.create_process(
                    term_type="xterm", term_size=(120, 24), x11_forwarding=True, x11_display="127.0.0.1:99"
                )
        async with await served.connect(
            "sam", sam_key, agent_path=str(tmp_path / "agent.sock"), agent_forwarding=True
        ) as conn:
            terminal = await Terminal.open(conn, 130, 24)
            screen = await terminal.wait_for("READY")
    assert "SSH_AUTH_SOCK" not in screen
    assert "env=ACCT_TUI_SERVED " in screen


async def test_revoking_a_key_or_deactivating_ends_open_sessions(
    tmp_path: Path, sqlite_url: str, admin: Ctx, sam_key: Any
) -> None:
    """A dashboard already open is hung up soon after its key is revoked, or its agent deactivated."""
    from acct_tui.services.writes.agents import deactivate_agent
    from acct_tui.services.writes.keys import revoke_keys

    kim_key = new_key()
    register_agent(admin, "kim", kim_key)
    command, _ = fake_app_command(tmp_path)
    async with (
        serving(tmp_path, sqlite_url, app_command=command, limits=Limits(recheck_seconds=0.2)) as served,
        await served.connect("sam", sam_key) as sam,
        await served.connect("kim", kim_key) as kim,
    ):
        sam_terminal, kim_terminal = await Terminal.open(sam), await Terminal.open(kim)
        await sam_terminal.wait_for("READY")
        await kim_terminal.wait_for("READY")
        revoke_keys(admin, "sam", "all")
        deactivate_agent(admin, "kim")
        await asyncio.wait_for(sam_terminal.process.wait(), 10)
        await asyncio.wait_for(kim_terminal.process.wait(), 10)
    log = served.log()
    assert "session ended agent=sam" in log and "key revoked" in log
    assert "session ended agent=kim" in log and "agent deactivated" in log


SIZE_APP = r"""
import os, resource, signal, sys, tty
def show(tag):
    cols, rows = os.get_terminal_size(0)
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    os.write(1, f"\r\n{tag} size={cols}x{rows} memory={soft}\r\n".encode())  # safe inside a signal handler
signal.signal(signal.SIGWINCH, lambda *_: show("RESIZED"))
tty.setraw(0)
show("READY")
os.read(0, 1)
"""


async def _report(process: Any, tag: str, timeout: float = 20.0) -> str:
    """Read until the app's next whole `tag` line; return it."""
    import re

    seen = ""
    pattern = re.compile(rf"{tag} size=\S+ memory=-?\d+\r\n")
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := pattern.search(seen)):
        left = deadline - asyncio.get_running_loop().time()
        try:
            seen += (await asyncio.wait_for(process.stdout.read(65536), left)).decode(errors="replace")
        except TimeoutError:
            raise AssertionError(f"no {tag} line from the app; it wrote {seen!r}") from None
    return found.group()


@pytest.mark.slow
async def test_window_sizes_are_clamped_and_the_app_memory_is_bounded(
    tmp_path: Path, sqlite_url: str, sam_key: Any
) -> None:
    """A client asking for 65535x65535 (and resizing to 4000x4000) gets 500x200; the app runs under RLIMIT_AS."""
    script = tmp_path / "size_app.py"
    script.write_text(SIZE_APP)
    limits = Limits(max_session_memory=1024**3)
    async with (
        serving(tmp_path, sqlite_url, limits=limits, app_command=lambda login: [sys.executable, str(script)]) as served,
        await served.connect("sam", sam_key) as conn,
    ):
        process = await conn.create_process(term_type="xterm", term_size=(65535, 65535), encoding=None)
        assert await _report(process, "READY") == f"READY size=500x200 memory={1024**3}\r\n"
        process.change_terminal_size(120, 40)
        assert (await _report(process, "RESIZED")).startswith("RESIZED size=120x40 ")
        process.change_terminal_size(4000, 4000)
        assert (await _report(process, "RESIZED")).startswith("RESIZED size=500x200 ")
        process.stdin.write(b"q")
