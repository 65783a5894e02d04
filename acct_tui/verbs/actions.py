"""Every dashboard action as a verb: log, followup, snooze, portfolio, account, concern, contact, handoff, undo,
health explain / what-if, checkpoints.

The arguments of each verb are declared once, in `services.commands.grammar`,
and read the same way by the dashboard's `:` prompt; this module only builds
the argparse sub-commands from those declarations and prints the outcome
(a line, a table, or with `--json` the data on stdout).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from acct_tui.clock import Clock
from acct_tui.config import Settings
from acct_tui.runtime import EXIT_OK, make_context, open_db
from acct_tui.text import dump_json, say
from acct_tui.verbs import Handler


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    from acct_tui.services.commands.grammar import VERBS

    handlers: dict[str, Handler] = {}
    groups: dict[str, Any] = {}
    for verb in VERBS:
        if not verb.cli:
            continue
        if " " in verb.name:
            group, action = verb.name.split()
            if group not in groups:
                parent = verbs.add_parser(group, parents=[common], help=_group_help(group))
                groups[group] = parent.add_subparsers(dest=f"{group}_action", metavar="ACTION", required=True)
                handlers[group] = action_verb
            parser = groups[group].add_parser(action, parents=[common], help=verb.summary)
        else:
            parser = verbs.add_parser(verb.name, parents=[common], help=verb.summary)
            handlers[verb.name] = action_verb
        verb.configure(parser)
        for alias in verb.aliases:
            alias_parser = verbs.add_parser(alias, parents=[common], help=f"{verb.summary} (= {verb.name})")
            verb.configure(alias_parser)
            handlers[alias] = action_verb
    return handlers


def _group_help(group: str) -> str:
    from acct_tui.services.commands.grammar import VERBS

    actions = [v.name.split()[1] for v in VERBS if v.group == group and v.cli]
    return f"{group}: {' | '.join(actions)}"


def verb_name(args: argparse.Namespace) -> str:
    """The grammar's name of the verb argparse chose (`followup snooze` for `followup snooze` or `snooze`)."""
    from acct_tui.services.commands.grammar import VERB_BY_NAME

    action = getattr(args, f"{args.verb}_action", None)
    name = f"{args.verb} {action}" if action else str(args.verb)
    return VERB_BY_NAME[name].name


def action_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.commands.grammar import Command
    from acct_tui.services.commands.run import execute, plain

    name = verb_name(args)
    open_db(settings)
    ctx = make_context(settings, clock, context=getattr(args, "context", None))
    values = {k: v for k, v in vars(args).items() if k not in ("db", "agent", "verb", "demo")}
    outcome = execute(ctx, Command(name, values, origin="cli"), settings.raw)
    if getattr(args, "json", False):
        dump_json({"verb": name, "message": outcome.message, **plain(outcome.data)}, sys.stdout)
        sys.stdout.write("\n")
        return EXIT_OK
    say(outcome.text or outcome.message)
    return EXIT_OK
