"""What the Today walk draws: a card, the offer to log a touch, the last touches (plain Rich text).

The screen (`today.py`) keeps the walk's state and runs the actions; these
functions only turn that state into text, so they stay small and testable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from rich.text import Text

from acct_tui.services.domain.dates import describe_due, describe_recurrence
from acct_tui.services.reads.detail import TimelineItem
from acct_tui.services.reads.queue import QueueItem
from acct_tui.services.reads.upkeep import ItemKind, WalkCard
from acct_tui.text import inert
from acct_tui.widgets.display import Palette, ago, days_from, health, money

OUTCOME_WORDS = {
    "done": "done",
    "snoozed": "snoozed",
    "rescheduled": "rescheduled",
    "reassigned": "reassigned",
    "logged": "logged",
    "planned": "planned",
    "reviewed": "reviewed",
    "later": "check-in planned",
    "skipped": "skipped",
}


@dataclass(frozen=True)
class WalkFocus:
    """What the walk's keys act on now: a follow-up of the card, or (None) the account's reasons."""

    card: WalkCard
    followup: QueueItem | None
    settled: bool = False
    """Everything on the card was dealt with (the walk came back to it with `p`)."""

    @property
    def account_id(self) -> int:
        return self.card.account_id

    @property
    def account_name(self) -> str:
        return self.card.account_name

    @property
    def kind(self) -> ItemKind:
        return ItemKind.FOLLOWUP if self.followup is not None else self.card.reasons[0][0]


@dataclass(frozen=True)
class TouchOffer:
    """A follow-up just marked done in the walk, that one key can log as a touch."""

    followup_id: int
    title: str
    account_name: str


def part_key(followup: QueueItem | None, card: WalkCard) -> str:
    return f"followup:{followup.id}" if followup is not None else card.key


def offer_text(offer: TouchOffer) -> Text:
    """The one-key offer to log a follow-up just done as a touch."""
    text = Text("✓ Done: ", style="bold")
    text.append(inert(offer.title))
    text.append(f" ({inert(offer.account_name)}) · log it as a touch: ")
    for key, word in (("c", "call"), ("e", "email"), ("m", "meeting")):
        text.append(key, style="bold")
        text.append(f" {word}" + (" · " if key != "m" else ""))
    return text


def card_text(focus: WalkFocus, outcomes: Mapping[str, str], today: dt.date, palette: Palette) -> Text:
    """The card: what the account is, why it is here, and its follow-ups (the focused one in full)."""
    card = focus.card
    text = Text()
    labels = (["follow-up" + ("s" if len(card.followups) > 1 else "")] if card.followups else []) + [
        kind.label for kind, _why in card.reasons
    ]
    text.append(" · ".join(labels).upper(), style="bold reverse")
    text.append("\n\n")
    text.append(inert(card.account_name), style="bold")
    text.append("  ")
    text.append_text(health(card.health_band, card.health_score, palette))
    text.append(f" · ARR {money(card.arr, card.currency)}")
    renewal = days_from(card.renewal_on, today, future=False) if card.renewal_on else "no date"
    text.append(f" · renewal {renewal} · last touch {ago(card.last_touch_on, today)}")
    if card.reasons:
        text.append("\n")
    settled = outcomes.get(card.key)
    settled = None if settled == "skipped" else settled
    for number, (_kind, why) in enumerate(card.reasons):
        text.append("\nWhy: " if number == 0 else "\n     ")
        text.append(why, style="dim" if settled else "")
    if settled:
        text.append(f"  ({OUTCOME_WORDS[settled]})", style="italic")
    for followup in card.followups:
        _followup_text(text, followup, focus.followup is not None and followup.id == focus.followup.id, outcomes, today)
    return text


def _followup_text(text: Text, followup: QueueItem, focused: bool, outcomes: Mapping[str, str], today: dt.date) -> None:
    outcome = outcomes.get(f"followup:{followup.id}")
    outcome = None if outcome == "skipped" else outcome
    text.append("\n\n")
    text.append("▶ " if focused else "  ", style="bold")
    text.append(inert(followup.title), style="bold" if not outcome else "dim")
    late = "due today" if followup.due_on == today else describe_due(followup.due_on, today)
    text.append(f"\n  {followup.kind} · {followup.priority} priority · {late}", style="dim" if outcome else "")
    if outcome:
        text.append(f"  ({OUTCOME_WORDS[outcome]})", style="italic")
        return
    if not focused:
        return
    if followup.recurrence:
        text.append(f" · repeats {describe_recurrence(followup.recurrence)}")
    if followup.snooze_reason:
        text.append(f"\n  Was snoozed: {inert(followup.snooze_reason)}")
    if followup.woke_reason:
        text.append(f"\n  Woke: {inert(followup.woke_reason)}")
    if followup.notes:
        text.append(f"\n  {inert(followup.notes, keep_newlines=True)}")
    text.append(f"\n  Urgency {followup.urgency}: {', '.join(followup.reasons)}", style="dim")


def touches_text(found: list[TimelineItem]) -> Text:
    """The account's last few touches, newest first."""
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
