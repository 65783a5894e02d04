"""Today: the daily upkeep walk, one account at a time, one key per action.

Each card is one account: its overdue and due follow-ups (worked one after
the other, most urgent first) and every reason it is on the walk (gone quiet,
renewal without a plan, at risk), so one pass clears it. When the card's
follow-ups and reasons are all dealt with the walk moves on; at the end a
summary says what was done, and names what was skipped.

Reviewing an account (`d`) and "check in later" (`s`) are stored, so a new
walk (`R`) or a restart does not bring them back, and `z` undoes them. Done
on a follow-up offers to log it as a touch with one more key (`c` call, `e`
email, `m` meeting); any other key carries on. The list is fixed for the walk
(it does not reshuffle under you); `R` starts a fresh walk.
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

from acct_tui.screens import actions
from acct_tui.screens.base import RowTarget, ViewScreen
from acct_tui.screens.walk_render import (
    OUTCOME_WORDS,
    TouchOffer,
    WalkFocus,
    card_text,
    offer_text,
    part_key,
    touches_text,
)
from acct_tui.services.reads.detail import TimelineItem, timeline_page
from acct_tui.services.reads.queue import QueueItem
from acct_tui.services.reads.upkeep import ItemKind, WalkCard, walk_cards
from acct_tui.services.writes import followups, walkmarks
from acct_tui.text import inert
from acct_tui.widgets.display import Palette

# The order keys are offered in on the card's hint line; the words are the footer's (the Binding descriptions).
HINT_ORDER = (
    "log_touch('call')",
    "log_touch('email')",
    "log_touch('meeting')",
    "done",
    "review",
    "snooze",
    "later",
    "reschedule",
    "reassign",
    "log",
    "followup",
    "skip",
    "open",
)


class TodayScreen(ViewScreen):
    VIEW_NAME = "Today"

    # Two bindings share `d` and `s`: the follow-up's and the account's. `check_action` keeps the one
    # that applies, so the footer and the card's hint line say the same word for what the key does now.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "log_touch('call')",
            "Log call",
            id="today.touch_call",
            tooltip="Log the follow-up just done as a call.",
        ),
        Binding(
            "e",
            "log_touch('email')",
            "Log email",
            id="today.touch_email",
            tooltip="Log the follow-up just done as an email.",
        ),
        Binding(
            "m",
            "log_touch('meeting')",
            "Log meeting",
            id="today.touch_meeting",
            tooltip="Log the follow-up just done as a meeting.",
        ),
        Binding(
            "d", "done", "Done", id="today.done", tooltip="Mark the follow-up done (then c, e or m logs it as a touch)."
        ),
        Binding("d", "review", "Reviewed", id="today.review", tooltip="Mark the account reviewed: off today's walk."),
        Binding("s", "snooze", "Snooze", id="today.snooze", tooltip="Snooze the follow-up until a later day."),
        Binding(
            "s",
            "later",
            "Check in later",
            id="today.later",
            tooltip="Plan a check-in on a later day; off the walk till then.",
        ),
        Binding("r", "reschedule", "Reschedule", id="today.reschedule", tooltip="Move the follow-up's due date."),
        Binding(
            "a",
            "reassign",
            "Reassign",
            id="today.reassign",
            tooltip="Give the follow-up to another agent, with a note.",
        ),
        Binding("l", "log", "Log", id="today.log", tooltip="Log a call, email, meeting or note on this account."),
        Binding(
            "f",
            "followup",
            "Follow-up",
            id="today.followup",
            tooltip="Add a follow-up on this account (for a renewal, the renewal plan).",
        ),
        Binding("n", "skip", "Skip", id="today.skip", tooltip="Skip this account for now and go to the next."),
        Binding("p", "previous", "Back", id="today.previous", tooltip="Go back to the previous account."),
        Binding("enter", "open", "Open", id="today.open", tooltip="Open the account."),
        Binding("R", "restart", "New walk", id="today.restart", tooltip="Start a fresh walk from what is due now."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[WalkCard] = []
        self.index = 0
        self.outcomes: dict[str, str] = {}
        """Outcome per part of a card: `followup:<id>` for a follow-up, `account:<id>` for the reasons."""
        self.offer: TouchOffer | None = None
        self.loaded = False
        self.touches: dict[int, list[TimelineItem]] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("", id="walk-progress")
        yield Static("", id="walk-offer")
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
        self.acct.run_service(walk_cards, self.ctx, then=self._loaded, group="today", node=self)

    def _loaded(self, items: list[WalkCard]) -> None:
        self.items = items
        self.index = 0
        self.outcomes = {}
        self.offer = None
        self.touches = {}
        self.loaded = True
        self._show_walk()

    # Where the walk is --------------------------------------------------------------

    def _open_parts(self, card: WalkCard) -> list[QueueItem | None]:
        """The card's follow-ups and reasons not dealt with yet (a skipped one is still open)."""
        parts: list[QueueItem | None] = [f for f in card.followups if self._open(f"followup:{f.id}")]
        if card.reasons and self._open(card.key):
            parts.append(None)
        return parts

    def _open(self, part: str) -> bool:
        return self.outcomes.get(part, "skipped") == "skipped"

    @property
    def card(self) -> WalkCard | None:
        if 0 <= self.index < len(self.items):
            return self.items[self.index]
        return None

    @property
    def current(self) -> WalkFocus | None:
        """The part of the current card the keys act on (the command line reads it too)."""
        card = self.card
        if card is None:
            return None
        parts = self._open_parts(card)
        if parts:
            return WalkFocus(card, parts[0])
        # Everything on it was dealt with and the walk went back to it (`p`): only l, f, n and enter apply.
        return WalkFocus(card, None, settled=True)

    # Rendering ----------------------------------------------------------------------

    def _show_walk(self) -> None:
        progress = self.query_one("#walk-progress", Static)
        tally = self._tally()
        counts = " · ".join(f"{tally[k]} {w}" for k, w in OUTCOME_WORDS.items() if tally[k])
        self._show_offer()
        focus = self.current
        total = len(self.items)
        if focus is None:
            progress.update(Text(f"{total} of {total} · walk finished" + (f" · {counts}" if counts else "")))
            self._render_summary()
        else:
            line = f"{self.index + 1} of {total}"
            progress.update(Text(line + (f" · {counts}" if counts else ""), style="bold"))
            self._render_card(focus)
            self._load_touches(focus.card)
        self.keys_may_have_changed(
            (
                focus.followup is not None if focus else None,
                focus.settled if focus else None,
                self.index > 0,
                self.offer is not None,
            )
        )
        self.query_one("#walk-keys", Static).update(self._hint() if focus is not None else "")

    def _show_offer(self) -> None:
        self.query_one("#walk-offer", Static).update(offer_text(self.offer) if self.offer is not None else "")

    def _hint(self) -> Text:
        """The keys that apply now, in the footer's words (and keys, as remapped in the config file)."""
        shown: dict[str, str] = {}
        for active in self.active_bindings.values():
            binding = active.binding
            if active.enabled and active.node is self and binding.action in HINT_ORDER:
                shown.setdefault(binding.action, f"{self.app.get_key_display(binding)} {binding.description.lower()}")
        return Text(" · ".join(shown[a] for a in HINT_ORDER if a in shown), style="dim")

    def _render_card(self, focus: WalkFocus) -> None:
        text = card_text(focus, self.outcomes, self.ctx.today, self.palette)
        self.query_one("#walk-card", Static).update(text)

    def _load_touches(self, card: WalkCard) -> None:
        touches = self.query_one("#walk-touches", Static)
        if card.account_id in self.touches:
            touches.update(touches_text(self.touches[card.account_id]))
            return
        touches.update(Text("last touches: loading…", style="dim"))

        def got(found: list[TimelineItem], account_id: int = card.account_id) -> None:
            self.touches[account_id] = found
            current = self.card
            if current is not None and current.account_id == account_id:
                touches.update(touches_text(found))

        self.acct.run_service(
            timeline_page, self.ctx, card.account_id, limit=3, then=got, group="today-touches", node=self
        )

    def _tally(self) -> Counter[str]:
        """What became of the walk: follow-ups and reasons by outcome, skipped ones by card."""
        tally = Counter(outcome for outcome in self.outcomes.values() if outcome != "skipped")
        tally["skipped"] = sum(1 for card in self.items if self._was_skipped(card))
        return tally

    def _render_summary(self) -> None:
        tally = self._tally()
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
        untouched = [card for card in self.items if self._open_parts(card)]
        skipped = [card for card in untouched if self._was_skipped(card)]
        rest = len(untouched) - len(skipped)
        if rest:
            table.add_row(Text(str(rest), style="bold"), Text("not acted on"))
        body = Table.grid()
        body.add_row(text)
        body.add_row(table)
        if skipped:
            back, again = (
                self.acct.key_for("today.previous", type(self)),
                self.acct.key_for("today.restart", type(self)),
            )
            listing = Text(f"\nSkipped ({back} goes back to them; {again} or tomorrow's walk brings them again):\n")
            listing.stylize("bold")
            for card in skipped:
                listing.append(f"  {inert(card.account_name)}", style="bold")
                listing.append(f" · {self._left_on(card)}\n")
            body.add_row(listing)
        again = self.key_hint(
            ("today.restart", "starts a fresh walk"), ("today.previous", "goes back"),
            ("app.portfolio", "portfolio"), ("app.followups", "follow-ups"),
        )  # fmt: skip
        body.add_row(Text("\n" + again, style="dim"))
        self.query_one("#walk-card", Static).update(body)
        self.query_one("#walk-touches", Static).update("")

    def _was_skipped(self, card: WalkCard) -> bool:
        return any(self.outcomes.get(part_key(part, card)) == "skipped" for part in (*card.followups, None))

    def _left_on(self, card: WalkCard) -> str:
        """What was left undone on a skipped card, in a line."""
        left = [inert(f.title) for f in card.followups if self.outcomes.get(f"followup:{f.id}") == "skipped"]
        if self.outcomes.get(card.key) == "skipped":
            left += [why for _kind, why in card.reasons]
        return "; ".join(left)

    # Moving on ------------------------------------------------------------------------

    def _settle(self, card: WalkCard, part: str, outcome: str) -> None:
        """Record what became of a part of `card`; when nothing is left on it, go to the next card."""
        self.outcomes[part] = outcome
        current = self.card
        if current is not None and current.key == card.key and not self._open_parts(card):
            self.index = min(self.index + 1, len(self.items))
        self._show_walk()

    @staticmethod
    def _target(focus: WalkFocus) -> RowTarget:
        """What the shared actions act on: the card's account and the follow-up in focus."""
        return RowTarget(focus.card.account_id, focus.card.account_name, focus.followup)

    def _then(self, card: WalkCard, part: str, outcome: str) -> Any:
        """The `after` of a form: settle the part of `card` the form was opened for."""

        def after(_result: Any) -> None:
            self._settle(card, part, outcome)

        return after

    def _clear_offer(self) -> None:
        if self.offer is not None:
            self.offer = None
            self._show_offer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides a key; None shows it dimmed. `d` and `s` each have two bindings: the one that does
        # not apply is hidden, so the key falls through to the other.
        if action == "restart":
            return True
        if action == "previous":
            return True if self.index > 0 else None
        if action == "log_touch":
            return self.offer is not None
        focus = self.current
        if focus is None:
            return False if action in ("review", "later", "reschedule", "reassign") else None
        on_followup = focus.followup is not None
        if action in ("done", "snooze", "reschedule", "reassign"):
            return on_followup
        if action in ("review", "later"):
            return not on_followup and not focus.settled
        return True

    def _write(self, fn: Any, *args: Any, done: str, failed: Any = None) -> None:
        # The app's write runner: in order, never cancelled, and it reloads the views and says so itself.
        self.acct.write(fn, *args, done=done, failed=failed)

    def _failed(self, part: str) -> Any:
        def failed(_exc: Exception) -> bool:
            self.outcomes.pop(part, None)
            self._show_walk()
            return False  # the app shows the refusal

        return failed

    def action_done(self) -> None:
        focus = self.current
        if focus is None or focus.followup is None:
            return
        item, card = focus.followup, focus.card
        part = part_key(item, card)
        # Done at once, as in the queue: the walk moves on while the write runs, and says so if it fails.
        message = f"Done: {item.title}" + (" (next one scheduled)" if item.recurrence else "")
        self._write(followups.complete_followup, self.ctx, item.id, done=message, failed=self._failed(part))
        self.offer = TouchOffer(item.id, item.title, card.account_name)
        self._settle(card, part, "done")

    def action_log_touch(self, kind: str) -> None:
        offer = self.offer
        if offer is None:
            return
        self.offer = None
        self._write(
            followups.log_done_touch,
            self.ctx,
            offer.followup_id,
            kind,
            done=f"Logged a {kind} on {inert(offer.account_name)}",
        )
        self._show_walk()

    def action_review(self) -> None:
        focus = self.current
        if focus is None or focus.followup is not None or focus.settled:
            return
        self._clear_offer()
        card = focus.card
        self._write(
            walkmarks.mark_reviewed,
            self.ctx,
            card.account_id,
            list(card.reason_keys),
            done=f"Reviewed {inert(card.account_name)} for today",
            failed=self._failed(card.key),
        )
        self._settle(card, card.key, "reviewed")

    def action_snooze(self) -> None:
        focus = self.current
        if focus is None or focus.followup is None:
            return
        self._clear_offer()
        actions.snooze(
            self.acct,
            self._target(focus),
            after=self._then(focus.card, part_key(focus.followup, focus.card), "snoozed"),
        )

    def action_later(self) -> None:
        focus = self.current
        if focus is None or focus.followup is not None or focus.settled:
            return
        self._clear_offer()
        from acct_tui.screens.modals import SnoozeModal

        card = focus.card
        reasons = list(card.reason_keys)

        def submit(until: str, note: str) -> Any:
            return walkmarks.check_in_later(self.ctx, card.account_id, reasons, until, note)

        self.acct.push_form(
            SnoozeModal(
                f"Check in later · {inert(card.account_name)}",
                submit,
                action="Plan check-in",
                done=f"Check-in planned on {inert(card.account_name)}",
                after=lambda _result: self._settle(card, card.key, "later"),
            )
        )

    def action_log(self) -> None:
        focus = self.current
        if focus is None:
            return
        self._clear_offer()
        card = focus.card
        # Logging is what the account's reasons needed (a touch); the follow-ups stay for d.
        after = self._then(card, card.key, "logged") if card.reasons else self._saved_quietly()
        # On a follow-up's card "With" starts on that follow-up's person.
        actions.log_activity(self.acct, self._target(focus), after=after)

    def _saved_quietly(self) -> Any:
        def after(_result: Any) -> None:
            self._show_walk()

        return after

    def action_followup(self) -> None:
        focus = self.current
        if focus is None:
            return
        self._clear_offer()
        card = focus.card
        kind = "renewal" if any(k is ItemKind.RENEWAL for k, _why in card.reasons) else "check-in"
        after = self._then(card, card.key, "planned") if card.reasons else self._saved_quietly()
        actions.new_followup(self.acct, RowTarget(card.account_id, card.account_name), after=after, kind=kind)

    def action_reschedule(self) -> None:
        focus = self.current
        if focus is not None and focus.followup is not None:
            self._clear_offer()
            actions.reschedule(
                self.acct,
                self._target(focus),
                after=self._then(focus.card, part_key(focus.followup, focus.card), "rescheduled"),
            )

    def action_reassign(self) -> None:
        focus = self.current
        if focus is not None and focus.followup is not None:
            self._clear_offer()
            actions.reassign(
                self.acct,
                self._target(focus),
                after=self._then(focus.card, part_key(focus.followup, focus.card), "reassigned"),
            )

    def action_skip(self) -> None:
        card = self.card
        if card is None:
            return
        self.offer = None
        for part in self._open_parts(card):
            self.outcomes[part_key(part, card)] = "skipped"
        self.index = min(self.index + 1, len(self.items))
        self._show_walk()

    def action_previous(self) -> None:
        if self.index > 0:
            self.offer = None
            self.index -= 1
            self._show_walk()

    def action_open(self) -> None:
        focus = self.current
        if focus is not None:
            self._clear_offer()
            self.acct.open_account(focus.account_id)
