"""Client detail: one account whole, and every action on it one key away.

The header card shows tier, owner, ARR, renewal, satisfaction and health
with the factors behind it; panes hold the timeline, follow-ups, contacts,
concerns, opportunities, products and the change history. `[` and `]` walk
the portfolio's current order without going back.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from acct_tui.screens import actions
from acct_tui.services import accounts
from acct_tui.services.dates import describe_due, describe_recurrence
from acct_tui.services.detail import ClientDetail, FollowUpRow, TimelineItem, client_detail, timeline_page
from acct_tui.services.portfolio import portfolio_rows
from acct_tui.text import inert
from acct_tui.widgets.display import Palette, ago, band_word, days_from, money, plain, short_date
from acct_tui.widgets.header import AppHeader

PANES = ("timeline", "followups", "contacts", "concerns", "opportunities", "products", "history")


class PaneTable(DataTable[Any]):
    """A row-cursor table with vim keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "First", show=False),
        Binding("G", "scroll_bottom", "Last", show=False),
    ]

    def __init__(self, *columns: str, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._columns = columns

    def on_mount(self) -> None:
        self.add_columns(*self._columns)


class AccountScreen(Screen[None]):
    """One account: card, health and why, and the panes."""

    VIEW_NAME = "Account"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "back", "Back", id="detail.back", tooltip="Back to where you came from, cursor where you left it."
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
        Binding("d", "done", "Done", id="detail.done", tooltip="Follow-ups pane: mark the selected follow-up done."),
        Binding("s", "snooze", "Snooze", id="detail.snooze", tooltip="Follow-ups pane: snooze the selected follow-up."),
        Binding("r", "reschedule", "Reschedule", id="detail.reschedule", tooltip="Follow-ups pane: move its due date."),
        Binding(
            "v", "resolve", "Resolve", id="detail.resolve", tooltip="Concerns pane: mark the selected concern resolved."
        ),
        Binding("enter", "read", "Read", id="detail.read", tooltip="Timeline: read the whole entry."),
    ]

    def __init__(self, account_id: int, navigator: Any = None) -> None:
        super().__init__()
        self.account_id = account_id
        self.navigator = navigator
        self.detail: ClientDetail | None = None
        self._seen_version = -1

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield AppHeader("Account")
        with Horizontal(id="card"):
            yield Static("loading…", id="card-main")
            yield Static("", id="card-health")
        with TabbedContent(id="panes"):
            with TabPane("Timeline", id="timeline"):
                yield PaneTable("When", "Kind", "Who", "With", "Summary", id="timeline-table")
            with TabPane("Follow-ups", id="followups"):
                yield PaneTable("Due", "Kind", "Priority", "Follow-up", "Assignee", "Repeats", id="followups-table")
            with TabPane("Contacts", id="contacts"):
                yield PaneTable("Name", "Role", "Email", "Phone", id="contacts-table")
            with TabPane("Concerns", id="concerns"):
                yield PaneTable("Opened", "Severity", "Status", "Concern", "Ticket", id="concerns-table")
            with TabPane("Opportunities", id="opportunities"):
                yield PaneTable("Stage", "Kind", "Amount", "Close", "Opportunity", id="opportunities-table")
            with TabPane("Products", id="products"):
                yield PaneTable("Product", "Qty", "Unit price", "Since", "Renews", "Status", id="products-table")
            with TabPane("History", id="history"):
                yield PaneTable("When", "Who", "What", "Changed", id="history-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.palette = Palette(self.app.get_css_variables())
        self.watch(self.app, "data_version", self._data_changed, init=False)
        self.load()

    def on_screen_resume(self) -> None:
        if self.app.data_version != self._seen_version and self.detail is not None:  # type: ignore[attr-defined]
            self.load()

    def _data_changed(self, version: int) -> None:
        if self.is_current:
            self.load()

    def load(self) -> None:
        self._seen_version = self.app.data_version  # type: ignore[attr-defined]

        def failed(exc: Exception) -> None:
            self.app.notify(str(exc), severity="error", markup=False)
            if self.detail is None:
                self.dismiss()

        self.app.run_service(  # type: ignore[attr-defined]
            client_detail, self.ctx, self.account_id, then=self._show, failed=failed, group="detail", node=self
        )

    # Rendering ------------------------------------------------------------------

    def _show(self, detail: ClientDetail) -> None:
        self.detail = detail
        self._show_card(detail)
        self._fill_tables(detail)
        self.refresh_bindings()

    def _show_card(self, detail: ClientDetail) -> None:
        card = detail.card
        today = self.ctx.today
        main = Text()
        main.append(inert(card.name), style="bold")
        main.append(f"  {card.tier} · {inert(card.industry) or 'no industry'}")
        if card.domain:
            main.append(f" · {card.domain}")
        main.append(f"\nOwner {inert(card.owner_name)} · {card.stage} · ARR ")
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
        for factor in health.factors:
            points = Text(f"{factor.points:+d}" if factor.points else "0", style="bold" if factor.points else "dim")
            table.add_row(points, Text(f"{factor.label}: {factor.detail}"))
        self.query_one("#card-health", Static).update(table)

    def _fill_tables(self, detail: ClientDetail) -> None:
        today = self.ctx.today
        self._refill(
            "timeline-table",
            [
                (
                    str(item.id),
                    [
                        item.occurred_at.strftime("%d %b %Y"),
                        item.kind,
                        plain(item.agent),
                        plain(item.contact),
                        plain(item.summary),
                    ],
                )
                for item in detail.timeline
            ]
            + (
                [
                    (
                        "more",
                        [
                            Text("…"),
                            Text(""),
                            Text(""),
                            Text(""),
                            Text(f"{detail.timeline_total - len(detail.timeline)} older: enter to load"),
                        ],
                    )
                ]
                if detail.timeline_total > len(detail.timeline)
                else []
            ),
        )
        self._refill(
            "followups-table",
            [
                (
                    str(f.id),
                    [
                        Text(f"until {f.snoozed_until:%d %b}")
                        if f.snoozed_until and f.snoozed_until > today
                        else Text(describe_due(f.due_on, today)),
                        f.kind,
                        f.priority,
                        plain(f.title),
                        plain(f.assignee),
                        describe_recurrence(f.recurrence),
                    ],
                )
                for f in detail.followups
            ],
        )
        self._refill(
            "contacts-table",
            [
                (
                    str(c.id),
                    [plain(c.name + (" ★" if c.is_primary else "")), plain(c.role), plain(c.email), plain(c.phone)],
                )
                for c in detail.contacts
            ],
        )
        self._refill(
            "concerns-table",
            [
                (
                    str(c.id),
                    [c.opened_at.strftime("%d %b %Y"), c.severity, c.status, plain(c.title), plain(c.ticket_ref)],
                )
                for c in detail.concerns
            ],
        )
        self._refill(
            "opportunities-table",
            [
                (
                    str(o.id),
                    [o.stage, o.kind, money(o.amount, o.currency), short_date(o.expected_close), plain(o.title)],
                )
                for o in detail.opportunities
            ],
        )
        self._refill(
            "products-table",
            [
                (
                    str(p.id),
                    [
                        plain(p.product),
                        str(p.quantity),
                        money(p.unit_price, p.currency, short=False),
                        short_date(p.start_on),
                        short_date(p.renewal_on),
                        p.status,
                    ],
                )
                for p in detail.products
            ],
        )
        self._refill(
            "history-table",
            [
                (
                    str(h.id),
                    [
                        h.at.strftime("%d %b %H:%M"),
                        plain(h.agent),
                        plain(("↶ " if h.undone else "") + h.summary),
                        plain(", ".join(f"{k}: {_short(b)} → {_short(a)}" for k, b, a in h.fields)),
                    ],
                )
                for h in detail.history
            ],
        )
        counts = {
            "timeline": detail.timeline_total,
            "followups": len(detail.followups),
            "contacts": len(detail.contacts),
            "concerns": sum(1 for c in detail.concerns if c.status == "open"),
            "opportunities": sum(1 for o in detail.opportunities if o.status == "open"),
            "products": len(detail.products),
        }
        tabs = self.query_one(TabbedContent)
        for pane, count in counts.items():
            label = {"followups": "Follow-ups"}.get(pane, pane.capitalize())
            tabs.get_tab(pane).label = f"{label} {count}"

    def _refill(self, table_id: str, rows: list[tuple[str, list[Any]]]) -> None:
        table = self.query_one(f"#{table_id}", PaneTable)
        row = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*[c if isinstance(c, Text) else Text(str(c)) for c in cells], key=key)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))

    # Keys -------------------------------------------------------------------------

    def _pane(self) -> str:
        return str(self.query_one(TabbedContent).active)

    def _selected_key(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", PaneTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _selected_followup(self) -> FollowUpRow | None:
        if self.detail is None or self._pane() != "followups":
            return None
        key = self._selected_key("followups-table")
        return next((f for f in self.detail.followups if str(f.id) == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.detail is None and action not in ("back",):
            return None
        if action == "step":
            return self.navigator is not None
        if action in ("done", "snooze", "reschedule"):
            return self._pane() == "followups"
        if action == "resolve":
            return self._pane() == "concerns"
        if action == "read":
            return self._pane() in ("timeline",)
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()
        pane = self._pane()
        self.query_one(f"#{pane}-table", PaneTable).focus()

    def action_pane(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        index = PANES.index(self._pane())
        tabs.active = PANES[(index + step) % len(PANES)]

    def action_back(self) -> None:
        self.dismiss()

    def _account_name(self) -> str:
        return self.detail.card.name if self.detail else ""

    def action_log(self) -> None:
        actions.log_activity(self.app, self.account_id, self._account_name())

    def action_followup(self) -> None:
        actions.new_followup(self.app, self.account_id, self._account_name())

    def action_contact(self) -> None:
        actions.new_contact(self.app, self.account_id, self._account_name())

    def action_concern(self) -> None:
        actions.new_concern(self.app, self.account_id, self._account_name())

    def action_opportunity(self) -> None:
        actions.new_opportunity(self.app, self.account_id, self._account_name())

    def action_edit(self) -> None:
        if self.detail is not None:
            actions.edit_account(self.app, self.detail.card)

    def action_handoff(self) -> None:
        if self.detail is not None:
            actions.handoff(self.app, self.account_id, self._account_name(), self.detail.card.owner_id)

    def action_done(self) -> None:
        if (item := self._selected_followup()) is not None:
            actions.complete(self.app, item)

    def action_snooze(self) -> None:
        if (item := self._selected_followup()) is not None:
            actions.snooze(self.app, item)

    def action_reschedule(self) -> None:
        if (item := self._selected_followup()) is not None:
            actions.reschedule(self.app, item)

    def action_resolve(self) -> None:
        if self.detail is None or self._pane() != "concerns":
            return
        key = self._selected_key("concerns-table")
        concern = next((c for c in self.detail.concerns if str(c.id) == key), None)
        if concern is None or concern.status != "open":
            self.app.notify("Choose an open concern.", severity="warning")
            return
        app: Any = self.app

        def done(_result: Any) -> None:
            app.changed()
            app.notify(f"Resolved: {inert(concern.title)} · z to undo", markup=False)

        app.run_service(accounts.resolve_concern, self.ctx, concern.id, then=done, group="write")

    def action_read(self) -> None:
        if self.detail is None:
            return
        key = self._selected_key("timeline-table")
        if key == "more":
            self._load_more()
            return
        item = next((t for t in self.detail.timeline if str(t.id) == key), None)
        if item is not None:
            from acct_tui.screens.modals import TextModal

            title = f"{item.kind} · {item.occurred_at:%d %b %Y} · {item.summary}"
            body = item.body + (f"\n\nOutcome: {item.outcome}" if item.outcome else "")
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

        self.app.run_service(  # type: ignore[attr-defined]
            timeline_page, self.ctx, self.account_id, before=(last.occurred_at, last.id), then=more, group="timeline"
        )

    @on(DataTable.RowSelected, "#timeline-table")
    def _timeline_selected(self, event: DataTable.RowSelected) -> None:
        self.action_read()

    def action_step(self, step: int) -> None:
        nav = self.navigator
        if nav is None:
            return
        target = nav.index + step
        if not 0 <= target < nav.total:
            self.app.notify("That was the " + ("first" if step < 0 else "last") + " account.", severity="warning")
            return

        def arrived(rows: list[Any]) -> None:
            if not rows:
                return
            from dataclasses import replace

            self.navigator = replace(nav, index=target)
            self.account_id = rows[0].id
            self.detail = None
            self.query_one("#card-main", Static).update(Text(f"loading {inert(rows[0].name)}…"))
            self.load()

        self.app.run_service(portfolio_rows, self.ctx, nav.query, target, 1, then=arrived, group="step")  # type: ignore[attr-defined]


def _short(value: object) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 24 else text[:23] + "…"
