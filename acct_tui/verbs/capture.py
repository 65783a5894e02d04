"""Capture from the command line: `log --from-email [FILE|-]`, `import mail PATH`, `import calendar FILE.ics`.

Thin shells over `services.io.capture`: `log` and `import` own the parsers
(this module adds its options to them and takes over when they are given);
here the input is read, progress shown on stderr and the outcome printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.runtime import EXIT_OK, CliError, PhasedProgress, make_context, open_db
from acct_tui.text import dump_json, say

CAPTURE_KINDS = ("mail", "calendar")
UNMATCHED_SHOWN = 20


def add_log_options(parser: argparse.ArgumentParser) -> None:
    """`log`'s options for a mail message: --from-email, and --account for a sender no account knows."""
    group = parser.add_argument_group("from a mail message (instead of KIND SUMMARY)")
    group.add_argument(
        "--from-email",
        metavar="FILE|-",
        help="log this RFC 822 message (a .eml file, or - for standard input: pipe from mutt, aerc, neomutt)",
    )
    group.add_argument("--account", metavar="NAME", help="log it on this account (an id, a name or its start)")


def wants_log_from_email(args: argparse.Namespace) -> bool:
    return getattr(args, "from_email", None) is not None


def _read_message(source: str) -> bytes:
    if source == "-":
        if sys.stdin.isatty():
            raise CliError("--from-email - reads a message from standard input; pipe one in (or give a .eml file)")
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise CliError(f"no file at {source}") from None
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None


def log_from_email(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.io.capture.mail import log_email
    from acct_tui.services.io.exports import find_account

    if getattr(args, "words", None):
        raise CliError("--from-email takes the kind and summary from the message; give no words with it")
    for option in ("contact", "when", "outcome", "body", "next", "next_title"):
        if getattr(args, option, None):
            raise CliError(f"--{option.replace('_', '-')} does not go with --from-email (the message says it)")
    raw = _read_message(args.from_email)
    open_db(settings)
    ctx = make_context(settings, clock)
    account_id = find_account(ctx, args.account) if args.account else None
    logged = log_email(ctx, raw, account_id=account_id, inbound=bool(getattr(args, "inbound", False)))
    if getattr(args, "json", False):
        data = {
            "verb": "log",
            "activity_id": logged.activity_id,
            "account_id": logged.account_id,
            "account": logged.account,
            "direction": logged.direction,
            "summary": logged.summary,
            "already_logged": logged.already,
        }
        dump_json(data, sys.stdout)
        sys.stdout.write("\n")
    elif logged.already:
        where = f" on {logged.account}" if logged.account else ""
        say(f"already logged{where} (activity #{logged.activity_id}): {logged.summary}")
    else:
        say(f"Logged {logged.direction} email on {logged.account}: {logged.summary}")
    return EXIT_OK


def import_capture(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """`import mail PATH` and `import calendar FILE.ics`."""
    for option in ("map", "owner_map", "rejects", "dates", "delimiter"):
        if getattr(args, option, None):
            raise CliError(f"--{option.replace('_', '-')} is for CSV imports; import {args.kind} takes none")
    for flag in ("update_existing", "skip_invalid", "strict_owners"):
        if getattr(args, flag, False):
            raise CliError(f"--{flag.replace('_', '-')} is for CSV imports; import {args.kind} takes none")
    open_db(settings)
    ctx = make_context(settings, clock)
    progress = PhasedProgress()
    report: Any
    try:
        if args.kind == "mail":
            from acct_tui.services.io.capture.mail import import_mail

            report = import_mail(ctx, args.file, dry_run=args.dry_run, progress=progress)
        else:
            from acct_tui.services.io.capture.calendar import import_calendar

            report = import_calendar(ctx, args.file, dry_run=args.dry_run, progress=progress)
    finally:
        progress.close()
    if args.json:
        dump_json(report.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if report.unmatched:
        what = "senders" if args.kind == "mail" else "organisers"
        say(f"unknown {what} (no contact or account domain matches; nothing logged for them):", file=sys.stderr)
        for address, count in report.unmatched.most_common(UNMATCHED_SHOWN):
            say(f"  {count:>6,}  {address}", file=sys.stderr)
        rest = len(report.unmatched) - UNMATCHED_SHOWN
        if rest > 0:
            say(f"  and {rest:,} more (--json lists them all)", file=sys.stderr)
    say(("dry run, nothing written: " if args.dry_run else "") + report.summary())
    return EXIT_OK
