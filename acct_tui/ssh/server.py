"""The SSH server: who gets in (public keys from the database), and what they may ask for (one dashboard).

`start_server` runs it inside an existing event loop (tests, the benchmark);
`serve` runs it until SIGINT or SIGTERM (the `serve-ssh` verb). Every login,
refusal, session start and end is logged to `ssh.log` in the log folder and to
stderr.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

import acct_tui
from acct_tui import locations
from acct_tui.ssh import SERVED_ENV
from acct_tui.ssh.hostkey import load_or_create_host_key
from acct_tui.ssh.limits import FailureTracker, Limits, SessionCounter
from acct_tui.ssh.session import AppSession

LOG_NAME = "acct_tui.ssh"
# The server's environment variables an app process inherits (paths, Python, the config it runs under).
INHERITED_ENV = ("PATH", "HOME", "USER", "LOGNAME", "PYTHONPATH", "VIRTUAL_ENV", "ACCT_TUI_HOME", "ACCT_TUI_CONFIG")
# What a client may set for its own session: colours, and its time zone for "today".
CLIENT_ENV = {"NO_COLOR": r".{0,16}", "COLORTERM": r"[a-z0-9]{1,16}", "TZ": r"[A-Za-z0-9_+\-/:]{1,64}"}


def setup_logging(log_file: Path | None = None, *, stream: Any = None) -> logging.Logger:
    """The server's log: one line per event, to the log file and stderr."""
    log = logging.getLogger(LOG_NAME)
    log.setLevel(logging.INFO)
    log.propagate = False
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    target = log_file or locations.log_dir() / "ssh.log"
    target.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(target, encoding="utf-8")
    file_handler.setFormatter(formatter)
    log.addHandler(file_handler)
    stream_handler = logging.StreamHandler(stream or sys.stderr)
    stream_handler.setFormatter(formatter)
    log.addHandler(stream_handler)
    return log


def app_command(login: str) -> list[str]:
    """The dashboard of one agent; the database comes in the environment (see `Desk.child_environment`)."""
    return [sys.executable, "-m", "acct_tui", "--agent", login]


@dataclass
class Desk:
    """What every connection of one server shares: the limits, the open sessions, how to start an app."""

    database_url: str
    limits: Limits = field(default_factory=Limits)
    app_command: Callable[[str], list[str]] = app_command
    lookup_keys: Callable[[str], frozenset[str] | None] | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger(LOG_NAME))
    workdir: Path = field(default_factory=locations.data_dir)
    failures: FailureTracker = field(init=False)
    sessions: SessionCounter = field(init=False)
    active: set[AppSession] = field(default_factory=set)
    connections: set[Any] = field(default_factory=set)
    tasks: set[asyncio.Future[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.failures = FailureTracker(self.limits)
        self.sessions = SessionCounter(self.limits)
        if self.lookup_keys is None:
            from acct_tui.services.writes.keys import login_fingerprints

            self.lookup_keys = login_fingerprints

    @property
    def launcher(self) -> list[str]:
        """Runs the app command with the terminal as its controlling terminal."""
        return [sys.executable, "-m", "acct_tui.ssh.child"]

    def refuse(self, message: str) -> None:
        self.log.warning(message)

    def track(self, task: asyncio.Future[Any]) -> None:
        """Keep a background task alive until it ends."""
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def child_environment(self, term: str, client_env: Mapping[str, str]) -> dict[str, str]:
        """The app's environment: a clean one, never the client's beyond a few display settings.

        The database URL travels in the environment, not on the command line,
        where any local user could read a password in it with `ps`.
        """
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        # The app runs the same acct-tui as the server, even from a checkout that is not installed.
        package_root = str(Path(acct_tui.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        env.update(
            {
                "TERM": term,
                "LANG": "C.UTF-8",
                "ACCT_TUI_DB": self.database_url,
                SERVED_ENV: "1",
            }
        )
        for name, pattern in CLIENT_ENV.items():
            value = client_env.get(name)
            if isinstance(value, str) and re.fullmatch(pattern, value) and ".." not in value:
                env[name] = value
        return env

    async def close_sessions(self) -> None:
        """Hang up every open dashboard, wait for the apps to end, then close every connection."""
        for session in list(self.active):
            session.hang_up()
        pending = [task for task in self.tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=10)
        for conn in list(self.connections):
            conn.close()
        await asyncio.gather(*(conn.wait_closed() for conn in list(self.connections)), return_exceptions=True)


class DeskServer(asyncssh.SSHServer):
    """One client connection: authentication against the database, then one dashboard."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.conn: Any = None
        self.source = "?"
        self.peer = "?"
        self.login = ""
        self.fingerprints: frozenset[str] | None = None
        self.offered: list[str] = []
        self.accepted = ""
        self.authenticated = False
        self.banned = False

    def connection_made(self, conn: Any) -> None:
        self.conn = conn
        self.desk.connections.add(conn)
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.source = str(peer[0])
        self.peer = f"{peer[0]}:{peer[1]}"
        left = self.desk.failures.banned_for(self.source)
        if left:
            self.banned = True
            self.desk.refuse(f"connection refused source={self.source}: banned for {left:.0f}s more")
            conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "too many failed logins; try again later")

    def connection_lost(self, exc: Exception | None) -> None:
        self.desk.connections.discard(self.conn)
        if self.authenticated or self.banned:
            if self.authenticated:
                self.desk.log.info("connection closed agent=%s source=%s", self.login, self.peer)
            return
        if self.fingerprints is None and self.login:
            reason = "unknown or deactivated agent"
        elif not self.offered:
            reason = "no public key offered (passwords and keyboard-interactive are not accepted)"
        else:
            reason = "no registered key offered"
        if exc is not None:
            reason += f" ({exc})"
        offered = ",".join(self.offered[:6]) or "-"
        self.desk.refuse(f"login refused agent={self.login or '-'} source={self.peer} reason={reason} keys={offered}")
        if self.desk.failures.failed(self.source):
            self.desk.refuse(
                f"source banned source={self.source} for {self.desk.limits.ban_seconds:.0f}s "
                f"after {self.desk.limits.max_failures} failed logins"
            )

    # Authentication: public keys registered in the database, nothing else.

    async def begin_auth(self, username: str) -> bool:
        self.login = username[:64]
        lookup = self.desk.lookup_keys
        assert lookup is not None
        try:
            self.fingerprints = await asyncio.to_thread(lookup, self.login)
        except Exception as exc:  # the database is down: nobody gets in, and the log says why
            self.desk.log.error("key lookup failed agent=%s: %s", self.login, exc)
            self.fingerprints = frozenset()
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: Any) -> bool:
        fingerprint = key.get_fingerprint("sha256")
        if fingerprint not in self.offered:
            self.offered.append(fingerprint)
        if self.fingerprints and fingerprint in self.fingerprints:
            self.accepted = fingerprint
            return True
        if len(self.offered) > self.desk.limits.max_keys_per_connection:
            self.conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "too many authentication failures")
        return False

    def auth_completed(self) -> None:
        self.authenticated = True
        self.desk.failures.succeeded(self.source)
        self.desk.log.info("login agent=%s source=%s key=%s", self.login, self.peer, self.accepted)

    # Channels: one dashboard session; no forwarding of any kind.

    def session_requested(self) -> AppSession:
        return AppSession(self.desk, self.login, self.peer, self.accepted)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        self.desk.refuse(f"port forwarding refused agent={self.login} source={self.peer} to={dest_host}:{dest_port}")
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        self.desk.refuse(
            f"remote forwarding refused agent={self.login} source={self.peer} listen={listen_host}:{listen_port}"
        )
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        self.desk.refuse(f"socket forwarding refused agent={self.login} source={self.peer}")
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        self.desk.refuse(f"socket forwarding refused agent={self.login} source={self.peer}")
        return False

    def tun_requested(self, unit: int | None) -> bool:
        self.desk.refuse(f"tunnel refused agent={self.login} source={self.peer}")
        return False

    def tap_requested(self, unit: int | None) -> bool:
        self.desk.refuse(f"tunnel refused agent={self.login} source={self.peer}")
        return False


@dataclass
class RunningServer:
    """A started server: where it listens, its shared state, and how to stop it."""

    acceptor: Any
    desk: Desk
    host: str
    port: int
    host_key_fingerprint: str

    watcher: asyncio.Task[None] | None = None

    async def close(self) -> None:
        self.acceptor.close()
        if self.watcher is not None:
            self.watcher.cancel()
        await self.desk.close_sessions()
        await self.acceptor.wait_closed()


async def start_server(
    desk: Desk,
    *,
    host: str = "127.0.0.1",
    port: int = 2222,
    host_key_path: Path | None = None,
) -> RunningServer:
    """Listen for agents; port 0 picks a free port (see `RunningServer.port`)."""
    desk.workdir.mkdir(parents=True, exist_ok=True)
    key, created = load_or_create_host_key(host_key_path)
    fingerprint = key.get_fingerprint("sha256")
    if created:
        desk.log.info("created host key %s (%s)", host_key_path or "in the data folder", fingerprint)
    acceptor = await asyncssh.create_server(
        lambda: DeskServer(desk),
        host,
        port,
        server_host_keys=[key],
        server_version="acct-tui",
        login_timeout=desk.limits.login_timeout,
        keepalive_interval=60,
        keepalive_count_max=3,
        encoding=None,
        line_editor=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_scp=False,
        sftp_factory=None,
        gss_host=None,
    )
    bound = acceptor.sockets[0].getsockname()[1] if acceptor.sockets else port
    desk.log.info("listening on %s:%s host key %s", host, bound, fingerprint)
    running = RunningServer(acceptor, desk, host, bound, fingerprint)
    running.watcher = asyncio.ensure_future(watch_access(desk))
    return running


async def watch_access(desk: Desk) -> None:
    """Hang up open dashboards whose key was revoked or whose agent was deactivated since they logged in."""
    lookup = desk.lookup_keys
    assert lookup is not None
    while True:
        await asyncio.sleep(desk.limits.recheck_seconds)
        logins = sorted({session.login for session in desk.active})
        for login in logins:
            try:
                allowed = await asyncio.to_thread(lookup, login)
            except Exception as exc:  # the database is unreachable: keep sessions, say so
                desk.log.error("access check failed agent=%s: %s", login, exc)
                continue
            for session in [s for s in desk.active if s.login == login]:
                if allowed is not None and session.key in allowed:
                    continue
                reason = "agent deactivated or removed" if allowed is None else "key revoked"
                desk.refuse(f"session ended agent={login} source={session.source} pid={session.pid}: {reason}")
                session.hang_up()


async def serve(
    desk: Desk,
    *,
    host: str = "127.0.0.1",
    port: int = 2222,
    host_key_path: Path | None = None,
    ready: Callable[[RunningServer], None] | None = None,
) -> None:
    """Run until SIGINT or SIGTERM, then hang up every session and stop."""
    server = await start_server(desk, host=host, port=port, host_key_path=host_key_path)
    if ready is not None:
        ready(server)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        desk.log.info("stopping: hanging up %d sessions", len(desk.active))
        await server.close()
        desk.log.info("stopped")
