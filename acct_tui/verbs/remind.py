"""Reminders that reach the manager outside the dashboard: `status` (one line for a prompt or a tmux
status bar) and `digest` (the morning summary, for cron and `mail`). The calendar (`export calendar`,
`--vdir`) is an export: `acct_tui.verbs.data`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.runtime import EXIT_OK, make_context, open_db
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

    digest = verbs.add_parser(
        "digest",
        parents=[common],
        help="the morning summary: today's walk, renewals in 30 days, band drops (for cron and mail)",
    )
    digest.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    return {"status": status_verb, "digest": digest_verb}


def status_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.reads.status import DEFAULT_FORMAT, agent_status, check_format, status_line

    template = check_format(args.format if args.format is not None else DEFAULT_FORMAT)
    open_db(settings, create=False, read_only=True)
    ctx = make_context(settings, clock, bootstrap=False)
    status = agent_status(ctx)
    if args.json:
        from dataclasses import asdict

        dump_json(asdict(status), sys.stdout)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(status_line(status, template) + "\n")
    return EXIT_OK


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
