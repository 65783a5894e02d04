"""Text in scripts whose clusters Rich mismeasures (Bengali) lines up as the terminal draws it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import wcwidth

from acct_tui.app import AcctApp
from acct_tui.services.context import Ctx
from acct_tui.services.writes.accounts import create_account
from acct_tui.text import cell_width, clip, fit
from tests.ui.conftest import press, screen_text, settle

BENGALI = "শুভজিৎ বন্দ্যোপাধ্যায় ট্রেডার্স"


def test_widths_are_counted_by_grapheme_cluster() -> None:
    """A Bengali name measures as wcwidth's clusters do; a cut never splits a cluster; fit pads to the cells."""
    assert cell_width(BENGALI) == wcwidth.width(BENGALI)
    assert cell_width("株式会社") == 8 and cell_width("Müller") == 6
    for width in range(1, 22):
        cut = clip(BENGALI, width)
        assert cell_width(cut) <= width
        assert cut == BENGALI or cut[:-1] in ("".join(list(wcwidth.iter_graphemes(BENGALI))[:n]) for n in range(15))
        assert wcwidth.width(fit(BENGALI, width)) == width


def _misaligned(app: AcctApp) -> list[tuple[int, str]]:
    """Screen lines whose drawn width, measured by wcwidth, is not the terminal's width."""
    width = app.size.width
    return [(wcwidth.width(line), line) for line in screen_text(app).splitlines() if wcwidth.width(line) != width]


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_a_bengali_name_keeps_its_row_in_line(
    make_app: Callable[..., AcctApp], demo_ctx: Ctx, size: tuple[int, int]
) -> None:
    """The portfolio row of a Bengali-named account is as wide as the others and its next column starts where theirs do."""
    create_account(demo_ctx, {"name": BENGALI, "tier": "gold", "arr": "1"})
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s", "n", "G")
        assert _misaligned(app) == []
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.startswith("Account"))
        row = next(line for line in lines if line.startswith("শুভ"))
        health_at = wcwidth.width(header[: header.index("Health")])
        assert wcwidth.width(row[: row.index("◐")]) == health_at


async def test_a_bengali_name_keeps_the_form_border_in_place(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """Editing a Bengali-named account: the name in the title and in its input leave the border where it belongs."""
    create_account(demo_ctx, {"name": BENGALI, "tier": "gold", "arr": "1"})
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s", "n", "G", "enter", "e")
        text = screen_text(app)
        assert "Edit · শুভজিৎ" in text
        assert _misaligned(app) == []
