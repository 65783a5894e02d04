"""What every screen shows fits its width with a sign of what did not fit: footers, pane tabs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from acct_tui.app import AcctApp
from acct_tui.widgets.keybar import KeyItem, key_line
from acct_tui.widgets.tabs import Tab, tab_line
from tests.ui.conftest import press, screen_text, settle


def _footer(app: AcctApp) -> str:
    return screen_text(app).rstrip("\n").splitlines()[-1]


def test_a_key_line_that_fits_shows_every_key_and_help_last() -> None:
    """All keys fit: each is shown, `? Keys` closes the line, no marker."""
    line = key_line([KeyItem("a", "Alpha"), KeyItem("b", "Beta")], KeyItem("?", "Keys"), 80).plain
    assert line == "a Alpha  b Beta  ? Keys"


def test_a_key_line_too_long_ends_with_a_marker_and_help() -> None:
    """Keys past the width are dropped whole, `… ? more keys` says where they went, within the width."""
    items = [KeyItem(c, f"Action {c}") for c in "abcdefghij"]
    line = key_line(items, KeyItem("?", "Keys"), 40).plain
    assert len(line) <= 40
    assert line.endswith("…  ? more keys")
    assert "a Action a" in line and "j Action j" not in line


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("keys", [[], ["2"], ["3"], ["enter"], ["enter", "t"]], ids=str)
async def test_every_footer_shows_help_and_marks_what_is_cut(
    make_app: Callable[..., AcctApp], size: tuple[int, int], keys: list[str]
) -> None:
    """On the main screens at 120 and 80 columns, `?` is always on the footer and a cut footer says so."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await press(app, pilot, key)
        footer = _footer(app)
        assert "? Keys" in footer or "…  ? more keys" in footer


async def test_help_lists_the_keys_the_footer_left_out(make_app: Callable[..., AcctApp]) -> None:
    """At 80 columns the portfolio footer cuts Undo and Quit; `?` shows them."""
    app = make_app()
    async with app.run_test(size=(80, 100)) as pilot:  # tall, so help shows whole
        await settle(app, pilot)
        assert "q Quit" not in _footer(app)
        await press(app, pilot, "question_mark")
        text = screen_text(app)
        assert "app.undo" in text and "app.quit" in text


def test_tabs_narrow_to_short_titles_then_a_window_with_markers() -> None:
    """Full titles when they fit, short ones next, then a window around the active tab with ‹ ›."""
    tabs = [Tab(str(i), f"Longtitle{i}", f"T{i}", i) for i in range(7)]
    assert "Longtitle6" in tab_line(tabs, "0", 200).plain
    assert tab_line(tabs, "0", 60).plain.startswith("▸T0 0 │ T1 1")
    narrow = tab_line(tabs, "3", 20).plain
    assert narrow.startswith("‹ ") and narrow.endswith(" ›") and "▸T3 3" in narrow and len(narrow) <= 20
    assert tab_line(tabs, "6", 20).plain.endswith("▸T6 6")


async def test_every_detail_tab_shows_at_80_by_24(make_app: Callable[..., AcctApp]) -> None:
    """The client detail at 80x24 names all seven panes, Products and History included."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        text = screen_text(app)
        for title in ("Time", "Follow", "Contacts", "Concerns", "Opps", "Products", "History"):
            assert title in text


def test_a_cut_key_line_drops_dimmed_keys_and_leads_with_the_screens_own() -> None:
    """When not all fit, keys that do not apply give way and the screen's leading keys come first."""
    items = [KeyItem("a", "Alpha"), KeyItem("b", "Beta", enabled=False), KeyItem("c", "Gamma", first=True)]
    items += [KeyItem(str(n), f"Other {n}") for n in range(10)]
    line = key_line(items, KeyItem("?", "Keys"), 40).plain
    assert line.startswith("c Gamma  a Alpha") and "Beta" not in line


async def test_the_follow_ups_pane_footer_keeps_snooze_and_reschedule(make_app: Callable[..., AcctApp]) -> None:
    """At 120 columns the detail's follow-ups pane shows d, s and r in its footer (they were cut off)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "t")
        footer = _footer(app)
        assert "d Done" in footer and "s Snooze" in footer and "r Reschedule" in footer
