"""`acct-tui agent ...` and `acct-tui share/unshare`: agents, their SSH keys, and who sees which account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.runtime import EXIT_OK, CliError, make_context, open_db
from acct_tui.text import dump_json, say
from acct_tui.verbs import Handler


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    agent = verbs.add_parser("agent", parents=[common], help="manage agents and their SSH keys (admins)")
    actions = agent.add_subparsers(dest="agent_verb", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=[common], help="register an agent")
    add.add_argument("login")
    add.add_argument("--name", default="", help="display name (default: the login)")
    add.add_argument("--role", default="agent", choices=("agent", "lead", "admin"))
    add.add_argument("--team", default="", help="team name (created if new)")
    add.add_argument("--key", metavar="PUBKEY_FILE", help="an SSH public key file (e.g. id_ed25519.pub; - for stdin)")
    listing = actions.add_parser("list", parents=[common], help="list agents")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--all", action="store_true", help="include deactivated agents")
    off = actions.add_parser("deactivate", parents=[common], help="stop an agent from logging in")
    off.add_argument("login")

    key = actions.add_parser("key", parents=[common], help="add, revoke or list an agent's SSH keys")
    key_actions = key.add_subparsers(dest="key_verb", metavar="ACTION", required=True)
    key_add = key_actions.add_parser("add", parents=[common], help="register SSH public keys for an agent")
    key_add.add_argument("login")
    key_add.add_argument("file", metavar="PUBKEY_FILE", help="public key file (- for stdin)")
    revoke = key_actions.add_parser("revoke", parents=[common], help="revoke a key by fingerprint, or all")
    revoke.add_argument("login")
    revoke.add_argument("fingerprint", metavar="FINGERPRINT|all", help="SHA256:... as `agent key list` shows it")
    key_list = key_actions.add_parser("list", parents=[common], help="list SSH keys")
    key_list.add_argument("login", nargs="?", default=None)
    key_list.add_argument("--all", action="store_true", help="include revoked keys")
    key_list.add_argument("--json", action="store_true")
    key_list.add_argument(
        "--authorized-keys",
        action="store_true",
        help="print OpenSSH authorized_keys lines (forced command per key) instead, for serving with sshd",
    )
    key_list.add_argument(
        "--command", default="acct-tui", help="the forced command for --authorized-keys (default: acct-tui)"
    )

    for verb, help_text in (("share", "share an account with an agent or a team"), ("unshare", "stop sharing")):
        parser = verbs.add_parser(verb, parents=[common], help=help_text)
        parser.add_argument("account", metavar="ACCOUNT", help="account id, name (or its start) or external id")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--with", dest="with_agent", metavar="AGENT", help="an agent's login")
        target.add_argument("--team", dest="with_team", metavar="TEAM", help="a team's name")
    return {"agent": agent_verb, "share": share_verb, "unshare": share_verb}


def read_key_file(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    path = Path(name).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CliError(f"no key file at {path}; give the public key, e.g. ~/.ssh/id_ed25519.pub") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc


def agent_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.writes import agents

    open_db(settings)
    if args.agent_verb == "add" and not agents.has_agents():
        return first_agent(args, settings, clock)
    # Reading the roster is for registered agents too: an unknown login learns nothing.
    ctx = make_context(settings, clock, bootstrap=False)
    if args.agent_verb == "list":
        rows = agents.list_agents(include_inactive=args.all)
        if args.json:
            dump_json([row.__dict__ for row in rows], sys.stdout, indent=2)
            sys.stdout.write("\n")
            return EXIT_OK
        for row in rows:
            state = "" if row.active else " (deactivated)"
            say(
                f"{row.login:<16} {row.role:<6} {row.team:<12} {row.accounts:>7} accounts "
                f"{row.keys:>2} keys  {row.name}{state}"
            )
        return EXIT_OK
    if args.agent_verb == "key" and args.key_verb == "list":
        return key_list(args)
    if args.agent_verb == "add":
        text = read_key_file(args.key) if args.key else ""
        ref = agents.add_agent(ctx, args.login, name=args.name, role=args.role, team=args.team, keys_text=text)
        say(f"added {ref.login} ({ref.role.value})")
    elif args.agent_verb == "deactivate":
        ref = agents.deactivate_agent(ctx, args.login)
        say(f"deactivated {ref.login}")
    elif args.agent_verb == "key":
        from acct_tui.services.writes import keys

        if args.key_verb == "add":
            for fingerprint in keys.add_keys(ctx, args.login, read_key_file(args.file)):
                say(f"added key {fingerprint} for {args.login}")
        else:
            for fingerprint in keys.revoke_keys(ctx, args.login, args.fingerprint):
                say(f"revoked key {fingerprint} of {args.login}")
    return EXIT_OK


def first_agent(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """`agent add` on a fresh database: you become its admin; adding someone else adds you first."""
    from acct_tui.services.writes import agents

    text = read_key_file(args.key) if args.key else ""
    ctx = make_context(settings, clock)  # registers the login as the database's admin
    if args.login == ctx.agent.login:
        if text:
            from acct_tui.services.writes import keys

            keys.add_keys(ctx, args.login, text)
        print(f"added {ctx.agent.login} (admin): the first agent of a database is its admin")
        return EXIT_OK
    ref = agents.add_agent(ctx, args.login, name=args.name, role=args.role, team=args.team, keys_text=text)
    print(f"added {ref.login} ({ref.role.value})")
    return EXIT_OK


def key_list(args: argparse.Namespace) -> int:
    from acct_tui.services.writes.keys import authorized_keys, list_keys

    if args.authorized_keys:
        for line in authorized_keys(args.command):
            if args.login is None or f" --agent {args.login};" in line:
                say(line)
        return EXIT_OK
    rows = list_keys(args.login, include_revoked=args.all)
    if args.json:
        dump_json([row.__dict__ for row in rows], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    from acct_tui.text import inert

    for row in rows:
        state = f"  revoked {row.revoked_at}" if row.revoked_at else ""
        say(f"{row.login:<16} {row.algorithm:<20} {row.fingerprint}  {inert(row.comment)}{state}")
    return EXIT_OK


def share_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.writes import sharing

    open_db(settings)
    ctx = make_context(settings, clock, bootstrap=False)
    from acct_tui.services.io.exports import find_account

    account_id = find_account(ctx, args.account)  # the same name matching as every other verb
    action = sharing.share_account if args.verb == "share" else sharing.unshare_account
    result = action(ctx, account_id, agent_login=args.with_agent, team=args.with_team)
    who = args.with_agent or f"team {args.with_team}"
    if args.verb == "share":
        say(f"{'shared' if result.changed else 'already shared'} {result.account_name} with {who}")
    else:
        say(f"{'stopped sharing' if result.changed else 'was not shared:'} {result.account_name} with {who}")
    say(f"shared with: {', '.join(result.shared_with) or 'nobody'}")
    return EXIT_OK
