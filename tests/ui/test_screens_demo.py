"""The demo tells a story over weeks: trends that move, concerns raised on their own days, sane products."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from acct_tui.app import AcctApp
from acct_tui.models import Account, Concern, HealthHistory, Subscription
from acct_tui.services.context import Ctx
from acct_tui.services.reads.history import health_trends
from acct_tui.services.store.unit import reading
from tests.ui.conftest import screen_text, settle


def _kestrel() -> Account:
    return Account.get(Account.name == "Kestrel Freight")


def test_every_account_has_weeks_of_history_and_trends_differ(demo_ctx: Ctx) -> None:
    """Each demo account has scores over at least eight weeks; the trends are not all flat, and Kestrel's falls."""
    with reading():
        ids = [a.id for a in Account.select(Account.id)]
        for account_id in ids:
            days = [h.day for h in HealthHistory.select().where(HealthHistory.account == account_id)]
            assert (max(days) - min(days)).days >= 49, account_id
        trends = health_trends(ids, demo_ctx.today)
        kestrel = _kestrel().id
    symbols = {t.symbol for t in trends.values()}
    assert {"↑", "↓"} <= symbols
    assert trends[kestrel].symbol == "↓" and trends[kestrel].delta < -50


def test_the_scripted_concerns_were_opened_on_different_days(demo_ctx: Ctx) -> None:
    """Kestrel's outage was raised 19 days ago, its invoice concern 34 days ago: not both today."""
    with reading():
        opened = {c.title: c.opened_at.date() for c in Concern.select().where(Concern.account == _kestrel().id)}
    ages = sorted((demo_ctx.today - day).days for day in opened.values())
    assert ages == [19, 34]


def test_product_lines_add_up_to_the_accounts_arr(demo_ctx: Ctx) -> None:
    """Seats times unit price over an account's products comes to about its ARR; Kestrel has its own lines."""
    with reading():
        totals: dict[int, Decimal] = {}
        for sub in Subscription.select():
            totals[sub.account_id] = totals.get(sub.account_id, Decimal(0)) + sub.quantity * sub.unit_price
        arr = dict(Account.select(Account.id, Account.arr).tuples())
        kestrel = _kestrel().id
    assert totals[kestrel] == arr[kestrel]
    for account_id, total in totals.items():
        assert Decimal("0.8") * arr[account_id] <= total <= Decimal("1.2") * arr[account_id], account_id


async def test_the_portfolio_shows_arrows_that_move(make_app: Callable[..., AcctApp]) -> None:
    """The demo portfolio shows rising and falling arrows, not only →."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "▲ at risk 5 ↓" in text and "↑" in text
