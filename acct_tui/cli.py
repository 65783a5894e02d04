"""The `acct-tui` command: the composition root.

It reads settings, opens the database, resolves the agent and either starts
the dashboard or runs a verb. Each group of verbs lives in a module of
`acct_tui.verbs` that registers its sub-commands. Verbs that open no screen
never import Textual. `--db` and `--agent` are accepted before or after the
verb. Errors are one line on stderr with a non-zero exit; `--json` output
goes to stdout only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import NoReturn

from acct_tui import __version__
from acct_tui.clock import Clock, SystemClock
from acct_tui.config import ConfigError, Settings, load_settings
from acct_tui.runtime import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    demo_settings,
    fail,
    make_context,
    open_db,
    resolve_trust,
)
from acct_tui.verbs import Handler, modules_for


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the command's error style: one line on stderr, naming the help to read."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"acct-tui: {message} (see {self.prog} --help)\n")


def common_options() -> argparse.ArgumentParser:
    parent = ArgumentParser(add_help=False)
    parent.add_argument(
        "--db", metavar="URL", default=argparse.SUPPRESS, help="database: file path, sqlite:///file or postgresql://..."
    )
    parent.add_argument(
        "--agent", metavar="NAME", default=argparse.SUPPRESS, help="work as this agent (default: your login name)"
    )
    parent.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS, help="use the demo database (built on first use)"
    )
    parent.add_argument(
        "--init",
        action="store_true",
        default=argparse.SUPPRESS,
        help="create acct-tui's tables in a database that already holds other tables (refused without it)",
    )
    return parent


def build_parser(verb: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    """The whole command line; for a verb a prompt waits on (`status`), only that verb's group."""
    common = common_options()
    parser = ArgumentParser(
        prog="acct-tui",
        description="A terminal cockpit for account managers.",
        parents=[common],
        epilog="Run acct-tui with no verb to open the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"acct-tui {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    handlers: dict[str, Handler] = {}
    for module in modules_for(verb):
        handlers.update(module.register(verbs, common))
    return parser, handlers


def is_postgres_url(url: str) -> bool:
    return url.lower().startswith(("postgres://", "postgresql://"))


def skip_postgres_drivers() -> None:
    """Peewee imports every PostgreSQL driver it finds when it loads (tens of milliseconds);
    a session on a SQLite file never needs one, so keep them unloaded."""
    for name in ("psycopg2", "psycopg"):
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError


def early_options(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """--db, --agent and --demo, wherever they stand, and the rest of `argv`."""
    parser = ArgumentParser(prog="acct-tui", parents=[common_options()], add_help=False)
    args, rest = parser.parse_known_args(argv)
    args.demo = bool(getattr(args, "demo", False))
    args.init = bool(getattr(args, "init", False))
    return args, rest


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args, rest = early_options(argv)
    # The file is read once, here; a broken one is reported below, after --help had its say.
    settings: Settings | None = None
    problem: ConfigError | None = None
    try:
        settings = load_settings(getattr(args, "db", None), getattr(args, "agent", None))
    except ConfigError as exc:
        problem = exc
    # Peewee loads every PostgreSQL driver it finds when it is imported: know the
    # database before anything imports it.
    if args.demo or (settings is not None and not is_postgres_url(settings.database_url)):
        skip_postgres_drivers()
    # Opening the dashboard (nothing but options) is the common case and the one a
    # person waits for: it skips building every verb's parser.
    handlers: dict[str, Handler] = {}
    if rest:
        parser, handlers = build_parser(rest[0])
        args = parser.parse_args(argv)
    verb = getattr(args, "verb", None) or ""
    clock = clock or SystemClock()
    try:
        if getattr(args, "db", None) is not None and not args.db.strip():
            # An empty --db (an unset shell variable) must not quietly mean the default database.
            raise CliError("--db is empty; give a file path, sqlite:///file.db or postgresql://..., or leave --db out")
        if settings is None:
            if verb != "where":
                raise problem or ConfigError("cannot read the settings")
            # `where` must still say where the broken file is.
            print(f"acct-tui: {problem}", file=sys.stderr)
            settings = load_settings(getattr(args, "db", None), getattr(args, "agent", None), ignore_file=True)
        if getattr(args, "demo", False):
            if getattr(args, "db", None):
                raise CliError("--demo uses the demo database; give --demo or --db, not both")
            settings = demo_settings(settings, clock, explicit_agent=getattr(args, "agent", None))
        elif verb != "where":
            settings = resolve_trust(settings)
        if getattr(args, "init", False):
            settings = replace(settings, init_database=True)
        handler = handlers.get(verb, dashboard)
        return handler(args, settings, clock)
    except (CliError, ConfigError) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted")
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # a service or database error: one line, no traceback
        from acct_tui.db import DatabaseError
        from acct_tui.services.errors import ServiceError

        if isinstance(exc, ServiceError | DatabaseError):
            return fail(str(exc))
        if os.environ.get("ACCT_TUI_DEBUG"):
            raise
        return fail(f"unexpected error: {exc.__class__.__name__}: {exc} (set ACCT_TUI_DEBUG=1 for details)")


def dashboard(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    open_db(settings, create=not getattr(args, "demo", False))
    ctx = make_context(settings, clock)
    from acct_tui.readahead import ReadAhead
    from acct_tui.services.reads.portfolio import PAGE, PortfolioQuery, portfolio_rows

    # The first page is read while the dashboard's code loads.
    ahead = ReadAhead(portfolio_rows, ctx, PortfolioQuery(), 0, PAGE)
    from acct_tui.app import AcctApp

    app = AcctApp(ctx, database_url=settings.database_url, settings=settings, read_ahead=ahead)
    app.run()
    return int(app.return_code or EXIT_OK)
