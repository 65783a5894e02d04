"""`acct-tui serve-ssh`: serve the dashboard to agents over SSH, each with their own key."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.numbers import whole_number
from acct_tui.runtime import EXIT_OK, CliError, open_db
from acct_tui.verbs import Handler


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be more than 0")
        return value

    return parse


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    from acct_tui.ssh.limits import Limits

    defaults = Limits()
    serve = verbs.add_parser(
        "serve-ssh",
        parents=[common],
        help="let agents ssh straight into the dashboard with their own key",
        description="Serve the dashboard over SSH. Agents connect with `ssh -p PORT AGENT@HOST`; "
        "only public keys registered with `acct-tui agent key add` are accepted.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    serve.add_argument("--port", type=whole_number(1, 65_535), default=2222, help="port to listen on (default 2222)")
    serve.add_argument(
        "--session-memory",
        type=whole_number(0, 1_048_576),
        default=defaults.max_session_memory // 1024**2,
        metavar="MIB",
        help=f"address space one session's dashboard may use (default {defaults.max_session_memory // 1024**2}; 0 no limit)",
    )
    serve.add_argument(
        "--max-sessions-per-agent",
        type=_positive(int),
        default=defaults.max_sessions_per_agent,
        metavar="N",
        help=f"dashboards one agent may have open at once (default {defaults.max_sessions_per_agent})",
    )
    serve.add_argument(
        "--max-sessions",
        type=_positive(int),
        default=defaults.max_sessions,
        metavar="N",
        help=f"dashboards open at once in all (default {defaults.max_sessions})",
    )
    serve.add_argument(
        "--login-timeout",
        type=_positive(float),
        default=defaults.login_timeout,
        metavar="S",
        help=f"seconds to authenticate before the connection is dropped (default {defaults.login_timeout:g})",
    )
    serve.add_argument(
        "--max-failures",
        type=_positive(int),
        default=defaults.max_failures,
        metavar="N",
        help=f"failed logins from one address before it is banned (default {defaults.max_failures})",
    )
    serve.add_argument(
        "--ban-seconds",
        type=_positive(float),
        default=defaults.ban_seconds,
        metavar="S",
        help=f"how long a banned address is refused (default {defaults.ban_seconds:g})",
    )
    serve.add_argument(
        "--host-key", type=Path, default=None, metavar="PATH", help="host key file (default: data folder)"
    )
    serve.add_argument("--log-file", type=Path, default=None, metavar="PATH", help="log file (default: logs/ssh.log)")
    return {"serve-ssh": serve_verb}


def serve_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    try:
        import asyncssh  # noqa: F401 - only to say what to install
    except ImportError as exc:
        raise CliError("serve-ssh needs asyncssh: pip install 'acct-tui[ssh]'") from exc
    if settings.agent_trust != "flag":
        # Each session's dashboard runs as this account with --agent LOGIN: the key decides who it is.
        raise CliError(
            f'serve-ssh names each agent by their key, and [agent] trust = "{settings.agent_trust}" would refuse '
            f"every session; leave [agent] trust out of the serving account's config ({settings.config_path})"
        )
    import asyncio

    from acct_tui.db import parse_url
    from acct_tui.services.writes.keys import list_keys
    from acct_tui.ssh.hostkey import HostKeyError
    from acct_tui.ssh.limits import Limits
    from acct_tui.ssh.server import Desk, serve, setup_logging

    spec = parse_url(settings.database_url)
    # The app processes run in the data folder: a relative SQLite path must not move with them.
    url = f"sqlite:///{Path(spec.path).resolve()}" if spec.kind == "sqlite" else settings.database_url
    open_db(settings)
    log = setup_logging(args.log_file)
    if not list_keys():
        log.warning("no agent has an SSH key yet; add one with: acct-tui agent key add NAME ~/.ssh/id_ed25519.pub")
    limits = Limits(
        max_sessions_per_agent=args.max_sessions_per_agent,
        max_sessions=args.max_sessions,
        max_failures=args.max_failures,
        ban_seconds=args.ban_seconds,
        login_timeout=args.login_timeout,
        max_session_memory=max(0, args.session_memory) * 1024**2,
    )
    desk = Desk(database_url=url, limits=limits, log=log)
    try:
        asyncio.run(serve(desk, host=args.host, port=args.port, host_key_path=args.host_key))
    except HostKeyError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); choose another --port"
        ) from exc
    return EXIT_OK
