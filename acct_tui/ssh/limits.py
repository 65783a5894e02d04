"""The SSH server's limits: sessions per agent, failed logins per source, login time.

Plain bookkeeping with an injected monotonic clock, so the rules are testable
without a network.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one server allows; every field can be set from the command line or a test."""

    max_sessions_per_agent: int = 3
    """Dashboards one agent may have open at once (a laptop, a desktop, a spare)."""
    max_sessions: int = 200
    """Dashboards open at once on this server, all agents together."""
    max_failures: int = 5
    """Failed logins from one source address within `failure_window` before it is banned."""
    failure_window: float = 600.0
    """Seconds over which failed logins are counted."""
    ban_seconds: float = 900.0
    """How long a banned source address is refused outright."""
    login_timeout: float = 30.0
    """Seconds a client has from connecting to being authenticated."""
    max_keys_per_connection: int = 6
    """Public keys one connection may offer before it is cut off (OpenSSH's MaxAuthTries)."""
    recheck_seconds: float = 30.0
    """How often open sessions are checked against revoked keys and deactivated agents."""
    max_columns: int = 500
    max_rows: int = 200
    """The largest window a session's terminal gets, whatever the client asks for: the app's
    screen buffers grow with columns x rows, and 65535x65535 would take gigabytes."""
    max_session_memory: int = 2 * 1024**3
    """Address space (bytes) one session's app may use (RLIMIT_AS); 0 for no limit."""


MAX_PIXELS = 16384


def clamp_size(limits: Limits, columns: int, rows: int, default: tuple[int, int]) -> tuple[int, int]:
    """The window size a session's terminal is given: the client's, within 1..max (0 means "unknown")."""
    columns = columns or default[0]
    rows = rows or default[1]
    return (max(1, min(columns, limits.max_columns)), max(1, min(rows, limits.max_rows)))


def clamp_pixels(xpixels: int, ypixels: int) -> tuple[int, int]:
    return (max(0, min(xpixels, MAX_PIXELS)), max(0, min(ypixels, MAX_PIXELS)))


class FailureTracker:
    """Failed logins per source address, and the temporary bans they earn."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._banned_until: dict[str, float] = {}

    def banned_for(self, source: str) -> float:
        """Seconds left on the source's ban; 0 when it may try."""
        until = self._banned_until.get(source)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self._banned_until[source]
            return 0.0
        return left

    def failed(self, source: str) -> bool:
        """Count a failed login; True when this one earns the source a ban."""
        now = self.clock()
        recent = self._failures[source]
        recent.append(now)
        while recent and now - recent[0] > self.limits.failure_window:
            recent.popleft()
        if len(recent) >= self.limits.max_failures:
            self._banned_until[source] = now + self.limits.ban_seconds
            recent.clear()
            return True
        return False

    def succeeded(self, source: str) -> None:
        """A good login forgives the source's earlier failures."""
        self._failures.pop(source, None)


class SessionCounter:
    """Open dashboards per agent and in all."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._open: dict[str, int] = defaultdict(int)

    def total(self) -> int:
        return sum(self._open.values())

    def count(self, login: str) -> int:
        return self._open.get(login, 0)

    def refusal(self, login: str) -> str | None:
        """Why a new session for `login` may not open now, or None when it may."""
        if self.count(login) >= self.limits.max_sessions_per_agent:
            return (
                f"{login} already has {self.count(login)} dashboards open "
                f"(the limit is {self.limits.max_sessions_per_agent}); close one and connect again"
            )
        if self.total() >= self.limits.max_sessions:
            return f"the server is full ({self.limits.max_sessions} dashboards open); try again in a while"
        return None

    def open(self, login: str) -> None:
        self._open[login] += 1

    def close(self, login: str) -> None:
        if self._open.get(login, 0) <= 1:
            self._open.pop(login, None)
        else:
            self._open[login] -= 1
