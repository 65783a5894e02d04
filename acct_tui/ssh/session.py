"""One served dashboard: an SSH session channel relayed to an app process on its own pseudo-terminal.

The app runs in a new session (its own process group) with the terminal's
slave side as its controlling terminal. Bytes from the client go to the
terminal's master side and the app's output comes back the same way; the
client's window size is set on the terminal (the kernel then tells the app
with SIGWINCH). Closing the client hangs up the app's process group; the app
exiting closes the channel with its exit status. Nothing here blocks the
event loop: the master side is non-blocking, and a slow client pauses the
reading of the app's output (so the app waits, not the server).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import sys
import termios
import time
from typing import TYPE_CHECKING, Any

import asyncssh

from acct_tui.ssh.limits import clamp_pixels, clamp_size

if TYPE_CHECKING:
    from acct_tui.ssh.server import Desk

READ_CHUNK = 65536
MAX_PENDING_INPUT = 65536
HANGUP_GRACE = 2.0
TERM_GRACE = 3.0
DEFAULT_SIZE = (80, 24)
# Not exported by every Python's termios; the Linux value otherwise.
IUTF8 = getattr(termios, "IUTF8", 0o40000 if sys.platform.startswith("linux") else 0)


def set_window_size(fd: int, columns: int, rows: int, xpixels: int = 0, ypixels: int = 0) -> None:
    """Tell the terminal its size; the kernel signals the foreground process group (SIGWINCH)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, xpixels, ypixels))


def memory_option(limits: Any) -> list[str]:
    """The launcher's option that bounds the app's address space (see `acct_tui.ssh.child`)."""
    return [f"--memory={limits.max_session_memory}"] if limits.max_session_memory > 0 else []


class AppSession(asyncssh.SSHServerSession[bytes]):  # the server runs with encoding=None: bytes
    """An SSH session that runs the dashboard, and nothing else."""

    def __init__(self, desk: Desk, login: str, source: str, key: str) -> None:
        self.desk = desk
        self.login = login
        self.source = source
        self.key = key
        self.chan: Any = None
        self.term_type = ""
        self.size = DEFAULT_SIZE
        self.pixels = (0, 0)
        self.master: int | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.pending = bytearray()
        self.reading = False
        self.counted = False
        self.closed = False
        self.started_at = 0.0
        self.bytes_in = 0
        self.bytes_out = 0
        self.last_output_at = 0.0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    # Requests: a terminal and the shell request (which starts the dashboard), nothing else.

    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any) -> bool:
        self.term_type = term_type if term_type.isprintable() and len(term_type) < 64 else ""
        columns, rows, xpixels, ypixels = term_size
        self.size = clamp_size(self.desk.limits, columns, rows, DEFAULT_SIZE)
        self.pixels = clamp_pixels(xpixels, ypixels)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.desk.refuse(f"exec refused agent={self.login} source={self.source} command={command[:80]!r}")
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        self.desk.refuse(f"subsystem refused agent={self.login} source={self.source} subsystem={subsystem[:40]!r}")
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def signal_received(self, signal_name: str) -> None:
        """Clients may not signal the app; closing the connection is how a session ends."""

    # Life of the session.

    def session_started(self) -> None:
        if not self.term_type:
            self._refuse_session("the dashboard needs a terminal: connect with ssh -t (or leave out -T)")
            return
        refusal = self.desk.sessions.refusal(self.login)
        if refusal is not None:
            self._refuse_session(refusal)
            return
        self.desk.sessions.open(self.login)
        self.counted = True
        self.desk.active.add(self)
        self.desk.track(asyncio.ensure_future(self._run()))

    def _refuse_session(self, message: str) -> None:
        self.desk.refuse(f"session refused agent={self.login} source={self.source}: {message}")
        self.chan.write_stderr(f"acct-tui: {message}\r\n".encode())
        self.chan.exit(1)

    async def _run(self) -> None:
        try:
            await self._spawn()
        except Exception as exc:  # the app could not start: tell the client and log it, never crash the server
            self.desk.log.error("session failed agent=%s source=%s: %s", self.login, self.source, exc)
            self.chan.write_stderr(f"acct-tui: the dashboard could not start ({exc})\r\n".encode())
            self._finish()
            self.chan.exit(1)
            return
        assert self.process is not None
        returncode = await self.process.wait()
        self._drain_output()
        duration = time.monotonic() - self.started_at
        self.desk.log.info(
            "session end agent=%s source=%s pid=%s status=%s duration=%.1fs bytes_in=%d bytes_out=%d",
            self.login,
            self.source,
            self.process.pid,
            returncode,
            duration,
            self.bytes_in,
            self.bytes_out,
        )
        self._finish()
        if self.closed:
            return
        if returncode >= 0:
            self.chan.exit(returncode)
        else:
            name = signal.Signals(-returncode).name.removeprefix("SIG")
            self.chan.exit_with_signal(name)

    async def _spawn(self) -> None:
        master, slave = os.openpty()
        try:
            set_window_size(master, *self.size, *self.pixels)
            attributes = termios.tcgetattr(slave)
            attributes[0] |= IUTF8  # input is UTF-8: erase works on whole characters
            termios.tcsetattr(slave, termios.TCSANOW, attributes)
            os.set_blocking(master, False)
            command = [*self.desk.launcher, *memory_option(self.desk.limits), *self.desk.app_command(self.login)]
            self.process = await asyncio.create_subprocess_exec(
                *command,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,
                env=self.desk.child_environment(self.term_type, self.chan.get_environment()),
                cwd=str(self.desk.workdir),
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)  # only the app holds the terminal now: its exit reads as EIO here
        self.master = master
        self.started_at = time.monotonic()
        self._start_reading()
        self.desk.log.info(
            "session start agent=%s source=%s pid=%s term=%s size=%sx%s key=%s",
            self.login,
            self.source,
            self.process.pid,
            self.term_type,
            *self.size,
            self.key,
        )
        if self.pending:
            self._flush_input()

    def _start_reading(self) -> None:
        if self.master is not None and not self.reading:
            asyncio.get_running_loop().add_reader(self.master, self._read_output)
            self.reading = True

    def _stop_reading(self) -> None:
        if self.master is not None and self.reading:
            asyncio.get_running_loop().remove_reader(self.master)
            self.reading = False

    def _read_output(self) -> None:
        assert self.master is not None
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: the app and everything it started closed the terminal
            if exc.errno != errno.EIO:
                self.desk.log.warning("session read error agent=%s: %s", self.login, exc)
            self._stop_reading()
            return
        if not data:
            self._stop_reading()
            return
        self.bytes_out += len(data)
        self.last_output_at = time.monotonic()
        if not self.closed:
            self.chan.write(data)

    def _drain_output(self) -> None:
        """Whatever the app wrote just before it exited still reaches the client."""
        if self.master is None:
            return
        while True:
            try:
                data = os.read(self.master, READ_CHUNK)
            except OSError:
                break
            if not data:
                break
            self.bytes_out += len(data)
            if not self.closed:
                self.chan.write(data)

    # Flow control: a slow client pauses the app's output, a busy app pauses the client's input.

    def pause_writing(self) -> None:
        self._stop_reading()

    def resume_writing(self) -> None:
        self._start_reading()

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.bytes_in += len(data)
        self.pending += data
        if self.master is not None:
            self._flush_input()
        if len(self.pending) > MAX_PENDING_INPUT:
            self.chan.pause_reading()

    def _flush_input(self) -> None:
        assert self.master is not None
        loop = asyncio.get_running_loop()
        while self.pending:
            try:
                written = os.write(self.master, self.pending)
            except BlockingIOError:
                loop.add_writer(self.master, self._flush_input)
                return
            except OSError:  # the app is gone; its exit ends the session
                self.pending.clear()
                break
            del self.pending[:written]
        loop.remove_writer(self.master)
        self.chan.resume_reading()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = clamp_size(self.desk.limits, width, height, DEFAULT_SIZE)
        self.pixels = clamp_pixels(pixwidth, pixheight)
        if self.master is not None:
            set_window_size(self.master, *self.size, *self.pixels)

    def eof_received(self) -> bool:
        """The client will send no more keys: the dashboard cannot be driven, so end it."""
        self.hang_up()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.hang_up()

    def hang_up(self) -> None:
        """End the app's whole process group: SIGHUP, then SIGTERM, then SIGKILL."""
        process = self.process
        if process is None or process.returncode is not None:
            self._finish_if_idle()
            return
        self.desk.track(asyncio.ensure_future(self._end_process(process)))

    async def _end_process(self, process: asyncio.subprocess.Process) -> None:
        for sig, grace in ((signal.SIGHUP, HANGUP_GRACE), (signal.SIGTERM, TERM_GRACE), (signal.SIGKILL, None)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)
                # As the kernel does on a hangup: a stopped process must run to see the signal.
                os.killpg(process.pid, signal.SIGCONT)
            if grace is None:
                break
            try:
                await asyncio.wait_for(asyncio.shield(process.wait()), grace)
                return
            except TimeoutError:
                continue

    def _finish_if_idle(self) -> None:
        if self.process is None:
            self._finish()

    def _finish(self) -> None:
        """Give back the terminal and the session's place in the limits (once)."""
        if self.master is not None:
            self._stop_reading()
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_writer(self.master)
            os.close(self.master)
            self.master = None
        if self.counted:
            self.counted = False
            self.desk.sessions.close(self.login)
        self.desk.active.discard(self)
