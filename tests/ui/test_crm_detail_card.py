"""The client detail card shows what a CRM export brought: place, size, phone, client since."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from acct_tui.app import AcctApp
from acct_tui.models import Account, database_proxy
from acct_tui.screens.detail import AccountScreen
from tests.ui.conftest import press, screen_text, settle


async def test_card_shows_the_crm_details_on_one_line(make_app: Callable[..., AcctApp]) -> None:
    """An account with city, country, employees, phone and client-since shows them as one card line."""
    with database_proxy.connection_context(), database_proxy.atomic():
        Account.update(
            phone="+33 4 72 00 00",
            city="Lyon",
            country="France",
            employees=1320,
            client_since=dt.date(2021, 3, 14),
        ).execute()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        text = screen_text(app)
    assert "Lyon, France · 1,320 staff · +33 4 72 00 00 · since 2021" in text


async def test_card_has_no_empty_details_line(make_app: Callable[..., AcctApp]) -> None:
    """An account with none of those details gets no extra card line (the owner line follows the name)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, AccountScreen)
        text = screen_text(app)
    assert " staff · " not in text and "since " not in text
