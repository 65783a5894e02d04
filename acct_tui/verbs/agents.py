"""`acct-tui agent ...`: registering, listing and deactivating agents."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.runtime import EXIT_OK, make_context, open_db
from acct_tui.verbs import Handler


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    agent = verbs.add_parser("agent", parents=[common], help="manage agents (admins)")
    actions = agent.add_subparsers(dest="agent_verb", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=[common], help="register an agent")
    add.add_argument("login")
    add.add_argument("--name", default="", help="display name (default: the login)")
    add.add_argument("--role", default="agent", choices=("agent", "lead", "admin"))
    add.add_argument("--team", default="", help="team name (created if new)")
    listing = actions.add_parser("list", parents=[common], help="list agents")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--all", action="store_true", help="include deactivated agents")
    off = actions.add_parser("deactivate", parents=[common], help="stop an agent from logging in")
    off.add_argument("login")
    return {"agent": agent_verb}


def agent_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services import agents

    open_db(settings)
    if args.agent_verb == "list":
        rows = agents.list_agents(include_inactive=args.all)
        if args.json:
            json.dump([row.__dict__ for row in rows], sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
            return EXIT_OK
        for row in rows:
            state = "" if row.active else " (deactivated)"
            print(f"{row.login:<16} {row.role:<6} {row.team:<12} {row.accounts:>7} accounts  {row.name}{state}")
        return EXIT_OK
    ctx = make_context(settings, clock)
    if args.agent_verb == "add":
        ref = agents.add_agent(ctx, args.login, name=args.name, role=args.role, team=args.team)
        print(f"added {ref.login} ({ref.role.value})")
    elif args.agent_verb == "deactivate":
        ref = agents.deactivate_agent(ctx, args.login)
        print(f"deactivated {ref.login}")
    return EXIT_OK
