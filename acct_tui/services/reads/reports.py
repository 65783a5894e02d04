"""Reports: the book seen whole, each from one or two indexed queries, scoped to what the agent may see.

- `arr_by_band`: ARR by health band at the end of each of the last weeks (from the health history);
- `renewals_by_month`: renewals of the next twelve months, with the ARR of those at risk;
- `followups_by_week`: follow-ups due and done per week;
- `concerns_by_age`: open concerns by severity and how long they have been open;
- `satisfaction_spread`: how many accounts gave each satisfaction score, and how many gave none;
- `team_lines`: per owner, accounts, ARR, overdue follow-ups, at-risk ARR and last touch (for leads).

Every query goes through the scope rule (`store.scope.scoped`) and the active
context (`reads.contexts.narrow`). ARR is the account's ARR today, summed as
stored whatever its currency (the report says which currencies it summed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import Case, fn

from acct_tui.models import Account, Agent, Concern, FollowUp, HealthHistory
from acct_tui.services.context import Ctx
from acct_tui.services.reads.contexts import narrow
from acct_tui.services.store.derived import local_date
from acct_tui.services.store.rows import as_date, tuple_rows
from acct_tui.services.store.scope import scoped
from acct_tui.services.store.unit import reading
from acct_tui.vocab import ConcernStatus, FollowUpStatus, HealthBand, Severity, Stage

WEEKS = 12
"""Weeks the ARR-by-band and follow-up reports look back (the current week included)."""
MONTHS = 12
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (("<1w", 7), ("1-4w", 30), ("1-3m", 90), ("3m+", None))
"""Age buckets of open concerns: a label and the age in days it stays under (None: no limit)."""
BANDS = (HealthBand.HEALTHY, HealthBand.WATCH, HealthBand.AT_RISK)
SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


@dataclass(frozen=True)
class BandWeek:
    """The ARR (and the accounts) in each band at a week's end."""

    week_end: dt.date
    arr: dict[HealthBand, Decimal]
    accounts: dict[HealthBand, int]


@dataclass(frozen=True)
class ArrByBand:
    weeks: tuple[BandWeek, ...]
    currencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenewalMonth:
    month: dt.date
    """The first day of the month."""
    accounts: int
    arr: Decimal
    at_risk_accounts: int
    at_risk_arr: Decimal


@dataclass(frozen=True)
class Renewals:
    start: dt.date
    """Counted from this day (today) to the end of the twelfth month."""
    months: tuple[RenewalMonth, ...]
    currencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowupWeek:
    week_start: dt.date
    """A Monday; the last week is the current one, counted up to today."""
    due: int
    """Follow-ups (not cancelled) whose due date falls in the week."""
    done: int
    """Follow-ups marked done during the week."""


@dataclass(frozen=True)
class FollowupWeeks:
    weeks: tuple[FollowupWeek, ...]


@dataclass(frozen=True)
class ConcernRow:
    severity: Severity
    by_age: tuple[int, ...]
    """Open concerns per age bucket, in the order of `AGE_BUCKETS`."""

    @property
    def total(self) -> int:
        return sum(self.by_age)


@dataclass(frozen=True)
class ConcernAges:
    buckets: tuple[str, ...]
    rows: tuple[ConcernRow, ...]


@dataclass(frozen=True)
class SatisfactionSpread:
    counts: tuple[int, ...]
    """Accounts per score, 0 to 10."""
    unknown: int


@dataclass(frozen=True)
class TeamLine:
    agent_id: int
    login: str
    name: str
    accounts: int
    arr: Decimal
    overdue_followups: int
    """Overdue follow-ups on the agent's accounts."""
    at_risk_accounts: int
    at_risk_arr: Decimal
    last_touch_on: dt.date | None


@dataclass(frozen=True)
class TeamReport:
    lines: tuple[TeamLine, ...]
    for_lead: bool
    """False for a plain agent: the lines hold only their own."""
    currencies: tuple[str, ...] = field(default=())


def _visible(ctx: Ctx, query: Any) -> Any:
    """A query that joins (or selects from) Account, narrowed to the agent's scope and the active context."""
    return narrow(scoped(query, ctx.agent), ctx.context)


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def week_starts(today: dt.date, weeks: int) -> list[dt.date]:
    """The Mondays of the last `weeks` weeks, oldest first; the last is this week's."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]


def _week_ends(today: dt.date, weeks: int) -> list[dt.date]:
    return [min(start + dt.timedelta(days=6), today) for start in week_starts(today, weeks)]


def _currencies(ctx: Ctx) -> tuple[str, ...]:
    query = _visible(ctx, Account.select(Account.currency).distinct())
    return tuple(sorted(str(c) for (c,) in tuple_rows(query)))


def arr_by_band(ctx: Ctx, weeks: int = WEEKS) -> ArrByBand:
    """Per week end, the ARR of the accounts in each band then (the band in force that day).

    Two indexed reads of the history: the rows inside the window and, per account,
    the last row before it. An account not yet scored at a week's end is not counted that week.
    """
    ends = _week_ends(ctx.today, weeks)
    first = ends[0]
    columns = (HealthHistory.account, HealthHistory.day, HealthHistory.band, Account.arr)
    with reading():
        inside = _visible(
            ctx,
            HealthHistory.select(*columns)
            .join(Account, on=HealthHistory.account == Account.id)
            .where(HealthHistory.day > first, HealthHistory.day <= ctx.today),
        )
        latest = (
            HealthHistory.select(HealthHistory.account, fn.MAX(HealthHistory.day).alias("day"))
            .where(HealthHistory.day <= first)
            .group_by(HealthHistory.account)
        )
        before = _visible(
            ctx,
            HealthHistory.select(*columns)
            .join(latest, on=(HealthHistory.account == latest.c.account_id) & (HealthHistory.day == latest.c.day))
            .join(Account, on=HealthHistory.account == Account.id),
        )
        points: dict[int, list[tuple[dt.date, str]]] = {}
        arr: dict[int, Decimal] = {}
        for account_id, day, band, amount in [*tuple_rows(before), *tuple_rows(inside)]:
            points.setdefault(account_id, []).append((as_date(day), str(band)))
            arr[account_id] = _money(amount)
        currencies = _currencies(ctx)
    totals = [({b: Decimal("0.00") for b in BANDS}, dict.fromkeys(BANDS, 0)) for _ in ends]
    for account_id, rows in points.items():
        rows.sort()
        at, band = 0, None
        for index, end in enumerate(ends):
            while at < len(rows) and rows[at][0] <= end:
                band = rows[at][1]
                at += 1
            if band is None:
                continue
            key = HealthBand(band)
            totals[index][0][key] += arr[account_id]
            totals[index][1][key] += 1
    return ArrByBand(
        tuple(BandWeek(end, money, count) for end, (money, count) in zip(ends, totals, strict=True)), currencies
    )


def _month_after(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def renewals_by_month(ctx: Ctx, months: int = MONTHS) -> Renewals:
    """Renewals from today to the end of the `months`-th month (this one first), per month:
    how many, their ARR, and the ARR of those at risk now. Churned accounts renew nothing."""
    today = ctx.today
    end = _month_after(today, months) - dt.timedelta(days=1)
    at_risk = Account.health_band == HealthBand.AT_RISK.value
    query = (
        Account.select(
            Account.renewal_on,
            fn.COUNT(Account.id),
            fn.SUM(Account.arr),
            fn.SUM(Case(None, [(at_risk, 1)], 0)),
            fn.SUM(Case(None, [(at_risk, Account.arr)], 0)),
        )
        .where(Account.renewal_on.between(today, end), Account.stage != Stage.CHURNED.value)
        .group_by(Account.renewal_on)
    )
    found: dict[dt.date, list[Any]] = {}
    with reading():
        for day, count, total, risky, risky_arr in tuple_rows(_visible(ctx, query)):
            month = as_date(day).replace(day=1)
            row = found.setdefault(month, [0, Decimal("0.00"), 0, Decimal("0.00")])
            row[0] += int(count)
            row[1] += _money(total)
            row[2] += int(risky or 0)
            row[3] += _money(risky_arr)
        currencies = _currencies(ctx)
    rows = []
    for k in range(months):
        month = _month_after(today, k)
        count, total, risky, risky_arr = found.get(month, [0, Decimal("0.00"), 0, Decimal("0.00")])
        rows.append(RenewalMonth(month, count, total, risky, risky_arr))
    return Renewals(today, tuple(rows), currencies)


def followups_by_week(ctx: Ctx, weeks: int = WEEKS) -> FollowupWeeks:
    """Per week (Monday to Sunday, this week to today): follow-ups due in it and follow-ups done in it.

    Due counts every follow-up not cancelled by its due date (done or still open);
    done counts completions by the (UTC) day they were marked done.
    """
    starts = week_starts(ctx.today, weeks)
    first = starts[0]
    due_query = (
        FollowUp.select(FollowUp.due_on, fn.COUNT(FollowUp.id))
        .join(Account, on=FollowUp.account == Account.id)
        .where(
            FollowUp.status.in_([FollowUpStatus.OPEN.value, FollowUpStatus.DONE.value]),
            FollowUp.due_on.between(first, ctx.today),
        )
        .group_by(FollowUp.due_on)
    )
    done_day = fn.DATE(FollowUp.completed_at)
    done_query = (
        FollowUp.select(done_day, fn.COUNT(FollowUp.id))
        .join(Account, on=FollowUp.account == Account.id)
        .where(
            FollowUp.status == FollowUpStatus.DONE.value,
            FollowUp.completed_at >= dt.datetime.combine(first, dt.time()),
        )
        .group_by(done_day)
    )
    due = [0] * weeks
    done = [0] * weeks

    def bucket(day: dt.date) -> int | None:
        index = (day - first).days // 7
        return index if 0 <= index < weeks and day <= ctx.today else None

    with reading():
        for counts, query in ((due, due_query), (done, done_query)):
            for day, count in tuple_rows(_visible(ctx, query)):
                index = bucket(as_date(day))
                if index is not None:
                    counts[index] += int(count)
    return FollowupWeeks(tuple(FollowupWeek(s, d, n) for s, d, n in zip(starts, due, done, strict=True)))


def concerns_by_age(ctx: Ctx) -> ConcernAges:
    """Open concerns per severity (worst first), counted by how long each has been open."""
    now = ctx.now()
    sums = []
    lower: dt.datetime | None = None
    for _label, days in AGE_BUCKETS:
        # Opened after `upper` (younger than `days`) and at or before `lower` (older than the bucket before).
        upper = now - dt.timedelta(days=days) if days is not None else None
        conditions = []
        if upper is not None:
            conditions.append(Concern.opened_at > upper)
        if lower is not None:
            conditions.append(Concern.opened_at <= lower)
        condition = conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]
        sums.append(fn.SUM(Case(None, [(condition, 1)], 0)))
        lower = upper
    query = (
        Concern.select(Concern.severity, *sums)
        .join(Account, on=Concern.account == Account.id)
        .where(Concern.status == ConcernStatus.OPEN.value)
        .group_by(Concern.severity)
    )
    with reading():
        found = {
            str(severity): tuple(int(v or 0) for v in counts) for severity, *counts in tuple_rows(_visible(ctx, query))
        }
    empty = (0,) * len(AGE_BUCKETS)
    rows = tuple(ConcernRow(s, found.get(s.value, empty)) for s in SEVERITIES)
    return ConcernAges(tuple(label for label, _days in AGE_BUCKETS), rows)


def satisfaction_spread(ctx: Ctx) -> SatisfactionSpread:
    """How many accounts gave each satisfaction score from 0 to 10, and how many none."""
    query = Account.select(Account.satisfaction, fn.COUNT(Account.id)).group_by(Account.satisfaction)
    counts = [0] * 11
    unknown = 0
    with reading():
        for score, count in tuple_rows(_visible(ctx, query)):
            if score is None or not 0 <= int(score) <= 10:
                unknown += int(count)
            else:
                counts[int(score)] += int(count)
    return SatisfactionSpread(tuple(counts), unknown)


def team_lines(ctx: Ctx) -> TeamReport:
    """Per owner of the accounts the agent may see: accounts, ARR, overdue follow-ups, at-risk ARR, last touch.

    A lead sees their team (and whatever else their scope holds), an admin everyone;
    a plain agent gets their own line only.
    """
    agent = ctx.agent
    for_lead = agent.is_lead or agent.is_admin
    at_risk = Account.health_band == HealthBand.AT_RISK.value
    query = Account.select(
        Account.owner,
        fn.COUNT(Account.id),
        fn.SUM(Account.arr),
        fn.SUM(Account.overdue_followups),
        fn.SUM(Case(None, [(at_risk, 1)], 0)),
        fn.SUM(Case(None, [(at_risk, Account.arr)], 0)),
        fn.MAX(Account.last_touch_at),
    ).group_by(Account.owner)
    if not for_lead:
        query = query.where(Account.owner == agent.id)
    with reading():
        raw = list(tuple_rows(_visible(ctx, query)))
        ids = [row[0] for row in raw]
        names: dict[int, tuple[str, str]] = {}
        if ids:
            names = {
                i: (login, name)
                for i, login, name in tuple_rows(
                    Agent.select(Agent.id, Agent.login, Agent.name).where(Agent.id.in_(ids))
                )
            }
        currencies = _currencies(ctx)
    lines = []
    for owner, count, total, overdue, risky, risky_arr, touch in raw:
        login, name = names.get(owner, ("?", "?"))
        lines.append(
            TeamLine(
                agent_id=owner,
                login=login,
                name=name,
                accounts=int(count),
                arr=_money(total),
                overdue_followups=int(overdue or 0),
                at_risk_accounts=int(risky or 0),
                at_risk_arr=_money(risky_arr),
                last_touch_on=local_date(_moment(touch)),
            )
        )
    lines.sort(key=lambda line: (-line.at_risk_arr, line.name.casefold(), line.agent_id))
    if not for_lead and not lines:
        lines = [TeamLine(agent.id, agent.login, agent.name, 0, Decimal("0.00"), 0, 0, Decimal("0.00"), None)]
    return TeamReport(tuple(lines), for_lead, currencies)


def _moment(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


REPORTS: dict[str, str] = {
    "health": "ARR by health band, week by week",
    "renewals": "renewals by month, with the ARR at risk",
    "followups": "follow-ups due and done per week",
    "concerns": "open concerns by severity and age",
    "satisfaction": "accounts by satisfaction score",
    "team": "per agent: accounts, ARR, overdue, at-risk ARR, last touch",
}
"""Each report's name (the CLI's `report NAME`, the view's tabs) and what it shows."""


def read_report(ctx: Ctx, name: str) -> Any:
    """The report called `name` (one of `REPORTS`)."""
    readers: dict[str, Any] = {
        "health": arr_by_band,
        "renewals": renewals_by_month,
        "followups": followups_by_week,
        "concerns": concerns_by_age,
        "satisfaction": satisfaction_spread,
        "team": team_lines,
    }
    return readers[name](ctx)
