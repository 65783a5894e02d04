"""What the SSH tests share: a server on a free loopback port, keys, and a pyte-rendered client terminal."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pyte

from acct_tui.ssh.limits import Limits
from acct_tui.ssh.server import Desk, RunningServer, setup_logging, start_server

CLIENT = {"known_hosts": None, "agent_path": None, "preferred_auth": "publickey,keyboard-interactive,password"}

# A stand-in for the dashboard: shows what the server gave it, echoes keys, reports resizes,
# starts a grandchild in its process group, and exits with status 7 on "q".
FAKE_APP = r"""
import os, signal, subprocess, sys, tty
pids = sys.argv[2]
helper = subprocess.Popen(["sleep", "300"])
with open(pids, "w") as out:
    out.write(f"{os.getpid()} {helper.pid}")
def show(tag):
    cols, rows = os.get_terminal_size(0)
    flags = [name for name in ("ACCT_TUI_SERVED", "NO_COLOR", "LD_PRELOAD", "SSH_AUTH_SOCK") if name in os.environ]
    sys.stdout.write(
        f"\r\n{tag} agent={sys.argv[1]} size={cols}x{rows} term={os.environ.get('TERM')} "
        f"env={','.join(flags)} db={os.path.basename(os.environ.get('ACCT_TUI_DB', '-'))} "
        f"ctty={os.tcgetpgrp(0) == os.getpgrp()} served={os.environ.get('ACCT_TUI_SERVED')}\r\n"
    )
    sys.stdout.flush()
signal.signal(signal.SIGWINCH, lambda *_: show("RESIZED"))
tty.setraw(0)
show("READY")
while True:
    key = os.read(0, 1)
    if not key or key == b"q":
        sys.stdout.write("\r\nBYE\r\n")
        sys.stdout.flush()
        helper.kill()
        sys.exit(7)
    sys.stdout.write(f"[{key.decode(errors='replace')}]")
    sys.stdout.flush()
"""


def new_key(comment: str = "test") -> Any:
    return asyncssh.generate_private_key("ssh-ed25519", comment=comment)


def register_agent(ctx: Any, login: str, key: Any | None, **options: Any) -> None:
    """An agent with (optionally) one SSH key, added by the admin `ctx`."""
    from acct_tui.services.writes.agents import add_agent

    text = key.export_public_key("openssh").decode() if key is not None else ""
    add_agent(ctx, login, keys_text=text, **options)


def fake_app_command(tmp_path: Path) -> tuple[Callable[[str], list[str]], Path]:
    script = tmp_path / "fake_app.py"
    script.write_text(FAKE_APP)
    pids = tmp_path / "fake_app.pids"
    return (lambda login: [sys.executable, str(script), login, str(pids)]), pids


@dataclass
class Served:
    server: RunningServer
    log_file: Path
    stderr: io.StringIO

    @property
    def port(self) -> int:
        return self.server.port

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8")

    async def connect(self, login: str, key: Any | None, **options: Any) -> Any:
        keys = [key] if key is not None else None
        return await asyncssh.connect("127.0.0.1", self.port, username=login, client_keys=keys, **CLIENT | options)


@asynccontextmanager
async def serving(
    tmp_path: Path,
    database_url: str,
    *,
    limits: Limits | None = None,
    app_command: Callable[[str], list[str]] | None = None,
) -> AsyncIterator[Served]:
    """A server on a free loopback port, its host key and log under tmp_path; hung up and closed after."""
    log_file = tmp_path / "ssh.log"
    stderr = io.StringIO()
    desk = Desk(
        database_url=database_url,
        limits=limits or Limits(),
        log=setup_logging(log_file, stream=stderr),
        workdir=tmp_path,
    )
    if app_command is not None:
        desk.app_command = app_command
    server = await start_server(desk, host="127.0.0.1", port=0, host_key_path=tmp_path / "host_key")
    try:
        yield Served(server, log_file, stderr)
    finally:
        await server.close()


class Terminal:
    """The client's side of a session, rendered with pyte as a real terminal would show it."""

    def __init__(self, process: Any, columns: int, rows: int) -> None:
        self.process = process
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.received = 0
        self.eof = False

    @classmethod
    async def open(cls, conn: Any, columns: int = 100, rows: int = 30, **options: Any) -> Terminal:
        process = await conn.create_process(
            term_type="xterm-256color", term_size=(columns, rows), encoding=None, **options
        )
        return cls(process, columns, rows)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def read_some(self, timeout: float) -> bytes:
        try:
            data: bytes = await asyncio.wait_for(self.process.stdout.read(65536), timeout)
        except TimeoutError:
            return b""
        if not data:
            self.eof = True
        self.received += len(data)
        self.stream.feed(data)
        return data

    async def wait_for(self, predicate: Callable[[str], bool] | str, timeout: float = 20.0) -> str:
        """Read until the screen satisfies `predicate` (or shows the text); fail with the screen otherwise."""
        check = (lambda screen: predicate in screen) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while not check(self.text()):
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                raise AssertionError(f"timed out waiting for {predicate!r}; the screen shows:\n{self.text()}")
            await self.read_some(min(left, 0.5))
        return self.text()

    async def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Read until nothing has arrived for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.eof:
            if not await self.read_some(quiet):
                return

    def press(self, keys: str | bytes) -> None:
        self.process.stdin.write(keys.encode() if isinstance(keys, str) else keys)

    def resize(self, columns: int, rows: int) -> None:
        self.screen.resize(rows, columns)
        self.process.change_terminal_size(columns, rows)


def process_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


async def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """The pids still alive after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if process_alive(pid)]
        if not alive:
            return []
        await asyncio.sleep(0.05)
    return [pid for pid in pids if process_alive(pid)]


def pids_of(path: Path) -> list[int]:
    return [int(word) for word in path.read_text().split()]


def environment_without_ssh_agent() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "SSH_AGENT_PID")}


class RealSsh:
    """The OpenSSH client in a pseudo-terminal of its own, its output rendered with pyte."""

    def __init__(self, argv: list[str], columns: int, rows: int, env: dict[str, str]) -> None:
        import subprocess

        from acct_tui.ssh.session import set_window_size

        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.master, slave = os.openpty()
        set_window_size(self.master, columns, rows)
        # acct_tui.ssh.child makes the terminal ssh's controlling terminal, so resizes signal it.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "acct_tui.ssh.child", *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            env=env,
        )
        os.close(slave)
        os.set_blocking(self.master, False)

    def _pump(self) -> bool:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not data:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, predicate: Callable[[str], bool] | str, timeout: float = 20.0) -> str:
        check = (lambda screen: predicate in screen) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while not check(self.text()):
            if time.monotonic() > deadline or not self._pump():
                raise AssertionError(f"timed out waiting for {predicate!r}; the screen shows:\n{self.text()}")
            await asyncio.sleep(0.02)
        return self.text()

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def resize(self, columns: int, rows: int) -> None:
        from acct_tui.ssh.session import set_window_size

        self.screen.resize(rows, columns)
        set_window_size(self.master, columns, rows)

    async def wait_exit(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._pump()
            await asyncio.sleep(0.05)
        code = self.process.wait(timeout=1)
        self._pump()
        os.close(self.master)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def ssh_argv(port: int, key_file: Path, login: str, *extra: str) -> list[str]:
    """A plain OpenSSH client command: no user config, no agent, no known_hosts, keys only from `key_file`."""
    return [
        "ssh",
        "-F",
        "/dev/null",
        "-p",
        str(port),
        "-i",
        str(key_file),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        *extra,
        f"{login}@127.0.0.1",
    ]


def write_private_key(key: Any, path: Path) -> Path:
    path.write_bytes(key.export_private_key("openssh"))
    path.chmod(0o600)
    return path
