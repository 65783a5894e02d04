"""Property-based tests of the CSV reader and the date and amount readers behind imports."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.reader import decode, parse_text
from acct_tui.services.io.imports.values import (
    DateColumn,
    DateOrder,
    detect_date_order,
    detect_decimal_mark,
    parse_amount_cell,
    parse_date_cell,
    parse_datetime_cell,
)

# Cells as people type them: any script, quotes, delimiters and line breaks inside.
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    | st.sampled_from(',;\t"\n\r'),
    max_size=30,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_whatever_a_csv_writer_writes_reads_back(
    rows: list[list[str]], delimiter: str, line_end: str, bom: bool
) -> None:
    """Any table written by a CSV writer (any delimiter, line end, BOM) reads back cell for cell."""
    header = ["Account Name", "Website", "Notes"]
    out = io.StringIO()
    # A writer with "\n" line ends leaves a lone CR unquoted (its own ambiguity); spreadsheets quote it.
    lone_cr = line_end == "\n" and any("\r" in c for r in rows for c in r)
    quoting = csv.QUOTE_ALL if lone_cr else csv.QUOTE_MINIMAL
    csv.writer(out, delimiter=delimiter, lineterminator=line_end, quoting=quoting).writerows([header, *rows])
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
    text, _encoding = decode(data)
    table = parse_text(text, delimiter=None)
    assert table.header == header
    expected = [r for r in rows if any(c.strip() for c in r)]
    got = [cells for _line, cells in table.rows]
    assert got == expected


@settings(max_examples=100)
@given(
    st.lists(
        st.lists(st.text(alphabet="abc xyz", min_size=1, max_size=6).filter(str.strip), min_size=2, max_size=2),
        min_size=1,
        max_size=6,
    )
)
def test_line_numbers_point_at_the_physical_line(rows: list[list[str]]) -> None:
    """Each record's line number is the physical line it starts on, multi-line cells included."""
    lines = ["A,B"]
    expected = []
    physical = 2
    for first, second in rows:
        lines.append(f'"{first}\n{first}",{second}')
        expected.append(physical)
        physical += 2
    table = parse_text("\n".join(lines) + "\n")
    assert [line for line, _cells in table.rows] == expected


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2150, 12, 31)), st.sampled_from(["/", ".", "-"]))
def test_day_first_and_month_first_dates_round_trip(day: dt.date, sep: str) -> None:
    """A date written day-first or month-first reads back as itself once the column's order is known."""
    dmy = f"{day.day:02d}{sep}{day.month:02d}{sep}{day.year}"
    mdy = f"{day.month}{sep}{day.day}{sep}{day.year}"
    assert parse_date_cell(dmy, DateColumn(DateOrder.DAY_FIRST), "d") == day
    assert parse_date_cell(mdy, DateColumn(DateOrder.MONTH_FIRST), "d") == day
    assert parse_date_cell(day.isoformat(), DateColumn(None), "d") == day
    assert parse_date_cell(day.strftime("%d %b %Y"), DateColumn(None), "d") == day


@given(st.lists(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)), min_size=1, max_size=20))
def test_order_detection_never_misreads_a_column(days: list[dt.date]) -> None:
    """Detection either refuses the column or picks an order under which every value is the date written."""
    values = [(i + 2, f"{d.day}/{d.month}/{d.year}") for i, d in enumerate(days)]
    try:
        column = detect_date_order(values, "Date")
    except ValidationError:
        assert all(d.day <= 12 for d in days)
        return
    assert [parse_date_cell(raw, column, "d") for _line, raw in values] == days


@given(st.text(max_size=40))
def test_date_readers_raise_only_validation_errors(raw: str) -> None:
    """Whatever a cell holds, reading it as a date or date-time either works or says why."""
    for reader in (parse_date_cell, parse_datetime_cell):
        with contextlib.suppress(ValidationError):
            reader(raw, DateColumn(DateOrder.DAY_FIRST), "d")


amounts = st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2, allow_nan=False)


@given(amounts, st.sampled_from(["us", "eu", "plain", "code", "swiss"]))
def test_amounts_read_back_in_every_style(amount: Decimal, style: str) -> None:
    """12,500.00 / 12.500,00 € / USD 12500 / 12'500.00: each reads back as the amount written."""
    us = f"{amount:,.2f}"
    text = {
        "us": f"${us}",
        "eu": us.replace(",", "X").replace(".", ",").replace("X", ".") + " €",
        "plain": f"{amount:.2f}",
        "code": f"USD {us}",
        "swiss": us.replace(",", "'"),
    }[style]
    mark = detect_decimal_mark([(2, text)], "Amount")
    value, _code = parse_amount_cell(text, mark, "arr")
    assert value == amount


@given(st.text(max_size=30))
def test_amount_reader_raises_only_validation_errors(raw: str) -> None:
    """Any cell read as an amount is a non-negative two-place amount or a ValidationError."""
    for mark in (None, ",", "."):
        try:
            value, _code = parse_amount_cell(raw, mark, "arr")
        except ValidationError:
            continue
        assert value >= 0 and value == value.quantize(Decimal("0.01"))


def test_mixed_decimal_marks_are_refused() -> None:
    """A column with both 1.200,50 and 1,200.50 cannot be read safely and says where."""
    with pytest.raises(ValidationError, match="line 3"):
        detect_decimal_mark([(2, "1.200,50"), (3, "1,200.50")], "Amount")


def test_times_and_zones() -> None:
    """12-hour clocks, seconds and explicit zones become naive UTC."""
    column = DateColumn(DateOrder.MONTH_FIRST)
    local = dt.datetime(2026, 3, 14, 14, 30, 15).astimezone().astimezone(dt.UTC).replace(tzinfo=None)
    assert parse_datetime_cell("03/14/2026 2:30:15 PM", column, "d") == local
    assert parse_datetime_cell("2026-03-14T09:30:00+02:00", column, "d") == dt.datetime(2026, 3, 14, 7, 30)
    assert parse_datetime_cell("2026-03-14T09:30:00Z", column, "d") == dt.datetime(2026, 3, 14, 9, 30)
    with pytest.raises(ValidationError):
        parse_datetime_cell("03/14/2026 25:99", column, "d")


def test_hostile_files_get_clear_errors() -> None:
    """An empty file, an unclosed quote that swallows the file, or a NUL-filled file each say what is wrong."""
    with pytest.raises(ValidationError, match="empty"):
        parse_text("\n\n")
    with pytest.raises(ValidationError, match="never closed"):
        parse_text('Account Name\n"' + "x" * 1_100_000 + "\n")
    with pytest.raises(ValidationError, match="NUL bytes"):
        decode(b"A\x00c\x00c\x00")
    assert decode("Name\nÉcole\n".encode("utf-16"))[1] == "utf-16"


def test_header_problems_are_named() -> None:
    """A header naming one column twice, or lacking a required one, is refused with the column names."""
    from acct_tui.services.io.imports.columns import ImportKind, map_columns

    with pytest.raises(ValidationError, match="appears more than once"):
        map_columns(ImportKind.ACCOUNTS, ["Account Name", "account name"])
    with pytest.raises(ValidationError, match=r"no column for title .* due_on"):
        map_columns(ImportKind.FOLLOWUPS, ["Account Name", "Notes"])
    columns = map_columns(ImportKind.ACCOUNTS, ["Company name", "Account Name"])
    assert columns.column("name") == "Account Name" and columns.ignored == ["Company name"]
