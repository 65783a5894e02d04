"""Health history and trend: a row per account per day its score changed, and the arrow it gives.

The rows are written by the derived refresh (`derived.record_scores`), inside
the transaction that moved the scores. `health_trends` answers, for a page of accounts, whether
the score went up, down or stayed put over the last `TREND_DAYS` days: it
compares the score now with the one in force on the first day of the window
(the account's first recorded score, if it is younger than that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from peewee import fn

from acct_tui.models import Account, HealthHistory
from acct_tui.services.store.rows import as_date, tuple_rows
from acct_tui.services.store.unit import reading

TREND_DAYS = 30
UP, DOWN, FLAT = "↑", "↓", "→"


@dataclass(frozen=True)
class Trend:
    """Where an account's score went over the window."""

    symbol: str
    """↑, ↓ or →: readable without colour."""
    delta: int
    """Score now minus score at the start of the window."""
    since: dt.date | None
    """The day of the score compared with (None: no history yet)."""

    @property
    def word(self) -> str:
        return {UP: "up", DOWN: "down"}.get(self.symbol, "flat")


NO_TREND = Trend(FLAT, 0, None)


@dataclass(frozen=True)
class HistoryPoint:
    day: dt.date
    score: int
    band: str


def health_trends(
    account_ids: Sequence[int],
    today: dt.date,
    days: int = TREND_DAYS,
    *,
    scores: Mapping[int, int] | None = None,
) -> dict[int, Trend]:
    """The trend of each account (those without history are flat), in two or three indexed queries.

    Meant for a page of the portfolio: a few dozen ids at a time. `scores`
    (account id -> score now), when the caller has them, saves reading them.
    """
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    start = today - dt.timedelta(days=days)
    with reading():
        if scores is None:
            now = dict(tuple_rows(Account.select(Account.id, Account.health_score).where(Account.id.in_(ids))))
        else:
            now = dict(scores)
        latest_before = (
            HealthHistory.select(HealthHistory.account, fn.MAX(HealthHistory.day).alias("day"))
            .where(HealthHistory.account.in_(ids), HealthHistory.day <= start)
            .group_by(HealthHistory.account)
        )
        baseline: dict[int, tuple[dt.date, int]] = {
            account_id: (as_date(day), score)
            for account_id, day, score in tuple_rows(
                HealthHistory.select(HealthHistory.account, HealthHistory.day, HealthHistory.score).join(
                    latest_before,
                    on=(
                        (HealthHistory.account == latest_before.c.account_id)
                        & (HealthHistory.day == latest_before.c.day)
                    ),
                )
            )
        }
        missing = [i for i in ids if i not in baseline]
        if missing:
            first_in = (
                HealthHistory.select(HealthHistory.account, fn.MIN(HealthHistory.day).alias("day"))
                .where(HealthHistory.account.in_(missing), HealthHistory.day > start)
                .group_by(HealthHistory.account)
            )
            for account_id, day, score in tuple_rows(
                HealthHistory.select(HealthHistory.account, HealthHistory.day, HealthHistory.score).join(
                    first_in,
                    on=((HealthHistory.account == first_in.c.account_id) & (HealthHistory.day == first_in.c.day)),
                )
            ):
                baseline[account_id] = (as_date(day), score)
    trends: dict[int, Trend] = {}
    for account_id in ids:
        if account_id not in baseline or account_id not in now:
            trends[account_id] = NO_TREND
            continue
        since, then = baseline[account_id]
        delta = int(now[account_id]) - int(then)
        symbol = UP if delta > 0 else DOWN if delta < 0 else FLAT
        trends[account_id] = Trend(symbol, delta, since)
    return trends


def score_history(account_id: int, limit: int = 30) -> list[HistoryPoint]:
    """The account's recorded scores, newest first (the caller checks the agent may see it)."""
    with reading():
        return [
            HistoryPoint(as_date(day), int(score), str(band))
            for day, score, band in tuple_rows(
                HealthHistory.select(HealthHistory.day, HealthHistory.score, HealthHistory.band)
                .where(HealthHistory.account == account_id)
                .order_by(HealthHistory.day.desc())
                .limit(limit)
            )
        ]


SPARK_WEEKS = 12


def weekly_scores(points: Sequence[HistoryPoint], today: dt.date, weeks: int = SPARK_WEEKS) -> list[int | None]:
    """The score in force at the end of each of the last `weeks` weeks, oldest first (None: not yet scored).

    `points` are the account's recorded scores in any order; a score holds until the next one.
    """
    ordered = sorted(points, key=lambda p: p.day)
    found: list[int | None] = []
    at = 0
    current: int | None = None
    for week in range(weeks - 1, -1, -1):
        end = today - dt.timedelta(days=7 * week)
        while at < len(ordered) and ordered[at].day <= end:
            current = ordered[at].score
            at += 1
        found.append(current)
    return found


def health_weeks(account_id: int, today: dt.date, weeks: int = SPARK_WEEKS) -> list[int | None]:
    """`weekly_scores` read from the account's history: the window's rows and the one in force before it."""
    start = today - dt.timedelta(days=7 * (weeks - 1))
    with reading():
        rows = tuple_rows(
            HealthHistory.select(HealthHistory.day, HealthHistory.score, HealthHistory.band)
            .where(HealthHistory.account == account_id, HealthHistory.day > start)
            .order_by(HealthHistory.day)
        )
        before = tuple_rows(
            HealthHistory.select(HealthHistory.day, HealthHistory.score, HealthHistory.band)
            .where(HealthHistory.account == account_id, HealthHistory.day <= start)
            .order_by(HealthHistory.day.desc())
            .limit(1)
        )
        points = [HistoryPoint(as_date(d), int(s), str(b)) for d, s, b in [*before, *rows]]
    return weekly_scores(points, today, weeks)
