"""The header line: who is working, today's date, how many follow-ups are late, and the active context."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.widgets import Static

from acct_tui.text import inert
from acct_tui.widgets.display import long_date

if TYPE_CHECKING:
    from acct_tui.app import AcctApp


class AppHeader(Static):
    """`acct-tui │ Portfolio │ context enterprise │ Demo Manager (lead) │ Fri 27 Nov 2026 │ ▲ 5 overdue`."""

    DEFAULT_CSS = """
    AppHeader { dock: top; height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, view: str) -> None:
        super().__init__()
        self.view = view

    def on_mount(self) -> None:
        self.watch(self.app, "overdue", self._update)
        self.watch(self.app, "context_name", self._update)

    def _update(self, _value: object = None) -> None:
        app = cast("AcctApp", self.app)
        agent = app.ctx.agent
        overdue = app.overdue
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("acct-tui", style="bold")
        text.append(f" │ {self.view} │ ")
        if app.ctx.context is not None:
            # Before the name and date: at 80 columns what comes last is cut, and a narrowed
            # view must say so.
            text.append(f"context {inert(app.ctx.context.name)}", style="bold")
            text.append(" │ ")
        text.append(inert(agent.name))
        text.append(f" ({agent.role.value})")
        text.append(f" │ {long_date(app.ctx.today)} │ ")
        if overdue:
            text.append(f"▲ {overdue} overdue", style="bold")
        else:
            text.append("nothing overdue")
        if app.served:
            text.append(" │ ssh")
        self.update(text)
