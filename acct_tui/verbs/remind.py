"""Reminders that reach the manager outside the dashboard: `status` (one line for a prompt or a tmux
status bar) and `digest` (the morning summary, for cron and `mail`). The calendar (`export calendar`,
`--vdir`) is an export: `acct_tui.verbs.data`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.runtime import EXIT_OK, CliError, make_context, open_db
from acct_tui.text import dump_json
from acct_tui.verbs import Handler

QUICK_VERBS = ("status",)
"""Verbs a shell prompt waits for: `acct-tui` registers only this module's parsers for them."""

STATUS_FIELDS = ("overdue", "due_today", "coming_up", "renewals_unplanned", "at_risk")
"""The status fields (kept in step with `services.reads.status.Status`, which a test checks)."""


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    status = verbs.add_parser(
        "status",
        parents=[common],
        help="one line of counts for a shell prompt or a tmux status bar",
        description="Print one line of counts of your day. Fields: " + ", ".join(f"{{{f}}}" for f in STATUS_FIELDS),
    )
    status.add_argument(
        "--format",
        default=None,
        metavar="TEXT",
        help="the line, with {field}s (default: '{overdue}! {due_today} {renewals_unplanned}')",
    )
    status.add_argument("--json", action="store_true", help="the counts as JSON on stdout")
    status.add_argument(
        "--fresh", action="store_true", help="count again even if the database has not changed since the last time"
    )

    digest = verbs.add_parser(
        "digest",
        parents=[common],
        help="the morning summary: today's walk, renewals in 30 days, band drops (for cron and mail)",
    )
    digest.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    return {"status": status_verb, "digest": digest_verb}


def status_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    template = args.format if args.format is not None else "{overdue}! {due_today} {renewals_unplanned}"
    key = None if args.fresh else status_key(settings, clock)
    counts = read_status_cache(key) if key else None
    if counts is None:
        from dataclasses import asdict

        from acct_tui.services.reads.status import agent_status

        format_status(template, dict.fromkeys(STATUS_FIELDS, 0))  # refused before the database is opened
        open_db(settings, create=False, read_only=True)
        ctx = make_context(settings, clock, bootstrap=False)
        counts = asdict(agent_status(ctx))
        after = status_key(settings, clock) if key else None
        # Opening the file may leave SQLite's empty write-ahead log behind: that is no change of data.
        if key and after and after["file"] == key["file"] and after["wal"][1] == key["wal"][1]:
            write_status_cache(after, counts)
    if args.json:
        dump_json(counts, sys.stdout)
        sys.stdout.write("\n")
        return EXIT_OK
    sys.stdout.write(format_status(template, counts) + "\n")
    return EXIT_OK


def format_status(template: str, counts: dict[str, int]) -> str:
    """The template filled in; an unknown field or a bad format is one line naming the fields."""
    import string

    try:
        names = [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise CliError(f"--format {template!r}: {exc} (write {{{{ and }}}} for braces)") from None
    for name in names:
        if name not in STATUS_FIELDS:
            raise CliError(f"--format: {{{name}}} is not a status field; the fields are {', '.join(STATUS_FIELDS)}")
    try:
        return template.format(**counts)
    except (ValueError, TypeError) as exc:
        raise CliError(f"--format {template!r}: {exc}") from None


# The status line's cache ------------------------------------------------------------
# A prompt asks for the status after every command and tmux every few seconds, while the counts change
# only when someone writes or the day turns. On a SQLite file, the counts are kept with what they were
# counted from: the file's and its write-ahead log's size and modification time, the agent and the day.
# Any write changes the log (or, checkpointed, the file), so the next call counts again; so does a new day.
# Answering from the cache loads no database code at all. PostgreSQL is always asked.


def _sqlite_path(url: str) -> str | None:
    text = url.strip()
    if "://" in text:
        if not text.lower().startswith("sqlite://"):
            return None
        text = text[len("sqlite:///") :] if text.startswith("sqlite:///") else text[len("sqlite://") :]
    if not text or text == ":memory:":
        return None
    return os.path.realpath(os.path.expanduser(text))


def _stat(path: str) -> list[int]:
    try:
        found = os.stat(path)
    except OSError:
        return [0, 0]
    return [found.st_mtime_ns, found.st_size]


def status_key(settings: Settings, clock: Clock) -> dict[str, Any] | None:
    """What a cached status must match to be answered from; None for a database that is not a file."""
    from acct_tui import __version__

    path = _sqlite_path(settings.database_url)
    if path is None or not os.path.isfile(path):
        return None
    return {
        "version": __version__,
        "database": path,
        "agent": settings.agent_login,
        "day": clock.today().isoformat(),
        "file": _stat(path),
        "wal": _stat(path + "-wal"),
        "policy": repr(settings.policy),
        "plan": repr(settings.plan),
    }


def _cache_file(key: dict[str, Any]) -> Path:
    import zlib

    from acct_tui import locations

    tag = zlib.crc32(f"{key['database']}\0{key['agent']}".encode()) & 0xFFFFFFFF
    return locations.data_dir() / "cache" / f"status-{tag:08x}.json"


def read_status_cache(key: dict[str, Any]) -> dict[str, int] | None:
    try:
        stored = json.loads(_cache_file(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    counts = stored.get("counts") if isinstance(stored, dict) and stored.get("key") == key else None
    if not isinstance(counts, dict) or sorted(counts) != sorted(STATUS_FIELDS):
        return None
    return {name: int(counts[name]) for name in STATUS_FIELDS}


def write_status_cache(key: dict[str, Any], counts: dict[str, int]) -> None:
    target = _cache_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_text(json.dumps({"key": key, "counts": counts}), encoding="utf-8")
        os.replace(partial, target)
    except OSError:
        pass  # no cache: the next call counts again


def digest_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.reads.digest import digest_text, morning_digest
    from acct_tui.services.store.derived import refresh_stale_health

    open_db(settings, create=False)
    ctx = make_context(settings, clock, bootstrap=False)
    # A cron job runs before anyone opens the dashboard: bring today's scores up to date first.
    refresh_stale_health(ctx.today, ctx.policy)
    digest = morning_digest(ctx)
    if args.json:
        dump_json(digest.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(digest_text(digest))
    return EXIT_OK
