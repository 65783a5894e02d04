"""Textual bugs a key press could hit, and the work-arounds acct-tui applies."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import OptionList

import acct_tui.app  # noqa: F401  (loading the app applies the fixes)


class Squeezed(App[None]):
    CSS = "OptionList { height: 0; }"

    def compose(self) -> ComposeResult:
        yield OptionList("one", "two", "three")


async def test_page_keys_on_an_option_list_with_no_lines_yet_do_not_crash() -> None:
    """An OptionList with no height has no lines laid out; page keys go to the ends instead of KeyError."""
    app = Squeezed()
    async with app.run_test(size=(40, 10)) as pilot:
        options = app.query_one(OptionList)
        options.focus()
        options.highlighted = 1
        await pilot.press("pagedown")
        assert options.highlighted == 2
        await pilot.press("pageup")
        assert options.highlighted == 0
    assert app.return_code in (None, 0)
