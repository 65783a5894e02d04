"""The command palette: only commands an account manager uses, and account search that finds CJK substrings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.command import CommandInput

from acct_tui.app import AcctApp
from acct_tui.screens.detail import AccountScreen
from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import PortfolioQuery, portfolio_rows
from acct_tui.services.writes.accounts import create_account
from tests.ui.conftest import press, screen_text, settle


@pytest.mark.parametrize("typed", ["テスト", "株式", "会社テ", "テスト acme", "서울", "데이터"])
def test_a_cjk_substring_finds_its_account(ctx: Ctx, typed: str) -> None:
    """A run of Han, kana or Hangul is one word to the index: any part of it still finds the account."""
    japanese = create_account(ctx, {"name": "株式会社テスト", "domain": "acme.jp", "tier": "gold", "arr": "1"})
    korean = create_account(ctx, {"name": "서울데이터", "tier": "gold", "arr": "1"})
    create_account(ctx, {"name": "Other Corp", "tier": "gold", "arr": "1"})
    found = {row.id for row in portfolio_rows(ctx, PortfolioQuery(text=typed), 0, 10)}
    assert found == ({korean} if typed in ("서울", "데이터") else {japanese})


def test_a_latin_word_with_a_cjk_one_still_narrows_through_the_index(ctx: Ctx) -> None:
    """`acme テスト`: the Latin word goes through the full-text index, the CJK one is tested on those rows."""
    from playhouse.test_utils import count_queries

    from acct_tui.db import is_postgres

    if is_postgres():
        pytest.skip("the full-text index is SQLite's")
    create_account(ctx, {"name": "株式会社テスト", "domain": "acme.jp", "tier": "gold", "arr": "1"})
    with count_queries() as counter:
        portfolio_rows(ctx, PortfolioQuery(text="acme テスト"), 0, 10)
    assert any("account_fts" in record.msg[0] for record in counter.get_queries())


async def test_the_palette_finds_a_cjk_substring(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """ctrl+p, `テスト`: "Open account: 株式会社テスト" is offered, and enter opens it."""
    account_id = create_account(demo_ctx, {"name": "株式会社テスト", "tier": "gold", "arr": "1"})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "ctrl+p")
        app.screen.query_one(CommandInput).value = "テスト"
        await settle(app, pilot, rounds=5)
        assert "Open account: 株式会社テスト" in screen_text(app)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen) and app.screen.account_id == account_id


def _offered(app: AcctApp) -> list[str]:
    """The titles the open palette lists."""
    from textual.command import CommandList

    options = app.screen.query_one(CommandList)
    return [str(getattr(options.get_option_at_index(i).prompt, "plain", "")) for i in range(options.option_count)]


@pytest.mark.parametrize("typed", ["screenshot", "scroll up", "maximize", "focus next"])
async def test_textuals_own_commands_stay_out_of_the_palette(make_app: Callable[..., AcctApp], typed: str) -> None:
    """Screenshot, Scroll Up, Maximize, Focus Next are not offered; the screen's own keys and Theme are."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "ctrl+p")
        box = app.screen.query_one(CommandInput)
        box.value = typed
        await settle(app, pilot, rounds=5)
        assert not any(typed in title.lower() for title in _offered(app)), _offered(app)
        for kept in ("theme", "quit", "export"):
            box.value = kept
            await settle(app, pilot, rounds=5)
            assert any(kept in title.lower() for title in _offered(app)), (kept, _offered(app))
