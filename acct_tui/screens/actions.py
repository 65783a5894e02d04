"""The actions every view shares: log, follow-up, contact, concern, opportunity, edit,
hand off, snooze, reschedule, reassign, done with an outcome, new account.

Each function gathers what its form needs (contacts, agents) through a
service, opens the form, and on save tells the app that data changed and
says what happened. `after` is called with the service's result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acct_tui.screens.form import FieldSpec, FormModal, choices
from acct_tui.services import accounts, followups
from acct_tui.text import inert
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

After = Callable[[Any], None] | None

LOG_KINDS = [(k.label, k.value) for k in ActivityKind if k is not ActivityKind.HANDOFF]


def finish(app: Any, message: str, after: After) -> Callable[[Any], None]:
    def done(result: Any) -> None:
        if result is None:
            return
        app.changed()
        app.notify(message + " · z to undo", markup=False)
        if after is not None:
            after(result)

    return done


def log_activity(
    app: Any,
    account_id: int,
    account_name: str,
    after: After = None,
    *,
    summary: str = "",
    followup_id: int | None = None,
) -> None:
    """`l`: a call, email, meeting, note or support touch, with an optional next follow-up.

    "With" starts on the follow-up's person (`followup_id`: the contact of the touch that planned it),
    else the account's primary contact.
    """

    def with_contacts(found: followups.ContactChoices) -> None:
        options = found.options
        contact_choices = [("— nobody in particular", "")] + [(inert(name), str(cid)) for cid, name in options]
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
            FieldSpec("contact", "With", "choice", options=contact_choices, value=str(found.default or "")),
            FieldSpec("when", "When", "date", entity="followup", rule="due_on", value="today"),
            FieldSpec("body", "Notes", "area", entity="activity"),
            FieldSpec("outcome", "Outcome", entity="activity", placeholder="Agreed next step, result"),
            FieldSpec("next_in", "Follow up", "date", placeholder="optional: +3d, 2w, fri, a date"),
            FieldSpec(
                "next_title", "Follow-up title", entity=None, placeholder="optional: defaults to 'Follow up: <summary>'"
            ),
        ]

        def submit(values: dict[str, Any]) -> Any:
            plan = None
            if str(values["next_in"]).strip():
                plan = {"due_on": values["next_in"]}
                if str(values["next_title"]).strip():
                    plan["title"] = values["next_title"]
            return followups.log_activity(
                app.ctx,
                account_id,
                {k: values[k] for k in ("kind", "summary", "body", "outcome")},
                contact_id=int(values["contact"]) if values["contact"] else None,
                occurred_on=values["when"],
                followup=plan,
            )

        form: FormModal[Any] = FormModal(f"Log an activity · {inert(account_name)}", fields, submit)
        app.push_screen(form, finish(app, f"Logged on {inert(account_name)}", after))

    app.run_service(followups.contact_choices, app.ctx, account_id, followup_id, then=with_contacts, group="form-prep")


def new_followup(app: Any, account_id: int, account_name: str, after: After = None, *, kind: str = "check-in") -> None:
    """`f`: a new follow-up on the account."""

    def with_agents(agents: list[Any]) -> None:
        people = [(inert(a.name) + (" (me)" if a.id == app.ctx.agent.id else ""), str(a.id)) for a in agents]
        fields = [
            FieldSpec("title", "Title", entity="followup", required=True, placeholder="What you will do"),
            FieldSpec("kind", "Kind", "choice", options=choices(FollowUpKind), value=kind),
            FieldSpec("due_on", "Due", "date", entity="followup", value="+1w", required=True),
            FieldSpec("priority", "Priority", "choice", options=choices(Priority), value="normal"),
            FieldSpec("assignee", "Assignee", "choice", options=people, value=str(app.ctx.agent.id)),
            FieldSpec(
                "recurrence", "Repeat", entity="followup", placeholder="optional: weekly, monthly, every 2 weeks"
            ),
            FieldSpec("notes", "Notes", "area", entity="followup"),
        ]

        def submit(values: dict[str, Any]) -> Any:
            assignee = int(values.pop("assignee")) if values.get("assignee") else None
            return followups.add_followup(app.ctx, account_id, values, assignee_id=assignee)

        form: FormModal[Any] = FormModal(f"New follow-up · {inert(account_name)}", fields, submit)
        app.push_screen(form, finish(app, "Follow-up added", after))

    from acct_tui.services.agents import assignable_agents

    app.run_service(assignable_agents, then=with_agents, group="form-prep")


def new_contact(app: Any, account_id: int, account_name: str, after: After = None) -> None:
    fields = [
        FieldSpec("name", "Name", entity="contact", required=True),
        FieldSpec("role", "Role", entity="contact", placeholder="e.g. CFO, Head of IT"),
        FieldSpec("email", "Email", entity="contact", placeholder="name@example.com"),
        FieldSpec("phone", "Phone", entity="contact", placeholder="+1 555 123 4567"),
        FieldSpec("is_primary", "Primary contact", "bool"),
    ]
    form: FormModal[Any] = FormModal(
        f"New contact · {inert(account_name)}", fields, lambda v: accounts.add_contact(app.ctx, account_id, v)
    )
    app.push_screen(form, finish(app, "Contact added", after))


def new_concern(app: Any, account_id: int, account_name: str, after: After = None) -> None:
    fields = [
        FieldSpec("title", "Concern", entity="concern", required=True, placeholder="What worries the client"),
        FieldSpec("severity", "Severity", "choice", options=choices(Severity), value="medium"),
        FieldSpec("ticket_ref", "Ticket", entity="concern", placeholder="optional: SUP-1234"),
        FieldSpec("detail", "Detail", "area", entity="concern"),
    ]
    form: FormModal[Any] = FormModal(
        f"New concern · {inert(account_name)}", fields, lambda v: accounts.add_concern(app.ctx, account_id, v)
    )
    app.push_screen(form, finish(app, "Concern opened", after))


def new_opportunity(app: Any, account_id: int, account_name: str, after: After = None) -> None:
    fields = [
        FieldSpec("title", "Opportunity", entity="opportunity", required=True),
        FieldSpec("kind", "Kind", "choice", options=choices(OpportunityKind), value="upsell"),
        FieldSpec("stage", "Stage", "choice", options=choices(OpportunityStage), value="identified"),
        FieldSpec("amount", "Amount", entity="opportunity", value="0", placeholder="e.g. 36,000"),
        FieldSpec("expected_close", "Expected close", "date", entity="opportunity", placeholder="optional"),
        FieldSpec("notes", "Notes", "area", entity="opportunity"),
    ]
    form: FormModal[Any] = FormModal(
        f"New opportunity · {inert(account_name)}", fields, lambda v: accounts.add_opportunity(app.ctx, account_id, v)
    )
    app.push_screen(form, finish(app, "Opportunity added", after))


def account_fields(values: dict[str, Any] | None = None) -> list[FieldSpec]:
    v = values or {}

    def text(name: str) -> str:
        value = v.get(name)
        return "" if value is None else str(value)

    return [
        FieldSpec("name", "Name", entity="account", required=True, value=text("name")),
        FieldSpec("tier", "Tier", "choice", options=choices(Tier), value=text("tier") or "silver"),
        FieldSpec("industry", "Industry", entity="account", value=text("industry")),
        FieldSpec("arr", "ARR", entity="account", value=text("arr") or "0"),
        FieldSpec("currency", "Currency", entity="account", value=text("currency") or "USD"),
        FieldSpec("stage", "Stage", "choice", options=choices(Stage), value=text("stage") or "active"),
        FieldSpec(
            "renewal_on", "Renewal", "date", entity="account", value=text("renewal_on"), placeholder="a date, or empty"
        ),
        FieldSpec("satisfaction", "Satisfaction 0-10", entity="account", value=text("satisfaction")),
        FieldSpec("domain", "Domain", entity="account", value=text("domain"), placeholder="example.com"),
        FieldSpec("notes", "Notes", "area", entity="account", value=text("notes")),
    ]


def new_account(app: Any, after: After = None) -> None:
    """`n`: a new account owned by you."""
    form: FormModal[Any] = FormModal("New account", account_fields(), lambda v: accounts.create_account(app.ctx, v))
    app.push_screen(form, finish(app, "Account created", after))


def edit_account(app: Any, card: Any, after: After = None) -> None:
    """`e`: edit; only the fields you change are written, and a clash with someone else's save is shown."""
    from acct_tui.screens.modals import EditAccountModal

    app.push_screen(EditAccountModal(card), finish(app, f"Saved {inert(card.name)}", after))


def handoff(app: Any, account_id: int, account_name: str, owner_id: int, after: After = None) -> None:
    """`h`: give the account to another agent with a note; they get a handoff follow-up."""

    def with_agents(agents: list[Any]) -> None:
        people = [(inert(a.name) + f" ({a.login})", str(a.id)) for a in agents if a.id != owner_id]
        if not people:
            app.notify("There is nobody else to hand this account to.", severity="warning")
            return
        fields = [
            FieldSpec("agent", "Hand to", "choice", options=people, value=people[0][1]),
            FieldSpec("note", "Note for them", "area", required=True, entity="activity", rule="body"),
            FieldSpec("move", "Move my open follow-ups on it too", "bool", value="1"),
        ]

        def submit(values: dict[str, Any]) -> Any:
            return accounts.handoff(
                app.ctx, account_id, int(values["agent"]), values["note"], move_followups=bool(values["move"])
            )

        form: FormModal[Any] = FormModal(
            f"Hand off · {inert(account_name)}",
            fields,
            submit,
            intro="The new owner gets a handoff follow-up due today with your note.",
        )
        app.push_screen(form, finish(app, f"Handed off {inert(account_name)}", after))

    from acct_tui.services.agents import assignable_agents

    app.run_service(assignable_agents, then=with_agents, group="form-prep")


def snooze(app: Any, item: Any, after: After = None) -> None:
    """`s`: hide a follow-up until a later day, with a reason."""
    from acct_tui.screens.modals import SnoozeModal

    def submit(until: str, reason: str) -> Any:
        return followups.snooze_followup(app.ctx, item.id, until, reason)

    app.push_screen(SnoozeModal(f"Snooze · {item.title}", submit), finish(app, f"Snoozed {inert(item.title)}", after))


def plan_later(app: Any, account_id: int, account_name: str, why: str, after: After = None) -> None:
    """`s` on an account in the walk: not now, but a check-in on a later day so it is not lost."""
    from acct_tui.screens.modals import SnoozeModal

    def submit(until: str, reason: str) -> Any:
        title = f"Check in: {reason or why}"[:200]
        return followups.add_followup(app.ctx, account_id, {"title": title, "due_on": until, "kind": "check-in"})

    app.push_screen(
        SnoozeModal(f"Check in later · {account_name}", submit, action="Plan check-in"),
        finish(app, f"Check-in planned on {inert(account_name)}", after),
    )


def reschedule(app: Any, item: Any, after: After = None) -> None:
    fields = [FieldSpec("due_on", "New due date", "date", entity="followup", required=True, value="tomorrow")]
    form: FormModal[Any] = FormModal(
        f"Reschedule · {inert(item.title)}",
        fields,
        lambda v: followups.reschedule_followup(app.ctx, item.id, v["due_on"]),
    )
    app.push_screen(form, finish(app, f"Rescheduled {inert(item.title)}", after))


def reassign(app: Any, item: Any, after: After = None) -> None:
    def with_agents(agents: list[Any]) -> None:
        people = [(inert(a.name) + f" ({a.login})", str(a.id)) for a in agents if a.id != item.assignee_id]
        if not people:
            app.notify("There is nobody else to give this to.", severity="warning")
            return
        fields = [
            FieldSpec("agent", "Give to", "choice", options=people, value=people[0][1]),
            FieldSpec("note", "Note for them", "area", entity="followup", rule="notes"),
        ]

        def submit(values: dict[str, Any]) -> bool:
            followups.reassign_followup(app.ctx, item.id, int(values["agent"]), values.get("note") or "")
            return True  # the form closes on a result that is not None

        form: FormModal[Any] = FormModal(
            f"Reassign · {inert(item.title)}",
            fields,
            submit,
            intro="A note goes on top of the follow-up's notes, where they read it in their queue.",
        )
        app.push_screen(form, finish(app, f"Reassigned {inert(item.title)}", after))

    from acct_tui.services.agents import assignable_agents

    app.run_service(assignable_agents, then=with_agents, group="form-prep")


def complete(app: Any, item: Any, after: After = None) -> None:
    """`d`: done, at once."""
    message = f"Done: {inert(item.title)}"
    if item.recurrence:
        message += " (next one scheduled)"
    app.run_service(followups.complete_followup, app.ctx, item.id, then=finish(app, message, after), group="write")


def complete_with_outcome(app: Any, item: Any, after: After = None) -> None:
    """`D`: done, logging what came of it as an activity (with whom), and the next step if there is one."""

    def with_contacts(found: followups.ContactChoices) -> None:
        people = [("— nobody in particular", "")] + [(inert(name), str(cid)) for cid, name in found.options]
        fields = [
            FieldSpec("kind", "Logged as", "choice", options=LOG_KINDS, value="call"),
            FieldSpec("summary", "Summary", entity="activity", required=True, value=f"Done: {inert(item.title)}"[:200]),
            FieldSpec("contact", "With", "choice", options=people, value=str(found.default or "")),
            FieldSpec("outcome", "Outcome", entity="activity", placeholder="What came of it"),
            FieldSpec("next_in", "Next step", "date", placeholder="optional: +3d, 2w, fri, a date"),
            FieldSpec(
                "next_title", "Next step title", entity=None, placeholder="optional: defaults to 'Next step: <title>'"
            ),
        ]

        def submit(values: dict[str, Any]) -> Any:
            plan = None
            if str(values["next_in"]).strip():
                plan = {"due_on": values["next_in"]}
                if str(values["next_title"]).strip():
                    plan["title"] = values["next_title"]
            return followups.complete_followup(
                app.ctx,
                item.id,
                log={k: values[k] for k in ("kind", "summary", "outcome")},
                contact_id=int(values["contact"]) if values["contact"] else None,
                next_followup=plan,
            )

        form: FormModal[Any] = FormModal(f"Done · {inert(item.title)}", fields, submit, save_label="mark done")
        app.push_screen(form, finish(app, f"Done: {inert(item.title)}", after))

    app.run_service(followups.contact_choices, app.ctx, item.account_id, item.id, then=with_contacts, group="form-prep")
