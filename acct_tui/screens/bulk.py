"""The usual keys on every marked row: each opens one form naming the count, then one bulk write.

A view with marks (space, *) sends its row actions here instead of to the highlighted
row (`run_marked`). The write is one transaction and one undo step
(services.writes.bulk); the toast says how many changed and why others were skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from acct_tui.screens.form import FieldSpec, FormModal
from acct_tui.screens.modals import SnoozeModal
from acct_tui.services.writes import bulk

if TYPE_CHECKING:
    from acct_tui.app import AcctApp


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _summary(result: bulk.BulkResult) -> str:
    return result.summary()


def run_marked(app: AcctApp, name: str, ids: Sequence[int], noun: str, after: Callable[[], None]) -> None:
    """Run the row action `name` on the marked rows `ids` (follow-ups or accounts), or say it has no form for many."""
    forms = _FOLLOWUPS if noun == "follow-up" else _ACCOUNTS
    form = forms.get(name)
    if form is None:
        app.notify(f"{name} does not act on marked rows: esc clears the marks", severity="warning", markup=False)
        return
    form(app, list(ids), after)


def _then(after: Callable[[], None]) -> Callable[[Any], None]:
    def then(_result: Any) -> None:
        after()

    return then


def _done(app: AcctApp, ids: list[int], after: Callable[[], None]) -> None:
    from acct_tui.screens.detail_forms import ConfirmModal

    def answered(yes: bool | None) -> None:
        if yes:
            app.write(bulk.done_many, app.ctx, ids, done=_summary, then=_then(after))

    question = f"Mark {_count(len(ids), 'marked follow-up')} done? One z undoes them all."
    app.push_screen(ConfirmModal("Done · marked", question, yes="mark them done"), answered)


def _snooze(app: AcctApp, ids: list[int], after: Callable[[], None]) -> None:
    def submit(until: str, reason: str) -> Any:
        return bulk.snooze_many(app.ctx, ids, until, reason)

    title = f"Snooze {_count(len(ids), 'marked follow-up')}"
    app.push_screen(SnoozeModal(title, submit, done=_summary, after=_then(after)))


def _people(app: AcctApp) -> Callable[[], dict[str, list[tuple[str, str]]]]:
    from acct_tui.screens.actions import people_choices

    read = people_choices(app)
    return lambda: {"agent": read()}


def _reassign(app: AcctApp, ids: list[int], after: Callable[[], None]) -> None:
    fields = [
        FieldSpec("agent", "Give to", "choice", none_left="There is nobody else to give these to."),
        FieldSpec("note", "Note for them", "area", entity="followup", rule="notes"),
    ]

    def submit(values: dict[str, Any]) -> bulk.BulkResult:
        return bulk.reassign_many(app.ctx, ids, int(values["agent"]), values.get("note") or "")

    title = f"Reassign {_count(len(ids), 'marked follow-up')}"
    app.push_screen(FormModal(title, fields, submit, done=_summary, after=_then(after), load=_people(app)))


def _handoff(app: AcctApp, ids: list[int], after: Callable[[], None]) -> None:
    fields = [
        FieldSpec("agent", "Hand to", "choice", none_left="There is nobody else to hand these accounts to."),
        FieldSpec("note", "Note for them", "area", required=True, entity="activity", rule="body"),
    ]

    def submit(values: dict[str, Any]) -> bulk.BulkResult:
        return bulk.handoff_many(app.ctx, ids, int(values["agent"]), values["note"])

    title = f"Hand off {_count(len(ids), 'marked account')}"
    intro = "Each new owner gets a handoff follow-up due today with your note. One z undoes them all."
    app.push_screen(FormModal(title, fields, submit, intro=intro, done=_summary, after=_then(after), load=_people(app)))


def _share(app: AcctApp, ids: list[int], after: Callable[[], None]) -> None:
    fields = [FieldSpec("agent", "Share with", "choice", none_left="There is nobody to share these accounts with.")]

    def submit(values: dict[str, Any]) -> bulk.BulkResult:
        return bulk.share_many(app.ctx, ids, agent_id=int(values["agent"]))

    title = f"Share {_count(len(ids), 'marked account')}"
    app.push_screen(FormModal(title, fields, submit, done=_summary, after=_then(after), load=_people(app)))


_FOLLOWUPS: dict[str, Callable[[AcctApp, list[int], Callable[[], None]], None]] = {
    "done": _done,
    "snooze": _snooze,
    "reassign": _reassign,
}
_ACCOUNTS: dict[str, Callable[[AcctApp, list[int], Callable[[], None]], None]] = {
    "handoff": _handoff,
    "share": _share,
}
