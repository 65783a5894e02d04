"""Work-arounds for Textual bugs a key press can hit, applied once when the app loads.

OptionList (and so Select's drop-down and the command palette's list) maps its
options to lines only once it has a size. A page key that arrives before that
(a list squeezed to no height, or opened and paged in the same instant) looks
up a line that is not there and the app dies with KeyError. Here such a page
goes to the first or last option instead.

Rich measures text by code point and gives a spacing vowel sign or a
virama no width, while the terminal draws a Bengali or Devanagari cluster
wider: a Bengali name in an input or a label came out a cell or two short,
and the form's border was pushed out by as much. Rich's measure is pointed
at `acct_tui.text.cell_width` (grapheme clusters, by wcwidth) for such text
only; every other text is measured as before.
"""

from __future__ import annotations

from typing import Any

import rich.cells
from textual.widgets import OptionList

from acct_tui import text as text_widths


def _guarded_move_page(original: Any) -> Any:
    def _move_page(self: OptionList, direction: Any) -> None:
        if self.options and (self.highlighted or 0) not in self._index_to_line:
            (self.action_last if direction > 0 else self.action_first)()
            return
        original(self, direction)

    _move_page.acct_tui_guard = True  # type: ignore[attr-defined]
    return _move_page


def _cluster_cell_len(original: Any) -> Any:
    def _cell_len(text: str, unicode_version: str = "auto") -> int:
        if text_widths.needs_clusters(text):
            return text_widths.cell_width(text)
        return int(original(text, unicode_version))

    _cell_len.acct_tui_guard = True  # type: ignore[attr-defined]
    _cell_len.original = original  # type: ignore[attr-defined]
    return _cell_len


def apply() -> None:
    if not getattr(rich.cells._cell_len, "acct_tui_guard", False):
        rich.cells._cell_len = _cluster_cell_len(rich.cells._cell_len)
        rich.cells.cached_cell_len.cache_clear()
    if not getattr(OptionList._move_page, "acct_tui_guard", False):
        OptionList._move_page = _guarded_move_page(OptionList._move_page)  # type: ignore[method-assign]
