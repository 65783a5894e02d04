"""The Reports view (`4`): each report readable at 80x24 without colour, and the team view drilling into an agent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from acct_tui.app import AcctApp
from acct_tui.screens.help import HelpScreen
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.screens.reports import TABS, ReportsScreen
from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import PortfolioQuery, portfolio_count
from acct_tui.services.reads.reports import team_lines
from acct_tui.services.writes.agents import find_agent
from tests.ui.conftest import press, screen_text, settle


async def test_four_opens_the_reports_at_80x24_readable_without_colour(
    make_app: Callable[..., AcctApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR, 80x24: `4` shows ARR by health band as numbers and block bars; every tab fits the width."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "4")
        assert isinstance(app.screen, ReportsScreen)
        text = screen_text(app)
        lines = text.splitlines()
        assert "Reports" in lines[0]
        assert "▸ARR by health" in lines[1] and "Team" in lines[1]
        assert "ARR by health band at each week's end" in text
        assert "█ ● healthy  ▓ ◐ watch  ░ ▲ at risk" in text
        week = next(line for line in lines if line.strip().startswith("27 Nov"))
        assert "█" in week and any(ch.isdigit() for ch in week)
        assert "Next report" in lines[-1]
        for tab in TABS[1:]:
            await press(app, pilot, "right")
            assert app.screen.active == tab.key  # type: ignore[attr-defined]
            shown = screen_text(app)
            assert "Loading" not in shown
            if tab.key != "team":  # the team list fits its columns to the width itself
                body = shown.splitlines()[2:-2]
                # Nothing cut at the right edge: the report's text ends before the last column.
                assert all(len(line.rstrip()) <= 79 for line in body), shown
        assert "Satisfaction" in screen_text(app).splitlines()[1]
        await press(app, pilot, "left")
        assert "Accounts by satisfaction score (0-10)" in screen_text(app)
        assert "unknown" in screen_text(app)


async def test_the_team_view_drills_into_an_agents_portfolio(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """`4`, `t`: a line per agent of the lead's team; enter on one narrows to their accounts and opens the portfolio."""
    expected = team_lines(demo_ctx).lines
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "4", "t")
        text = screen_text(app)
        assert "▸Team" in text.splitlines()[1]
        for line in expected:
            assert line.name in text
        assert "Overdue" in text and "Risk ARR" in text
        await press(app, pilot, "down")
        chosen = expected[1]
        await press(app, pilot, "enter")
        assert isinstance(app.screen, PortfolioScreen)
        assert app.ctx.context is not None and app.ctx.context.terms == (("owner", chosen.login),)
        shown = screen_text(app)
        assert f"context owner {chosen.login}" in shown.splitlines()[0]
        assert shown.splitlines()[1].startswith(f" {chosen.accounts} accounts")
        assert portfolio_count(app.ctx, PortfolioQuery(context=app.ctx.context.terms)) == chosen.accounts
        # Back in the reports, the figures follow the narrowed view.
        await press(app, pilot, "4")
        assert [line.login for line in team_lines(app.ctx).lines] == [chosen.login]


async def test_a_plain_agent_sees_only_their_own_line(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """An agent (not a lead): the team tab says it is for leads and lists their line alone."""
    mate = next(line for line in team_lines(demo_ctx).lines if line.login != demo_ctx.agent.login)
    agent = find_agent(mate.login)
    assert agent is not None
    app = make_app(replace(demo_ctx, agent=agent))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "4", "t")
        text = screen_text(app)
        assert "Team view is for leads" in text
        others = [line.name for line in team_lines(demo_ctx).lines if line.login != mate.login]
        assert mate.name in text and not any(name in text for name in others)


async def test_reports_is_in_the_help_and_the_palette(make_app: Callable[..., AcctApp]) -> None:
    """`?` lists 4 Reports; the palette offers it by name, and it opens the view."""
    from textual.command import CommandInput, CommandList

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("4", "app.reports") in {(key, binding_id) for key, _sentence, binding_id in app.screen.rows}
        await press(app, pilot, "escape", "ctrl+p")
        app.screen.query_one(CommandInput).value = "reports"
        await settle(app, pilot, rounds=5)
        options = app.screen.query_one(CommandList)
        titles = [str(getattr(options.get_option_at_index(i).prompt, "plain", "")) for i in range(options.option_count)]
        assert any(title.splitlines()[0] == "Reports" for title in titles), titles
        await press(app, pilot, "enter")
        assert isinstance(app.screen, ReportsScreen)
