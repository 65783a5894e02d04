"""Start a program in a real pseudo-terminal and time it to a word on screen.

The screen is rendered with pyte from what the program writes, so the
clock stops when the text is really there, not when a byte goes by. The
pty answers nothing, like a plain terminal emulator that ignores queries.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyte


@dataclass
class Started:
    seconds: float
    rss_mb: float
    screen: str


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def start_until(
    argv: Sequence[str],
    marker: str,
    *,
    env: dict[str, str] | None = None,
    size: tuple[int, int] = (120, 40),
    timeout: float = 30.0,
    keys_after: Sequence[tuple[bytes, str]] = (),
) -> Started:
    """Run `argv` in a pty of `size`; seconds until `marker` is on screen; RSS then (and after `keys_after`)."""
    columns, rows = size
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    started = time.perf_counter()
    pid, fd = os.forkpty()
    if pid == 0:  # child
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.execvpe(
            argv[0],
            list(argv),
            {**os.environ, **(env or {}), "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)},
        )
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    seen_at = None
    memory = float("nan")
    try:
        seen_at = _read_until(fd, stream, screen, marker, started, timeout)
        memory = rss_mb(pid)
        for key, wait_marker in keys_after:
            os.write(fd, key)
            _read_until(fd, stream, screen, wait_marker, time.perf_counter(), timeout)
            memory = max(memory, rss_mb(pid))
        text = "\n".join(screen.display)
    finally:
        try:
            os.write(fd, b"\x11")  # ctrl+q
            deadline = time.time() + 3
            while time.time() < deadline:
                done, _status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                _drain(fd, stream)
            else:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        except OSError:
            pass
        os.close(fd)
    return Started(seconds=seen_at - started, rss_mb=memory, screen=text)


def _drain(fd: int, stream: pyte.ByteStream) -> None:
    ready, _, _ = select.select([fd], [], [], 0.05)
    if ready:
        with contextlib.suppress(OSError):
            stream.feed(os.read(fd, 65536))


def _read_until(
    fd: int, stream: pyte.ByteStream, screen: pyte.Screen, marker: str, since: float, timeout: float
) -> float:
    deadline = since + timeout
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError as exc:
            raise RuntimeError(f"the program ended before showing {marker!r}") from exc
        if not data:
            raise RuntimeError(f"the program ended before showing {marker!r}")
        stream.feed(data)
        if any(marker in line for line in screen.display):
            return time.perf_counter()
    raise TimeoutError(f"{marker!r} not on screen after {timeout}s:\n" + "\n".join(screen.display))
