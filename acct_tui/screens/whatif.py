"""What-if: type formula values (`healthy_at=80 gold=7`) and see which accounts would change band.

Nothing is saved: the view scores the book under the changed formula in a
worker and shows the band counts before and after and the accounts that
move, worst first. To keep the values, put them in the config file.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from acct_tui.screens.base import DismissOnce
from acct_tui.text import clip, inert

EXAMPLES = "e.g. healthy_at=80 · watch_at=50 · gold=7 · overdue_each=8 · preset=few-large"


class WhatIfModal(DismissOnce[None], ModalScreen[None]):
    """The portfolio under other formula values; nothing is written."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="whatif.close", tooltip="Close; nothing was saved."),
    ]

    def __init__(self, settings: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        with Vertical(id="whatif-box"):
            yield Label(Text("What if · the formula with other values (nothing is saved)"), id="form-title")
            yield Input(" ".join(self.settings), placeholder="KEY=VALUE …", id="whatif-input")
            yield Static(Text(EXAMPLES, style="dim"), id="whatif-summary")
            with VerticalScroll(id="whatif-body"):
                yield Static("", id="whatif-table")
            yield Static(Text("enter try · esc close · the config file keeps values for good"), id="form-keys")

    def on_mount(self) -> None:
        self.query_one("#whatif-input", Input).focus()
        if self.settings:
            self._run(self.settings)

    @on(Input.Submitted, "#whatif-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        settings = tuple(event.value.split())
        if settings:
            self._run(settings)

    def _run(self, settings: tuple[str, ...]) -> None:
        from acct_tui.services.reads.explain import what_if

        app = self.acct
        raw = app.settings.as_config() if app.settings is not None else {}
        self.query_one("#whatif-summary", Static).update(Text("scoring the portfolio…", style="dim"))

        def failed(exc: Exception) -> None:
            self.query_one("#whatif-summary", Static).update(Text(f"Not tried: {exc}"))
            self.query_one("#whatif-table", Static).update("")

        app.run_service(what_if, app.ctx, settings, raw, then=self._show, failed=failed, group="what-if", node=self)

    def _show(self, result: Any) -> None:
        from acct_tui.services.grammar.reports import what_if_summary

        self.query_one("#whatif-summary", Static).update(Text(what_if_summary(result), style="bold"))
        table = Table.grid(padding=(0, 1))
        for justify in ("left", "left", "right", "left", "left", "right", "left", "right"):
            table.add_column(justify=justify, no_wrap=True)
        for moved in result.moved[:200]:
            table.add_row(
                Text("▼ worse" if moved.worse else "▲ better", style="bold" if moved.worse else ""),
                Text(clip(inert(moved.name), 28)),
                Text(str(moved.score_before)),
                Text(f"{moved.band_before.symbol} {moved.band_before.label}"),
                Text("→"),
                Text(str(moved.score_after)),
                Text(f"{moved.band_after.symbol} {moved.band_after.label}"),
                Text(f"rank {moved.rank_before}→{moved.rank_after}", style="dim"),
            )
        if not result.moved:
            self.query_one("#whatif-table", Static).update(Text("No account would change band."))
            return
        more = len(result.moved) - 200
        body = Table.grid()
        body.add_row(table)
        if more > 0:
            body.add_row(Text(f"… and {more} more (acct-tui health what-if --json lists them all)", style="dim"))
        self.query_one("#whatif-table", Static).update(body)
