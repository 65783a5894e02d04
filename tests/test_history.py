"""Health history (a row per account per day the score changed) and the trend arrow it gives."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from acct_tui.clock import FixedClock
from acct_tui.models import Account, HealthHistory
from acct_tui.services.context import Ctx
from acct_tui.services.reads.history import health_trends, score_history
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts
from tests.conftest import TODAY


def _on(ctx: Ctx, offset: int) -> Ctx:
    return replace(ctx, clock=FixedClock.on(TODAY + dt.timedelta(days=offset)))


def _edit(ctx: Ctx, account_id: int, **changes: str) -> None:
    with reading():
        version = Account.get_by_id(account_id).version
    accounts.edit_account(ctx, account_id, version, changes)


def _rows(account_id: int) -> list[tuple[dt.date, int]]:
    with reading():
        return [
            (row.day, row.score)
            for row in HealthHistory.select().where(HealthHistory.account == account_id).order_by(HealthHistory.day)
        ]


def test_a_score_change_writes_one_row_per_day(ctx: Ctx) -> None:
    """Created (first score), changed twice the same day (one row, the last score), unchanged edits write nothing."""
    account_id = accounts.create_account(ctx, {"name": "Acme", "satisfaction": "10"})
    first = _rows(account_id)
    assert first == [(TODAY, 70)]
    _edit(ctx, account_id, satisfaction="6")
    _edit(ctx, account_id, satisfaction="3")
    _edit(ctx, account_id, notes="no score change")
    assert _rows(account_id) == [(TODAY, 50)]
    _edit(_on(ctx, 1), account_id, satisfaction="9")
    assert _rows(account_id) == [(TODAY, 50), (TODAY + dt.timedelta(days=1), 70)]
    assert [p.score for p in score_history(account_id)] == [70, 50]


def test_the_trend_compares_now_with_the_start_of_the_window(ctx: Ctx) -> None:
    """Up, down and flat over 30 days; an account with no history is flat."""
    rising = accounts.create_account(ctx, {"name": "Rising", "satisfaction": "3"})
    falling = accounts.create_account(ctx, {"name": "Falling", "satisfaction": "10"})
    steady = accounts.create_account(ctx, {"name": "Steady", "satisfaction": "10"})
    later = _on(ctx, 40)
    _edit(later, rising, satisfaction="10")
    _edit(later, falling, satisfaction="3")
    with reading():
        HealthHistory.delete().where(HealthHistory.account == steady).execute()
    trends = health_trends([rising, falling, steady], later.today)
    assert (trends[rising].symbol, trends[rising].delta, trends[rising].since) == ("↑", 20, TODAY)
    assert (trends[falling].symbol, trends[falling].delta) == ("↓", -20)
    assert (trends[steady].symbol, trends[steady].word) == ("→", "flat")


def test_a_young_account_is_compared_with_its_first_score(ctx: Ctx) -> None:
    """Created 5 days ago and better since: its trend is up against its first recorded score."""
    account_id = accounts.create_account(ctx, {"name": "New", "satisfaction": "3"})
    _edit(_on(ctx, 5), account_id, satisfaction="9")
    trend = health_trends([account_id], TODAY + dt.timedelta(days=5))[account_id]
    assert (trend.symbol, trend.since) == ("↑", TODAY)


def test_trends_take_the_scores_the_caller_already_has(ctx: Ctx) -> None:
    """With the page's scores passed in, the trend is the same and the account row is not read again."""
    from playhouse.test_utils import count_queries

    account_id = accounts.create_account(ctx, {"name": "Acme", "satisfaction": "3"})
    _edit(_on(ctx, 40), account_id, satisfaction="10")
    with reading():
        score = Account.get_by_id(account_id).health_score
        with count_queries() as counted:
            given = health_trends([account_id], TODAY + dt.timedelta(days=40), scores={account_id: score})
    assert given == health_trends([account_id], TODAY + dt.timedelta(days=40))
    assert counted.count == 1


def test_weekly_scores_carry_each_score_until_the_next_and_start_unscored() -> None:
    """A score holds until the next one; weeks before the first score are None; the order of points does not matter."""
    from acct_tui.services.reads.history import HistoryPoint, weekly_scores

    day = dt.date(2026, 12, 3)
    points = [
        HistoryPoint(day - dt.timedelta(days=2), 40, "at_risk"),
        HistoryPoint(day - dt.timedelta(days=22), 80, "healthy"),
        HistoryPoint(day - dt.timedelta(days=16), 60, "watch"),
    ]
    assert weekly_scores(points, day, weeks=5) == [None, 80, 60, 60, 40]


def test_the_client_detail_has_twelve_weeks_ending_on_todays_score(ctx: Ctx) -> None:
    """Scores recorded over weeks come back week by week, the one in force before the window included."""
    from acct_tui.services.reads.detail import client_detail

    account_id = accounts.create_account(_on(ctx, -100), {"name": "Acme", "satisfaction": "10"})
    _edit(_on(ctx, -30), account_id, satisfaction="5")
    weeks = client_detail(ctx, account_id).health_weeks
    assert len(weeks) == 12
    assert weeks[0] == 70  # the score from 100 days ago, still in force when the window starts
    assert weeks[-1] == client_detail(ctx, account_id).health.score
    assert weeks[-2] == _rows(account_id)[-1][1]
