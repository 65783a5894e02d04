"""What the command line and the dashboard share: opening the database, the acting
agent's context, the demo database, a progress bar, and the one-line error."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from acct_tui import locations
from acct_tui.clock import Clock
from acct_tui.config import Settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A failure to report on one line; the message says what to do."""


def fail(message: str) -> int:
    """Report on one line (driver messages can span several) and return the error exit code."""
    from acct_tui.text import inert

    line = "; ".join(part.strip() for part in message.splitlines() if part.strip())
    print(f"acct-tui: {inert(line)}", file=sys.stderr)  # it may quote a stored name
    return EXIT_ERROR


def open_db(settings: Settings, *, create: bool = True, read_only: bool = False) -> Any:
    from acct_tui.db import open_database

    return open_database(settings.database_url, create=create, init=settings.init_database, read_only=read_only)


def resolve_trust(settings: Settings) -> Settings:
    """With `[agent] trust = "db-role"`, the agent is the PostgreSQL session user: the server checked
    who connected. Naming anyone else is refused in one line; other trust modes are settled already."""
    if settings.agent_trust != "db-role":
        return settings
    from dataclasses import replace

    from acct_tui.config import ConfigError, refused_claim
    from acct_tui.db import connect

    db = connect(settings.database_url)
    try:
        with db.connection_context():
            role = str(db.execute_sql("SELECT session_user").fetchone()[0])
    finally:
        close_all = getattr(db, "close_all", None)
        if close_all is not None:
            close_all()
    if settings.agent_login and settings.agent_login != role:
        raise ConfigError(refused_claim(settings.config_path, "db-role", role, settings.agent_login))
    return replace(settings, agent_login=role)


def read_plan(settings: Settings) -> tuple[Any, Any]:
    """The health policy and the work plan, as the settings read them from the config file."""
    return settings.policy, settings.plan


def make_context(settings: Settings, clock: Clock, *, bootstrap: bool = True, context: str | None = None) -> Any:
    """The acting agent's context; on an empty database the first login becomes its admin.

    `context` names a `[contexts.NAME]` of the config file to narrow every list by.
    """
    from acct_tui.services.context import Ctx
    from acct_tui.services.store.acting import resolve_agent

    agent = resolve_agent(settings.agent_login, bootstrap=bootstrap)
    ctx = Ctx(agent=agent, clock=clock, policy=settings.policy, plan=settings.plan, listener=listener(settings))
    return with_context(ctx, settings, context) if context else ctx


def listener(settings: Settings) -> Any:
    """The hooks of the config folder, unless they are off (the hooks import nothing until a change)."""
    from acct_tui.hooks import make_runner

    return make_runner(settings)


def with_context(ctx: Any, settings: Settings, name: str) -> Any:
    """`ctx` narrowed to the named context of the config file."""
    from dataclasses import replace

    from acct_tui.services.reads.contexts import resolve_context

    return replace(ctx, context=resolve_context(name, settings.contexts))


def demo_settings(settings: Settings, clock: Clock, explicit_agent: str | None = None) -> Settings:
    """`settings` pointed at the demo database (built on first use, upgraded when older), as its manager
    unless an agent is named: what `--demo` means for the dashboard and for every verb alike."""
    from dataclasses import replace

    from acct_tui.services.io.demo import DEMO_MANAGER

    path = ensure_demo(clock)
    # The demo is a private file of made-up people, not a desk: [agent] trust guards real databases.
    return replace(settings, database_url=str(path), agent_login=explicit_agent or DEMO_MANAGER, agent_trust="flag")


def ensure_demo(clock: Clock) -> Path:
    """The demo database's path, building it on first use and upgrading an older one."""
    from acct_tui.db import open_database
    from acct_tui.services.io.demo import build_demo

    path = locations.demo_database()
    if not path.exists():
        # Built under another name and moved in place, so an interrupted build leaves no half demo.
        building = path.with_name(path.name + ".building")
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
        db = open_database(str(building))
        build_demo(clock)
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        os.replace(building, path)
        for leftover in (Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
    else:
        # The demo is ours to keep current: an older demo is upgraded, not refused.
        from acct_tui.db import connect, migrate

        upgrading = connect(str(path))
        try:
            migrate(upgrading)
        finally:
            upgrading.close()
    return path


def open_demo(settings: Settings, clock: Clock, explicit_agent: str | None = None) -> tuple[Any, str]:
    """Open (building it on first use) the demo database; returns the manager's (or the named agent's) context."""
    demo = demo_settings(settings, clock, explicit_agent)
    open_db(demo, create=False)
    return make_context(demo, clock, bootstrap=False), demo.database_url


class Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self._bar: Any = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                f"[progress.description]{label}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=True,
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task(label, total=total)
            self._bar.start()

    def update(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PhasedProgress:
    """A progress bar per phase of a job (an import: reading, checking, writing…), on stderr when a terminal."""

    LABELS = {"reading": "reading", "checking": "checking rows", "writing": "writing", "refreshing": "refreshing"}

    def __init__(self) -> None:
        self.phase = ""
        self.bar: Progress | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = Progress(self.LABELS.get(phase, phase), total)
        if self.bar is not None:
            self.bar.update(done, total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
