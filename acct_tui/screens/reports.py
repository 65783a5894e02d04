"""Reports (`4`): the book seen whole, one report per tab, and the team view of leads.

Each tab is one report of `services.reads.reports`, drawn as the same text
the command line prints (`acct-tui report NAME`): numbers beside bars of
block characters, so it reads at 80x24 and without colour. The Team tab is a
list: enter narrows every view to that agent's accounts (the app's context,
as `:context` does) and opens the portfolio.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from acct_tui.screens.base import ViewScreen
from acct_tui.services.context import ActiveContext
from acct_tui.services.io.report_text import report_text, short_money, team_text
from acct_tui.services.reads.reports import REPORTS, TeamLine, TeamReport, read_report
from acct_tui.text import inert
from acct_tui.widgets.columns import Column
from acct_tui.widgets.rows import RowList
from acct_tui.widgets.tabs import PaneTabs, Tab

TABS = (
    Tab("health", "ARR by health", "Health"),
    Tab("renewals", "Renewals", "Renewals"),
    Tab("followups", "Follow-ups", "Follow-ups"),
    Tab("concerns", "Concerns", "Concerns"),
    Tab("satisfaction", "Satisfaction", "Satisf."),
    Tab("team", "Team", "Team"),
)
TEAM_COLUMNS = (
    Column("agent", "Agent", 16, flex=True),
    Column("accounts", "Accts", 5, align="right"),
    Column("arr", "ARR", 7, align="right"),
    Column("overdue", "Overdue", 7, align="right"),
    Column("risky", "At risk", 7, align="right", drop=2),
    Column("risk_arr", "Risk ARR", 8, align="right"),
    Column("touch", "Last touch", 10, drop=1),
)


class ReportsScreen(ViewScreen):
    VIEW_NAME = "Reports"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right,right_square_bracket",
            "tab(1)",
            "Next report",
            id="reports.next",
            tooltip="The next report: ARR by health, renewals, follow-ups, concerns, satisfaction, team.",
        ),
        Binding(
            "left,left_square_bracket",
            "tab(-1)",
            "Previous",
            id="reports.previous",
            tooltip="The report before this one.",
        ),
        Binding(
            "t",
            "show_tab('team')",
            "Team",
            id="reports.team",
            tooltip="Per agent: accounts, ARR, overdue follow-ups, at-risk ARR, last touch (leads see their team).",
        ),
        Binding(
            "enter",
            "drill",
            "Their portfolio",
            id="reports.drill",
            tooltip="Narrow every view to the highlighted agent's accounts and open the portfolio.",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.active = TABS[0].key
        self.reports: dict[str, Any] = {}
        """The reports read for the data version `_read_version`, by tab."""
        self._read_version = -1

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield PaneTabs(TABS, self.active, id="report-tabs")
        with VerticalScroll(id="report-scroll"):
            yield Static("Loading…", id="report-body")
        yield RowList(TEAM_COLUMNS, self._team_cells, id="team", empty_text="No accounts to show.")
        yield Static("", id="report-note")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._show_active()

    @property
    def team(self) -> RowList[TeamLine]:
        return self.query_one("#team", RowList)

    def reload(self) -> None:
        """Read the report of the tab in view again (the others are read when shown)."""
        self.reports.clear()
        self._read_version = self.acct.data_version
        self._load(self.active)

    def _load(self, name: str) -> None:
        def loaded(report: Any) -> None:
            if self._read_version == version:
                self.reports[name] = report
                if name == self.active:
                    self._show_active()

        version = self._read_version
        self.acct.run_service(read_report, self.ctx, name, then=loaded, group=f"report-{name}", node=self)

    # Tabs -------------------------------------------------------------------

    def action_tab(self, step: int) -> None:
        keys = [tab.key for tab in TABS]
        self.action_show_tab(keys[(keys.index(self.active) + step) % len(keys)])

    def action_show_tab(self, name: str) -> None:
        self.active = name
        self._show_active()
        if name not in self.reports:
            self._load(name)

    def _show_active(self) -> None:
        self.query_one("#report-tabs", PaneTabs).show(TABS, self.active)
        team = self.active == "team"
        scroll = self.query_one("#report-scroll", VerticalScroll)
        scroll.display = not team
        self.team.display = team
        report = self.reports.get(self.active)
        note = self.query_one("#report-note", Static)
        if team:
            self._show_team(report, note)
        else:
            body = "Loading…" if report is None else "\n".join(report_text(report, self.ctx.today))
            self.query_one("#report-body", Static).update(Text(body, no_wrap=True, overflow="crop"))
            scroll.scroll_home(animate=False)
            note.update(Text(REPORTS[self.active], no_wrap=True, overflow="ellipsis"))
        self.keys_may_have_changed((self.active, team and self.team.current is not None))

    def _show_team(self, report: TeamReport | None, note: Static) -> None:
        if report is None:
            note.update("Loading…")
            return
        self.team.set_rows(list(report.lines), keep_cursor=True)
        self.team.focus()
        title = team_text(report, self.ctx.today)[0]
        hint = f"{self.acct.key_for('reports.drill', type(self))} narrows every view to the agent's accounts"
        note.update(Text(f"{title} · {hint}", no_wrap=True, overflow="ellipsis"))

    def _team_cells(self, line: TeamLine) -> list[Text]:
        return [
            Text(inert(line.name)),
            Text(str(line.accounts)),
            Text(short_money(line.arr)),
            Text(str(line.overdue_followups), style="bold" if line.overdue_followups else ""),
            Text(f"▲ {line.at_risk_accounts}" if line.at_risk_accounts else "0"),
            Text(short_money(line.at_risk_arr)),
            Text(_touch(line.last_touch_on, self.ctx.today)),
        ]

    # Drilling into an agent ---------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "drill":
            return True if self.active == "team" and isinstance(self.team.current, TeamLine) else None
        return True

    @on(RowList.Selected, "#team")
    def _selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.action_drill()

    @on(RowList.Highlighted, "#team")
    def _highlighted(self, event: RowList.Highlighted) -> None:
        self.keys_may_have_changed((self.active, True))

    def action_drill(self) -> None:
        line = self.team.current if self.active == "team" else None
        if not isinstance(line, TeamLine):
            return
        terms = (("owner", line.login),)
        self.acct.set_context(ActiveContext(name=f"owner {line.login}", terms=terms, shown=terms))
        self.acct.notify(f"Accounts of {inert(line.name)} in every view · :context alone widens again", markup=False)
        self.call_later(self.acct.run_action, "show_view('portfolio')")


def _touch(day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return "never"
    days = (today - day).days
    return "today" if days <= 0 else f"{days}d ago"
