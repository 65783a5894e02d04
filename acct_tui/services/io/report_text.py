"""The reports as a person reads them (text with bars of block characters) and as a script does (CSV, JSON).

One rendering serves the terminal (`acct-tui report NAME`) and the dashboard's
Reports view, so both say the same. Every figure is written as a number beside
its bar, and bars told apart by their characters (█ ▓ ░), never by colour:
they read under NO_COLOR and on a monochrome terminal. Lines fit in 78 cells.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from acct_tui.services.reads.reports import (
    BANDS,
    ArrByBand,
    ConcernAges,
    FollowupWeeks,
    Renewals,
    SatisfactionSpread,
    TeamReport,
)
from acct_tui.text import fit, inert
from acct_tui.vocab import HealthBand

FULL = "█"
_EIGHTHS = " ▏▎▍▌▋▊▉"
BAND_FILL = {HealthBand.HEALTHY: "█", HealthBand.WATCH: "▓", HealthBand.AT_RISK: "░"}
BAND_WORD = {HealthBand.HEALTHY: "healthy", HealthBand.WATCH: "watch", HealthBand.AT_RISK: "at risk"}


def short_money(amount: Decimal) -> str:
    """1.25M, 300k, 950: an amount in a few characters."""
    value = float(amount)
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def bar(value: float, maximum: float, width: int) -> str:
    """A bar of `width` cells at most, in eighths of a cell; anything above zero shows at least a sliver."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    whole, part = divmod(eighths, 8)
    return FULL * whole + (_EIGHTHS[part] if part else "")


def stacked(parts: Sequence[tuple[float, str]], maximum: float, width: int) -> str:
    """One bar made of segments, each drawn with its own character; a segment above zero takes a cell at least."""
    if maximum <= 0:
        return ""
    cells = [max(1, round(value / maximum * width)) if value > 0 else 0 for value, _char in parts]
    while sum(cells) > width and max(cells) > 1:
        cells[cells.index(max(cells))] -= 1
    return "".join(char * n for (_value, char), n in zip(parts, cells, strict=True))


def _currency_note(currencies: Sequence[str]) -> str:
    if len(currencies) <= 1:
        return f" ({currencies[0]})" if currencies else ""
    return f" ({' + '.join(currencies)} summed as stored)"


def _day(day: dt.date) -> str:
    return f"{day:%d %b}"


def health_text(report: ArrByBand) -> list[str]:
    legend = "  ".join(f"{BAND_FILL[b]} {b.symbol} {BAND_WORD[b]}" for b in BANDS)
    lines = [f"ARR by health band at each week's end{_currency_note(report.currencies)}", legend, ""]
    lines.append(f"{'week end':<8} {'● healthy':>11} {'◐ watch':>11} {'▲ at risk':>11}  share of ARR")
    top = max((sum(w.arr.values(), Decimal(0)) for w in report.weeks), default=Decimal(0))
    for week in report.weeks:
        cells = [f"{short_money(week.arr[b])} {week.accounts[b]:>3}" for b in BANDS]
        parts = [(float(week.arr[b]), BAND_FILL[b]) for b in BANDS]
        drawn = stacked(parts, float(top), 30)
        lines.append(f"{_day(week.week_end):<8} {cells[0]:>11} {cells[1]:>11} {cells[2]:>11}  {drawn}")
    lines.append("")
    lines.append("Each cell: ARR, then accounts in the band that day (ARR as it is today).")
    return lines


def renewals_text(report: Renewals) -> list[str]:
    lines = [
        f"Renewals by month from {report.start:%d %b %Y}{_currency_note(report.currencies)}",
        "█ ARR renewing   ░ of it at risk now",
        "",
        f"{'month':<8} {'renew':>5} {'ARR':>7} {'at risk':>7} {'risk ARR':>8}  ARR",
    ]
    top = max((m.arr for m in report.months), default=Decimal(0))
    for month in report.months:
        safe = float(month.arr - month.at_risk_arr)
        drawn = stacked([(safe, FULL), (float(month.at_risk_arr), "░")], float(top), 30)
        lines.append(
            f"{month.month:%b %Y} {month.accounts:>5} {short_money(month.arr):>7} {month.at_risk_accounts:>7} "
            f"{short_money(month.at_risk_arr):>8}  {drawn}"
        )
    total = sum((m.arr for m in report.months), Decimal(0))
    risky = sum((m.at_risk_arr for m in report.months), Decimal(0))
    count = sum(m.accounts for m in report.months)
    lines += ["", f"{count} renewals, {short_money(total)} ARR, {short_money(risky)} of it at risk."]
    return lines


def followups_text(report: FollowupWeeks) -> list[str]:
    lines = [
        "Follow-ups due and done per week (Monday to Sunday; this week to today)",
        "█ due   ▓ done",
        "",
        f"{'week of':<8} {'due':>4} {'':<24} {'done':>4}",
    ]
    top = max((max(w.due, w.done) for w in report.weeks), default=0)
    for week in report.weeks:
        due = bar(week.due, top, 24)
        done = bar(week.done, top, 24).replace(FULL, "▓")
        lines.append(f"{_day(week.week_start):<8} {week.due:>4} {due:<24} {week.done:>4} {done}")
    due_total = sum(w.due for w in report.weeks)
    done_total = sum(w.done for w in report.weeks)
    lines += ["", f"{due_total} due, {done_total} done over {len(report.weeks)} weeks."]
    return lines


def concerns_text(report: ConcernAges) -> list[str]:
    head = "".join(f"{label:>6}" for label in report.buckets)
    lines = ["Open concerns by severity and time open", "", f"{'severity':<9}{head} {'total':>6}"]
    top = max((row.total for row in report.rows), default=0)
    for row in report.rows:
        counts = "".join(f"{n:>6}" for n in row.by_age)
        lines.append(f"{row.severity.label:<9}{counts} {row.total:>6}  {bar(row.total, top, 24)}")
    total = sum(row.total for row in report.rows)
    lines += ["", f"{total} open concerns."]
    return lines


def satisfaction_text(report: SatisfactionSpread) -> list[str]:
    lines = ["Accounts by satisfaction score (0-10)", "", f"{'score':<8} {'accounts':>8}"]
    top = max((*report.counts, report.unknown), default=0)
    for score, count in enumerate(report.counts):
        lines.append(f"{score:<8} {count:>8}  {bar(count, top, 40)}")
    lines.append(f"{'unknown':<8} {report.unknown:>8}  {bar(report.unknown, top, 40)}")
    scored = sum(report.counts)
    if scored:
        mean = sum(score * count for score, count in enumerate(report.counts)) / scored
        lines += ["", f"{scored} scored, mean {mean:.1f}; {report.unknown} not known."]
    else:
        lines += ["", f"No scores yet; {report.unknown} not known."]
    return lines


def team_text(report: TeamReport, today: dt.date) -> list[str]:
    title = "Team: per agent" if report.for_lead else "Team view is for leads; your own line:"
    lines = [
        f"{title}{_currency_note(report.currencies)}",
        "",
        f"{'agent':<20} {'accounts':>8} {'ARR':>7} {'overdue':>7} {'at risk':>7} {'risk ARR':>8}  last touch",
    ]
    for line in report.lines:
        lines.append(team_row(line, today))
    return lines


def team_row(line: Any, today: dt.date) -> str:
    touch = "never" if line.last_touch_on is None else f"{(today - line.last_touch_on).days}d ago"
    return (
        f"{fit(inert(line.name), 20):<20} {line.accounts:>8} {short_money(line.arr):>7} {line.overdue_followups:>7} "
        f"{line.at_risk_accounts:>7} {short_money(line.at_risk_arr):>8}  {touch}"
    )


def report_text(report: Any, today: dt.date) -> list[str]:
    """The report as lines of plain text (no trailing spaces)."""
    return [line.rstrip() for line in _lines(report, today)]


def _lines(report: Any, today: dt.date) -> list[str]:
    if isinstance(report, ArrByBand):
        return health_text(report)
    if isinstance(report, Renewals):
        return renewals_text(report)
    if isinstance(report, FollowupWeeks):
        return followups_text(report)
    if isinstance(report, ConcernAges):
        return concerns_text(report)
    if isinstance(report, SatisfactionSpread):
        return satisfaction_text(report)
    if isinstance(report, TeamReport):
        return team_text(report, today)
    raise TypeError(f"not a report: {report!r}")


def report_table(report: Any) -> tuple[list[str], list[list[object]]]:
    """The report as a header and rows, for CSV."""
    if isinstance(report, ArrByBand):
        header = ["week_end", *(f"{b.value}_arr" for b in BANDS), *(f"{b.value}_accounts" for b in BANDS)]
        rows = [[w.week_end, *(w.arr[b] for b in BANDS), *(w.accounts[b] for b in BANDS)] for w in report.weeks]
        return header, rows
    if isinstance(report, Renewals):
        header = ["month", "renewals", "arr", "at_risk_renewals", "at_risk_arr"]
        return header, [
            [f"{m.month:%Y-%m}", m.accounts, m.arr, m.at_risk_accounts, m.at_risk_arr] for m in report.months
        ]
    if isinstance(report, FollowupWeeks):
        return ["week_start", "due", "done"], [[w.week_start, w.due, w.done] for w in report.weeks]
    if isinstance(report, ConcernAges):
        header = ["severity", *report.buckets, "total"]
        return header, [[r.severity.value, *r.by_age, r.total] for r in report.rows]
    if isinstance(report, SatisfactionSpread):
        scores: list[list[object]] = [[score, count] for score, count in enumerate(report.counts)]
        return ["satisfaction", "accounts"], [*scores, ["unknown", report.unknown]]
    if isinstance(report, TeamReport):
        header = ["login", "name", "accounts", "arr", "overdue_followups", "at_risk_accounts", "at_risk_arr"]
        header.append("last_touch_on")
        return header, [
            [
                line.login,
                line.name,
                line.accounts,
                line.arr,
                line.overdue_followups,
                line.at_risk_accounts,
                line.at_risk_arr,
                line.last_touch_on or "",
            ]
            for line in report.lines
        ]
    raise TypeError(f"not a report: {report!r}")


def report_data(report: Any) -> dict[str, Any]:
    """The report as plain data (dates and amounts still typed: the caller makes them JSON)."""
    data = dataclasses.asdict(report)
    if isinstance(report, ArrByBand):
        data["weeks"] = [
            {
                "week_end": w.week_end,
                "arr": {b.value: w.arr[b] for b in BANDS},
                "accounts": {b.value: w.accounts[b] for b in BANDS},
            }
            for w in report.weeks
        ]
    if isinstance(report, ConcernAges):
        data["rows"] = [
            {"severity": r.severity.value, "by_age": dict(zip(report.buckets, r.by_age, strict=True)), "total": r.total}
            for r in report.rows
        ]
    if isinstance(report, SatisfactionSpread):
        data["counts"] = {str(score): count for score, count in enumerate(report.counts)}
    return data
