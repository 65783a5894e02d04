"""Client detail: one account whole, and every action on it one key away.

The header card shows tier, owner, ARR, renewal, satisfaction and health
with the factors behind it; panes hold the timeline, follow-ups, contacts,
concerns, opportunities, products and the change history. `[` and `]` walk
the portfolio's current order without going back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from acct_tui.screens import detail_forms
from acct_tui.screens.base import DismissOnce, RowTarget
from acct_tui.screens.detail_panes import PANE_KEYS, PANES, MoreRows, pane
from acct_tui.services.reads.detail import (
    ClientDetail,
    ConcernRow,
    ContactRow,
    FollowUpRow,
    TimelineItem,
    client_detail,
    timeline_page,
)
from acct_tui.services.reads.portfolio import neighbour, place_of
from acct_tui.services.writes.products import ProductRow
from acct_tui.text import clip, inert
from acct_tui.widgets.display import Palette, ago, band_word, days_from, money, short_date, sparkline
from acct_tui.widgets.header import AppHeader
from acct_tui.widgets.keybar import KeyBar
from acct_tui.widgets.rows import RowList
from acct_tui.widgets.tabs import PaneTabs, Tab

if TYPE_CHECKING:
    from acct_tui.screens.portfolio import Navigator

NAME_CELLS = 60
"""The card shows this much of a name: a runaway value (10,000 characters from an old import)
must not push the owner, renewal and last touch off the card."""
FIELD_CELLS = 30
ABOUT_CELLS = 56
"""The card's line of CRM details (place, staff, phone, client since) stays one line on a 120-column screen."""
SHORT_TITLES = {"followups": "Follow", "opportunities": "Opps", "timeline": "Time"}
"""Pane titles for a narrow terminal, so all seven panes show at 80 columns."""


def pane_tabs(detail: ClientDetail | None) -> list[Tab]:
    """Every pane's title, short title and count (no counts until the account is read)."""
    return [
        Tab(p.key, p.title, SHORT_TITLES.get(p.key, p.title), p.count(detail) if detail is not None else None)
        for p in PANES
    ]


class AccountScreen(DismissOnce[None]):
    """One account: card, health and why, and the panes."""

    VIEW_NAME = "Account"
    KEYBAR_FIRST = ("done", "snooze", "reschedule", "resolve", "read")
    """The pane's own keys lead the footer when not every key fits (each applies on one pane only)."""
    ROW_ACTIONS = (
        "log",
        "followup",
        "contact",
        "concern",
        "opportunity",
        "edit",
        "handoff",
        "done",
        "snooze",
        "reschedule",
        "copy",
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "back", "Back", id="detail.back", tooltip="Back to where you came from, cursor where you left it."
        ),
        # The keys of the pane in view come first: the footer is cut at 80 columns, and these are
        # the ones that change with the pane (check_action hides the others).
        Binding("d", "done", "Done", id="detail.done", tooltip="Follow-ups pane: mark the selected follow-up done."),
        Binding("s", "snooze", "Snooze", id="detail.snooze", tooltip="Follow-ups pane: snooze the selected follow-up."),
        Binding("r", "reschedule", "Reschedule", id="detail.reschedule", tooltip="Follow-ups pane: move its due date."),
        Binding(
            "v",
            "resolve",
            "Resolve",
            id="detail.resolve",
            tooltip="Concerns pane: resolve the selected concern, with a note of what resolved it.",
        ),
        Binding("enter", "read", "Read", id="detail.read", tooltip="Timeline: read the whole entry."),
        Binding(
            "enter",
            "read_concern",
            "Read",
            id="detail.read_concern",
            tooltip="Concerns pane: read the concern, its detail and how it was resolved.",
        ),
        Binding(
            "enter",
            "edit_contact",
            "Change",
            id="detail.edit_contact",
            tooltip="Contacts pane: edit the selected contact (name, role, email, phone, primary) or remove them.",
        ),
        Binding(
            "enter",
            "edit_product",
            "Change",
            id="detail.edit_product",
            tooltip="Products pane: edit the selected product line (quantity, price, dates, notes).",
        ),
        Binding(
            "delete,backspace",
            "remove_contact",
            "Remove",
            id="detail.remove_contact",
            tooltip="Contacts pane: remove the selected contact (asks first; past activities keep naming them).",
        ),
        Binding(
            "delete,backspace",
            "end_product",
            "End",
            id="detail.end_product",
            tooltip="Products pane: end the selected product line on a day (it stays listed as ended).",
        ),
        Binding(
            "l",
            "log",
            "Log",
            id="detail.log",
            tooltip="Log a call, email, meeting, note or support touch (and plan the next step).",
        ),
        Binding("f", "followup", "Follow-up", id="detail.followup", tooltip="Add a follow-up for this account."),
        Binding("c", "contact", "Contact", id="detail.contact", tooltip="Add a contact."),
        Binding("i", "concern", "Concern", id="detail.concern", tooltip="Open a concern (an issue the client raised)."),
        Binding(
            "o",
            "opportunity",
            "Opportunity",
            id="detail.opportunity",
            tooltip="Add an upsell or expansion opportunity.",
        ),
        Binding(
            "p",
            "product",
            "Product",
            id="detail.product",
            tooltip="Record a product the client bought: quantity, unit price, start and renewal dates.",
        ),
        Binding("e", "edit", "Edit", id="detail.edit", tooltip="Edit the account; only fields you change are saved."),
        Binding(
            "h", "handoff", "Hand off", id="detail.handoff", tooltip="Hand the account to another agent with a note."
        ),
        Binding(
            "left_square_bracket",
            "step(-1)",
            "Prev",
            id="detail.prev",
            tooltip="Previous account in the portfolio's order.",
        ),
        Binding(
            "right_square_bracket",
            "step(1)",
            "Next",
            id="detail.next",
            tooltip="Next account in the portfolio's order.",
        ),
        Binding("t", "pane(1)", "Pane", id="detail.pane_next", tooltip="Next pane (timeline, follow-ups, contacts…)."),
        Binding("T", "pane(-1)", "Pane back", show=False, id="detail.pane_prev", tooltip="Previous pane."),
        Binding("right", "pane(1)", "Next pane", show=False, id="detail.pane_right", tooltip="Next pane."),
        Binding("left", "pane(-1)", "Previous pane", show=False, id="detail.pane_left", tooltip="Previous pane."),
        Binding("x", "export", "Export", id="detail.export", tooltip="Export this account's timeline to CSV or JSON."),
        Binding(
            "slash", "find", "Find", show=False, id="detail.find", tooltip="Find a row of this pane by its text; n / N."
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="detail.copy",
            tooltip="Copy to the clipboard (over SSH too): a contact's email on Contacts, else the account's brief.",
        ),
    ]

    def __init__(self, account_id: int, navigator: Navigator | None = None, *, pane: str = "timeline") -> None:
        super().__init__()
        self.account_id = account_id
        self.navigator = navigator
        self.detail: ClientDetail | None = None
        self._seen_version = -1
        self.pane = pane if pane in PANE_KEYS else "timeline"

    def compose(self) -> ComposeResult:
        yield AppHeader("Account")
        with Horizontal(id="card"):
            yield Static("loading…", id="card-main")
            yield Static("", id="card-health")
        yield PaneTabs(pane_tabs(None), self.pane, id="pane-tabs")
        first = pane(self.pane)
        yield RowList(first.columns, self._cells, id="pane-rows", empty_text=first.empty)
        yield KeyBar()

    def on_mount(self) -> None:
        self.palette = Palette(self.app.get_css_variables())
        self.watch(self.app, "data_version", self._data_changed, init=False)
        self.rows.focus()
        self.load()

    @property
    def rows(self) -> RowList[Any]:
        return self.query_one("#pane-rows", RowList)

    def _cells(self, row: Any) -> list[Text]:
        return pane(self.pane).cells(row, self.ctx.today)

    def on_screen_resume(self) -> None:
        if self.acct.data_version != self._seen_version and self.detail is not None:
            self.load()

    def _data_changed(self, version: int) -> None:
        if self.is_current:
            self.load()

    def load(self) -> None:
        self._seen_version = self.acct.data_version

        def failed(exc: Exception) -> None:
            self.app.notify(str(exc), severity="error", markup=False)
            if self.detail is None:
                self.dismiss()

        self.acct.run_service(
            client_detail, self.ctx, self.account_id, then=self._show, failed=failed, group="detail", node=self
        )

    # Rendering ------------------------------------------------------------------

    def _show(self, detail: ClientDetail) -> None:
        self.detail = detail
        self._show_card(detail)
        self._fill_tables(detail)
        self.keys_may_have_changed(("loaded", self.pane, self.navigator is not None))
        if self.navigator is not None:
            # Edits and new accounts move rows: "N of M" is asked again, not counted on.
            self.acct.run_service(
                place_of, self.ctx, self.navigator.query, self.account_id, then=self._placed, group="place", node=self
            )

    def _placed(self, place: tuple[int | None, int]) -> None:
        index, total = place
        nav = self.navigator
        if nav is None or index is None:
            return
        from dataclasses import replace

        self.navigator = replace(nav, index=index, total=total)
        if self.detail is not None:
            self._show_card(self.detail)

    def _show_card(self, detail: ClientDetail) -> None:
        card = detail.card
        today = self.ctx.today
        main = Text()
        main.append(clip(inert(card.name), NAME_CELLS), style="bold")
        main.append(f"  {card.tier} · {clip(inert(card.industry), FIELD_CELLS) or 'no industry'}")
        if card.domain:
            main.append(f" · {clip(inert(card.domain), FIELD_CELLS)}")
        if about := _about_line(detail):
            main.append(f"\n{about}")
        main.append(f"\nOwner {clip(inert(card.owner_name), FIELD_CELLS)} · {card.stage} · ARR ")
        main.append(money(card.arr, card.currency, short=False), style="bold")
        renewal = (
            f"{short_date(card.renewal_on)} ({days_from(card.renewal_on, today, future=False)})"
            if card.renewal_on
            else "none set"
        )
        main.append(
            f"\nRenewal {renewal} · satisfaction {card.satisfaction if card.satisfaction is not None else '?'}/10"
        )
        main.append(
            f"\nLast touch {ago(card.last_touch_on, today)} (cadence {card.cadence_days}d) · next follow-up "
            f"{days_from(card.next_followup_on, today)}"
        )
        if self.navigator is not None:
            main.append(
                f"\n{self.navigator.index + 1} of {self.navigator.total} in the portfolio · [ ] to walk", style="dim"
            )
        self.query_one("#card-main", Static).update(main)

        health = detail.health
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column()
        head = Text(
            f"{health.band.symbol} {band_word(health.band)} {health.score}", style=self.palette.band(health.band)
        )
        table.add_row(Text("health"), head)
        scored = [score for score in detail.health_weeks if score is not None]
        if len(scored) > 1:
            trend = sparkline(detail.health_weeks) + Text(f"  12 weeks: {scored[0]} → {scored[-1]}", style="dim")
            table.add_row(Text("trend"), trend)
        for factor in health.factors:
            points = Text(f"{factor.points:+d}" if factor.points else "0", style="bold" if factor.points else "dim")
            table.add_row(points, Text(f"{factor.label}: {factor.detail}"))
        self.query_one("#card-health", Static).update(table)

    def _fill_tables(self, detail: ClientDetail) -> None:
        """Show the active pane's rows (the other panes render from `detail` when chosen)."""
        current = pane(self.pane)
        self.rows.empty_text = current.empty
        self.rows.set_rows(list(current.rows(detail)), keep_cursor=True)
        self.query_one("#pane-tabs", PaneTabs).show(pane_tabs(detail), self.pane)

    # Keys -------------------------------------------------------------------------

    def _current(self) -> Any:
        row = self.rows.current
        return None if isinstance(row, MoreRows) else row

    def _selected_followup(self) -> FollowUpRow | None:
        row = self._current()
        return row if self.pane == "followups" and isinstance(row, FollowUpRow) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.detail is None and action not in ("back",):
            return None
        if action == "step":
            return self.navigator is not None
        if action in ("done", "snooze", "reschedule"):
            return self.pane == "followups"
        if action in ("resolve", "read_concern"):
            return self.pane == "concerns"
        if action == "read":
            return self.pane == "timeline"
        if action in ("edit_contact", "remove_contact"):
            return self.pane == "contacts"
        if action in ("edit_product", "end_product"):
            return self.pane == "products"
        return True

    def action_pane(self, step: int) -> None:
        index = PANE_KEYS.index(self.pane)
        self.show_pane(PANE_KEYS[(index + step) % len(PANE_KEYS)])

    def show_pane(self, key: str) -> None:
        """Switch the list to another pane: its columns, its rows, the cursor at the top."""
        self.pane = key
        current = pane(key)
        self.rows.set_columns(current.columns)
        self.rows.empty_text = current.empty
        self.rows.set_rows(list(current.rows(self.detail)) if self.detail else [], keep_cursor=False)
        self.query_one("#pane-tabs", PaneTabs).show(pane_tabs(self.detail), key)
        self.keys_may_have_changed(("loaded" if self.detail else "", key, self.navigator is not None))

    def action_export(self) -> None:
        from acct_tui.screens.transfer import open_export
        from acct_tui.services.io.exports import export_timeline

        account_id = self.account_id
        open_export(
            self.acct,
            "timeline",
            lambda fmt, out: export_timeline(self.ctx, account_id, fmt, out),
            f"{self._account_name()} timeline",
        )

    def action_back(self) -> None:
        self.dismiss()

    def _account_name(self) -> str:
        return self.detail.card.name if self.detail else ""

    def row_target(self) -> RowTarget | None:
        if self.detail is None:
            return None
        return RowTarget(self.account_id, self._account_name(), self._selected_followup(), self.detail.card)

    def action_resolve(self) -> None:
        concern = self._current()
        if self.pane != "concerns" or not isinstance(concern, ConcernRow) or concern.status != "open":
            self.app.notify("Choose an open concern.", severity="warning")
            return
        detail_forms.resolve_concern(self.acct, concern)

    def action_read_concern(self) -> None:
        concern = self._current()
        if self.pane != "concerns" or not isinstance(concern, ConcernRow):
            return
        from acct_tui.screens.modals import TextModal

        title = f"{concern.severity} concern · opened {concern.opened_at:%d %b %Y} · {concern.title}"
        parts = [concern.detail or "No detail recorded."]
        if concern.ticket_ref:
            parts.append(f"Ticket: {concern.ticket_ref}")
        if concern.resolved_at is not None:
            parts.append(f"Resolved {concern.resolved_at:%d %b %Y}: {concern.resolution or 'no note'}")
        self.app.push_screen(TextModal(title, "\n\n".join(parts)))

    def _selected(self, pane: str, kind: type) -> Any:
        row = self._current()
        return row if self.pane == pane and isinstance(row, kind) else None

    def action_find(self) -> None:
        from acct_tui.widgets.find import open_find

        open_find(self.rows)

    def action_copy(self) -> None:
        from acct_tui.screens.actions import copy_text

        contact = self._selected("contacts", ContactRow)
        if contact is not None and contact.email:
            copy_text(self.acct, contact.email, f"{contact.name}'s email")
        else:
            self.run_row_action("copy")

    def action_edit_contact(self) -> None:
        if (row := self._selected("contacts", ContactRow)) is not None:
            detail_forms.edit_contact(self.acct, row)

    def action_remove_contact(self) -> None:
        if (row := self._selected("contacts", ContactRow)) is not None:
            detail_forms.remove_contact(self.acct, row)

    def action_product(self) -> None:
        detail_forms.new_product(self.acct, self.account_id, self._account_name())

    def action_edit_product(self) -> None:
        if (row := self._selected("products", ProductRow)) is not None:
            detail_forms.edit_product(self.acct, row)

    def action_end_product(self) -> None:
        row = self._selected("products", ProductRow)
        if row is None:
            return
        if row.end_on is not None and row.end_on <= self.ctx.today:
            self.app.notify(f"{inert(row.product)} already ended.", severity="warning", markup=False)
            return
        detail_forms.end_product(self.acct, row)

    def action_read(self) -> None:
        if self.detail is None or self.pane != "timeline":
            return
        row = self.rows.current
        if isinstance(row, MoreRows):
            self._load_more()
            return
        if isinstance(row, TimelineItem):
            from acct_tui.screens.modals import TextModal

            who = " · ".join(
                part
                for part in (f"with {row.contact}" if row.contact else "", f"by {row.agent}" if row.agent else "")
                if part
            )
            title = f"{row.kind} · {row.occurred_at:%d %b %Y}" + (f" · {who}" if who else "") + f" · {row.summary}"
            body = row.body + (f"\n\nOutcome: {row.outcome}" if row.outcome else "")
            self.app.push_screen(TextModal(title, body))

    def _load_more(self) -> None:
        if self.detail is None or not self.detail.timeline:
            return
        last = self.detail.timeline[-1]
        detail = self.detail

        def more(items: list[TimelineItem]) -> None:
            if self.detail is not detail:
                return
            from dataclasses import replace

            self.detail = replace(detail, timeline=detail.timeline + items)
            self._fill_tables(self.detail)

        self.acct.run_service(
            timeline_page,
            self.ctx,
            self.account_id,
            before=(last.occurred_at, last.id),
            then=more,
            group="timeline",
            node=self,
        )

    def action_step(self, step: int) -> None:
        nav = self.navigator
        if nav is None:
            return

        def arrived(account_id: int | None) -> None:
            if account_id is None:
                self.app.notify("That was the " + ("first" if step < 0 else "last") + " account.", severity="warning")
                return
            from dataclasses import replace

            self.navigator = replace(nav, index=max(0, nav.index + step))
            if nav.follow is not None:
                nav.follow(account_id)
            self.account_id = account_id
            self.detail = None
            self.query_one("#card-main", Static).update(Text("loading…"))
            self.load()

        self.acct.run_service(
            neighbour, self.ctx, nav.query, self.account_id, step, then=arrived, group="step", node=self
        )


def _about_line(detail: ClientDetail) -> str:
    """Where the client is, its size, phone and since when, as one line clipped to the card (empty: nothing known).

    Most useful first, so a narrow card loses the client-since date before the phone.
    """
    card = detail.card
    parts = [
        ", ".join(inert(part) for part in (card.city, card.country) if part),
        f"{card.employees:,} staff" if card.employees is not None else "",
        inert(card.phone),
        f"since {card.client_since.year}" if card.client_since else "",
    ]
    return clip(" · ".join(part for part in parts if part), ABOUT_CELLS)
