"""Work-arounds for Textual bugs a key press can hit, applied once when the app loads.

OptionList (and so Select's drop-down and the command palette's list) maps its
options to lines only once it has a size. A page key that arrives before that
(a list squeezed to no height, or opened and paged in the same instant) looks
up a line that is not there and the app dies with KeyError. Here such a page
goes to the first or last option instead.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList


def _guarded_move_page(original: Any) -> Any:
    def _move_page(self: OptionList, direction: Any) -> None:
        if self.options and (self.highlighted or 0) not in self._index_to_line:
            (self.action_last if direction > 0 else self.action_first)()
            return
        original(self, direction)

    _move_page.acct_tui_guard = True  # type: ignore[attr-defined]
    return _move_page


def apply() -> None:
    if not getattr(OptionList._move_page, "acct_tui_guard", False):
        OptionList._move_page = _guarded_move_page(OptionList._move_page)  # type: ignore[method-assign]
