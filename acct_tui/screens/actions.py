"""The actions every view shares: log, follow-up, contact, concern, opportunity, edit,
hand off, snooze, reschedule, reassign, done with an outcome, new account.

Each opens its form at once (choices read from the database fill in while it
is drawn) and hands the save to the app's write runner with the message to
show: the app reloads the views and says what was done. `after` is called
with the service's result once it is saved.

`ROW_ACTIONS` is the one table the views dispatch from: a view names the
actions it offers (`AppScreen.ROW_ACTIONS`) and says what is highlighted
(`row_target`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from acct_tui.screens.base import After, DismissOnce, FollowUpLike, RowTarget
from acct_tui.screens.form import Choices, FieldSpec, FormModal, Loaded, choices
from acct_tui.screens.modals import EditAccountModal, SnoozeModal, account_fields
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import assignable_agents
from acct_tui.text import inert
from acct_tui.vocab import (
    ActivityKind,
    FollowUpKind,
    OpportunityKind,
    OpportunityStage,
    Priority,
    Severity,
)

if TYPE_CHECKING:
    from acct_tui.app import AcctApp

LOG_KINDS = [(k.label, k.value) for k in ActivityKind if k is not ActivityKind.HANDOFF]
RowAction = Callable[["AcctApp", RowTarget, After], None]


def _next_plan(values: dict[str, Any]) -> dict[str, Any] | None:
    """The next follow-up a log or done form asks for (its `next_in` and `next_title` fields), or None."""
    if not str(values["next_in"]).strip():
        return None
    plan: dict[str, Any] = {"due_on": values["next_in"]}
    if str(values["next_title"]).strip():
        plan["title"] = values["next_title"]
    return plan


def _followup(target: RowTarget) -> FollowUpLike:
    assert target.followup is not None, "a follow-up action on a row without one"
    return target.followup


def _people(app: AcctApp, *, but: int | None = None, me: bool = False) -> Callable[[], list[tuple[str, str]]]:
    """The agents one can give something to, as choices: read in the form's worker."""
    mine = app.ctx.agent.id

    def read() -> list[tuple[str, str]]:
        found = []
        for agent in assignable_agents():
            if agent.id == but:
                continue
            label = inert(agent.name) + (" (me)" if me and agent.id == mine else f" ({agent.login})" if not me else "")
            found.append((label, str(agent.id)))
        return found

    return read


def people_choices(app: AcctApp) -> Callable[[], list[tuple[str, str]]]:
    """Every agent one can give something to, the caller included, as choices read in a worker."""
    return _people(app, me=True)


def _with_choices(app: AcctApp, account_id: int, followup_id: int | None) -> Callable[[], Choices]:
    """The account's contacts for a "With" field, prefilled with the follow-up's person
    (the contact of the touch that planned it), else the primary contact."""

    def read() -> Choices:
        found = followups.contact_choices(app.ctx, account_id, followup_id)
        options = [("— nobody in particular", "")] + [(inert(n), str(cid)) for cid, n in found.options]
        return {"contact": Loaded(options, str(found.default or ""))}

    return read


def log_activity(app: AcctApp, target: RowTarget, after: After = None, *, summary: str = "") -> None:
    """`l`: a call, email, meeting, note or support touch, with an optional next follow-up.

    On a follow-up's row "With" starts on that follow-up's person."""
    app.push_form(log_form(app, target, after, summary=summary))


def log_form(app: AcctApp, target: RowTarget, after: After = None, *, summary: str = "") -> FormModal[Any]:
    account_id, name = target.account_id, target.account_name
    followup_id = target.followup.id if target.followup is not None else None
    fields = [
        FieldSpec(
            "summary",
            "Summary",
            entity="activity",
            required=True,
            value=summary,
            placeholder="What happened, in a line",
        ),
        FieldSpec("kind", "Kind", "choice", options=LOG_KINDS, value="call"),
        FieldSpec("contact", "With", "choice", options=[("— nobody in particular", "")], value=""),
        FieldSpec("when", "When", "date", entity="followup", rule="due_on", value="today"),
        FieldSpec("body", "Notes", "area", entity="activity"),
        FieldSpec("outcome", "Outcome", entity="activity", placeholder="Agreed next step, result"),
        FieldSpec("next_in", "Follow up", "date", placeholder="optional: +3d, 2w, fri, a date"),
        FieldSpec(
            "next_title", "Follow-up title", entity=None, placeholder="optional: defaults to 'Follow up: <summary>'"
        ),
    ]

    def submit(values: dict[str, Any]) -> Any:
        plan = _next_plan(values)
        return followups.log_activity(
            app.ctx,
            account_id,
            {k: values[k] for k in ("kind", "summary", "body", "outcome")},
            contact_id=int(values["contact"]) if values["contact"] else None,
            occurred_on=values["when"],
            followup=plan,
        )

    title = f"Log an activity · {inert(name)}"
    done = f"Logged on {inert(name)}"
    return FormModal(title, fields, submit, done=done, after=after, load=_with_choices(app, account_id, followup_id))


def new_followup(app: AcctApp, target: RowTarget, after: After = None, *, kind: str = "check-in") -> None:
    """`f`: a new follow-up on the account."""
    app.push_form(followup_form(app, target, after, kind=kind))


def followup_form(app: AcctApp, target: RowTarget, after: After = None, *, kind: str = "check-in") -> FormModal[Any]:
    account_id = target.account_id
    me = str(app.ctx.agent.id)
    fields = [
        FieldSpec("title", "Title", entity="followup", required=True, placeholder="What you will do"),
        FieldSpec("kind", "Kind", "choice", options=choices(FollowUpKind), value=kind),
        FieldSpec("due_on", "Due", "date", entity="followup", value="+1w", required=True),
        FieldSpec("priority", "Priority", "choice", options=choices(Priority), value="normal"),
        FieldSpec("assignee", "Assignee", "choice", options=[(inert(app.ctx.agent.name) + " (me)", me)], value=me),
        FieldSpec("recurrence", "Repeat", entity="followup", placeholder="optional: weekly, monthly, every 2 weeks"),
        FieldSpec("notes", "Notes", "area", entity="followup"),
    ]
    people = _people(app, me=True)

    def submit(values: dict[str, Any]) -> Any:
        assignee = int(values.pop("assignee")) if values.get("assignee") else None
        return followups.add_followup(app.ctx, account_id, values, assignee_id=assignee)

    title = f"New follow-up · {inert(target.account_name)}"
    return FormModal(title, fields, submit, done="Follow-up added", after=after, load=lambda: {"assignee": people()})


def new_contact(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`c`: a new contact on the account."""
    fields = [
        FieldSpec("name", "Name", entity="contact", required=True),
        FieldSpec("role", "Role", entity="contact", placeholder="e.g. CFO, Head of IT"),
        FieldSpec("email", "Email", entity="contact", placeholder="name@example.com"),
        FieldSpec("phone", "Phone", entity="contact", placeholder="+1 555 123 4567"),
        FieldSpec("is_primary", "Primary contact", "bool"),
    ]
    account_id = target.account_id
    app.push_form(
        FormModal(
            f"New contact · {inert(target.account_name)}",
            fields,
            lambda v: accounts.add_contact(app.ctx, account_id, v),
            done="Contact added",
            after=after,
        )
    )


def new_concern(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`i`: a concern the client raised."""
    fields = [
        FieldSpec("title", "Concern", entity="concern", required=True, placeholder="What worries the client"),
        FieldSpec("severity", "Severity", "choice", options=choices(Severity), value="medium"),
        FieldSpec("ticket_ref", "Ticket", entity="concern", placeholder="optional: SUP-1234"),
        FieldSpec("detail", "Detail", "area", entity="concern"),
    ]
    account_id = target.account_id
    app.push_form(
        FormModal(
            f"New concern · {inert(target.account_name)}",
            fields,
            lambda v: accounts.add_concern(app.ctx, account_id, v),
            done="Concern opened",
            after=after,
        )
    )


def new_opportunity(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`o`: an upsell or expansion opportunity."""
    fields = [
        FieldSpec("title", "Opportunity", entity="opportunity", required=True),
        FieldSpec("kind", "Kind", "choice", options=choices(OpportunityKind), value="upsell"),
        FieldSpec("stage", "Stage", "choice", options=choices(OpportunityStage), value="identified"),
        FieldSpec("amount", "Amount", entity="opportunity", value="0", placeholder="e.g. 36,000"),
        FieldSpec("expected_close", "Expected close", "date", entity="opportunity", placeholder="optional"),
        FieldSpec("notes", "Notes", "area", entity="opportunity"),
    ]
    account_id = target.account_id
    app.push_form(
        FormModal(
            f"New opportunity · {inert(target.account_name)}",
            fields,
            lambda v: accounts.add_opportunity(app.ctx, account_id, v),
            done="Opportunity added",
            after=after,
        )
    )


def new_account(app: AcctApp, after: After = None) -> None:
    """`n`: a new account owned by you."""
    app.push_form(
        FormModal(
            "New account",
            account_fields(),
            lambda v: accounts.create_account(app.ctx, v),
            done="Account created",
            after=after,
        )
    )


def edit_account(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`e`: edit; only the fields you change are written, and a clash with someone else's save is shown."""
    if target.card is not None:
        app.push_form(EditAccountModal(target.card, after=after))


def handoff(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`h`: give the account to another agent with a note; they get a handoff follow-up."""
    if target.card is None:
        return
    account_id, name = target.account_id, target.account_name
    fields = [
        FieldSpec("agent", "Hand to", "choice", none_left="There is nobody else to hand this account to."),
        FieldSpec("note", "Note for them", "area", required=True, entity="activity", rule="body"),
        FieldSpec("move", "Move my open follow-ups on it too", "bool", value="1"),
    ]
    people = _people(app, but=target.card.owner_id)

    def submit(values: dict[str, Any]) -> Any:
        return accounts.handoff(
            app.ctx, account_id, int(values["agent"]), values["note"], move_followups=bool(values["move"])
        )

    app.push_form(
        FormModal(
            f"Hand off · {inert(name)}",
            fields,
            submit,
            intro="The new owner gets a handoff follow-up due today with your note.",
            done=f"Handed off {inert(name)}",
            after=after,
            load=lambda: {"agent": people()},
        )
    )


def snooze(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`s`: hide a follow-up until a later day, with a reason."""
    item = _followup(target)

    def submit(until: str, reason: str) -> Any:
        return followups.snooze_followup(app.ctx, item.id, until, reason)

    app.push_form(SnoozeModal(f"Snooze · {item.title}", submit, done=f"Snoozed {inert(item.title)}", after=after))


def spare_forms(app: AcctApp) -> list[DismissOnce[Any]]:
    """One form of each shape the day's keys open most (l, f, s, e), for no account.

    The app draws them while it is idle (`AcctApp.draw_spare_forms`), so that the
    first `l` of a session opens as fast as the next: the form is shown again
    with the account's title, values and save.
    """
    nobody = RowTarget(0, "")

    def nothing(*_args: Any) -> None:
        raise AssertionError("a spare form is shown only as another one")

    return [
        log_form(app, nobody),
        followup_form(app, nobody),
        SnoozeModal("", nothing),
        EditAccountModal(None),
    ]


def plan_later(app: AcctApp, target: RowTarget, why: str, after: After = None) -> None:
    """`s` on an account in the walk: not now, but a check-in on a later day so it is not lost."""
    account_id, name = target.account_id, target.account_name

    def submit(until: str, reason: str) -> Any:
        title = f"Check in: {reason or why}"[:200]
        return followups.add_followup(app.ctx, account_id, {"title": title, "due_on": until, "kind": "check-in"})

    app.push_form(
        SnoozeModal(
            f"Check in later · {name}",
            submit,
            action="Plan check-in",
            done=f"Check-in planned on {inert(name)}",
            after=after,
        )
    )


def reschedule(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`r`: move a follow-up's due date."""
    item = _followup(target)
    fields = [FieldSpec("due_on", "New due date", "date", entity="followup", required=True, value="tomorrow")]
    app.push_form(
        FormModal(
            f"Reschedule · {inert(item.title)}",
            fields,
            lambda v: followups.reschedule_followup(app.ctx, item.id, v["due_on"]),
            done=f"Rescheduled {inert(item.title)}",
            after=after,
        )
    )


def reassign(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`a`: give a follow-up to another agent."""
    item = _followup(target)
    fields = [
        FieldSpec("agent", "Give to", "choice", none_left="There is nobody else to give this to."),
        FieldSpec("note", "Note for them", "area", entity="followup", rule="notes"),
    ]
    people = _people(app, but=item.assignee_id)

    def submit(values: dict[str, Any]) -> bool:
        followups.reassign_followup(app.ctx, item.id, int(values["agent"]), values.get("note") or "")
        return True  # the form closes on a result that is not None

    app.push_form(
        FormModal(
            f"Reassign · {inert(item.title)}",
            fields,
            submit,
            intro="A note goes on top of the follow-up's notes, where they read it in their queue.",
            done=f"Reassigned {inert(item.title)}",
            after=after,
            load=lambda: {"agent": people()},
        )
    )


def complete(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`d`: done, at once."""
    item = _followup(target)
    message = f"Done: {inert(item.title)}"
    if item.recurrence:
        message += " (next one scheduled)"
    app.write(followups.complete_followup, app.ctx, item.id, done=message, then=after)


def complete_with_outcome(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`D`: done, logging what came of it as an activity (with whom), and the next step if there is one."""
    item = _followup(target)
    fields = [
        FieldSpec("kind", "Logged as", "choice", options=LOG_KINDS, value="call"),
        FieldSpec("summary", "Summary", entity="activity", required=True, value=f"Done: {inert(item.title)}"[:200]),
        FieldSpec("contact", "With", "choice", options=[("— nobody in particular", "")], value=""),
        FieldSpec("outcome", "Outcome", entity="activity", placeholder="What came of it"),
        FieldSpec("next_in", "Next step", "date", placeholder="optional: +3d, 2w, fri, a date"),
        FieldSpec(
            "next_title", "Next step title", entity=None, placeholder="optional: defaults to 'Next step: <title>'"
        ),
    ]

    def submit(values: dict[str, Any]) -> Any:
        plan = _next_plan(values)
        return followups.complete_followup(
            app.ctx,
            item.id,
            log={k: values[k] for k in ("kind", "summary", "outcome")},
            contact_id=int(values["contact"]) if values["contact"] else None,
            next_followup=plan,
        )

    app.push_form(
        FormModal(
            f"Done · {inert(item.title)}",
            fields,
            submit,
            save_label="mark done",
            done=f"Done: {inert(item.title)}",
            after=after,
            load=_with_choices(app, target.account_id, item.id),
        )
    )


def resolve_concern(app: AcctApp, concern_id: int, title: str) -> None:
    """`v`: the concern is resolved."""
    app.write(accounts.resolve_concern, app.ctx, concern_id, done=f"Resolved: {inert(title)}")


def copy_brief(app: AcctApp, target: RowTarget, after: After = None) -> None:
    """`y`: the account's Markdown brief to the terminal's clipboard (OSC 52, which works over SSH)."""
    from acct_tui.services.io.brief import account_brief

    def copied(brief: str) -> None:
        lines = brief.count("\n") + 1
        copy_text(app, brief, f"the brief of {target.account_name} ({lines} lines)")

    app.run_service(account_brief, app.ctx, target.account_id, then=copied, group="copy")


def copy_text(app: AcctApp, text: str, what: str) -> None:
    """Send `text` to the clipboard and say what was sent: the terminal decides whether it takes it."""
    app.copy_to_clipboard(text)
    app.notify(f"Copied {what} to the clipboard (if the terminal allows OSC 52)", markup=False)


ROW_ACTIONS: dict[str, RowAction] = {
    "copy": copy_brief,
    "log": log_activity,
    "followup": new_followup,
    "contact": new_contact,
    "concern": new_concern,
    "opportunity": new_opportunity,
    "edit": edit_account,
    "handoff": handoff,
    "done": complete,
    "done_outcome": complete_with_outcome,
    "snooze": snooze,
    "reschedule": reschedule,
    "reassign": reassign,
}
"""Every action on a highlighted row, by the name views give it (`AppScreen.ROW_ACTIONS`)."""
