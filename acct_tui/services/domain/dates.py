"""Dates as people type them, and as people read them.

`parse_date` takes what a busy manager types in a date field: `today`,
`tomorrow`, `+3d`, `2w`, `fri`, `next month`, `eom`, `2026-12-01`,
`1 Dec`, `Dec 1 2026`. Numeric dates with slashes are accepted only when
they cannot be read two ways. A date typed without its year is the next one
to come (within half a year back): on 3 Dec, `13/01` and `13 Jan` are both
next January. Month arithmetic uses dateutil's relativedelta.

`past_note` words the warning a form or the command line shows when a due
date lands before today.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from acct_tui.services.errors import ValidationError

DATE_HELP = "today, tomorrow, +3d, 2w, fri, next month, eom or 2026-12-01"

_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip

_UNITS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "mon": "months", "month": "months", "months": "months",
    "q": "quarters", "quarter": "quarters", "quarters": "quarters",
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
}  # fmt: skip

_OFFSET = re.compile(r"^(?:in\s+)?([+-]?)\s*(\d{1,4})\s*([a-z]+)(?:\s+(ago|from now))?$")


def offset(unit: str, count: int) -> relativedelta:
    name = _UNITS[unit]
    if name == "quarters":
        return relativedelta(months=3 * count)
    if name == "years":
        return relativedelta(years=count)
    if name == "months":
        return relativedelta(months=count)
    if name == "weeks":
        return relativedelta(weeks=count)
    return relativedelta(days=count)


def parse_date(text: object, today: dt.date, field: str = "date") -> dt.date:
    """A calendar date from what a person typed; raises ValidationError otherwise."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    raw = str(text or "").strip()
    value = raw.lower()
    if not value:
        raise ValidationError(f"is required; type {DATE_HELP}", field)
    too_far = ValidationError(f"{raw[:40]!r} is too far away; give a date between 1900 and 2199", field)
    try:
        result = _parse_relative(value, today)
    except (ValueError, OverflowError) as exc:  # `9999y` runs off the calendar
        raise too_far from exc
    if result is None:
        result = _parse_absolute(raw, today, field)
    if result is None:
        raise ValidationError(f"{raw[:40]!r} is not a date; type {DATE_HELP}", field)
    if not dt.date(1900, 1, 1) <= result <= dt.date(2199, 12, 31):
        raise too_far
    return result


def _parse_relative(value: str, today: dt.date) -> dt.date | None:
    if value in ("today", "tod", "now", "t"):
        return today
    if value in ("tomorrow", "tom", "tmr", "tmrw"):
        return today + dt.timedelta(days=1)
    if value in ("yesterday", "yest"):
        return today - dt.timedelta(days=1)
    if value in ("eom", "end of month"):
        return today + relativedelta(day=31)
    if value in ("eow", "end of week"):
        return today + dt.timedelta(days=(4 - today.weekday()) % 7)
    if value in ("eoq", "end of quarter"):
        quarter_end_month = ((today.month - 1) // 3 + 1) * 3
        return today + relativedelta(month=quarter_end_month, day=31)
    if value in ("eoy", "end of year"):
        return dt.date(today.year, 12, 31)
    next_match = re.fullmatch(r"next\s+(\w+)", value)
    if next_match:
        word = next_match.group(1)
        if word in _WEEKDAYS:
            return _next_weekday(today, _WEEKDAYS[word])
        if word in ("week", "wk"):
            return today + dt.timedelta(days=7)
        if word in _UNITS:
            return today + offset(word, 1)
        return None
    if value in _WEEKDAYS:
        return _next_weekday(today, _WEEKDAYS[value])
    bare = re.fullmatch(r"([+-])\s*(\d{1,4})", value)
    if bare:
        days = int(bare.group(2))
        return today + dt.timedelta(days=-days if bare.group(1) == "-" else days)
    match = _OFFSET.match(value)
    if match and match.group(3) in _UNITS:
        sign, count, unit, tail = match.groups()
        amount = int(count)
        if sign == "-" or tail == "ago":
            amount = -amount
        return today + offset(unit, amount)
    return None


def _next_weekday(today: dt.date, weekday: int) -> dt.date:
    """The next such weekday strictly after today (`fri` on a Friday is a week on)."""
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


def _parse_absolute(raw: str, today: dt.date, field: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    numeric = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?", raw)
    if numeric:
        first, second, year_text = numeric.groups()
        return _day_month_or_month_day(raw, int(first), int(second), year_text, today, field)
    if not re.search(r"[a-zA-Z]", raw):
        return None
    from dateutil import parser as date_parser

    default = dt.datetime(today.year, today.month, 1)
    try:
        parsed = date_parser.parse(raw, default=default, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None
    return parsed if re.search(r"\d{4}", raw) else roll_forward(parsed, today)


def roll_forward(day: dt.date, today: dt.date) -> dt.date:
    """A date typed without its year, moved to next year when it is more than half a year gone.

    "3 Jan" or "03/01" typed in December means next January; "20 Nov" typed on
    3 Dec still means last month (a late entry, which a due date warns about).
    """
    if day < today - dt.timedelta(days=183):
        moved: dt.date = day + relativedelta(years=1)
        return moved
    return day


def past_hint(day: dt.date | None, today: dt.date) -> str:
    """`in the past (3 days ago); it will show as overdue` for a due date before today, else empty."""
    if day is None or day >= today:
        return ""
    days = (today - day).days
    ago = "yesterday" if days == 1 else f"{days} days ago"
    return f"in the past ({ago}); it will show as overdue"


def past_note(day: dt.date | None, today: dt.date) -> str:
    """A warning when a due date is before today (empty otherwise): it lands straight in "overdue"."""
    hint = past_hint(day, today)
    return f"{day:%a %d %b %Y} is {hint}" if day is not None and hint else ""


def _day_month_or_month_day(
    raw: str, first: int, second: int, year_text: str | None, today: dt.date, field: str
) -> dt.date | None:
    year = today.year if year_text is None else int(year_text)
    if year_text is not None and len(year_text) == 2:
        year += 2000
    readings: set[dt.date] = set()
    for day, month in ((first, second), (second, first)):
        try:
            readings.add(dt.date(year, month, day))
        except ValueError:
            continue
    if len(readings) > 1:
        raise ValidationError(f"{raw!r} can be read two ways; write it as 2026-12-01 or 1 Dec 2026", field)
    if not readings:
        return None
    reading = readings.pop()
    # The same rule as `13 Jan`: no year typed means the next such day, not one long gone.
    return roll_forward(reading, today) if year_text is None else reading


def describe_due(due: dt.date, today: dt.date) -> str:
    """`today`, `tomorrow`, `in 3 days`, `2 days late`."""
    days = (due - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "1 day late"
    if days < 0:
        return f"{-days} days late"
    return f"in {days} days"


def days_ago(moment: dt.date | None, today: dt.date) -> str:
    if moment is None:
        return "never"
    days = (today - moment).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"


def days_until(moment: dt.date | None, today: dt.date) -> str:
    if moment is None:
        return "-"
    days = (moment - today).days
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days}d ago"
    return f"in {days}d"


# Recurrence: stored as a count and a unit letter ("7d", "2w", "1m", "3m", "1y").
_RECURRENCE_WORDS = {
    "daily": "1d", "weekly": "1w", "fortnightly": "2w", "biweekly": "2w",
    "monthly": "1m", "quarterly": "3m", "yearly": "1y", "annually": "1y",
}  # fmt: skip


def parse_recurrence(text: object, field: str = "recurrence") -> str:
    """`weekly`, `every 2 weeks`, `2w`, `monthly`, `quarterly`...; empty for none."""
    value = str(text or "").strip().lower()
    if value in ("", "none", "no", "never", "once"):
        return ""
    if value in _RECURRENCE_WORDS:
        return _RECURRENCE_WORDS[value]
    match = re.fullmatch(r"(?:every\s+)?(\d{0,3})\s*([a-z]+)", value)
    if match and match.group(2) in _UNITS:
        count = int(match.group(1) or 1)
        unit = _UNITS[match.group(2)]
        if count < 1:
            raise ValidationError("must repeat at least every 1 day", field)
        if unit == "quarters":
            return f"{3 * count}m"
        return f"{count}{unit[0]}"
    raise ValidationError(
        f"{value[:30]!r} is not a repeat; type weekly, monthly, quarterly, every 2 weeks or 10d", field
    )


def next_occurrence(recurrence: str, after: dt.date) -> dt.date:
    count, unit = int(recurrence[:-1]), recurrence[-1]
    return after + offset(unit, count)


def describe_recurrence(recurrence: str) -> str:
    if not recurrence:
        return ""
    count, unit = int(recurrence[:-1]), recurrence[-1]
    names = {"d": "day", "w": "week", "m": "month", "y": "year"}
    if count == 1:
        return {"d": "daily", "w": "weekly", "m": "monthly", "y": "yearly"}[unit]
    if unit == "m" and count == 3:
        return "quarterly"
    return f"every {count} {names[unit]}s"
