"""Today: the daily upkeep walk, one item at a time, one key per action.

Overdue and due follow-ups first, then accounts gone quiet, renewals with
no plan, and accounts at risk. Each card shows enough to act: the account,
why it is here, its last touches. After an action the walk moves on; at the
end a summary says what was done, snoozed, logged, planned and skipped.
The list is fixed for the walk (it does not reshuffle under you); `R`
starts a fresh walk.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from acct_tui.screens.actions import new_followup, plan_later
from acct_tui.screens.base import After, RowTarget, ViewScreen
from acct_tui.services.dates import describe_due, describe_recurrence
from acct_tui.services.detail import TimelineItem, timeline_page
from acct_tui.services.upkeep import ItemKind, UpkeepItem, daily_upkeep
from acct_tui.text import inert
from acct_tui.widgets.display import Palette, ago, days_from, health, money

OUTCOME_WORDS = {
    "done": "done",
    "snoozed": "snoozed",
    "skipped": "skipped",
    "logged": "logged",
    "planned": "planned",
    "rescheduled": "rescheduled",
    "reassigned": "reassigned",
}


ROW_OUTCOMES = {
    "done": "done",
    "snooze": "snoozed",
    "log": "logged",
    "followup": "planned",
    "reschedule": "rescheduled",
    "reassign": "reassigned",
}
"""What the walk counts an item as once the row action of that name is saved."""


class TodayScreen(ViewScreen):
    CSS_PATH = "views.tcss"
    VIEW_NAME = "Today"
    ROW_ACTIONS = ("done", "snooze", "log", "followup", "reschedule", "reassign")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "d",
            "done",
            "Done",
            id="today.done",
            tooltip="Follow-up: mark it done. Account: mark it reviewed for today.",
        ),
        Binding(
            "s",
            "snooze",
            "Snooze",
            id="today.snooze",
            tooltip="Follow-up: snooze it. Account: plan a check-in on a later day.",
        ),
        Binding("l", "log", "Log", id="today.log", tooltip="Log a call, email, meeting or note on this account."),
        Binding(
            "f",
            "followup",
            "Follow-up",
            id="today.followup",
            tooltip="Add a follow-up on this account (for a renewal, the renewal plan).",
        ),
        Binding("r", "reschedule", "Reschedule", id="today.reschedule", tooltip="Follow-up: move its due date."),
        Binding("a", "reassign", "Reassign", id="today.reassign", tooltip="Follow-up: give it to another agent."),
        Binding("n", "skip", "Skip", id="today.skip", tooltip="Skip this item for now and go to the next."),
        Binding("p", "previous", "Back", id="today.previous", tooltip="Go back to the previous item."),
        Binding("enter", "open", "Open", id="today.open", tooltip="Open the account."),
        Binding("R", "restart", "New walk", id="today.restart", tooltip="Start a fresh walk from what is due now."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[UpkeepItem] = []
        self.index = 0
        self.outcomes: dict[str, str] = {}
        self.loaded = False
        self.touches: dict[int, list[TimelineItem]] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("", id="walk-progress")
        with VerticalScroll(id="walk-body"):
            yield Static("Loading today's work…", id="walk-card")
            yield Static("", id="walk-touches")
        yield Static("", id="walk-keys")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.palette = Palette(self.app.get_css_variables())

    def reload(self) -> None:
        if not self.loaded:
            self.action_restart()
        else:
            self._show_walk()

    def action_restart(self) -> None:
        self.acct.run_service(daily_upkeep, self.ctx, then=self._loaded, group="today", node=self)

    def _loaded(self, items: list[UpkeepItem]) -> None:
        self.items = items
        self.index = 0
        self.outcomes = {}
        self.touches = {}
        self.loaded = True
        self._show_walk()

    @property
    def current(self) -> UpkeepItem | None:
        if 0 <= self.index < len(self.items):
            return self.items[self.index]
        return None

    # Rendering ----------------------------------------------------------------

    def _show_walk(self) -> None:
        progress = self.query_one("#walk-progress", Static)
        tally = Counter(self.outcomes.values())
        counts = " · ".join(f"{tally[k]} {w}" for k, w in OUTCOME_WORDS.items() if tally[k])
        item = self.current
        if item is None:
            progress.update(
                Text(f"{len(self.items)} of {len(self.items)} · walk finished" + (f" · {counts}" if counts else ""))
            )
            self._render_summary()
            self.keys_may_have_changed(("done", self.index > 0))
            return
        line = f"{self.index + 1} of {len(self.items)}"
        progress.update(Text(line + (f" · {counts}" if counts else ""), style="bold"))
        self._render_card(item)
        self._load_touches(item)
        self.keys_may_have_changed((item.followup is not None, self.index > 0))

    def _render_card(self, item: UpkeepItem) -> None:
        today = self.ctx.today
        text = Text()
        text.append(item.kind.label.upper(), style="bold reverse")
        outcome = self.outcomes.get(item.key)
        if outcome:
            text.append(f"  already {outcome}", style="italic")
        text.append("\n\n")
        text.append(inert(item.account_name), style="bold")
        text.append("  ")
        text.append_text(health(item.health_band, item.health_score, self.palette))
        text.append(f" · ARR {money(item.arr, item.currency)}")
        renewal = days_from(item.renewal_on, today, future=False) if item.renewal_on else "no date"
        text.append(f" · renewal {renewal} · last touch {ago(item.last_touch_on, today)}")
        text.append(f"\n\nWhy: {item.why}")
        for reason in item.also:
            text.append(f"\nAlso: {reason}")
        followup = item.followup
        if followup is not None:
            text.append("\n\n")
            text.append(inert(followup.title), style="bold")
            text.append(
                f"\n{followup.kind} · {followup.priority} priority · due {describe_due(followup.due_on, today)}"
            )
            if followup.recurrence:
                text.append(f" · repeats {describe_recurrence(followup.recurrence)}")
            if followup.snooze_reason:
                text.append(f"\nWas snoozed: {inert(followup.snooze_reason)}")
            if followup.woke_reason:
                text.append(f"\nWoke: {inert(followup.woke_reason)}")
            if followup.notes:
                text.append(f"\n{inert(followup.notes, keep_newlines=True)}")
            text.append(f"\nUrgency {followup.urgency}: {', '.join(followup.reasons)}", style="dim")
        self.query_one("#walk-card", Static).update(text)
        hint = self.key_hint
        walk = (("today.skip", "skip"), ("today.open", "open"))
        keys = {
            ItemKind.FOLLOWUP: hint(
                ("today.done", "done"), ("today.snooze", "snooze"), ("today.reschedule", "reschedule"),
                ("today.reassign", "reassign"), ("today.log", "log"), ("today.followup", "follow-up"), *walk,
            ),
            ItemKind.QUIET: hint(
                ("today.log", "log the touch"), ("today.followup", "plan a follow-up"),
                ("today.snooze", "check in later"), ("today.done", "reviewed"), *walk,
            ),
            ItemKind.RENEWAL: hint(
                ("today.followup", "plan the renewal"), ("today.log", "log"), ("today.snooze", "check in later"),
                ("today.done", "reviewed"), *walk,
            ),
            ItemKind.AT_RISK: hint(
                ("today.log", "log"), ("today.followup", "follow-up"), ("today.snooze", "check in later"),
                ("today.done", "reviewed"), *walk,
            ),
        }[item.kind]  # fmt: skip
        self.query_one("#walk-keys", Static).update(Text(keys, style="dim"))

    def _load_touches(self, item: UpkeepItem) -> None:
        touches = self.query_one("#walk-touches", Static)
        if item.account_id in self.touches:
            touches.update(self._touches_text(self.touches[item.account_id]))
            return
        touches.update(Text("last touches: loading…", style="dim"))

        def got(found: list[TimelineItem], account_id: int = item.account_id) -> None:
            self.touches[account_id] = found
            current = self.current
            if current is not None and current.account_id == account_id:
                touches.update(self._touches_text(found))

        self.acct.run_service(
            timeline_page, self.ctx, item.account_id, limit=3, then=got, group="today-touches", node=self
        )

    def _touches_text(self, found: list[TimelineItem]) -> Text:
        text = Text("\nLast touches\n", style="bold")
        if not found:
            text.append("none logged\n", style="dim")
        for touch in found:
            text.append(f"{touch.occurred_at:%d %b %Y}  {touch.kind:<8} ", style="")
            text.append(inert(touch.summary))
            if touch.contact:
                text.append(f" · {inert(touch.contact)}", style="dim")
            text.append("\n")
        return text

    def _render_summary(self) -> None:
        tally = Counter(self.outcomes.values())
        text = Text("Walk finished.\n\n", style="bold")
        if not self.items:
            text = Text(
                "Nothing waiting today: no overdue follow-ups, no account gone quiet, no renewal without a plan, nobody at risk.\n",
                style="bold",
            )
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right")
        table.add_column()
        for key, word in OUTCOME_WORDS.items():
            if tally[key]:
                table.add_row(Text(str(tally[key]), style="bold"), Text(word))
        untouched = len(self.items) - len(self.outcomes)
        if untouched:
            table.add_row(Text(str(untouched), style="bold"), Text("not acted on"))
        self.query_one("#walk-card", Static).update(Table.grid())
        body = Table.grid()
        body.add_row(text)
        body.add_row(table)
        again = self.key_hint(
            ("today.restart", "starts a fresh walk"), ("today.previous", "goes back"),
            ("app.portfolio", "portfolio"), ("app.followups", "follow-ups"),
        )  # fmt: skip
        body.add_row(Text("\n" + again, style="dim"))
        self.query_one("#walk-card", Static).update(body)
        self.query_one("#walk-touches", Static).update("")
        self.query_one("#walk-keys", Static).update("")

    # Moving on ------------------------------------------------------------------

    def _advance(self, outcome: str | None = None) -> None:
        item = self.current
        if item is not None and outcome:
            self.outcomes[item.key] = outcome
        self.index = min(self.index + 1, len(self.items))
        self._show_walk()

    def row_target(self) -> RowTarget | None:
        item = self.current
        return RowTarget(item.account_id, item.account_name, item.followup) if item is not None else None

    def row_after(self, name: str, target: RowTarget) -> After:
        outcome = ROW_OUTCOMES[name]
        # Logging or planning closes an account item (the touch was what it needed); a follow-up stays for d.
        advance = name not in ("log", "followup") or target.followup is None

        def after(_result: Any) -> None:
            item = self.current
            if item is None:
                return
            if advance:
                self._advance(outcome)
            else:
                self.outcomes[item.key] = outcome
                self._show_walk()

        return after

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        item = self.current
        if action == "restart":
            return True
        if action == "previous":
            return True if self.index > 0 else None
        if item is None:
            return None
        if action in ("reschedule", "reassign"):
            return item.followup is not None
        return True

    def action_done(self) -> None:
        item = self.current
        if item is not None and item.followup is None:
            self._advance("done")  # an account item: reviewed for today
        else:
            self.run_row_action("done")

    def action_snooze(self) -> None:
        target = self.row_target()
        if target is None or target.followup is not None:
            self.run_row_action("snooze")
            return
        item = self.current
        assert item is not None
        plan_later(self.acct, target, item.why, after=self.row_after("snooze", target))

    def action_followup(self) -> None:
        target = self.row_target()
        item = self.current
        if target is None or item is None:
            return
        kind = "renewal" if item.kind is ItemKind.RENEWAL else "check-in"
        new_followup(self.acct, target, after=self.row_after("followup", target), kind=kind)

    def action_skip(self) -> None:
        if self.current is not None:
            self._advance("skipped")

    def action_previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            self._show_walk()

    def action_open(self) -> None:
        item = self.current
        if item is not None:
            self.acct.open_account(item.account_id)
