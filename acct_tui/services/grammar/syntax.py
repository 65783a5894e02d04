"""The one grammar of the verbs, shared by the command line and the dashboard's `:` prompt.

Each verb declares its arguments once (`Verb.configure` adds them to an
argparse parser). `acct-tui <verb> ...` builds its sub-command from it;
`parse_line` reads a `:` line with the same declaration into a `Command`.
The words are read the same way in both: where a verb acts on an account or
a follow-up, its first word names it (an id, `#id`, an exact name or
`@name`); in the prompt that word may be left out and the highlighted row is
used (`:snooze 2w waiting on legal`). `run.execute` carries a command out
through the services.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from acct_tui.numbers import MAX_ROWS, whole_number
from acct_tui.services.errors import ValidationError
from acct_tui.vocab import (
    ActivityKind,
    FollowUpKind,
    OpportunityKind,
    OpportunityStage,
    Priority,
    Severity,
    Stage,
    Tier,
)


class CommandError(ValidationError):
    """A line or argument list that does not read as a verb; the message shows the usage."""


@dataclass(frozen=True)
class Focus:
    """What the dashboard has highlighted when the prompt opens: the implied target of a verb."""

    account_id: int | None = None
    account_name: str = ""
    followup_id: int | None = None
    followup_title: str = ""
    view_state: Mapping[str, Any] | None = None
    """The portfolio's sort, filter and quick filters, when the prompt opens over it (for `save`)."""


@dataclass(frozen=True)
class Command:
    """A parsed verb with its arguments, ready for `run.execute`."""

    verb: str
    args: Mapping[str, Any]
    origin: str = "cli"
    """"cli" or "prompt": the prompt may leave a target out and undoes within its session."""
    focus: Focus = field(default_factory=Focus)


@dataclass(frozen=True)
class Verb:
    name: str
    """One word, or a group and an action (`followup snooze`)."""
    summary: str
    usage: str
    """The words after the verb's name, as the prompt shows them."""
    configure: Callable[[argparse.ArgumentParser], None]
    cli: bool = True
    prompt: bool = True
    aliases: tuple[str, ...] = ()
    """Other names of the same verb (`snooze` for `followup snooze`)."""

    @property
    def group(self) -> str:
        return self.name.split()[0]


def _words(parser: argparse.ArgumentParser, metavar: str = "WORDS") -> None:
    parser.add_argument("words", nargs="*", metavar=metavar)


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


_limit = whole_number(1, MAX_ROWS)
"""`--limit N`: a whole number of rows, 1 or more (0 used to print the default 50)."""


def _choices(values: Any) -> list[str]:
    return [v.value for v in values]


def _log(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT KIND SUMMARY")
    p.add_argument("--contact", metavar="NAME", help="who it was with (a contact's name)")
    p.add_argument("--inbound", action="store_true", help="the client reached out (wakes snoozed follow-ups)")
    p.add_argument("--when", metavar="DATE", help="when it happened (default: now; today, -2d, a date)")
    p.add_argument("--outcome", default="", metavar="TEXT", help="the agreed next step or result")
    p.add_argument("--body", default="", metavar="TEXT", help="notes")
    p.add_argument("--next", metavar="WHEN", help="plan a follow-up: +3d, 2w, fri, a date")
    p.add_argument("--next-title", metavar="TEXT", help="its title (default: 'Follow up: <summary>')")
    _json(p)


def _followup_add(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT TITLE")
    p.add_argument("--due", default="+1w", metavar="WHEN", help="due date (default +1w)")
    p.add_argument("--kind", choices=_choices(FollowUpKind), default="check-in")
    p.add_argument("--priority", choices=_choices(Priority), default="normal")
    p.add_argument("--assignee", metavar="LOGIN", help="whose it is (default: you)")
    p.add_argument("--repeat", default="", metavar="RULE", help="weekly, monthly, every 2 weeks...")
    p.add_argument("--notes", default="", metavar="TEXT")
    _json(p)


def _followup_done(p: argparse.ArgumentParser) -> None:
    _words(p, "ID")
    p.add_argument("--outcome", metavar="TEXT", help="log what came of it as an activity")
    p.add_argument("--log-kind", choices=_choices(ActivityKind), default="call", help="its kind (default call)")
    _selection(p)
    _json(p)


SELECTORS = ("quick", "filter", "owner", "assignee", "overdue", "context")
"""Options that pick many follow-ups instead of one by id (`done`, `snooze`, `reassign`)."""


def _selection(p: argparse.ArgumentParser) -> None:
    """Act on every open follow-up these pick, in one change (one `undo`), instead of on one ID."""
    group = p.add_argument_group("many at once (instead of an ID: every open follow-up these pick)")
    group.add_argument("--quick", choices=("at_risk", "renewing", "quiet"), help="on accounts of this quick filter")
    group.add_argument("--filter", metavar="TEXT", help="on accounts whose name, domain, industry or contact match")
    group.add_argument("--owner", metavar="LOGIN", help="on accounts this agent owns")
    group.add_argument("--assignee", metavar="LOGIN", help="assigned to this agent")
    group.add_argument("--overdue", action="store_true", help="only those past their due date")
    group.add_argument("--context", metavar="NAME", help="on accounts of a [contexts.NAME] of the config file")
    group.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")


def _snooze(p: argparse.ArgumentParser) -> None:
    _words(p, "ID WHEN REASON")
    p.add_argument("--until", metavar="WHEN", help="the day it comes back: tomorrow, +3d, 2w, a date")
    p.add_argument("--reason", metavar="TEXT", help="what you are waiting for")
    _selection(p)
    _json(p)


def _reschedule(p: argparse.ArgumentParser) -> None:
    _words(p, "ID WHEN")
    _json(p)


def _reassign(p: argparse.ArgumentParser) -> None:
    _words(p, "ID AGENT")
    p.add_argument("--to", metavar="LOGIN", help="the agent who gets them (with the options that pick many)")
    p.add_argument("--note", metavar="TEXT", help="a note on top of each one's notes")
    _selection(p)
    _json(p)


def _portfolio(p: argparse.ArgumentParser) -> None:
    p.add_argument("--filter", default="", metavar="TEXT", help="words in the name, domain, industry or a contact")
    p.add_argument("--sort", default="health", metavar="KEY", help="name, tier, health, arr, renewal, last_touch, ...")
    p.add_argument("--desc", action="store_true", help="sort descending")
    p.add_argument("--quick", choices=("all", "at_risk", "renewing", "quiet"), default="all")
    p.add_argument("--mine", action="store_true", help="only the accounts you own")
    p.add_argument("--limit", type=_limit, default=None, metavar="N", help="how many rows (default 50)")
    p.add_argument("--context", metavar="NAME", help="a [contexts.NAME] of the config file")
    p.add_argument("--view", metavar="NAME", help="a view saved in the dashboard (:save NAME); options given win")
    _json(p)


def _account_add(p: argparse.ArgumentParser) -> None:
    _words(p, "NAME")
    p.add_argument("--tier", choices=_choices(Tier))
    p.add_argument("--industry")
    p.add_argument("--arr", metavar="AMOUNT")
    p.add_argument("--currency", metavar="CODE")
    p.add_argument("--stage", choices=_choices(Stage))
    p.add_argument("--renewal", metavar="DATE")
    p.add_argument("--satisfaction", metavar="0-10")
    p.add_argument("--domain")
    p.add_argument("--notes")
    p.add_argument("--owner", metavar="LOGIN", help="who owns it (default: you)")
    p.add_argument("--force", action="store_true", help="create it even if another account has that name")
    _json(p)


def _account_edit(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT FIELD=VALUE")
    p.add_argument(
        "--expect-version",
        type=whole_number(1),
        metavar="N",
        help="save only if the account is still at version N (as account show printed it); else refuse, saving nothing",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="keep a new name even if another account has it (a changed --expect-version is still refused)",
    )
    _json(p)


def _target_only(metavar: str) -> Callable[[argparse.ArgumentParser], None]:
    def configure(p: argparse.ArgumentParser) -> None:
        _words(p, metavar)
        _json(p)

    return configure


def _words_only(metavar: str) -> Callable[[argparse.ArgumentParser], None]:
    def configure(p: argparse.ArgumentParser) -> None:
        _words(p, metavar)

    return configure


def _concern_add(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT TITLE")
    p.add_argument("--severity", choices=_choices(Severity), default="medium")
    p.add_argument("--ticket", default="", metavar="REF")
    p.add_argument("--detail", default="", metavar="TEXT")
    _json(p)


def _contact_add(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT NAME")
    p.add_argument("--role", default="")
    p.add_argument("--email", default="")
    p.add_argument("--phone", default="")
    p.add_argument("--primary", action="store_true", help="make them the primary contact")
    _json(p)


def _contact_edit(p: argparse.ArgumentParser) -> None:
    _words(p, "ID")
    p.add_argument("--name")
    p.add_argument("--role")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--primary", action=argparse.BooleanOptionalAction, help="make them (or stop them being) primary")
    _json(p)


def _concern_resolve(p: argparse.ArgumentParser) -> None:
    _words(p, "ID NOTE")
    p.add_argument("--note", metavar="TEXT", help="what resolved it")
    _json(p)


def _product_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    if editing:
        p.add_argument("--product", metavar="NAME", help="another product (an existing name, or a new one)")
    p.add_argument("--quantity", metavar="N", help="how many (seats, units)" + ("" if editing else "; default 1"))
    p.add_argument("--price", metavar="AMOUNT", help="unit price")
    p.add_argument("--currency", metavar="CODE", help="default: the account's currency" if not editing else None)
    p.add_argument("--start", metavar="DATE", help="when it started")
    p.add_argument("--renewal", metavar="DATE", help="when it renews")
    p.add_argument("--end", metavar="DATE", help="when it ends (or ended)")
    p.add_argument("--notes", metavar="TEXT")
    p.add_argument("--external-id", metavar="ID", help="the CRM's id of this line")
    _json(p)


def _product_add(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT PRODUCT")
    _product_options(p, editing=False)


def _product_edit(p: argparse.ArgumentParser) -> None:
    _words(p, "ID")
    _product_options(p, editing=True)


def _product_end(p: argparse.ArgumentParser) -> None:
    _words(p, "ID")
    p.add_argument("--on", default="today", metavar="DATE", help="the day it ends (default today)")
    _json(p)


def _opportunity_add(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT TITLE")
    p.add_argument("--kind", choices=_choices(OpportunityKind), default="upsell")
    p.add_argument("--stage", choices=_choices(OpportunityStage), default="identified")
    p.add_argument("--amount", default="0", metavar="AMOUNT")
    p.add_argument("--close", metavar="DATE", help="expected close")
    _json(p)


def _handoff(p: argparse.ArgumentParser) -> None:
    _words(p, "ACCOUNT AGENT NOTE")
    p.add_argument("--note", metavar="TEXT", help="what is open, what to watch")
    p.add_argument("--keep-followups", action="store_true", help="keep your open follow-ups on it")
    _json(p)


def _what_if(p: argparse.ArgumentParser) -> None:
    _words(p, "KEY=VALUE")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a formula value to try")
    p.add_argument("--limit", type=_limit, default=None, metavar="N", help="accounts listed (default 50)")
    p.add_argument("--context", metavar="NAME", help="only the accounts of a [contexts.NAME] of the config file")
    _json(p)


def _nothing(p: argparse.ArgumentParser) -> None:
    _json(p)


VERBS: tuple[Verb, ...] = (
    Verb("log", "log a call, email, meeting, note or support touch", "[ACCOUNT] KIND SUMMARY… [--next +3d]", _log),
    Verb("followup add", "add a follow-up", "[ACCOUNT] TITLE… [--due +1w] [--priority high]", _followup_add),
    Verb("followup done", "mark a follow-up done", "[ID] [--outcome TEXT]", _followup_done, aliases=("done",)),
    Verb("followup snooze", "hide a follow-up until a later day", "[ID] WHEN [REASON…]", _snooze, aliases=("snooze",)),
    Verb("followup reschedule", "move a follow-up's due date", "[ID] WHEN", _reschedule, aliases=("reschedule",)),
    Verb("followup reassign", "give a follow-up to another agent", "[ID] AGENT", _reassign, aliases=("reassign",)),
    Verb("portfolio", "list the portfolio (filter, sort, quick filter)", "[--filter TEXT] [--sort KEY]", _portfolio),
    Verb("account add", "create an account", "NAME… [--tier gold] [--renewal DATE]", _account_add),
    Verb("account edit", "change an account's fields", "[ACCOUNT] FIELD=VALUE…", _account_edit),
    Verb("account show", "show an account", "[ACCOUNT]", _target_only("ACCOUNT")),
    Verb("concern add", "open a concern", "[ACCOUNT] TITLE… [--severity high]", _concern_add),
    Verb("concern resolve", "resolve a concern with what resolved it", "ID NOTE… [--note TEXT]", _concern_resolve),
    Verb("contact add", "add a contact", "[ACCOUNT] NAME… [--email ..] [--role ..]", _contact_add),
    Verb("contact edit", "change a contact's name, role, email, phone or primary", "ID [--role ..]", _contact_edit),
    Verb("contact remove", "remove a contact (past activities keep naming them)", "ID", _target_only("ID")),
    Verb("product add", "record a product the account bought", "[ACCOUNT] PRODUCT… [--quantity N]", _product_add),
    Verb("product edit", "change a product line (quantity, price, dates)", "ID [--price X]", _product_edit),
    Verb("product end", "end a product line (today or --on DATE)", "ID [--on DATE]", _product_end),
    Verb("product list", "list the products an account bought", "[ACCOUNT]", _target_only("ACCOUNT")),
    Verb("opportunity add", "add an opportunity", "[ACCOUNT] TITLE… [--amount N]", _opportunity_add),
    Verb("handoff", "hand an account to another agent", "[ACCOUNT] AGENT NOTE… ", _handoff),
    Verb("undo", "undo your last change", "", _nothing),
    Verb("health explain", "why an account scores what it scores", "[ACCOUNT]", _target_only("ACCOUNT")),
    Verb("health what-if", "the portfolio under other formula values", "KEY=VALUE…", _what_if),
    Verb("checkpoints", "create and move renewal checkpoints for every account", "", _nothing),
    Verb(
        "save", "save the portfolio's sort, filter and quick filters as a view", "NAME", _words_only("NAME"), cli=False
    ),
    Verb("view", "recall a saved view on the portfolio (alone: list them)", "[NAME]", _words_only("NAME"), cli=False),
    Verb("unsave", "forget a saved view", "NAME", _words_only("NAME"), cli=False),
    Verb("goto", "open an account", "ACCOUNT…", _target_only("ACCOUNT"), cli=False),
    Verb("context", "narrow every view to a context (alone: clear it)", "[NAME]", _target_only("NAME"), cli=False),
    Verb("queue", "show the follow-up queue", "", _nothing, cli=False),
    Verb("today", "start today's walk", "", _nothing, cli=False),
)

VERB_BY_NAME: dict[str, Verb] = {v.name: v for v in VERBS} | {a: v for v in VERBS for a in v.aliases}
GROUPS = {v.group for v in VERBS if " " in v.name}


class _PromptParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so a bad line is an inline error."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} · usage: {self.prog} {self.usage_line}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise CommandError(message or "cannot read that")

    usage_line = ""


def find_verb(tokens: list[str]) -> tuple[Verb, list[str]]:
    """The verb the first word(s) name, and the rest of the words."""
    if not tokens:
        raise CommandError("type a verb: " + ", ".join(sorted(prompt_names())))
    head = tokens[0].lower()
    if head in GROUPS:
        action = tokens[1].lower() if len(tokens) > 1 else ""
        verb = VERB_BY_NAME.get(f"{head} {action}")
        if verb is None:
            actions = sorted(v.name.split()[1] for v in VERBS if v.group == head)
            raise CommandError(f"{head} takes {' | '.join(actions)}")
        return verb, tokens[2:]
    verb = VERB_BY_NAME.get(head)
    if verb is None:
        raise CommandError(f"no verb {tokens[0]!r}; verbs: {', '.join(sorted(prompt_names()))}")
    return verb, tokens[1:]


def prompt_names() -> list[str]:
    """Every name the prompt answers to (groups once)."""
    names = {v.group for v in VERBS if v.prompt} | {a for v in VERBS if v.prompt for a in v.aliases}
    return sorted(names)


def parse_line(line: str, focus: Focus | None = None) -> Command:
    """A `:` line as a command; the focus stands in for a left-out target."""
    try:
        tokens = shlex.split(line.strip())
    except ValueError as exc:
        raise CommandError(f"cannot read that line: {exc}") from exc
    verb, rest = find_verb(tokens)
    if not verb.prompt:
        raise CommandError(f"{verb.name} works on the command line only")
    parser = _PromptParser(prog=verb.name, add_help=False, allow_abbrev=False)
    parser.usage_line = verb.usage
    verb.configure(parser)
    namespace = parser.parse_intermixed_args(rest)
    return Command(verb.name, vars(namespace), origin="prompt", focus=focus or Focus())


def hints(text: str) -> list[str]:
    """Completion hints for a partly typed line: the verbs it may become, with their usage."""
    words = text.lstrip().split()
    if not words:
        return [f"{v.name} {v.usage}".strip() for v in VERBS if v.prompt]
    head = words[0].lower()
    if len(words) == 1 and not text.endswith(" "):
        return [
            f"{v.name} {v.usage}".strip()
            for v in VERBS
            if v.prompt and (v.name.startswith(head) or any(a.startswith(head) for a in v.aliases))
        ]
    if head in GROUPS:
        action = words[1].lower() if len(words) > 1 else ""
        return [
            f"{v.name} {v.usage}".strip() for v in VERBS if v.group == head and v.name.split()[1].startswith(action)
        ]
    verb = VERB_BY_NAME.get(head)
    return [f"{verb.name} {verb.usage}".strip()] if verb else []
