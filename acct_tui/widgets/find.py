"""`/` over a list: a line that moves the list's cursor to the first row holding what is typed.

Enter keeps the cursor there and hands the keys back to the list, where `n` / `N` go to the next and
previous match (`RowList.find`); escape closes the line.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from acct_tui.widgets.rows import RowList


class FindBar(Input):
    """`/` over a list: the cursor jumps to the first row holding what is typed; enter keeps it, n / N go on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False, id="find.close", tooltip="Close the find line."),
    ]

    def __init__(self, target: RowList[Any]) -> None:
        super().__init__(
            placeholder="find in this list · enter keeps it · n / N next, previous · esc", id="find", compact=True
        )
        self.target = target
        self._origin = target.cursor

    def on_mount(self) -> None:
        self._origin = self.target.cursor

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if not self.target.find(event.value, here=True):
            self.target.cursor = self._origin

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_close()

    def action_close(self) -> None:
        self.target.focus()
        self.remove()


def open_find(target: RowList[Any]) -> None:
    """Put a find line above `target` (or focus the one there)."""
    found = target.screen.query(FindBar)
    if found:
        found.first().focus()
        return
    bar = FindBar(target)
    target.screen.mount(bar, before=target)
    bar.focus()
