"""PaneTabs: one line naming every pane, the active one marked, fitted to its width.

At 80 columns the full titles of seven panes do not fit. Rather than cut the
line (the last panes would vanish without a sign), the strip tries the full
titles, then short ones, then tighter separators, and only past that shows a
window around the active pane with ‹ and › saying that more lie either side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets import Static


@dataclass(frozen=True)
class Tab:
    """A pane's title, its short title for narrow screens, and its count (None while loading)."""

    key: str
    title: str
    short: str
    count: int | None = None


def _label(tab: Tab, short: bool) -> str:
    title = tab.short if short else tab.title
    return title if tab.count is None else f"{title} {tab.count}"


def _strip(tabs: Sequence[Tab], active: str, short: bool, sep: str, left: bool = False, right: bool = False) -> Text:
    text = Text(no_wrap=True, overflow="crop", end="")
    if left:
        text.append("‹ ", style="bold")
    for index, tab in enumerate(tabs):
        if index:
            text.append(sep, style="dim")
        label = _label(tab, short)
        if tab.key == active:
            text.append(f"▸{label}", style="bold reverse")
        else:
            text.append(label)
    if right:
        text.append(" ›", style="bold")
    return text


def tab_line(tabs: Sequence[Tab], active: str, width: int) -> Text:
    """Every tab if they fit in `width` cells; otherwise a window around `active` marked ‹ ›."""
    for short, sep in ((False, " │ "), (True, " │ "), (True, "│")):
        text = _strip(tabs, active, short, sep)
        if text.cell_len <= width:
            return text
    index = next((i for i, tab in enumerate(tabs) if tab.key == active), 0)
    first, last = index, index + 1
    # Grow the window around the active tab, alternating sides, while it fits.
    while True:
        grown = False
        for lo, hi in ((first, last + 1), (first - 1, last)):
            if lo < 0 or hi > len(tabs):
                continue
            if _strip(tabs[lo:hi], active, True, "│", lo > 0, hi < len(tabs)).cell_len <= width:
                first, last, grown = lo, hi, True
        if not grown:
            break
    return _strip(tabs[first:last], active, True, "│", first > 0, last < len(tabs))


class PaneTabs(Static):
    """The pane titles, redrawn to fit whenever the tabs or the width change."""

    def __init__(self, tabs: Sequence[Tab] = (), active: str = "", *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._tabs = list(tabs)
        self._active = active

    def show(self, tabs: Sequence[Tab], active: str) -> None:
        self._tabs = list(tabs)
        self._active = active
        self._fit()

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        width = self.content_region.width or max(1, self.app.size.width - 2)
        self.update(tab_line(self._tabs, self._active, width))
