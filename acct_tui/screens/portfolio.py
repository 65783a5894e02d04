"""The portfolio: every account the agent may see, a window at a time.

Only the visible pages are fetched, each by a thread worker; the count and
the totals come from their own workers, so a million accounts scroll like a
hundred and typing in the filter never waits on the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Input, Static

from acct_tui.screens.base import RowTarget, ViewScreen
from acct_tui.services.reads.portfolio import (
    PAGE,
    ListedCount,
    PortfolioQuery,
    PortfolioRow,
    QuickFilter,
    SortKey,
    Totals,
    listed_count,
    portfolio_after,
    portfolio_before,
    portfolio_rows,
    portfolio_tail,
    portfolio_totals,
    position_of,
)
from acct_tui.text import inert
from acct_tui.widgets.columns import Column
from acct_tui.widgets.display import Palette, ago, days_from, health, money, money_totals, plain
from acct_tui.widgets.rows import RowList

COLUMNS = (
    Column("name", "Account", 20, flex=True),
    Column("tier", "Tier", 8, drop=4),
    Column("health", "Health", 15),
    Column("arr", "ARR", 8, align="right"),
    Column("renewal", "Renewal", 9, drop=2),
    Column("touch", "Last touch", 10, drop=3),
    Column("next", "Follow-up", 9, drop=1),
    Column("owner", "Owner", 12, drop=5),
)
TOTALS_DELAY = 0.15  # seconds of quiet typing before the count and totals are asked for
SORT_KEYS = (
    ("n", SortKey.NAME),
    ("t", SortKey.TIER),
    ("h", SortKey.HEALTH),
    ("a", SortKey.ARR),
    ("r", SortKey.RENEWAL),
    ("l", SortKey.LAST_TOUCH),
    ("f", SortKey.NEXT_FOLLOWUP),
    ("o", SortKey.OWNER),
)
SORT_COLUMN = {
    SortKey.NAME: "name",
    SortKey.TIER: "tier",
    SortKey.HEALTH: "health",
    SortKey.ARR: "arr",
    SortKey.RENEWAL: "renewal",
    SortKey.LAST_TOUCH: "touch",
    SortKey.NEXT_FOLLOWUP: "next",
    SortKey.OWNER: "owner",
}


@dataclass(frozen=True)
class Navigator:
    """Where an opened account sits in the portfolio's order, for `[` and `]`."""

    query: PortfolioQuery
    index: int
    total: int
    follow: Callable[[int], None] | None = None
    """Told the account shown each time `[` or `]` moves, so going back lands the cursor on it."""


def _account_id(row: PortfolioRow) -> int:
    return row.id


class PortfolioScreen(ViewScreen):
    VIEW_NAME = "Portfolio"
    ROW_ACTIONS = ("log", "followup", "copy")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="portfolio.open", tooltip="Open the account under the cursor."),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="portfolio.filter",
            tooltip="Filter by name, domain, industry or contact as you type.",
        ),
        Binding(
            "s",
            "sort",
            "Sort",
            id="portfolio.sort",
            tooltip="Choose the sort column; choosing it again reverses the order.",
        ),
        Binding(
            "a", "quick('at_risk')", "At risk", id="portfolio.at_risk", tooltip="Only accounts at risk (again: all)."
        ),
        Binding(
            "r",
            "quick('renewing')",
            "Renewing",
            id="portfolio.renewing",
            tooltip="Only accounts renewing in the next 90 days (again: all).",
        ),
        Binding(
            "w",
            "quick('quiet')",
            "Quiet",
            id="portfolio.quiet",
            tooltip="Only accounts gone quiet: past their contact cadence (again: all).",
        ),
        Binding(
            "m",
            "mine",
            "Mine/all",
            id="portfolio.mine",
            tooltip="Switch between your own accounts and everyone you can see.",
        ),
        Binding(
            "l",
            "log",
            "Log",
            id="portfolio.log",
            tooltip="Log a call, email, meeting or note on the account under the cursor.",
        ),
        Binding(
            "f",
            "followup",
            "Follow-up",
            id="portfolio.followup",
            tooltip="Add a follow-up to the account under the cursor.",
        ),
        Binding("n", "new_account", "New", id="portfolio.new", tooltip="Create a new account owned by you."),
        Binding(
            "x",
            "export",
            "Export",
            id="portfolio.export",
            tooltip="Export the accounts shown (filter and order as they are) to CSV or JSON.",
        ),
        Binding(
            "h",
            "handoff",
            "Hand off",
            show=False,
            id="portfolio.handoff",
            tooltip="Hand the marked accounts (or the one under the cursor) to another agent with a note.",
        ),
        Binding(
            "S",
            "share",
            "Share",
            show=False,
            id="portfolio.share",
            tooltip="Share the marked accounts (or the one under the cursor) with another agent.",
        ),
        Binding(
            "V",
            "save_view",
            "Save view",
            show=False,
            id="portfolio.save_view",
            tooltip="Save this sort, filter and quick filter as a named view (recall: :view NAME, ctrl+p).",
        ),
        Binding(
            "y",
            "copy",
            "Copy brief",
            show=False,
            id="portfolio.copy",
            tooltip="Copy the account's brief (Markdown) to the clipboard, over SSH too.",
        ),
        Binding(
            "escape", "clear", "Clear", show=False, id="portfolio.clear", tooltip="Clear the filter and quick filter."
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = PortfolioQuery()
        self.total = 0
        self.count_known = False
        self.more_match = False
        """More accounts match the words typed than the list holds (it holds the first `total`)."""
        self.choosing_sort = False
        self._totals_timer: Timer | None = None
        self.shown_query: PortfolioQuery | None = None
        """The query whose rows are on screen (the one asked for may still be loading)."""
        self.follow_id: int | None = None
        """The account the cursor goes back to at the next reload (the one opened, or under the cursor
        when the filter was cleared): rows move, so a row number would land on another account."""

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("", id="totals")
        yield Static("", id="query-line")
        yield RowList(
            COLUMNS,
            self._cells,
            id="accounts",
            page_size=PAGE,
            mark_key=_account_id,
            empty_text=(
                f"No accounts match. Press {self.acct.key_for('portfolio.clear', type(self))} to clear the filter, "
                f"{self.acct.key_for('portfolio.new', type(self))} for a new account."
            ),
        )
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.palette = Palette(self.app.get_css_variables())
        self.query_one(RowList).focus()

    @property
    def table(self) -> RowList[PortfolioRow]:
        return self.query_one("#accounts", RowList)

    # Loading --------------------------------------------------------------------

    def reload(self, *, keep_cursor: bool = True) -> None:
        """The first page goes on screen as soon as it is read; the count and totals follow."""
        query = self.query_state
        starting = self.shown_query is None
        self.count_known = False
        self._show_query()
        app = self.acct
        table = self.table
        current = table.current
        follow = self.follow_id if self.follow_id is not None else (current.id if keep_cursor and current else None)
        self.follow_id = None

        shown: list[bool] = []

        def first(rows: list[PortfolioRow]) -> None:
            if query != self.query_state:
                return
            shown.append(True)
            self.shown_query = query
            # Until the count lands, the list is as long as what is known.
            table.reset(self.total if self.count_known else len(rows), rows, keep_cursor=keep_cursor)
            self.keys_may_have_changed(bool(rows))  # open, log and follow-up need a row
            if self.count_known:
                table.want_page(self.total - 1)
            if follow is not None:
                self._cursor_to(query, follow, rows)

        def counted(count: ListedCount) -> None:
            if query != self.query_state:
                return
            total = count.rows
            self.total = total
            self.more_match = count.more
            self.count_known = True
            self._show_query()
            if shown:  # otherwise the first page applies the count when it lands
                table.set_row_count(total)
                table.want_page(total - 1)  # the End key should not wait
            app.prefetch_queue()  # once: the portfolio is up, read where the manager goes next

        size = table.page_size
        app.run_service(portfolio_rows, self.ctx, query, 0, size, then=first, group="portfolio-first", node=self)

        def count_and_total() -> None:
            # Counting and totalling a million rows waits for a pause in the typing.
            if query != self.query_state:
                return
            app.run_service(listed_count, self.ctx, query, then=counted, group="portfolio-count", node=self)
            app.run_service(
                portfolio_totals, self.ctx, query, then=self._show_totals, group="portfolio-totals", node=self
            )

        if self._totals_timer is not None:
            self._totals_timer.stop()
            self._totals_timer = None
        if starting:
            self.call_after_refresh(count_and_total)  # the first rows' frame goes out first
        elif self.shown_query is None or self.shown_query.text == query.text:
            count_and_total()  # not typing: no reason to wait
        else:
            self._totals_timer = self.set_timer(TOTALS_DELAY, count_and_total)

    def _cursor_to(self, query: PortfolioQuery, account_id: int, rows: list[PortfolioRow]) -> None:
        """The cursor onto the account, wherever the order now puts it (it stays put if the account left)."""
        current = self.table.current
        if current is not None and current.id == account_id:
            return
        for index, row in enumerate(rows):
            if row.id == account_id:
                self.table.move_to(index)
                return

        def found(index: int | None) -> None:
            if index is None or query != self.query_state:
                return
            table = self.table
            if index >= table.row_count:
                table.set_row_count(index + 1)  # the count is still on its way
            table.move_to(index)

        self.app.run_service(position_of, self.ctx, query, account_id, then=found, group="portfolio-follow", node=self)  # type: ignore[attr-defined]

    @on(RowList.PageWanted, "#accounts")
    def _page_wanted(self, event: RowList.PageWanted) -> None:
        """Fetch a page by index seek from a neighbour's key when one is held; by offset otherwise."""
        query = self.query_state
        table = self.table
        start, size = event.start, event.size
        before = table.row_at(start - 1) if start > 0 else None
        after = table.row_at(start + size)
        if before is not None:
            job = partial(portfolio_after, self.ctx, query, before.key, size)
        elif after is not None:
            job = partial(portfolio_before, self.ctx, query, after.key, size)
        elif self.count_known and start + size >= self.total:
            job = partial(portfolio_tail, self.ctx, query, self.total - start)
        else:
            job = partial(portfolio_rows, self.ctx, query, start, size)

        def got(rows: list[PortfolioRow]) -> None:
            if query == self.query_state:
                table.set_page(start, rows, event.generation)

        self.acct.run_service(job, then=got, group=f"portfolio-page-{start}", node=self)

    def _show_totals(self, totals: Totals) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{totals.accounts:,} account{'' if totals.accounts == 1 else 's'}", style="bold")
        text.append(f" · ARR {money_totals(totals.arr)}")
        text.append(" · at risk ")
        text.append(
            f"{money_totals(totals.at_risk_arr)} ({totals.at_risk})", style=self.palette.style("error", bold=True)
        )
        text.append(f" · renewals 30/60/90d {totals.renewals_30}/{totals.renewals_60}/{totals.renewals_90}")
        text.append(f" · overdue follow-ups {totals.overdue_followups}")
        self.query_one("#totals", Static).update(text)

    def _show_query(self) -> None:
        q = self.query_state
        arrow = "↓" if q.descending else "↑"
        sorted_key = SORT_COLUMN[q.sort]
        self.table.set_columns([replace(c, label=f"{c.label} {arrow}") if c.key == sorted_key else c for c in COLUMNS])
        parts = [f"sorted by {q.sort.label} {arrow}", "mine" if q.mine else "everyone I can see"]
        if q.quick is not QuickFilter.ALL:
            parts.append(q.quick.label)
        if q.text:
            parts.append(f"filter “{q.text}”")
        if self.count_known and self.more_match:
            # The list holds the first matches only: say so, and how to see the one wanted.
            parts.append(f"{self.total:,}+ match, first {self.total:,} shown: type more to narrow")
        else:
            parts.append(f"{self.total:,} shown")
        line = Text(" · ".join(parts), no_wrap=True, overflow="ellipsis")
        marked = len(self.table.marked)
        if marked:
            # First, so it is the part 80 columns keep.
            keys = self.key_hint(
                ("portfolio.handoff", "hand off"), ("portfolio.share", "share"), ("portfolio.export", "export")
            )
            keys += f" · {self.acct.key_for('list.unmark', RowList)} unmark"
            line = Text(f"{marked:,} marked ({keys}) · ", style="bold", no_wrap=True, overflow="ellipsis") + line
        self.query_one("#query-line", Static).update(line)

    def _cells(self, row: PortfolioRow) -> list[Text]:
        today = self.ctx.today
        quiet = row.touch_due_on is None or row.touch_due_on < today
        touch = Text(ago(row.last_touch_on, today) + (" !" if quiet else ""))
        late = row.next_followup_on is not None and row.next_followup_on < today
        follow = Text(days_from(row.next_followup_on, today), style="bold" if late else "")
        return [
            plain(row.name),
            Text(inert(row.tier)),
            health(row.health_band, row.health_score, self.palette) + Text(f" {row.trend}"),
            Text(money(row.arr, row.currency)),
            Text(days_from(row.renewal_on, today, future=False)),
            touch,
            follow,
            plain(row.owner_name),
        ]

    # Actions ----------------------------------------------------------------------

    def _set_query(self, query: PortfolioQuery) -> None:
        self.query_state = query
        # Draw what was typed first; the queries start right after that frame.
        self.call_after_refresh(self._reload_if_current, query)

    def _reload_if_current(self, query: PortfolioQuery) -> None:
        if query == self.query_state:
            self.reload(keep_cursor=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "log", "followup", "handoff", "share") and self.table.current is None:
            return None
        return not (action == "clear" and not (self.query_state.text or self.query_state.quick is not QuickFilter.ALL))

    def action_open(self) -> None:
        self.table.action_select()

    # Saved views ----------------------------------------------------------------

    def view_state(self) -> dict[str, Any]:
        """What a saved view keeps of this portfolio: sort, filter and quick filters (services.writes.views)."""
        q = self.query_state
        return {
            "text": q.text,
            "quick": q.quick.value,
            "mine": q.mine,
            "sort": q.sort.value,
            "descending": q.descending,
        }

    def apply_view(self, state: dict[str, Any]) -> None:
        """Show a saved view: its sort, filter and quick filters, in the active context."""
        try:
            query = PortfolioQuery(
                text=str(state.get("text") or ""),
                quick=QuickFilter(state.get("quick") or "all"),
                mine=bool(state.get("mine")),
                sort=SortKey(state.get("sort") or "health"),
                descending=bool(state.get("descending")),
                context=self.query_state.context,
            )
        except ValueError:
            self.app.notify("That view was saved by another version and cannot be shown", severity="warning")
            return
        self.query_state = query
        box = self._filter_box()
        if box is not None:
            with self.prevent(Input.Changed):
                box.value = query.text
            box.display = bool(query.text)
        self.reload(keep_cursor=False)
        self._show_query()

    def action_save_view(self) -> None:
        from acct_tui.screens.form import FieldSpec, FormModal
        from acct_tui.services.writes.views import save_view

        state = self.view_state()
        fields = [FieldSpec("name", "Name", required=True, placeholder="renewals-q1, my at-risk, …")]

        def submit(values: dict[str, Any]) -> Any:
            return save_view(self.ctx, values["name"], state)

        intro = "Keep this sort, filter and quick filter; recall it with :view NAME or ctrl+p."
        form: FormModal[Any] = FormModal(
            "Save this view", fields, submit, intro=intro,
            done=lambda view: f"Saved the view {view.name}: {view.describe()}",
        )  # fmt: skip
        form.undoable = False
        self.acct.push_screen(form)

    def _marked_or_current(self) -> list[int]:
        if self.table.marked:
            return list(self.table.marked)
        row = self.table.current
        return [row.id] if row is not None else []

    def action_handoff(self) -> None:
        self._on_many("handoff")

    def action_share(self) -> None:
        self._on_many("share")

    def _on_many(self, name: str) -> None:
        from acct_tui.screens.bulk import run_marked

        ids = self._marked_or_current()
        if ids:
            run_marked(self.acct, name, ids, "account", self.table.action_unmark)

    def run_row_action(self, name: str) -> None:
        if self.table.marked and name not in ("copy",):
            self._on_many(name)  # says so when the action has no form for many
            return
        super().run_row_action(name)

    @on(RowList.MarksChanged, "#accounts")
    def _marks_changed(self) -> None:
        self._show_query()

    @on(RowList.MarkAllWanted, "#accounts")
    def _mark_all(self) -> None:
        from acct_tui.services.reads.portfolio import MARK_LIMIT, portfolio_ids

        query = self.query_state

        def got(ids: list[int]) -> None:
            if query == self.query_state:
                self.table.mark(ids)
                if len(ids) >= MARK_LIMIT:
                    self.app.notify(f"Marked the first {MARK_LIMIT:,}: the command line acts on more", markup=False)

        self.acct.run_service(portfolio_ids, self.ctx, query, then=got, group="portfolio-mark", node=self)

    @on(RowList.Selected, "#accounts")
    def _selected(self, event: RowList.Selected) -> None:
        self.follow_id = event.row.id
        nav = Navigator(self.query_state, event.index, self.total, follow=self._followed)
        self.acct.open_account(event.row.id, navigator=nav)

    def _followed(self, account_id: int) -> None:
        """The detail walked to another account: the cursor goes there when the manager comes back."""
        self.follow_id = account_id

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.follow_id is not None and self.shown_query is not None:
            # No data changed (no reload to carry it): move the cursor to the account now.
            follow, self.follow_id = self.follow_id, None
            self._cursor_to(self.query_state, follow, [])

    def _filter_box(self) -> Input | None:
        found = self.query("#filter")
        return found.first(Input) if found else None

    def action_filter(self) -> None:
        """`/`: the filter line, made the first time it is wanted (not at start-up)."""
        box = self._filter_box()
        if box is None:
            box = Input(placeholder="filter: name, domain, industry, contact… (esc clears, enter keeps)", id="filter")
            self.mount(box, before=self.query_one("#query-line"))
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if text != self.query_state.text:
            self._set_query(replace(self.query_state, text=text))

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()
        if not event.value.strip():
            event.input.display = False

    def action_clear(self) -> None:
        current = self.table.current
        if current is not None:
            self.follow_id = current.id  # the account under the cursor stays under it, among all of them
        box = self._filter_box()
        if box is not None:
            box.value = ""
            box.display = False
        self.table.focus()
        self._set_query(replace(self.query_state, text="", quick=QuickFilter.ALL))

    def key_escape(self) -> None:
        box = self._filter_box()
        if box is not None and box.has_focus:
            self.action_clear()

    def action_sort(self) -> None:
        """`s`, then one key for the column (the current one again reverses): no dialog to open and close."""
        self.choosing_sort = True
        # Every choice must show: at 80 columns the line wraps to a second one rather than lose the last keys.
        line = Text("sort by: ")
        for key, sort in SORT_KEYS:
            line.append(key, style="bold")
            line.append(f" {sort.label}{' ↕' if sort is self.query_state.sort else ''} · ")
        line.append("esc", style="bold")
        line.append(" keeps the order")
        self.query_one("#query-line", Static).update(line)

    def on_key(self, event: events.Key) -> None:
        if not self.choosing_sort:
            return
        event.stop()
        event.prevent_default()
        self.choosing_sort = False
        self._totals_timer = None
        chosen = dict(SORT_KEYS).get(event.key)
        if chosen is None:
            self._show_query()
            return
        self._set_query(self.query_state.with_sort(chosen))

    def action_quick(self, name: str) -> None:
        quick = QuickFilter(name)
        if self.query_state.quick is quick:
            quick = QuickFilter.ALL
        self._set_query(replace(self.query_state, quick=quick))

    def action_mine(self) -> None:
        self._set_query(replace(self.query_state, mine=not self.query_state.mine))

    def row_target(self) -> RowTarget | None:
        row = self.table.current
        return RowTarget(row.id, row.name) if row is not None else None

    def action_export(self) -> None:
        from acct_tui.screens.transfer import open_export
        from acct_tui.services.io.exports import export_portfolio

        query = self.query_state
        marked = set(self.table.marked) or None
        if marked:  # marked under another filter too: every marked one, in this order
            query = replace(query, text="", quick=QuickFilter.ALL, mine=False)
        title = f"the {len(marked):,} marked accounts" if marked else "the portfolio as shown"
        open_export(
            self.acct, "portfolio", lambda fmt, out: export_portfolio(self.ctx, query, fmt, out, only=marked), title
        )

    def action_new_account(self) -> None:
        from acct_tui.screens.actions import new_account  # the forms load on first use, not at start-up

        new_account(self.acct, after=self.acct.open_account)
