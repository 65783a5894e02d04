"""Data in and out from the command line: import, export, brief, backup, restore.

Each verb is a thin shell over a service (`services.imports`,
`services.exports`, `services.brief`, `services.backup`): it parses the
arguments, shows a progress bar on stderr when it is a terminal, writes
output to `-o FILE` (atomically) or to stdout, and reports problems as
`acct-tui: ...` lines on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.numbers import MAX_DAYS, whole_number
from acct_tui.runtime import EXIT_ERROR, EXIT_OK, CliError, PhasedProgress, make_context, open_db
from acct_tui.text import dump_json, say
from acct_tui.verbs import Handler

IMPORT_KINDS = ("accounts", "contacts", "activities", "followups", "products", "mail", "calendar")
EXPORT_VIEWS = ("portfolio", "queue", "timeline", "calendar")
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


def _fields_help() -> str:
    from acct_tui.services.io.imports.columns import ALIASES

    lines = ["fields for --map COLUMN=field:"]
    lines += [f"  {kind.value}: {', '.join(fields)}" for kind, fields in ALIASES.items()]
    return "\n".join(lines)


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    imp = verbs.add_parser(
        "import",
        parents=[common],
        help="import a CSV file (Salesforce / HubSpot exports or any mapping), mail or a calendar",
        description="Import a CSV file. Every row is checked first; nothing is written unless all rows are good "
        "(or --skip-invalid is given). Salesforce and HubSpot column names are recognised.",
        epilog=_fields_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("kind", choices=IMPORT_KINDS, help="what the file holds")
    imp.add_argument(
        "file",
        help="the CSV file (comma, semicolon or tab separated; UTF-8 or Windows-1252); "
        "for mail a Maildir folder or an mbox file, for calendar an .ics file",
    )
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=field",
        help="feed a column to a field (COLUMN= ignores it)",
    )
    imp.add_argument(
        "--owner-map",
        metavar="FILE|ID=login,...",
        help="map CRM owners to logins: a CSV file (source owner, login) or 'ID=login,ID2=login2'",
    )
    imp.add_argument(
        "--strict-owners",
        action="store_true",
        help="refuse rows whose owner is not an agent (default: you own them, and the report says so)",
    )
    imp.add_argument("--dry-run", action="store_true", help="check, say what each column becomes, write nothing")
    imp.add_argument("--update-existing", action="store_true", help="update records that are already there")
    imp.add_argument("--skip-invalid", action="store_true", help="import the good rows, reject the bad ones")
    imp.add_argument("--rejects", metavar="FILE", help="write the rejected rows and why to this CSV file")
    imp.add_argument("--dates", choices=("dmy", "mdy"), help="day-first or month-first, for dates that read both ways")
    imp.add_argument("--delimiter", choices=tuple(DELIMITERS), help="comma, semicolon, tab or pipe (default: detected)")
    imp.add_argument("--json", action="store_true", help="print the report as JSON on stdout")

    exp = verbs.add_parser("export", parents=[common], help="export a view as CSV or JSON, or a calendar (.ics)")
    exp.add_argument("view", choices=EXPORT_VIEWS, help="what to export")
    exp.add_argument(
        "--format", choices=("csv", "json"), default=None, help="csv (default) or json; a calendar is always .ics"
    )
    exp.add_argument("--account", metavar="A", help="the account of a timeline (id, name or the start of it)")
    exp.add_argument("--filter", default="", metavar="TEXT", help="portfolio: the live filter's words")
    exp.add_argument(
        "--quick", choices=("all", "at_risk", "renewing", "quiet"), default="all", help="portfolio: quick filter"
    )
    exp.add_argument("--mine", action="store_true", help="portfolio: only accounts you own")
    exp.add_argument("--sort", default="health", help="portfolio: sort key (name, tier, health, arr, renewal, ...)")
    exp.add_argument("--desc", action="store_true", help="portfolio: sort descending")
    exp.add_argument(
        "--days",
        type=whole_number(0, MAX_DAYS),
        default=14,
        metavar="N",
        help=f"queue: how far ahead 'upcoming' looks, 0 to {MAX_DAYS:,} days (default 14)",
    )
    exp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    add_calendar_options(exp)

    brief = verbs.add_parser("brief", parents=[common], help="a Markdown brief of an account, for a call or a handoff")
    brief.add_argument("account", help="the account's id, name or the start of it")
    brief.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    backup = verbs.add_parser("backup", parents=[common], help="copy the database while others keep working")
    backup.add_argument("file", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace the file if it exists")

    restore = verbs.add_parser("restore", parents=[common], help="put a backup in place of the database")
    restore.add_argument("file", help="the backup file")
    restore.add_argument("--force", action="store_true", help="replace an existing database (a copy is kept)")
    return {
        "import": import_verb,
        "export": export_verb,
        "brief": brief_verb,
        "backup": backup_verb,
        "restore": restore_verb,
    }


def import_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if args.kind in ("mail", "calendar"):
        from acct_tui.verbs.capture import import_capture

        return import_capture(args, settings, clock)
    from acct_tui.services.io.imports import DateOrder, ImportOptions, parse_mapping, parse_owner_map, run_import

    if args.skip_invalid is False and args.rejects:
        raise CliError("--rejects goes with --skip-invalid (the rejected rows are the ones it skips)")
    if not Path(args.file).exists():
        raise CliError(f"no file at {args.file}")
    if args.rejects:
        check_writable(args.rejects, "--rejects")
    open_db(settings)
    ctx = make_context(settings, clock)
    options = ImportOptions(
        mapping=parse_mapping(args.map),
        dry_run=args.dry_run,
        update_existing=args.update_existing,
        skip_invalid=args.skip_invalid,
        date_order=DateOrder(args.dates) if args.dates else None,
        delimiter=DELIMITERS.get(args.delimiter or ""),
        owner_map=parse_owner_map(args.owner_map) if args.owner_map else {},
        strict_owners=args.strict_owners,
    )
    progress = PhasedProgress()
    try:
        report = run_import(ctx, args.kind, args.file, options, progress=progress, rejects=args.rejects)
    finally:
        progress.close()
    if args.json:
        dump_json(report.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        if args.dry_run:
            _print_column_plan(report)
        for error in report.errors:
            say(f"  {error}", file=sys.stderr)
        for note in report.notes:
            say(f"note: {note}", file=sys.stderr)
        if report.ignored_columns and not args.dry_run:
            say(f"note: columns not imported: {', '.join(report.ignored_columns)}", file=sys.stderr)
    if not report.ok:
        say(f"acct-tui: {report.summary()}", file=sys.stderr)
        return EXIT_ERROR
    if not args.json:
        say(f"{report.summary()} in {report.seconds:.1f}s")
        if args.rejects and report.rejected:
            say(f"rejected rows written to {args.rejects}")
    return EXIT_OK


_FIELD_NOTES = {
    "external_id": "the CRM's id: a re-import matches by it",
    "last_activity": "sets the last touch",
    "client_since": "the client-since date",
    "account_external_id": "finds the account by the CRM's id",
    "contact_external_id": "finds the contact by the CRM's id",
}


def _print_column_plan(report: Any) -> None:
    """A dry run's account of each column: the field it is kept as and how it was chosen, or ignored."""
    plan = report.column_plan()
    width = min(max((len(column) for column, _f, _h in plan), default=0), 32)
    print(f"columns of {report.file}:")
    for column, name, how in plan:
        shown = column if len(column) <= width else column[: width - 1] + "…"
        if how == "ignored":
            print(f"  {shown:<{width}}  ignored (not a field of {report.kind.value}; --map '{column}=FIELD' keeps it)")
            continue
        notes = ["--map" if how == "--map" else "", _FIELD_NOTES.get(name, "")]
        if name in ("owner", "assignee") and report.owners_defaulted:
            rows = sum(report.owners_defaulted.values())
            notes.append(f"{rows:,} rows name no agent: yours")
        extra = "; ".join(n for n in notes if n)
        print(f"  {shown:<{width}}  kept as {name}" + (f" ({extra})" if extra else ""))
    print(
        f"{report.rows:,} rows: {report.created:,} new, {report.updated:,} updated, {report.unchanged:,} unchanged, "
        f"{report.existing_skipped:,} already there, {report.rejected:,} rejected"
    )


def check_output_path(path: str, option: str) -> Path:
    """The file `option` names, refused before any work when it cannot be written: a folder, or in no folder."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise CliError(f"{target} is a folder; give {option} a file name (e.g. {target / 'out.csv'})")
    if not target.parent.is_dir():
        # A typo in the folder should not quietly grow a tree of new folders.
        raise CliError(f"no folder {target.parent}; create it first or give {option} a file in an existing folder")
    return target


def check_writable(path: str, option: str) -> Path:
    """`check_output_path`, then a real open for writing (and nothing left behind): the rejected rows
    are written after the import, when a refusal would come too late."""
    target = check_output_path(path, option)
    existed = target.exists()
    try:
        with open(target, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise CliError(f"cannot write {target} ({exc.strerror or exc}); give {option} a file you can write") from None
    if not existed:
        target.unlink(missing_ok=True)
    return target


def _write_output(path: str | None, write: Callable[[Any], int], *, binary: bool = False) -> int:
    """Run `write` against the file (replaced atomically when done) or stdout."""
    if path is None:
        if binary:
            count = write(sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return count
        return write(sys.stdout)
    target = check_output_path(path, "-o")
    partial = target.with_name(target.name + ".partial")
    try:
        handle: IO[Any] = open(partial, "wb") if binary else open(partial, "w", encoding="utf-8", newline="")  # noqa: SIM115
        with handle:
            count = write(handle)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def export_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.io import exports

    if args.view == "calendar" and args.format is not None:
        raise CliError("a calendar is written as .ics only; leave out --format (csv and json are for the other views)")
    fmt = args.format or "csv"
    open_db(settings, create=False)
    ctx = make_context(settings, clock, bootstrap=False)
    if args.view == "calendar":
        return _calendar_verb(args, ctx)
    elif args.view == "timeline":
        if not args.account:
            raise CliError("export timeline needs --account (an id, a name or the start of one)")
        account_id = exports.find_account(ctx, args.account)
        count = _write_output(args.output, lambda out: exports.export_timeline(ctx, account_id, fmt, out))
    elif args.view == "queue":
        count = _write_output(args.output, lambda out: exports.export_queue(ctx, fmt, out, days=args.days))
    else:
        query = _portfolio_query(args)
        count = _write_output(args.output, lambda out: exports.export_portfolio(ctx, query, fmt, out))
    if args.output:
        say(f"wrote {count:,} {'events' if args.view == 'calendar' else 'rows'} to {args.output}", file=sys.stderr)
    return EXIT_OK


# export calendar ------------------------------------------------------------------


def add_calendar_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vdir",
        metavar="DIR",
        help="calendar: keep this folder holding one .ics per open follow-up (for khal, todoman, vdirsyncer)",
    )
    parser.add_argument(
        "--items",
        choices=("both", "todos", "events"),
        default=None,
        help="calendar: events and to-dos (default for a file), or one kind (a vdir holds one; default todos)",
    )
    parser.add_argument(
        "--alarm",
        metavar="HH:MM|none",
        default=None,
        help="calendar: when a to-do reminds you on its due day (default 09:00), or none",
    )


def _calendar_verb(args: argparse.Namespace, ctx: Any) -> int:
    from acct_tui.services.io.calendar import export_calendar, parse_alarm, sync_vdir

    alarm = parse_alarm(args.alarm)
    if args.vdir:
        if args.output:
            raise CliError("give -o FILE or --vdir DIR, not both")
        report = sync_vdir(ctx, args.vdir, args.items or "todos", alarm)
        say(report.summary())
        return EXIT_OK
    items = args.items or "both"
    count = _write_output(args.output, lambda out: export_calendar(ctx, out, items, alarm), binary=True)
    if args.output:
        say(f"wrote {count:,} follow-ups to {args.output}", file=sys.stderr)
    return EXIT_OK


def _portfolio_query(args: argparse.Namespace) -> Any:
    from acct_tui.services.domain.validation import clean_text
    from acct_tui.services.reads.portfolio import PortfolioQuery, QuickFilter, SortKey

    try:
        sort = SortKey(args.sort)
    except ValueError:
        raise CliError(f"{args.sort!r} is not a sort key; use one of {', '.join(k.value for k in SortKey)}") from None
    text = clean_text(args.filter, "filter", max_len=200)
    return PortfolioQuery(text=text, quick=QuickFilter(args.quick), mine=args.mine, sort=sort, descending=args.desc)


def brief_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.io.brief import account_brief
    from acct_tui.services.io.exports import find_account

    open_db(settings, create=False)
    ctx = make_context(settings, clock, bootstrap=False)
    text = account_brief(ctx, find_account(ctx, args.account))

    def write(out: IO[Any]) -> int:
        out.write(text)
        return 1

    _write_output(args.output, write)
    if args.output:
        say(f"wrote the brief to {args.output}", file=sys.stderr)
    return EXIT_OK


def backup_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.io.backup import backup_database

    result = backup_database(settings.database_url, args.file, force=args.force)
    say(f"backed up to {result.path} ({result.bytes / 1_048_576:.1f} MiB in {result.seconds:.1f}s)")
    return EXIT_OK


def restore_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.io.backup import restore_database

    result = restore_database(settings.database_url, args.file, force=args.force, as_login=settings.agent_login)
    say(f"restored {result.path} from {args.file} (schema version {result.schema_version})")
    if result.replaced is not None:
        say(f"the database it replaced is kept at {result.replaced}")
    return EXIT_OK
