"""Carrying out a parsed command through the services: one function per verb, one `Outcome` each.

The command line prints the outcome (its message, its text, or its data as
JSON); the `:` prompt shows the message and acts on the rest (open an
account, switch the context, open the what-if view). Whichever asked, the
database change is the same: the same service with the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from acct_tui.services.context import Ctx
from acct_tui.services.errors import Conflict
from acct_tui.services.grammar import records, reports
from acct_tui.services.grammar import targets as T

# What a verb answers lives below this module and `reports` (which builds the reading verbs'
# answers); both names stay importable from here, where the callers look for them.
from acct_tui.services.grammar.outcome import Outcome as Outcome
from acct_tui.services.grammar.outcome import plain as plain
from acct_tui.services.grammar.syntax import Command, CommandError
from acct_tui.services.reads.detail import account_name
from acct_tui.services.writes import accounts, bulk, followups
from acct_tui.text import inert
from acct_tui.vocab import ActivityKind

Runner = Callable[[Ctx, Command, list[str], Mapping[str, object]], Outcome]


def execute(ctx: Ctx, command: Command, raw: Mapping[str, object] | None = None) -> Outcome:
    """Run the command as `ctx`'s agent; `raw` is the config file's data (contexts, the formula for a what-if)."""
    runner = _RUNNERS.get(command.verb)
    if runner is None:
        raise CommandError(f"{command.verb} cannot be run from here")
    return runner(ctx, command, list(command.args.get("words") or []), raw or {})


def _log(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    if not rest:
        raise CommandError("give the kind and a summary: log call Spoke to Ines about the renewal")
    kinds = [k.value for k in ActivityKind if k is not ActivityKind.HANDOFF]
    kind = rest[0].lower()
    if kind not in kinds:
        hint = " (to log on another account, start with @NAME)" if command.origin == "prompt" else ""
        raise CommandError(f"{rest[0]!r} is not a kind: {', '.join(kinds)}{hint}")
    a = command.args
    values: dict[str, object] = {"kind": kind, "summary": T.text(rest[1:], "summary")}
    for key in ("outcome", "body"):
        if a.get(key):
            values[key] = a[key]
    if a.get("inbound"):
        values["direction"] = "inbound"
    plan = None
    if a.get("next"):
        plan = {"due_on": a["next"]} | ({"title": a["next_title"]} if a.get("next_title") else {})
    contact = T.contact_id(account_id, a["contact"]) if a.get("contact") else None
    logged = followups.log_activity(
        ctx, account_id, values, contact_id=contact, occurred_on=a.get("when"), followup=plan
    )
    name = account_name(ctx, account_id)
    message = f"Logged {kind} on {name}" + (" and planned the follow-up" if logged.followup_id else "")
    data = {"account_id": account_id, "activity_id": logged.activity_id, "followup_id": logged.followup_id}
    return Outcome(message, data, wrote=True)


def _followup_add(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    a = command.args
    values = {"title": T.text(rest, "title"), "due_on": a["due"], "kind": a["kind"], "priority": a["priority"]}
    if a.get("repeat"):
        values["recurrence"] = a["repeat"]
    if a.get("notes"):
        values["notes"] = a["notes"]
    assignee = T.agent_id(a["assignee"]) if a.get("assignee") else None
    fid = followups.add_followup(ctx, account_id, values, assignee_id=assignee)
    return Outcome(f"Follow-up #{fid} added on {account_name(ctx, account_id)}", {"followup_id": fid}, wrote=True)


def _picked(ctx: Ctx, command: Command) -> list[Any] | None:
    """The follow-ups the selecting options pick (`syntax.SELECTORS`), or None when none was given."""
    from acct_tui.services.grammar.syntax import SELECTORS
    from acct_tui.services.reads.selection import pick_followups

    a = command.args
    if not any(a.get(name) for name in SELECTORS):
        return None
    return pick_followups(
        ctx,
        quick=a.get("quick"),
        text=str(a.get("filter") or ""),
        owner_id=T.agent_id(a["owner"]) if a.get("owner") else None,
        assignee_id=T.agent_id(a["assignee"]) if a.get("assignee") else None,
        overdue=bool(a.get("overdue")),
    )


def _many(command: Command, picked: list[Any], verb: str, write: Callable[[list[int]], Any]) -> Outcome:
    """A bulk verb's answer: what a dry run would do, or what the write did (one change, one undo)."""
    listed = [{"id": p.id, "account": p.account, "title": p.title, "due_on": p.due_on} for p in picked]
    lines = [f"#{p.id}  {p.due_on}  {inert(p.account)} · {inert(p.title)}" for p in picked]
    if command.args.get("dry_run"):
        message = f"would {verb} {len(picked):,} follow-up{'' if len(picked) == 1 else 's'} (dry run: nothing changed)"
        return Outcome(message, {"dry_run": True, "followups": listed}, text="\n".join(lines))
    if not picked:
        return Outcome(f"nothing to {verb}: no open follow-up matches", {"followups": []})
    result = write([p.id for p in picked])
    data = {"changed": list(result.changed), "skipped": result.skipped, "followups": listed}
    return Outcome(result.summary(), data, wrote=bool(result.changed))


def _followup_done(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    picked = _picked(ctx, command)
    if picked is not None:
        if words:
            raise CommandError("give an ID or the options that pick many, not both")
        return _many(command, picked, "mark done", lambda ids: bulk.done_many(ctx, ids))
    fid, rest = T.followup_target(command, words)
    if rest:
        raise CommandError(f"done takes a follow-up and options only (got {' '.join(rest)!r})")
    a = command.args
    log = {"kind": a["log_kind"], "outcome": a["outcome"]} if a.get("outcome") else None
    done = followups.complete_followup(ctx, fid, log=log)
    message = f"Done: follow-up #{fid}" + (f" (next one is #{done.next_id})" if done.next_id else "")
    data = {"followup_id": fid, "next_id": done.next_id, "activity_id": done.activity_id}
    return Outcome(message, data, wrote=True)


def _snooze(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    picked = _picked(ctx, command)
    a = command.args
    if picked is not None:
        until = a.get("until") or (words[0] if words else None)
        if until is None:
            raise CommandError("say until when: snooze --quick quiet 1w (or --until +1w)")
        rest = words[1:] if not a.get("until") else words
        reason = a.get("reason") or " ".join(rest)
        return _many(command, picked, "snooze", lambda ids: bulk.snooze_many(ctx, ids, until, reason))
    fid, rest = T.followup_target(command, words)
    until = a.get("until")
    if until is None:
        if not rest:
            raise CommandError("say until when: snooze 2w waiting on legal (or --until +2w)")
        until, rest = rest[0], rest[1:]
    reason = a.get("reason")
    if reason is None:
        reason = " ".join(rest)
    elif rest:
        raise CommandError("give the reason as words or with --reason, not both")
    day = followups.snooze_followup(ctx, fid, until, reason)
    return Outcome(f"Snoozed #{fid} until {day:%a %d %b %Y}", {"followup_id": fid, "until": day}, wrote=True)


def _reschedule(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    fid, rest = T.followup_target(command, words)
    if len(rest) != 1:
        raise CommandError("give the new due date: reschedule fri (or +3d, a date)")
    day = followups.reschedule_followup(ctx, fid, rest[0])
    return Outcome(f"Moved #{fid} to {day:%a %d %b %Y}", {"followup_id": fid, "due_on": day}, wrote=True)


def _reassign(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    picked = _picked(ctx, command)
    a = command.args
    if picked is not None:
        login = a.get("to") or (words[0] if len(words) == 1 else None)
        if not login:
            raise CommandError("say who gets them: reassign --assignee sam --to kim")
        target = T.agent_id(str(login))
        note = str(a.get("note") or "")
        return _many(command, picked, "reassign", lambda ids: bulk.reassign_many(ctx, ids, target, note))
    fid, rest = T.followup_target(command, words)
    if not rest and a.get("to"):
        rest = [str(a["to"])]
    if len(rest) != 1:
        raise CommandError("give the agent's login: reassign alex")
    followups.reassign_followup(ctx, fid, T.agent_id(rest[0]))
    return Outcome(f"Gave #{fid} to {rest[0]}", {"followup_id": fid, "assignee": rest[0]}, wrote=True)


_ACCOUNT_OPTIONS = {
    "tier": "tier",
    "industry": "industry",
    "arr": "arr",
    "currency": "currency",
    "stage": "stage",
    "renewal": "renewal_on",
    "satisfaction": "satisfaction",
    "domain": "domain",
    "notes": "notes",
}
_FIELD_ALIASES = {"renewal": "renewal_on", "renews": "renewal_on", "external": "external_id"}


def _account_add(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    a = command.args
    values: dict[str, object] = {"name": T.text(words, "account's name")}
    values |= {name: a[option] for option, name in _ACCOUNT_OPTIONS.items() if a.get(option) is not None}
    owner = T.agent_id(a["owner"]) if a.get("owner") else None
    account_id = accounts.create_account(ctx, values, owner_id=owner, force=bool(a.get("force")))
    return Outcome(f"Created account #{account_id} {values['name']}", {"account_id": account_id}, wrote=True)


def _account_edit(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    changes = {_FIELD_ALIASES.get(k, k): v for k, v in T.pairs(rest).items()}
    if not changes:
        raise CommandError("give FIELD=VALUE pairs: account edit tier=gold renewal_on=2027-03-01")
    expected = command.args.get("expect_version")
    version = int(expected) if expected is not None else reports.account_version(ctx, account_id)
    try:
        new_version = accounts.edit_account(
            ctx, account_id, version, changes, force_name=bool(command.args.get("force"))
        )
    except Conflict as exc:
        name = account_name(ctx, account_id)
        if expected is None:  # saved by someone else between this verb's read and its write
            message = f"someone saved {name} while this edit ran; nothing was saved, run it again"
        else:
            message = (
                f"{name} is at version {exc.version}, not {version}: someone saved it since; nothing was saved. "
                f"See it with acct-tui account show {account_id}, then run again with --expect-version {exc.version}"
            )
        raise Conflict(message, exc.theirs, exc.version) from None
    fields = ", ".join(sorted(changes))
    return Outcome(
        f"Saved {fields} on {account_name(ctx, account_id)}",
        {"account_id": account_id, "version": new_version, "changed": sorted(changes)},
        wrote=new_version != version,
    )


def _account_show(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, _rest = T.account_target(ctx, command, words, fuzzy=True)
    if command.origin == "prompt":
        return Outcome(f"Opened {account_name(ctx, account_id)}", {"account_id": account_id}, open_account=account_id)
    return reports.show_account(ctx, account_id)


def _goto(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    wanted = T.text(words, "account (its id, name or a few words of it)").lstrip("@")
    account_id = T.find_account(ctx, wanted, fuzzy=True)
    return Outcome(f"Opened {account_name(ctx, account_id)}", {"account_id": account_id}, open_account=account_id)


def _concern_add(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    a = command.args
    values = {"title": T.text(rest, "concern"), "severity": a["severity"]}
    values |= {k: a[o] for o, k in (("ticket", "ticket_ref"), ("detail", "detail")) if a.get(o)}
    concern_id = accounts.add_concern(ctx, account_id, values)
    name = account_name(ctx, account_id)
    return Outcome(f"Opened {a['severity']} concern #{concern_id} on {name}", {"concern_id": concern_id}, wrote=True)


def _contact_add(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    a = command.args
    values = {"name": T.text(rest, "contact's name"), "is_primary": bool(a.get("primary"))}
    values |= {k: a[k] for k in ("role", "email", "phone") if a.get(k)}
    cid = accounts.add_contact(ctx, account_id, values)
    return Outcome(f"Added {values['name']} to {account_name(ctx, account_id)}", {"contact_id": cid}, wrote=True)


def _opportunity_add(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    a = command.args
    values = {"title": T.text(rest, "opportunity"), "kind": a["kind"], "stage": a["stage"], "amount": a["amount"]}
    if a.get("close"):
        values["expected_close"] = a["close"]
    oid = accounts.add_opportunity(ctx, account_id, values)
    return Outcome(f"Opportunity #{oid} added on {account_name(ctx, account_id)}", {"opportunity_id": oid}, wrote=True)


def _handoff(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, rest = T.account_target(ctx, command, words)
    if not rest:
        raise CommandError("give the agent's login and a note: handoff alex Renewal call booked for Tuesday")
    a = command.args
    note = a.get("note") or " ".join(rest[1:])
    name = account_name(ctx, account_id)
    fid = accounts.handoff(ctx, account_id, T.agent_id(rest[0]), note, move_followups=not a.get("keep_followups"))
    return Outcome(f"Handed {name} to {rest[0]}", {"account_id": account_id, "followup_id": fid}, wrote=True)


def _undo(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    from acct_tui.services.store.undo import undo_change, undo_last

    # Each command line run is its own session: there, undo the agent's latest change wherever it was made.
    done = undo_last(ctx) if command.origin == "prompt" else undo_change(ctx, reports.latest_change(ctx))
    return Outcome(f"Undone: {done.summary}", {"change_id": done.change_id, "summary": done.summary}, wrote=True)


def _explain(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    account_id, _rest = T.account_target(ctx, command, words, fuzzy=True)
    return reports.explain(ctx, account_id)


def _what_if(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    settings = tuple([*command.args.get("set", []), *words])
    if not settings:
        raise CommandError("give at least one KEY=VALUE: health what-if --set healthy_at=80")
    if command.origin == "prompt":
        return Outcome("What-if: " + " ".join(settings), what_if=settings)
    return reports.what_if(ctx, settings, raw, limit=int(command.args.get("limit") or 50))


def _checkpoints(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    from acct_tui.services.writes.checkpoints import sync_all

    report = sync_all(ctx)
    message = (
        f"Checkpoints: {report.created} created, {report.moved} moved, {report.cancelled} cancelled "
        f"on {report.accounts} accounts (days before renewal: {', '.join(map(str, ctx.plan.checkpoint_days))})"
    )
    data = {"created": report.created, "moved": report.moved, "cancelled": report.cancelled}
    return Outcome(message, data | {"accounts": report.accounts}, wrote=bool(report.accounts))


def _portfolio(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    if command.origin == "prompt":
        return Outcome("Portfolio", view="portfolio")
    return reports.portfolio(ctx, command.args)


def _view(name: str, label: str) -> Runner:
    def show(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
        return Outcome(label, view=name)

    return show


def _context(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    from acct_tui.services.reads.contexts import contexts_from_config, resolve_context

    name = " ".join(words).strip()
    if not name:
        return Outcome("Context cleared: every account you may see", context_changed=True)
    active = resolve_context(name, contexts_from_config(raw))
    return Outcome(f"Context {active.name}: {active.describe()}", context_changed=True, context=active)


def _save(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    from acct_tui.services.writes.views import save_view

    state = command.focus.view_state if command.focus is not None else None
    if state is None:
        raise CommandError("save names the portfolio's sort and filter: open the portfolio (1), then :save NAME")
    view = save_view(ctx, " ".join(words), state)
    return Outcome(
        f"Saved the view {view.name}: {view.describe()} (recall it with :view {view.name})", {"view": view.name}
    )


def _recall(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    from acct_tui.services.writes.views import saved_view, saved_views

    if not words:
        views = saved_views(ctx)
        if not views:
            return Outcome("No saved views yet: on the portfolio, :save NAME keeps its sort and filter")
        text = "\n".join(f"{inert(v.name):<24} {inert(v.describe())}" for v in views)
        return Outcome(
            f"{len(views)} saved view{'' if len(views) == 1 else 's'}", {"views": [v.name for v in views]}, text=text
        )
    view = saved_view(ctx, " ".join(words))
    return Outcome(
        f"View {view.name}: {view.describe()}", {"view": view.name, "state": view.state}, view="portfolio",
        portfolio_state=dict(view.state),
    )  # fmt: skip


def _unsave(ctx: Ctx, command: Command, words: list[str], raw: Mapping[str, object]) -> Outcome:
    from acct_tui.services.writes.views import delete_view

    name = delete_view(ctx, " ".join(words))
    return Outcome(f"Forgot the view {name}", {"view": name})


_RUNNERS: dict[str, Runner] = {
    "unsave": _unsave,
    "save": _save,
    "view": _recall,
    "log": _log,
    "followup add": _followup_add,
    "followup done": _followup_done,
    "followup snooze": _snooze,
    "followup reschedule": _reschedule,
    "followup reassign": _reassign,
    "portfolio": _portfolio,
    "account add": _account_add,
    "account edit": _account_edit,
    "account show": _account_show,
    "concern add": _concern_add,
    "contact add": _contact_add,
    "opportunity add": _opportunity_add,
    "handoff": _handoff,
    "undo": _undo,
    "health explain": _explain,
    "health what-if": _what_if,
    "checkpoints": _checkpoints,
    "goto": _goto,
    "context": _context,
    "queue": _view("followups", "Follow-ups"),
    "today": _view("today", "Today"),
    **records.RUNNERS,
}
