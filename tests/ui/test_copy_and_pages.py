"""`y` copies to the terminal's clipboard (OSC 52); ctrl+d / ctrl+u move half a screen; the card's trend line."""

from __future__ import annotations

from collections.abc import Callable

from acct_tui.app import AcctApp
from acct_tui.models import Contact
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.services.io.brief import account_brief
from acct_tui.services.store.unit import reading
from tests.ui.conftest import press, screen_text, settle


async def test_y_copies_the_highlighted_accounts_brief_and_a_contacts_email(make_app: Callable[..., AcctApp]) -> None:
    """On the portfolio `y` copies the brief of the account under the cursor; on Contacts, that contact's email."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "j")
        assert isinstance(app.screen, PortfolioScreen)
        row = app.screen.table.current
        assert row is not None
        await press(app, pilot, "y")
        assert app.clipboard == account_brief(app.ctx, row.id)
        assert f"# {row.name}" in app.clipboard
        assert any("Copied the brief of" in note.message for note in app._notifications)

        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        while app.screen.pane != "contacts":
            await press(app, pilot, "t")
        await press(app, pilot, "y")
        with reading():
            emails = {c.email for c in Contact.select().where(Contact.account == row.id)}
        assert app.clipboard in emails and "@" in app.clipboard


async def test_ctrl_d_and_ctrl_u_move_half_a_screen(make_app: Callable[..., AcctApp]) -> None:
    """In a list 20 rows high, ctrl+d moves the cursor down 9 rows and ctrl+u back up."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen)
        table = app.screen.table
        half = (table.size.height - 2) // 2
        assert half >= 5
        await press(app, pilot, "ctrl+d")
        assert table.cursor == half
        await press(app, pilot, "ctrl+d", "ctrl+u")
        assert table.cursor == half


async def test_the_card_shows_twelve_weeks_of_health_as_a_line(make_app: Callable[..., AcctApp]) -> None:
    """The demo's first account fell from healthy to at risk: its trend line and the scores it spans are shown."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        detail = app.screen.detail
        assert detail is not None
        weeks = [w for w in detail.health_weeks if w is not None]
        text = screen_text(app)
        assert f"12 weeks: {weeks[0]} → {weeks[-1]}" in text
        line = next(line for line in text.splitlines() if "12 weeks:" in line)
        assert sum(ch in "▁▂▃▄▅▆▇█" for ch in line) == len(detail.health_weeks)


async def test_slash_finds_a_row_in_the_queue_and_n_goes_to_the_next_match(make_app: Callable[..., AcctApp]) -> None:
    """`/renewal` jumps to the first row holding "renewal"; enter keeps the cursor; n and N walk the matches;
    on the portfolio, where `/` filters, n still makes a new account."""
    from acct_tui.screens.form import FormModal
    from acct_tui.screens.queue import QueueScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen)
        rows = app.screen.list
        items = [rows.row_at(i) for i in range(rows.row_count)]
        matches = [
            i
            for i, item in enumerate(items)
            if item is not None
            and "renewal" in str(getattr(item, "title", "")).casefold() + str(getattr(item, "kind", ""))
        ]
        assert len(matches) >= 2
        await press(app, pilot, "slash", *"renewal")
        assert rows.cursor == matches[0]
        await press(app, pilot, "enter", "n")
        assert rows.cursor == matches[1] and rows.has_focus
        await press(app, pilot, "N")
        assert rows.cursor == matches[0]
        await press(app, pilot, "1", "n")
        assert isinstance(app.screen, FormModal) and "New account" in screen_text(app)
