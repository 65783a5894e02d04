"""Reports: ARR by health band, renewals by month, follow-ups per week, concerns by age, satisfaction, team.

The cast: team Desk (lead lee, agent sam), team Field (agent zoe), the admin `manager`.

| account  | owner | ARR  | renews   | satisfaction | band now | history                              |
|----------|-------|------|----------|--------------|----------|--------------------------------------|
| Sam One  | sam   | 1000 | +10 days | 9            | healthy  | healthy from -100                    |
| Sam Two  | sam   | 2000 | +40 days | 3            | at risk  | healthy -100, watch -20, at risk -3  |
| Zoe One  | zoe   | 4000 | +5 days  | none         | at risk  | at risk from -10                     |
| Lee One  | lee   | 500  | -3 days  | 9            | healthy  | none                                 |
| Zoe Gone | zoe   | 100  | +13 days | none         | watch    | none (churned)                       |

Today is Friday 27 Nov 2026: this week started Monday 23 Nov.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from playhouse.test_utils import count_queries

from acct_tui.clock import FixedClock
from acct_tui.models import Account, Concern, FollowUp, HealthHistory
from acct_tui.services.context import ActiveContext, Ctx
from acct_tui.services.reads import reports
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import followups
from acct_tui.services.writes.accounts import add_concern, create_account
from acct_tui.services.writes.agents import add_agent
from acct_tui.vocab import HealthBand, Severity
from tests.conftest import TODAY, days

H, W, R = HealthBand.HEALTHY, HealthBand.WATCH, HealthBand.AT_RISK


def _day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@dataclass(frozen=True)
class Book:
    admin: Ctx
    lead: Ctx
    sam: Ctx
    ids: dict[str, int]


@pytest.fixture
def book(ctx: Ctx) -> Book:
    lee = add_agent(ctx, "lee", name="Lee Lead", role="lead", team="Desk")
    sam = add_agent(ctx, "sam", name="Sam Agent", team="Desk")
    zoe = add_agent(ctx, "zoe", name="Zoe Field", team="Field")
    ids = {
        "sam1": create_account(
            ctx, {"name": "Sam One", "arr": "1000", "renewal_on": days(10), "satisfaction": "9"}, owner_id=sam.id
        ),
        "sam2": create_account(
            ctx, {"name": "Sam Two", "arr": "2000", "renewal_on": days(40), "satisfaction": "3"}, owner_id=sam.id
        ),
        "zoe1": create_account(ctx, {"name": "Zoe One", "arr": "4000", "renewal_on": days(5)}, owner_id=zoe.id),
        "lee1": create_account(
            ctx, {"name": "Lee One", "arr": "500", "renewal_on": days(-3), "satisfaction": "9"}, owner_id=lee.id
        ),
        "gone": create_account(
            ctx, {"name": "Zoe Gone", "arr": "100", "renewal_on": days(13), "stage": "churned"}, owner_id=zoe.id
        ),
    }
    # Follow-ups: overdue and open; due last week, done this Monday; cancelled; not yet due; done on Wednesday.
    followups.add_followup(ctx, ids["sam1"], {"title": "Overdue", "due_on": days(-1)})
    done_monday = followups.add_followup(ctx, ids["sam1"], {"title": "Done Monday", "due_on": days(-7)})
    cancelled = followups.add_followup(ctx, ids["sam2"], {"title": "Cancelled", "due_on": days(30)})
    followups.add_followup(ctx, ids["sam2"], {"title": "Later", "due_on": days(3)})
    done_wednesday = followups.add_followup(ctx, ids["zoe1"], {"title": "Done Wednesday", "due_on": days(-2)})
    followups.complete_followup(replace(ctx, clock=FixedClock.on(_day(-4))), done_monday)
    followups.complete_followup(replace(ctx, clock=FixedClock.on(_day(-2))), done_wednesday)
    followups.log_activity(ctx, ids["sam1"], {"kind": "call", "summary": "Spoke"}, occurred_on=days(-2))
    # Concerns: high ones 2 and 10 days old, a critical one 100 days old, a resolved one.
    opened = {"High new": ("high", 2), "High older": ("high", 10), "Critical old": ("critical", 100)}
    concern_ids = {
        title: add_concern(ctx, ids["sam1"], {"title": title, "severity": sev}) for title, (sev, _d) in opened.items()
    }
    resolved = add_concern(ctx, ids["zoe1"], {"title": "Fixed", "severity": "low"})
    with reading():
        for title, (_sev, age) in opened.items():
            Concern.update(opened_at=ctx.now() - dt.timedelta(days=age)).where(
                Concern.id == concern_ids[title]
            ).execute()
        Concern.update(status="resolved").where(Concern.id == resolved).execute()
        FollowUp.update(status="cancelled", due_on=_day(-8)).where(FollowUp.id == cancelled).execute()
        for key, band in (("sam1", H), ("sam2", R), ("zoe1", R), ("lee1", H), ("gone", W)):
            Account.update(health_band=band.value).where(Account.id == ids[key]).execute()
        HealthHistory.delete().execute()
        history = [
            ("sam1", -100, H),
            ("sam2", -100, H),
            ("sam2", -20, W),
            ("sam2", -3, R),
            ("zoe1", -10, R),
        ]
        for key, offset, band in history:
            HealthHistory.create(account=ids[key], day=_day(offset), score=50, band=band.value)
    return Book(ctx, replace(ctx, agent=lee), replace(ctx, agent=sam), ids)


def test_arr_by_band_takes_the_band_in_force_at_each_week_end(book: Book) -> None:
    """Twelve week ends up to today; an account counts from its first score, in the band it had that day."""
    weeks = reports.arr_by_band(book.admin).weeks
    assert len(weeks) == 12
    assert (weeks[0].week_end, weeks[-2].week_end, weeks[-1].week_end) == (
        dt.date(2026, 9, 13),
        dt.date(2026, 11, 22),
        TODAY,
    )

    def shown(week: reports.BandWeek) -> tuple[int, int, int, int, int, int]:
        return (*(int(week.arr[b]) for b in (H, W, R)), *(week.accounts[b] for b in (H, W, R)))

    assert shown(weeks[0]) == (3000, 0, 0, 2, 0, 0)
    by_end = {w.week_end: shown(w) for w in weeks}
    assert by_end[dt.date(2026, 11, 1)] == (3000, 0, 0, 2, 0, 0)
    assert by_end[dt.date(2026, 11, 8)] == (1000, 2000, 0, 1, 1, 0)
    assert by_end[dt.date(2026, 11, 22)] == (1000, 2000, 4000, 1, 1, 1)
    assert by_end[TODAY] == (1000, 0, 6000, 1, 0, 2)


def test_arr_by_band_is_scoped_to_what_the_agent_may_see(book: Book) -> None:
    """Sam sees his two accounts only: today 1000 healthy and his 2000 at risk, none of Zoe's."""
    last = reports.arr_by_band(book.sam).weeks[-1]
    assert (last.arr[H], last.arr[R]) == (Decimal("1000.00"), Decimal("2000.00"))


def test_renewals_by_month_with_the_arr_at_risk(book: Book) -> None:
    """From today to the end of the twelfth month; past and churned renewals left out; ARR at risk per month."""
    result = reports.renewals_by_month(book.admin)
    months = result.months
    assert [m.month for m in months][:3] == [dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)]
    assert len(months) == 12 and months[-1].month == dt.date(2027, 10, 1)
    assert (months[0].accounts, months[0].arr) == (0, Decimal("0.00"))
    december, january = months[1], months[2]
    assert (december.accounts, december.arr, december.at_risk_accounts, december.at_risk_arr) == (
        2,
        Decimal("5000.00"),
        1,
        Decimal("4000.00"),
    )
    assert (january.accounts, january.arr, january.at_risk_accounts, january.at_risk_arr) == (
        1,
        Decimal("2000.00"),
        1,
        Decimal("2000.00"),
    )
    assert sum(m.accounts for m in months) == 3


def test_followups_due_and_done_per_week(book: Book) -> None:
    """This week: two due (one open, one done) and two done; last week one due; the cancelled and future uncounted."""
    weeks = reports.followups_by_week(book.admin).weeks
    assert weeks[-1].week_start == dt.date(2026, 11, 23)
    assert (weeks[-1].due, weeks[-1].done) == (2, 2)
    assert (weeks[-2].due, weeks[-2].done) == (1, 0)
    assert sum(w.due for w in weeks[:-2]) == 0
    sam = reports.followups_by_week(book.sam).weeks
    assert (sam[-1].due, sam[-1].done) == (1, 1)  # Zoe's account is not his


def test_open_concerns_by_severity_and_age(book: Book) -> None:
    """Worst first; each open concern in the bucket of its age; the resolved one not counted."""
    result = reports.concerns_by_age(book.admin)
    assert result.buckets == ("<1w", "1-4w", "1-3m", "3m+")
    rows = {row.severity: row.by_age for row in result.rows}
    assert [row.severity for row in result.rows] == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    assert rows[Severity.CRITICAL] == (0, 0, 0, 1)
    assert rows[Severity.HIGH] == (1, 1, 0, 0)
    assert rows[Severity.LOW] == (0, 0, 0, 0)
    narrowed = replace(book.admin, context=ActiveContext("owner zoe", (("owner", "zoe"),)))
    assert all(row.total == 0 for row in reports.concerns_by_age(narrowed).rows)  # every open one is on Sam's


def test_satisfaction_spread_counts_each_score_and_the_unknown(book: Book) -> None:
    """Two nines, a three, two unknown; Sam sees his nine and his three."""
    result = reports.satisfaction_spread(book.admin)
    assert (result.counts[9], result.counts[3], sum(result.counts), result.unknown) == (2, 1, 3, 2)
    sam = reports.satisfaction_spread(book.sam)
    assert (sam.counts[9], sam.counts[3], sam.unknown) == (1, 1, 0)


def test_team_lines_per_owner_for_a_lead_and_only_your_own_for_an_agent(book: Book) -> None:
    """The admin sees every owner; the lead their team (not Field); a plain agent one line, their own."""
    lines = {line.login: line for line in reports.team_lines(book.admin).lines}
    assert set(lines) == {"sam", "zoe", "lee"}
    sam = lines["sam"]
    assert (sam.accounts, sam.arr, sam.overdue_followups, sam.at_risk_accounts, sam.at_risk_arr) == (
        2,
        Decimal("3000.00"),
        1,
        1,
        Decimal("2000.00"),
    )
    assert sam.last_touch_on == _day(-2)
    assert (lines["zoe"].accounts, lines["zoe"].arr, lines["zoe"].at_risk_arr) == (
        2,
        Decimal("4100.00"),
        Decimal("4000.00"),
    )
    assert lines["lee"].last_touch_on is None
    lead = reports.team_lines(book.lead)
    assert lead.for_lead and {line.login for line in lead.lines} == {"sam", "lee"}
    own = reports.team_lines(book.sam)
    assert not own.for_lead and [line.login for line in own.lines] == ["sam"]


def test_reports_follow_the_active_context(book: Book) -> None:
    """Narrowed to owner zoe (what the team view's drill sets): only Zoe's accounts are counted."""
    narrowed = replace(book.admin, context=ActiveContext("owner zoe", (("owner", "zoe"),)))
    assert [line.login for line in reports.team_lines(narrowed).lines] == ["zoe"]
    assert reports.satisfaction_spread(narrowed).unknown == 2
    assert sum(m.accounts for m in reports.renewals_by_month(narrowed).months) == 1


@pytest.mark.parametrize(
    ("name", "queries"),
    [("health", 3), ("renewals", 2), ("followups", 2), ("concerns", 1), ("satisfaction", 1), ("team", 3)],
)
def test_each_report_is_a_few_queries(book: Book, name: str, queries: int) -> None:
    """However many accounts: a fixed handful of queries per report."""
    with reading(), count_queries() as counted:
        reports.read_report(book.admin, name)
    assert counted.count == queries


def _cli(db_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\nfrom acct_tui.cli import main\nfrom acct_tui.clock import FixedClock\nimport datetime as dt\n"
        f"rc = main({['--db', db_url, '--agent', 'manager', *argv]!r}, clock=FixedClock.on(dt.date(2026, 11, 27)))\n"
        "sys.stdout.flush()\n"
        "print('TEXTUAL' if any(m.split('.')[0] == 'textual' for m in sys.modules) else '', file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_the_report_verb_prints_text_json_and_csv_without_textual(book: Book, db_url: str) -> None:
    """`report renewals` as a table with bars, `--json` with the figures, `--csv` one row a month; no Textual loaded."""
    text = _cli(db_url, "report", "renewals")
    assert text.returncode == 0, text.stderr
    assert "TEXTUAL" not in text.stderr
    december = next(line for line in text.stdout.splitlines() if line.startswith("Dec 2026"))
    assert december.split()[:6] == ["Dec", "2026", "2", "5k", "1", "4k"] and "░" in december
    payload = json.loads(_cli(db_url, "report", "renewals", "--json").stdout)
    assert payload["report"] == "renewals"
    assert payload["months"][1] == {
        "month": "2026-12-01",
        "accounts": 2,
        "arr": "5000.00",
        "at_risk_accounts": 1,
        "at_risk_arr": "4000.00",
    }
    rows = _cli(db_url, "report", "renewals", "--csv").stdout.splitlines()
    assert rows[0] == "month,renewals,arr,at_risk_renewals,at_risk_arr" and rows[2] == "2026-12,2,5000.00,1,4000.00"
    assert len(rows) == 13
    team = json.loads(_cli(db_url, "report", "team", "--json").stdout)
    assert {line["login"]: line["overdue_followups"] for line in team["lines"]} == {"sam": 1, "zoe": 0, "lee": 0}


def test_the_command_line_offers_every_report() -> None:
    """The verb's choices (kept apart so `--help` loads no model) are the service's reports."""
    from acct_tui.verbs.reports import REPORT_NAMES

    assert tuple(reports.REPORTS) == REPORT_NAMES


def test_the_report_verb_refuses_an_unknown_name(book: Book, db_url: str) -> None:
    """A name that is not a report: exit 2, one line naming the choices."""
    done = _cli(db_url, "report", "arr")
    assert done.returncode == 2 and done.stdout == ""
    assert "invalid choice: 'arr'" in done.stderr and "renewals" in done.stderr
