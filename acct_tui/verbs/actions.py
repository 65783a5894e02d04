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
from acct_tui.runtime import EXIT_OK, CliError, make_context, open_db
from acct_tui.text import dump_json, say
from acct_tui.verbs import Handler


def register(verbs: Any, common: argparse.ArgumentParser) -> dict[str, Handler]:
    from acct_tui.services.grammar.syntax import VERBS

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
        if verb.name == "log":
            from acct_tui.verbs.capture import add_log_options

            add_log_options(parser)  # command line only: the prompt has no message to read
        for alias in verb.aliases:
            alias_parser = verbs.add_parser(alias, parents=[common], help=f"{verb.summary} (= {verb.name})")
            verb.configure(alias_parser)
            handlers[alias] = action_verb
    return handlers


def _group_help(group: str) -> str:
    from acct_tui.services.grammar.syntax import VERBS

    actions = [v.name.split()[1] for v in VERBS if v.group == group and v.cli]
    return f"{group}: {' | '.join(actions)}"


def verb_name(args: argparse.Namespace) -> str:
    """The grammar's name of the verb argparse chose (`followup snooze` for `followup snooze` or `snooze`)."""
    from acct_tui.services.grammar.syntax import VERB_BY_NAME

    action = getattr(args, f"{args.verb}_action", None)
    name = f"{args.verb} {action}" if action else str(args.verb)
    return VERB_BY_NAME[name].name


OPTION_OF_FIELD: dict[str, dict[str, str]] = {
    "log": {"due_on": "--next", "title": "--next-title", "when": "--when", "occurred_on": "--when"},
    "followup add": {"due_on": "--due", "recurrence": "--repeat", "notes": "--notes"},
    "followup snooze": {"until": "--until", "reason": "--reason"},
    "followup reschedule": {"due_on": "the new due date"},
    "account add": {"renewal_on": "--renewal", "arr": "--arr", "satisfaction": "--satisfaction"},
    "opportunity add": {"amount": "--amount", "close_on": "--close", "expected_close_on": "--close"},
    "health what-if": {"set": "--set"},
}
"""A refused value names the option a person typed, not the service's field (`--next`, not `due_on`)."""

DEFAULT_LIMIT = 50


def action_verb(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from acct_tui.services.errors import ValidationError
    from acct_tui.services.grammar.run import execute, plain
    from acct_tui.services.grammar.syntax import Command

    name = verb_name(args)
    if name == "log" and getattr(args, "from_email", None) is not None:
        from acct_tui.verbs.capture import log_from_email

        return log_from_email(args, settings, clock)
    open_db(settings)
    ctx = make_context(settings, clock, context=getattr(args, "context", None))
    values = {k: v for k, v in vars(args).items() if k not in ("db", "agent", "verb", "demo")}
    for warning in past_date_warnings(name, values, ctx.today):
        print(f"acct-tui: warning: {warning}", file=sys.stderr)
    try:
        outcome = execute(ctx, Command(name, values, origin="cli"), settings.as_config())
    except ValidationError as exc:
        option = OPTION_OF_FIELD.get(name, {}).get(exc.field or "")
        if option is None:
            raise
        if option.startswith("--") and values.get(option[2:].replace("-", "_")) is None:
            raise CliError(exc.message) from None  # typed as a word, not as the option: the value says enough
        raise CliError(f"{option}: {exc.message}") from None
    note_cut_list(name, values, outcome.data)
    if getattr(args, "json", False):
        dump_json({"verb": name, "message": outcome.message, **plain(outcome.data)}, sys.stdout)
        sys.stdout.write("\n")
        return EXIT_OK
    say(outcome.text or outcome.message)
    return EXIT_OK


def past_date_warnings(name: str, values: dict[str, Any], today: Any) -> list[str]:
    """A line for each due date typed that lands before today (it is written, and shows as overdue)."""
    from acct_tui.services.domain.dates import parse_date, past_note
    from acct_tui.services.errors import ValidationError

    typed: list[tuple[str, object]] = []
    if name == "followup add":
        typed.append(("--due", values.get("due")))
    elif name == "log" and values.get("next"):
        typed.append(("--next", values.get("next")))
    elif name == "followup reschedule" and len(values.get("words") or []) == 2:
        typed.append(("the new due date", values["words"][1]))
    found = []
    for label, text in typed:
        try:
            note = past_note(parse_date(text, today), today)
        except ValidationError:
            continue  # the verb itself refuses it, naming the option
        if note:
            found.append(f"{label}: {note}")
    return found


def note_cut_list(name: str, values: dict[str, Any], data: dict[str, Any]) -> None:
    """Say on stderr when the default --limit left rows out, so a script never takes a part for the whole."""
    if values.get("limit") is not None:
        return
    if name == "portfolio":
        shown, total, what = len(data.get("rows") or []), int(data.get("total") or 0), "accounts"
    elif name == "health what-if":
        moved = data.get("changed_band") or []
        shown, total, what = min(len(moved), DEFAULT_LIMIT), len(moved), "accounts that change band"
        if values.get("json"):
            return  # the JSON holds every one of them
    else:
        return
    if shown < total:
        print(
            f"acct-tui: note: listed {shown} of {total:,} {what} (the default --limit {DEFAULT_LIMIT}); "
            "give --limit N for more",
            file=sys.stderr,
        )
