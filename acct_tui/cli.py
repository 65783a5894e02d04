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
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from acct_tui import __version__
from acct_tui.clock import Clock, SystemClock
from acct_tui.config import ConfigError, Settings, load_settings
from acct_tui.runtime import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError, fail, make_context, open_db, open_demo
from acct_tui.verbs import VERB_MODULES, Handler


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
    return parent


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    common = common_options()
    parser = ArgumentParser(
        prog="acct-tui",
        description="A terminal cockpit for account managers.",
        parents=[common],
        epilog="Run acct-tui with no verb to open the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"acct-tui {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the demo database (created on first use)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    handlers: dict[str, Handler] = {}
    for module in VERB_MODULES:
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
    parser.add_argument("--demo", action="store_true")
    return parser.parse_known_args(argv)


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args, rest = early_options(argv)
    # Peewee loads every PostgreSQL driver it finds when it is imported: know the
    # database before anything imports it.
    with contextlib.suppress(ConfigError):  # reported below, after --help had its say
        if not is_postgres_url(load_settings(getattr(args, "db", None), None).database_url):
            skip_postgres_drivers()
    # Opening the dashboard (nothing but options) is the common case and the one a
    # person waits for: it skips building every verb's parser.
    handlers: dict[str, Handler] = {}
    if rest:
        parser, handlers = build_parser()
        args = parser.parse_args(argv)
    try:
        settings = load_settings(getattr(args, "db", None), getattr(args, "agent", None))
        handler = handlers.get(getattr(args, "verb", None) or "", dashboard)
        return handler(args, settings, clock or SystemClock())
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
    if args.demo:
        ctx, url = open_demo(settings, clock, explicit_agent=getattr(args, "agent", None))
    else:
        open_db(settings)
        ctx = make_context(settings, clock)
        url = settings.database_url
    from acct_tui.readahead import ReadAhead
    from acct_tui.services.portfolio import PAGE, PortfolioQuery, portfolio_rows

    # The first page is read while the dashboard's code loads.
    ahead = ReadAhead(portfolio_rows, ctx, PortfolioQuery(), 0, PAGE)
    from acct_tui.app import AcctApp

    app = AcctApp(ctx, database_url=url, settings=settings, read_ahead=ahead)
    app.run()
    return int(app.return_code or EXIT_OK)
