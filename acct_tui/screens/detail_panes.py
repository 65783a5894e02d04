"""The panes of client detail: what each lists, its columns, and how a row reads.

All panes share one RowList on the screen; switching pane swaps its columns,
cell renderer and rows, so opening an account mounts a handful of widgets,
not seven tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from acct_tui.services.domain.dates import describe_due, describe_recurrence
from acct_tui.services.reads.detail import (
    ClientDetail,
    ConcernRow,
    ContactRow,
    FollowUpRow,
    HistoryRow,
    OpportunityRow,
    TimelineItem,
)
from acct_tui.services.writes.products import ProductRow
from acct_tui.text import inert
from acct_tui.widgets.columns import Column
from acct_tui.widgets.display import money, plain, short_date


@dataclass(frozen=True)
class MoreRows:
    """The last line of a long timeline: enter loads the next page."""

    remaining: int


@dataclass(frozen=True)
class Pane:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[ClientDetail], Sequence[Any]]
    cells: Callable[[Any, dt.date], list[Text]]
    count: Callable[[ClientDetail], int]
    empty: str


def _short(value: object) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def _timeline_rows(detail: ClientDetail) -> list[Any]:
    rows: list[Any] = list(detail.timeline)
    if detail.timeline_total > len(detail.timeline):
        rows.append(MoreRows(detail.timeline_total - len(detail.timeline)))
    return rows


def _timeline_cells(item: TimelineItem | MoreRows, today: dt.date) -> list[Text]:
    if isinstance(item, MoreRows):
        return [Text("…"), Text(""), Text(""), Text(""), Text(f"{item.remaining:,} older: enter loads more")]
    return [
        Text(item.occurred_at.strftime("%d %b %Y")),
        Text(inert(item.kind)),
        plain(item.agent),
        plain(item.contact),
        plain(item.summary),
    ]


def _followup_cells(item: FollowUpRow, today: dt.date) -> list[Text]:
    if item.snoozed_until and item.snoozed_until > today:
        due = Text(f"until {item.snoozed_until:%d %b}")
    else:
        due = Text(describe_due(item.due_on, today), style="bold" if item.due_on < today else "")
    return [
        due,
        Text(inert(item.kind)),
        Text(inert(item.priority)),
        plain(item.title),
        plain(item.assignee),
        Text(describe_recurrence(item.recurrence)),
    ]


def _contact_cells(item: ContactRow, today: dt.date) -> list[Text]:
    return [
        plain(item.name + (" ★" if item.is_primary else "")),
        plain(item.role),
        plain(item.email),
        plain(item.phone),
    ]


def _concern_cells(item: ConcernRow, today: dt.date) -> list[Text]:
    return [
        Text(item.opened_at.strftime("%d %b %Y")),
        Text(inert(item.severity), style="bold" if item.severity in ("high", "critical") else ""),
        Text(inert(item.status)),
        plain(item.title),
        plain(item.ticket_ref),
        plain(item.resolution.replace("\n", " ")),
    ]


def _opportunity_cells(item: OpportunityRow, today: dt.date) -> list[Text]:
    return [
        Text(inert(item.stage)),
        Text(inert(item.kind)),
        Text(money(item.amount, item.currency)),
        Text(short_date(item.expected_close)),
        plain(item.title),
    ]


def _product_cells(item: ProductRow, today: dt.date) -> list[Text]:
    return [
        plain(item.product),
        Text(str(item.quantity)),
        Text(money(item.unit_price, item.currency, short=False)),
        Text(short_date(item.start_on)),
        Text(short_date(item.renewal_on)),
        Text(inert(item.state(today)), style="dim" if item.end_on is not None and item.end_on <= today else ""),
    ]


def _history_cells(item: HistoryRow, today: dt.date) -> list[Text]:
    changed = ", ".join(f"{k}: {_short(b)} → {_short(a)}" for k, b, a in item.fields)
    return [
        Text(item.at.strftime("%d %b %H:%M")),
        plain(item.agent),
        plain(("↶ " if item.undone else "") + item.summary),
        plain(changed),
    ]


def _open(items: Sequence[Any]) -> int:
    return sum(1 for item in items if getattr(item, "status", "open") == "open")


PANES: tuple[Pane, ...] = (
    Pane(
        "timeline", "Timeline",
        (Column("when", "When", 11), Column("kind", "Kind", 8), Column("who", "Who", 14, drop=2),
         Column("with", "With", 14, drop=1), Column("summary", "Summary", 20, flex=True)),
        _timeline_rows, _timeline_cells, lambda d: d.timeline_total, "Nothing logged yet: press l to log a call.",
    ),
    Pane(
        "followups", "Follow-ups",
        (Column("due", "Due", 12), Column("kind", "Kind", 9, drop=2), Column("priority", "Priority", 8, drop=3),
         Column("title", "Follow-up", 20, flex=True), Column("assignee", "Assignee", 14, drop=1),
         Column("repeats", "Repeats", 12, drop=4)),
        lambda d: d.followups, _followup_cells, lambda d: len(d.followups), "No open follow-ups: press f to plan one.",
    ),
    Pane(
        "contacts", "Contacts",
        (Column("name", "Name", 16, flex=True), Column("role", "Role", 16, drop=2),
         Column("email", "Email", 40, flex=True, drop=1), Column("phone", "Phone", 16, drop=3)),
        lambda d: d.contacts, _contact_cells, lambda d: len(d.contacts), "No contacts: press c to add one.",
    ),
    Pane(
        "concerns", "Concerns",
        (Column("opened", "Opened", 11), Column("severity", "Severity", 8), Column("status", "Status", 8, drop=2),
         Column("title", "Concern", 20, flex=True), Column("ticket", "Ticket", 12, drop=1),
         Column("resolution", "Resolution", 16, flex=True, drop=3)),
        lambda d: d.concerns, _concern_cells, lambda d: _open(d.concerns), "No concerns: press i to record one.",
    ),
    Pane(
        "opportunities", "Opportunities",
        (Column("stage", "Stage", 11), Column("kind", "Kind", 14, drop=2), Column("amount", "Amount", 9, align="right"),
         Column("close", "Close", 11, drop=1), Column("title", "Opportunity", 20, flex=True)),
        lambda d: d.opportunities, _opportunity_cells, lambda d: _open(d.opportunities),
        "No opportunities: press o to add an upsell.",
    ),
    Pane(
        "products", "Products",
        (Column("product", "Product", 20, flex=True), Column("qty", "Qty", 5, align="right"),
         Column("price", "Unit price", 12, align="right", drop=2), Column("since", "Since", 11, drop=3),
         Column("renews", "Renews", 11, drop=1), Column("status", "Status", 16, drop=4)),
        lambda d: d.products, _product_cells, lambda d: len(d.products),
        "No products recorded: press p to add what the client bought.",
    ),
    Pane(
        "history", "History",
        (Column("when", "When", 12), Column("who", "Who", 14, drop=1), Column("what", "What", 24, flex=True),
         Column("changed", "Changed", 24, flex=True, drop=2)),
        lambda d: d.history, _history_cells, lambda d: len(d.history), "No changes recorded.",
    ),
)  # fmt: skip

PANE_KEYS = tuple(pane.key for pane in PANES)


def pane(key: str) -> Pane:
    return next(p for p in PANES if p.key == key)
