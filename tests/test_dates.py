"""The date grammar people type in date fields, recurrences, and how dates read back."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acct_tui.services.domain.dates import (
    DATE_HELP,
    describe_due,
    describe_recurrence,
    next_occurrence,
    parse_date,
    parse_recurrence,
    past_note,
)
from acct_tui.services.errors import ValidationError

FRIDAY = dt.date(2026, 11, 27)  # the tests' "today" is a Friday
WEDNESDAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("today", FRIDAY),
        ("  Today ", FRIDAY),
        ("tomorrow", dt.date(2026, 11, 28)),
        ("tmrw", dt.date(2026, 11, 28)),
        ("yesterday", dt.date(2026, 11, 26)),
        ("+3d", dt.date(2026, 11, 30)),
        ("3d", dt.date(2026, 11, 30)),
        ("-2d", dt.date(2026, 11, 25)),
        ("2w", dt.date(2026, 12, 11)),
        ("in 2 weeks", dt.date(2026, 12, 11)),
        ("3 days ago", dt.date(2026, 11, 24)),
        ("1m", dt.date(2026, 12, 27)),
        ("1q", dt.date(2027, 2, 27)),
        ("1y", dt.date(2027, 11, 27)),
        ("next month", dt.date(2026, 12, 27)),
        ("next week", dt.date(2026, 12, 4)),
        ("eom", dt.date(2026, 11, 30)),
        ("end of month", dt.date(2026, 11, 30)),
        ("eoq", dt.date(2026, 12, 31)),
        ("eoy", dt.date(2026, 12, 31)),
        ("2026-12-01", dt.date(2026, 12, 1)),
        ("1 Dec", dt.date(2026, 12, 1)),
        ("Dec 1", dt.date(2026, 12, 1)),
        ("1 December 2027", dt.date(2027, 12, 1)),
        ("13/02/2026", dt.date(2026, 2, 13)),
        ("02/02/2026", dt.date(2026, 2, 2)),
        ("12/31/26", dt.date(2026, 12, 31)),
    ],
)
def test_the_date_grammar(typed: str, expected: dt.date) -> None:
    """Every spelling the forms promise reads as the day a person means."""
    assert parse_date(typed, FRIDAY) == expected


def test_a_weekday_is_the_next_one_strictly_after_today() -> None:
    """`fri` on a Friday is a week on; `fri` on a Wednesday is in two days; `next fri` the same."""
    assert parse_date("fri", FRIDAY) == dt.date(2026, 12, 4)
    assert parse_date("friday", WEDNESDAY) == dt.date(2026, 11, 27)
    assert parse_date("next fri", WEDNESDAY) == dt.date(2026, 11, 27)
    assert parse_date("mon", FRIDAY) == dt.date(2026, 11, 30)


def test_next_month_keeps_to_the_month_end() -> None:
    """From 31 January, next month is the last day of February, not 3 March."""
    assert parse_date("next month", dt.date(2027, 1, 31)) == dt.date(2027, 2, 28)
    assert parse_date("eom", dt.date(2028, 2, 3)) == dt.date(2028, 2, 29)


def test_a_day_and_month_without_a_year_lies_ahead() -> None:
    """`3 Jan` typed in late November is next January, not ten months ago."""
    assert parse_date("3 Jan", FRIDAY) == dt.date(2027, 1, 3)


def test_dates_pass_through_unchanged() -> None:
    """A date (or a datetime, by its day) from a widget is taken as it is."""
    assert parse_date(dt.date(2026, 1, 5), FRIDAY) == dt.date(2026, 1, 5)
    assert parse_date(dt.datetime(2026, 1, 5, 23, 59), FRIDAY) == dt.date(2026, 1, 5)


@pytest.mark.parametrize("typed", ["01/02/2026", "1/2", "03.04.2026"])
def test_ambiguous_numeric_dates_are_refused(typed: str) -> None:
    """A date that reads two ways (1 Feb or 2 Jan) is refused with the unambiguous forms to use."""
    with pytest.raises(ValidationError) as caught:
        parse_date(typed, FRIDAY, "due_on")
    assert caught.value.field == "due_on"
    assert "can be read two ways" in caught.value.message
    assert "2026-12-01" in caught.value.message


@pytest.mark.parametrize("typed", ["someday", "soon-ish", "2026-13-01", "2026-02-30", "32/13/2026", "5", "next blue"])
def test_garbage_is_refused_with_the_grammar(typed: str) -> None:
    """What is not a date is refused, quoting it and listing what is accepted."""
    with pytest.raises(ValidationError) as caught:
        parse_date(typed, FRIDAY, "due_on")
    assert caught.value.message == f"{typed!r} is not a date; type {DATE_HELP}"
    assert str(caught.value).startswith("due_on: ")


def test_an_empty_date_is_required() -> None:
    """Nothing typed: `is required`, with the grammar."""
    with pytest.raises(ValidationError, match="is required; type today"):
        parse_date("  ", FRIDAY)


@pytest.mark.parametrize("typed", ["9999y", "-9999y", "5000y", "9999w", "1 Jan 2300", "1850-01-01"])
def test_dates_off_the_calendar_are_refused_not_crashed(typed: str) -> None:
    """Offsets past year 9999 or outside 1900-2199 give the readable 'too far away' error, not a crash."""
    with pytest.raises(ValidationError, match="too far away"):
        parse_date(typed, FRIDAY)


@given(st.text(max_size=30))
def test_parse_date_only_ever_raises_validation_error(typed: str) -> None:
    """Whatever is typed, the answer is a date or a ValidationError: never another exception."""
    try:
        result = parse_date(typed, FRIDAY)
    except ValidationError:
        return
    assert dt.date(1900, 1, 1) <= result <= dt.date(2199, 12, 31)


@given(st.integers(min_value=-9999, max_value=9999), st.sampled_from(["d", "w", "m", "q", "y"]))
def test_any_offset_is_a_date_or_a_readable_refusal(count: int, unit: str) -> None:
    """Offsets of any size in any unit never crash the form."""
    try:
        parse_date(f"{count}{unit}", FRIDAY)
    except ValidationError as exc:
        assert "too far away" in exc.message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("", ""),
        ("none", ""),
        ("daily", "1d"),
        ("weekly", "1w"),
        ("fortnightly", "2w"),
        ("monthly", "1m"),
        ("quarterly", "3m"),
        ("yearly", "1y"),
        ("every 2 weeks", "2w"),
        ("every day", "1d"),
        ("10d", "10d"),
        ("2q", "6m"),
        ("Every 3 Months", "3m"),
        ("1w", "1w"),
    ],
)
def test_recurrence_parsing(typed: str, stored: str) -> None:
    """Repeat words and `every N units` are stored as a count and a unit letter."""
    assert parse_recurrence(typed) == stored


@pytest.mark.parametrize(
    ("typed", "fragment"), [("every 0 days", "at least every 1 day"), ("sometimes", "not a repeat")]
)
def test_bad_recurrences_are_refused(typed: str, fragment: str) -> None:
    """A zero interval or an unknown word is refused with the accepted forms."""
    with pytest.raises(ValidationError) as caught:
        parse_recurrence(typed)
    assert caught.value.field == "recurrence" and fragment in caught.value.message


def test_next_occurrence_and_its_description() -> None:
    """A stored recurrence steps from a day and reads back in words."""
    assert next_occurrence("2w", FRIDAY) == dt.date(2026, 12, 11)
    assert next_occurrence("1m", dt.date(2027, 1, 31)) == dt.date(2027, 2, 28)
    assert next_occurrence("1y", FRIDAY) == dt.date(2027, 11, 27)
    assert [describe_recurrence(r) for r in ("", "1w", "3m", "2w", "1y")] == [
        "",
        "weekly",
        "quarterly",
        "every 2 weeks",
        "yearly",
    ]


def test_due_dates_read_as_people_say_them() -> None:
    """today, tomorrow, in N days, N days late."""
    assert describe_due(FRIDAY, FRIDAY) == "today"
    assert describe_due(FRIDAY + dt.timedelta(days=1), FRIDAY) == "tomorrow"
    assert describe_due(FRIDAY + dt.timedelta(days=5), FRIDAY) == "in 5 days"
    assert describe_due(FRIDAY - dt.timedelta(days=1), FRIDAY) == "1 day late"
    assert describe_due(FRIDAY - dt.timedelta(days=4), FRIDAY) == "4 days late"


DEC_3 = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13/01", dt.date(2027, 1, 13)),
        ("13.01", dt.date(2027, 1, 13)),
        ("13 Jan", dt.date(2027, 1, 13)),
        ("Jan 13", dt.date(2027, 1, 13)),
        ("25/12", dt.date(2026, 12, 25)),
        ("20/11", dt.date(2026, 11, 20)),
        ("13/01/2026", dt.date(2026, 1, 13)),
    ],
)
def test_a_date_without_its_year_rolls_forward_the_same_way_in_every_form(typed: str, expected: dt.date) -> None:
    """On 3 Dec, `13/01` is next January exactly as `13 Jan` is; a typed year is kept as typed."""
    assert parse_date(typed, DEC_3) == expected


def test_a_past_due_date_gets_a_warning_and_a_future_one_none() -> None:
    """`past_note` words a warning for a day before today and says nothing for today or later."""
    assert (
        past_note(dt.date(2026, 11, 20), DEC_3)
        == "Fri 20 Nov 2026 is in the past (13 days ago); it will show as overdue"
    )
    assert "yesterday" in past_note(dt.date(2026, 12, 2), DEC_3)
    assert past_note(DEC_3, DEC_3) == ""
    assert past_note(None, DEC_3) == ""
