"""Reading a whole column of dates or amounts the way the file wrote them.

A spreadsheet writes every date in a column the same way, so the order of
day and month is decided per column from the values themselves: a `25/03`
anywhere makes the column day-first, a `03/25` month-first. A column where
every value reads both ways is refused (unless the caller says which order),
and so is a column that mixes the two. Amounts are read the same way: the
column's decimal mark is learned from values such as `1.200,50` or `12.5`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from acct_tui.services.domain import validation as v
from acct_tui.services.errors import ValidationError

DMY, MDY = "dmy", "mdy"


class DateOrder(StrEnum):
    DAY_FIRST = DMY
    MONTH_FIRST = MDY


_NUMERIC = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})$")
_TIME = re.compile(
    r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,]\d{1,9})?)?\s*(?P<ampm>[ap]\.?m\.?)?\s*"
    r"(?P<tz>z|utc|gmt|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"^(?P<date>\S+(?:\s+\S+,?\s+\S+)??)(?:[T\s]+(?P<time>\d{1,2}:\d{2}.*))?$")
# Compiled once: these run on every date cell of a large file.
_ISO_T = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_NOON = dt.time(12, 0)


@dataclass(frozen=True)
class DateColumn:
    """How the dates of one column are written."""

    order: DateOrder | None  # None: no value needs an order (ISO, month names, or unambiguous)


def _numeric_parts(text: str) -> tuple[int, int, int, str] | None:
    match = _NUMERIC.match(text)
    if not match:
        return None
    first, sep, second, third = match.groups()
    if len(first) == 4:
        return None  # year first: 2026/03/14 reads one way only
    return int(first), int(second), int(third), sep


def date_part(raw: str) -> str:
    """The date half of a date or date-time cell."""
    text = raw.strip()
    if "T" in text[:11] and _ISO_T.match(text):
        return text[:10]
    match = _SPLIT.match(text)
    if match and match.group("time"):
        return match.group("date").strip()
    return text


def detect_date_order(values: Iterable[tuple[int, str]], column: str, forced: DateOrder | None = None) -> DateColumn:
    """Decide day-first or month-first for a column; raises ValidationError when it cannot be told."""
    if forced is not None:
        return DateColumn(forced)
    day_first_line = month_first_line = ambiguous_line = None
    ambiguous_text = ""
    dotted = False
    for line, raw in values:
        if raw[4:5] == "-" and raw[:4].isdigit():
            continue  # year first (ISO): reads one way only, as _numeric_parts would find
        parts = _numeric_parts(date_part(raw))
        if parts is None:
            continue
        first, second, _year, sep = parts
        dotted = dotted or sep == "."
        if first > 12 and second <= 12:
            day_first_line = day_first_line or (line, raw)
        elif second > 12 and first <= 12:
            month_first_line = month_first_line or (line, raw)
        elif first <= 12 and second <= 12 and first != second and ambiguous_line is None:
            ambiguous_line, ambiguous_text = line, raw
    if day_first_line and month_first_line:
        raise ValidationError(
            f"mixes day-first dates ({day_first_line[1]!r} on line {day_first_line[0]}) and month-first dates "
            f"({month_first_line[1]!r} on line {month_first_line[0]}); write them all one way (2026-03-25 is safest)",
            column,
        )
    if day_first_line:
        return DateColumn(DateOrder.DAY_FIRST)
    if month_first_line:
        return DateColumn(DateOrder.MONTH_FIRST)
    if ambiguous_line is not None:
        if dotted:  # 03.04.2026 is written day-first wherever dots are used
            return DateColumn(DateOrder.DAY_FIRST)
        raise ValidationError(
            f"every date can be read day-first or month-first ({ambiguous_text!r} on line {ambiguous_line}); "
            "say which with --dates dmy or --dates mdy, or write them as 2026-03-25",
            column,
        )
    return DateColumn(None)


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        year += 2000 if year < 70 else 1900
    return year


_MONTH_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{3,}")


def parse_date_cell(raw: str, column: DateColumn, field: str) -> dt.date:
    """One date cell of a column whose order is known."""
    text = date_part(raw)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = _NUMERIC.match(text)
    if parts:
        first, _sep, second, third = parts.groups()
        try:
            if len(first) == 4:
                return _checked(dt.date(int(first), int(second), int(third)), raw, field)
            if column.order is DateOrder.MONTH_FIRST:
                return _checked(dt.date(_year(third), int(first), int(second)), raw, field)
            if column.order is DateOrder.DAY_FIRST or int(first) > 12 or int(first) == int(second):
                return _checked(dt.date(_year(third), int(second), int(first)), raw, field)
            if int(second) > 12:
                return _checked(dt.date(_year(third), int(first), int(second)), raw, field)
        except ValueError:
            raise ValidationError(f"{raw[:40]!r} is not a real date", field) from None
        raise ValidationError(f"{raw[:40]!r} can be read two ways; write it as 2026-03-25", field)
    if _MONTH_WORD.search(text) and re.search(r"\d{4}", text):
        from dateutil import parser as date_parser

        try:
            parsed = date_parser.parse(text, dayfirst=column.order is DateOrder.DAY_FIRST, fuzzy=False)
        except (ValueError, OverflowError):
            parsed = None
        if parsed is not None:
            return _checked(parsed.date(), raw, field)
    raise ValidationError(f"{raw[:40]!r} is not a date; write it like 2026-03-25, 25/03/2026 or 25 Mar 2026", field)


def _checked(day: dt.date, raw: str, field: str) -> dt.date:
    if not dt.date(1900, 1, 1) <= day <= dt.date(2199, 12, 31):
        raise ValidationError(f"{raw[:40]!r} is too far away; give a date between 1900 and 2199", field)
    return day


def parse_datetime_cell(raw: str, column: DateColumn, field: str) -> dt.datetime:
    """A date or date-time cell as naive UTC; a time without a zone is the machine's local time.

    A bare date is taken as noon UTC, the moment `log_activity` gives a past day.
    """
    text = raw.strip()
    if len(text) == 10 and text[4] == "-":
        try:  # the common bare ISO date, read as the general path below would
            return dt.datetime.combine(dt.date.fromisoformat(text), _NOON)
        except ValueError:
            pass
    if _ISO_MOMENT.match(text):
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            moment = None
        if moment is not None:
            return _to_utc(moment, raw, field)
    day = parse_date_cell(text, column, field)
    match = _SPLIT.match(text)
    time_text = match.group("time") if match else None
    if not time_text:
        return dt.datetime.combine(day, _NOON)
    clock = _TIME.match(time_text.strip())
    if not clock:
        raise ValidationError(f"{raw[:40]!r} has a time that cannot be read; write it like 14:30 or 2:30 PM", field)
    hour, minute = int(clock.group("h")), int(clock.group("m"))
    second = int(clock.group("s") or 0)
    ampm = (clock.group("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise ValidationError(f"{raw[:40]!r}: {hour} is not an hour on a 12-hour clock", field)
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        moment = dt.datetime.combine(day, dt.time(hour, minute, second))
    except ValueError:
        raise ValidationError(f"{raw[:40]!r} has a time that does not exist", field) from None
    zone = (clock.group("tz") or "").lower()
    if zone in ("z", "utc", "gmt"):
        return moment
    if zone:
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return _to_utc(moment.replace(tzinfo=dt.timezone(sign * offset)), raw, field)
    return _to_utc(moment, raw, field)


def _to_utc(moment: dt.datetime, raw: str, field: str) -> dt.datetime:
    try:
        if moment.tzinfo is None:
            moment = moment.astimezone()  # the machine's zone, as the exporting user saw it
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    except (OverflowError, ValueError, OSError):
        raise ValidationError(f"{raw[:40]!r} is out of range", field) from None


# Amounts -------------------------------------------------------------------

COMMA, DOT = ",", "."
# ASCII digits only, as the command line reads amounts: `\d` would take fullwidth and other scripts' digits.
_CODES = re.compile(r"(?:^|[\s0-9])([A-Z]{3})$|^([A-Z]{3})(?:[\s0-9]|$)")
_PLAIN = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
_COMMA_TAIL = re.compile(r",[0-9]{1,2}[^0-9]*$")
_DOT_TAIL = re.compile(r"\.[0-9]{1,2}[^0-9]*$")
_SIGNS = {"€": "EUR", "£": "GBP", "₹": "INR", "¥": "JPY", "₩": "KRW", "₽": "RUB", "₺": "TRY", "₪": "ILS"}


def detect_decimal_mark(values: Iterable[tuple[int, str]], column: str) -> str | None:
    """`,` or `.` when the column shows which it uses; None when no value tells."""
    comma_line = dot_line = None
    for line, raw in values:
        text = raw.strip()
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                comma_line = comma_line or (line, raw)
            else:
                dot_line = dot_line or (line, raw)
        elif _COMMA_TAIL.search(text) and text.count(",") == 1:
            comma_line = comma_line or (line, raw)
        elif _DOT_TAIL.search(text) and text.count(".") == 1:
            dot_line = dot_line or (line, raw)
    if comma_line and dot_line:
        raise ValidationError(
            f"mixes decimal commas ({comma_line[1]!r} on line {comma_line[0]}) and decimal points "
            f"({dot_line[1]!r} on line {dot_line[0]}); write the amounts one way",
            column,
        )
    if comma_line:
        return COMMA
    if dot_line:
        return DOT
    return None


def parse_amount_cell(raw: str, mark: str | None, field: str) -> tuple[Decimal, str | None]:
    """An amount and the currency it names (a code such as EUR, or an unambiguous sign).

    Read by the command line's own reader (`validation.parse_amount`), told the column's decimal
    mark: the two never disagree on a value, and what the column leaves ambiguous is refused.
    """
    text = raw.strip()
    if mark != COMMA and _PLAIN.match(text):
        return v.money(Decimal(text), field), None
    match = _CODES.search(text.upper())
    code = (match.group(1) or match.group(2)) if match else next((c for s, c in _SIGNS.items() if s in text), None)
    if not text:
        return v.money(text, field), code
    return v.money(v.parse_amount(text, field, mark=mark), field), code


def currency_of(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return v.currency(code)
    except ValidationError:
        return None
