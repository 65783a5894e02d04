"""The portfolio's display: the sort arrow, counts, the sort prompt, and a cursor that follows its account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from acct_tui.app import AcctApp
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import (
    PortfolioQuery,
    SortKey,
    neighbour,
    portfolio_after,
    portfolio_before,
    portfolio_rows,
    portfolio_tail,
    position_of,
)
from acct_tui.services.writes.accounts import create_account
from acct_tui.widgets.rows import RowList
from tests.ui.conftest import press, screen_text, settle


def _table(app: AcctApp) -> RowList[Any]:
    return app.screen.query_one("#accounts", RowList)


def _header(app: AcctApp) -> str:
    return next(line for line in screen_text(app).splitlines() if line.startswith("Account"))


async def test_the_column_header_arrow_follows_the_sort(make_app: Callable[..., AcctApp]) -> None:
    """`s a` moves the arrow to ARR (↓), `s a` again turns it ↑; Health loses its arrow."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "Health ↑" in _header(app)
        await press(app, pilot, "s", "a")
        header = _header(app)
        assert "ARR ↓" in header and "Health ↑" not in header
        await press(app, pilot, "s", "a")
        assert "ARR ↑" in _header(app)


async def test_one_account_is_counted_in_the_singular(make_app: Callable[..., AcctApp]) -> None:
    """A filter that leaves one account says "1 account", not "1 accounts"."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash", *"kestrel", "enter")
        text = screen_text(app)
        assert "1 account ·" in text and "1 accounts" not in text


async def test_the_sort_prompt_shows_every_choice_at_80_columns(make_app: Callable[..., AcctApp]) -> None:
    """`s` at 80 columns lists every sort key, owner last, and how to keep the order."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s")
        text = screen_text(app)
        assert "o owner" in text and "esc keeps the order" in text


async def test_clearing_the_filter_keeps_the_cursor_on_its_account(make_app: Callable[..., AcctApp]) -> None:
    """Filter down to one account, clear: the cursor is on that account among all of them, not on row 0."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash", *"zenith", "enter")
        assert _table(app).current.name == "Zenith Partners"
        await press(app, pilot, "escape")
        table = _table(app)
        assert table.row_count == 46
        assert table.cursor > 0 and table.current.name == "Zenith Partners"


async def test_back_from_detail_finds_the_account_after_rows_moved(
    make_app: Callable[..., AcctApp], demo_ctx: Ctx
) -> None:
    """An account added above the opened one while it was open: back, the cursor is still on the opened one."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "s", "n", "j", "j")
        opened = _table(app).current
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        assert "3 of 46 in the portfolio" in screen_text(app)
        create_account(demo_ctx, {"name": "Aaa First Corp", "tier": "bronze", "arr": "1"})
        app.data_version += 1
        await settle(app, pilot)
        assert "4 of 47 in the portfolio" in screen_text(app)  # asked again, not counted on
        await press(app, pilot, "escape")
        assert isinstance(app.screen, PortfolioScreen)
        assert _table(app).current.id == opened.id and _table(app).cursor == 3


async def test_back_after_walking_lands_on_the_account_walked_to(make_app: Callable[..., AcctApp]) -> None:
    """Open row 0, `]` twice to the third account, back: the cursor is on the third account."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        third = _table(app).row_at(2)
        await press(app, pilot, "enter", "right_square_bracket", "right_square_bracket")
        assert "3 of 46 in the portfolio" in screen_text(app)
        await press(app, pilot, "escape")
        assert _table(app).current.id == third.id


@pytest.fixture
def owned(ctx: Ctx) -> Ctx:
    """Accounts of three owners whose ids run against their names' order (Zoe first, then Mia, then Abe)."""
    from acct_tui.services.writes.agents import add_agent

    owners = [
        add_agent(ctx, login, name=name).id
        for login, name in (("zoe", "Zoe Zed"), ("mia", "Mia Mid"), ("abe", "Abe Aa"))
    ]
    for n in range(14):
        create_account(ctx, {"name": f"Acct {n % 4}", "tier": "gold", "arr": "1"}, owner_id=owners[n % 3], force=True)
    return ctx


@pytest.mark.parametrize("descending", [False, True])
def test_the_owner_sort_goes_by_the_owners_name_and_pages_both_ways(owned: Ctx, descending: bool) -> None:
    """`s o` orders by owner name (then account name); pages forward, backward, from the tail and by offset agree."""
    query = PortfolioQuery(sort=SortKey.OWNER, descending=descending)
    everything = portfolio_rows(owned, query, 0, 100)
    names = [r.owner_name for r in everything]
    assert names == sorted(names, key=str.casefold, reverse=descending)
    assert names[0] == ("Zoe Zed" if descending else "Abe Aa")
    ids = [r.id for r in everything]
    forward = portfolio_rows(owned, query, 0, 4)
    while len(forward) < len(ids):
        forward += portfolio_after(owned, query, forward[-1].key, 4)
    assert [r.id for r in forward] == ids
    backward = portfolio_tail(owned, query, 4)
    while len(backward) < len(ids):
        backward = portfolio_before(owned, query, backward[0].key, 4) + backward
    assert [r.id for r in backward] == ids
    assert [r.id for r in portfolio_rows(owned, query, 6, 5)] == ids[6:11]
    assert position_of(owned, query, ids[7]) == 7
    assert neighbour(owned, query, ids[7], +1) == ids[8] and neighbour(owned, query, ids[7], -1) == ids[6]


async def test_a_filter_matching_more_than_the_list_holds_says_so(
    make_app: Callable[..., AcctApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More matches than the list holds: it holds the limit and the query line says "3+ match, first 3 shown"."""
    from acct_tui.services.store import search

    monkeypatch.setattr(search, "LIST_LIMIT", 3)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash", "a", "enter")
        assert _table(app).row_count == 3
        assert "3+ match, first 3 shown: type more to narrow" in screen_text(app)
