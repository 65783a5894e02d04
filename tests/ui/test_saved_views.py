"""Saved views: `:save NAME` (or `V`) keeps the portfolio's sort, filter and quick filters; `:view NAME`,
the palette and `portfolio --view NAME` bring them back."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from textual.command import CommandInput

from acct_tui.app import AcctApp
from acct_tui.models import SavedView
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import QuickFilter, SortKey
from acct_tui.services.store.unit import reading
from acct_tui.services.writes.views import saved_view
from tests.ui.conftest import press, screen_text, settle


async def _line(app: AcctApp, pilot: object, text: str) -> None:
    from textual.widgets import Input

    await press(app, pilot, "colon")  # type: ignore[arg-type]
    app.screen.query_one("#command-input", Input).value = text
    await press(app, pilot, "enter")  # type: ignore[arg-type]


async def test_save_then_recall_a_view_by_the_prompt_and_the_palette(make_app: Callable[..., AcctApp]) -> None:
    """At-risk, sorted by ARR: `:save risky` stores it; after esc clears it, `:view risky` and the palette restore it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "a", "s", "a")  # the at-risk filter, then sort by ARR
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        wanted = screen.query_state
        assert wanted.quick is QuickFilter.AT_RISK and wanted.sort is SortKey.ARR
        await _line(app, pilot, "save risky")
        with reading():
            stored = SavedView.get(SavedView.name == "risky")
        assert json.loads(stored.state)["quick"] == "at_risk" and stored.agent_id == app.ctx.agent.id
        await press(app, pilot, "escape")
        assert screen.query_state.quick is QuickFilter.ALL
        await _line(app, pilot, "view risky")
        assert (screen.query_state.quick, screen.query_state.sort) == (wanted.quick, wanted.sort)
        assert "at risk" in screen_text(app)

        await press(app, pilot, "escape", "ctrl+p")
        app.screen.query_one(CommandInput).value = "view: ris"
        await settle(app, pilot, rounds=5)
        assert "View: risky" in screen_text(app)
        await press(app, pilot, "enter")
        await settle(app, pilot)
        assert app.screen is screen and screen.query_state.quick is QuickFilter.AT_RISK


async def test_v_saves_from_a_form_and_a_saved_view_is_not_an_undo_step(
    make_app: Callable[..., AcctApp], demo_ctx: Ctx
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "r", "V", *"renewals", "ctrl+s")
        assert saved_view(demo_ctx, "RENEWALS").state["quick"] == "renewing"
        assert not any("z to undo" in note.message for note in app._notifications)


def test_portfolio_view_on_the_command_line(demo_ctx: Ctx, capsys: pytest.CaptureFixture[str]) -> None:
    """`portfolio --view NAME` lists what the view shows; an unknown name lists the agent's views."""
    from acct_tui.services.errors import NotFound
    from acct_tui.services.grammar import Command, execute
    from acct_tui.services.writes.views import save_view

    save_view(demo_ctx, "risky", {"quick": "at_risk", "sort": "arr", "descending": True})
    args = {"view": "risky", "sort": "health", "quick": "all", "filter": "", "limit": 100}
    shown = execute(demo_ctx, Command("portfolio", args))
    assert shown.data["rows"] and all(row["health"]["band"] == "at_risk" for row in shown.data["rows"])
    with pytest.raises(NotFound, match="no saved view 'nope'; yours: risky"):
        execute(demo_ctx, Command("portfolio", {**args, "view": "nope"}))


def test_unsave_forgets_a_view(demo_ctx: Ctx) -> None:
    """`:unsave RISKY` removes the agent's view "risky"; asking for it then names what is left."""
    from acct_tui.services.errors import NotFound
    from acct_tui.services.grammar import Command, execute
    from acct_tui.services.writes.views import save_view, saved_views

    save_view(demo_ctx, "risky", {"quick": "at_risk"})
    save_view(demo_ctx, "renewals", {"quick": "renewing"})
    done = execute(demo_ctx, Command("unsave", {"words": ["RISKY"]}, origin="prompt"))
    assert done.message == "Forgot the view risky"
    assert [v.name for v in saved_views(demo_ctx)] == ["renewals"]
    with pytest.raises(NotFound, match="yours: renewals"):
        execute(demo_ctx, Command("view", {"words": ["risky"]}, origin="prompt"))
