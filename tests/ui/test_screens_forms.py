"""Form fields are compact, so their focus, drop-downs and checkbox state are drawn by style, colour or none."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Checkbox, Select

from acct_tui.app import AcctApp
from tests.ui.conftest import press, settle


def _reversed_labels(app: AcctApp) -> list[str]:
    return [str(label.render()) for label in app.screen.query(".field-label") if label.rich_style.reverse]


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_the_focused_fields_label_is_marked_and_follows_tab(
    make_app: Callable[..., AcctApp], monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    """In the contact form the focused field's label is bold and reversed, and only that one, as tab moves."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.no_color is no_color
        await settle(app, pilot)
        await press(app, pilot, "enter", "c")
        assert _reversed_labels(app) == ["Name *"]
        await press(app, pilot, "tab")
        assert _reversed_labels(app) == ["Role"]


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_a_checkbox_on_looks_unlike_off(
    make_app: Callable[..., AcctApp], monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    """Off is a dim X; on is reversed and bold: told apart without colour, focused or not."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "c")
        box = app.screen.query_one(Checkbox)
        off = box.get_component_rich_style("toggle--button")
        assert off.dim and not off.reverse
        box.focus()
        await press(app, pilot, "space")
        assert box.value is True
        on_focused = box.get_component_rich_style("toggle--button")
        assert on_focused.reverse and on_focused.bold
        await press(app, pilot, "space")
        assert not box.get_component_rich_style("toggle--button").reverse


async def test_a_drop_down_stands_out_from_the_form(make_app: Callable[..., AcctApp]) -> None:
    """A choice field has its own background, and its open list a border, unlike the form behind it."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "f")
        select = app.screen.query(Select).first()
        current = select.query_one("SelectCurrent")
        form_box = app.screen.query_one("#form-box")
        assert current.styles.background != form_box.styles.background
        overlay = select.query_one("SelectOverlay")
        assert overlay.styles.border_top[0] == "round"
