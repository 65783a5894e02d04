"""The portfolio view, driven with real keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acct_tui.app import AcctApp
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.services.context import Ctx
from acct_tui.services.reads.portfolio import QuickFilter, SortKey
from acct_tui.services.writes.accounts import create_account
from acct_tui.widgets.rows import RowList
from tests.ui.conftest import press, screen_text, settle


def _table(app: AcctApp) -> RowList[Any]:
    return app.screen.query_one("#accounts", RowList)


async def test_portfolio_lists_accounts_with_readable_health(make_app: Callable[..., AcctApp]) -> None:
    """The demo opens on the portfolio: totals, the riskiest account first, health as word + symbol + score."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "Portfolio" in text and "Demo Manager" in text
        assert "accounts · ARR $" in text
        assert "▲ at risk" in text and "● healthy" in text
        first = _table(app).row_at(0)
        assert first.name == "Kestrel Freight"
        assert _table(app).row_count == 46


async def test_sort_filter_and_quick_filters(make_app: Callable[..., AcctApp]) -> None:
    """`s a` sorts by ARR (again reverses), `/` filters as you type, `a` shows only at-risk, escape clears."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        await press(app, pilot, "s", "a")
        assert screen.query_state.sort is SortKey.ARR
        arrs = [_table(app).row_at(i).arr for i in range(5)]
        assert arrs == sorted(arrs, reverse=True)
        await press(app, pilot, "s", "a")
        assert screen.query_state.descending is False
        assert _table(app).row_at(0).arr <= _table(app).row_at(1).arr

        await press(app, pilot, "slash", *"kestrel")
        assert _table(app).row_count == 1
        assert "Kestrel Freight" in screen_text(app)
        await press(app, pilot, "escape")
        assert _table(app).row_count == 46

        await press(app, pilot, "a")
        assert screen.query_state.quick is QuickFilter.AT_RISK
        rows = [_table(app).row_at(i) for i in range(_table(app).row_count)]
        assert rows and all(r.health_band.value == "at_risk" for r in rows)
        await press(app, pilot, "a")
        assert _table(app).row_count == 46


async def test_filter_matches_contact_names(make_app: Callable[..., AcctApp]) -> None:
    """Typing a contact's name finds their account."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash", *"ines hadd")
        names = [_table(app).row_at(i).name for i in range(_table(app).row_count)]
        assert "Kestrel Freight" in names
        assert len(names) < 5


async def test_cursor_keys_and_open_and_back(make_app: Callable[..., AcctApp]) -> None:
    """j/k/G/g move the cursor; enter opens the account; escape returns with the cursor where it was."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = _table(app)
        await pilot.press("j", "j", "j")
        assert table.cursor == 3
        await pilot.press("k")
        assert table.cursor == 2
        await pilot.press("G")
        assert table.cursor == 45
        await pilot.press("g")
        assert table.cursor == 0
        await pilot.press("j", "j")
        name = table.current.name
        await press(app, pilot, "enter")
        assert app.screen.__class__.__name__ == "AccountScreen"
        assert name in screen_text(app)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, PortfolioScreen)
        assert _table(app).cursor == 2


async def test_stored_text_is_shown_inert(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """A name full of markup and escape-looking text is shown as typed, never interpreted."""
    create_account(demo_ctx, {"name": "[bold red]Evil[/] Corp ⟦x⟧", "tier": "platinum", "arr": "1"})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "slash", *"evil")
        assert "[bold red]Evil[/] Corp ⟦x⟧" in screen_text(app)


async def test_fits_80_by_24(make_app: Callable[..., AcctApp]) -> None:
    """At 80x24 the essential columns stay (name, health, ARR, follow-up) and less vital ones drop."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        header = next(line for line in text.splitlines() if line.startswith("Account"))
        assert "Health" in header and "ARR" in header and "Follow-up" in header
        assert "Owner" not in header
        row = next(line for line in text.splitlines() if "Kestrel Freight" in line)
        assert "▲ at risk" in row and "$1.85M" in row  # each cell under its own column
        await press(app, pilot, "2")
        queue_row = next(line for line in screen_text(app).splitlines() if "Kestrel Freight" in line)
        assert "Send RCA" in queue_row


async def test_the_first_page_read_at_start_up_is_shown_without_asking_again(
    make_app: Callable[..., AcctApp], demo_ctx: Ctx
) -> None:
    """The command line reads the first page while the app loads; the portfolio shows that very page."""
    from dataclasses import replace

    from acct_tui.readahead import ReadAhead
    from acct_tui.services.reads.portfolio import PAGE, PortfolioQuery, portfolio_rows

    ahead = ReadAhead(portfolio_rows, demo_ctx, PortfolioQuery(), 0, PAGE)
    rows = ahead.take()
    assert rows
    # A page marked so the screen can only show it if it took the read-ahead.
    ahead = ReadAhead(lambda: [replace(rows[0], name="Read Ahead Ltd"), *rows[1:]])
    ahead.fn, ahead.args = portfolio_rows, (demo_ctx, PortfolioQuery(), 0, PAGE)
    app = make_app(read_ahead=ahead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert _table(app).row_at(0).name == "Read Ahead Ltd"
        assert "Read Ahead Ltd" in screen_text(app)
        assert app.read_ahead is None  # taken once
        await pilot.press("s", "n")  # another order: read from the database, not the read-ahead
        await settle(app, pilot)
        assert "Read Ahead Ltd" not in screen_text(app)


async def test_a_read_ahead_of_another_call_is_ignored(make_app: Callable[..., AcctApp], demo_ctx: Ctx) -> None:
    """A read-ahead that is not the screen's first call (other page size) changes nothing on screen."""
    from acct_tui.readahead import ReadAhead
    from acct_tui.services.reads.portfolio import PortfolioQuery, portfolio_rows

    ahead = ReadAhead(portfolio_rows, demo_ctx, PortfolioQuery(), 0, 3)
    app = make_app(read_ahead=ahead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert _table(app).row_count == 46
        assert app.read_ahead is ahead


async def test_the_footer_offers_open_log_and_follow_up_once_rows_are_there(
    make_app: Callable[..., AcctApp],
) -> None:
    """Keys that need a row are dimmed while the list is empty and bright once the first rows land.

    Wide enough for every key: on a narrower footer a dimmed key gives way to keys that apply."""
    from rich.text import Text

    from acct_tui.widgets.keybar import KeyBar

    def dimmed(app: AcctApp) -> set[str]:
        content = app.screen.query_one(KeyBar).content
        assert isinstance(content, Text)
        return {content.plain[span.start : span.end].strip() for span in content.spans if "dim" in str(span.style)}

    app = make_app()
    async with app.run_test(size=(220, 40)) as pilot:
        await settle(app, pilot)
        assert not {"Open", "Log", "Follow-up"} & dimmed(app)
        await pilot.press("slash", *"zzqx", "enter")  # a filter nothing matches
        await settle(app, pilot)
        assert _table(app).row_count == 0
        assert {"Open", "Log", "Follow-up"} <= dimmed(app)


async def test_a_cursor_move_redraws_two_lines_not_the_list(make_app: Callable[..., AcctApp]) -> None:
    """j and k redraw the row left and the row reached: over SSH that is about 1 KB a key, not a screenful."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = _table(app)
        drawn: list[int] = []
        render_line = table.render_line

        def counting(y: int) -> Any:
            drawn.append(y)
            return render_line(y)

        table.render_line = counting  # type: ignore[method-assign]
        for key in ("j", "j", "k"):
            drawn.clear()
            await pilot.press(key)
            await pilot.pause()
            assert len(drawn) <= 2, drawn
        assert table.cursor == 1


async def test_what_start_up_built_is_kept_out_of_full_collections(make_app: Callable[..., AcctApp]) -> None:
    """Once the portfolio is up the start-up objects are frozen, so a full GC pass cannot stall a key."""
    import gc

    gc.unfreeze()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert gc.get_freeze_count() > 10_000


async def test_a_theme_change_redraws_the_rows_in_its_colours(make_app: Callable[..., AcctApp]) -> None:
    """Drawn rows are cached; a new theme (from the palette) must not leave rows in the old colours."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = _table(app)
        before = [segment.style for segment in table.render_line(3)]
        app.theme = "textual-light"
        await settle(app, pilot)
        after = [segment.style for segment in table.render_line(3)]
        assert before != after
        assert table.base_style.bgcolor != before[0].bgcolor  # type: ignore[union-attr]
