"""Imports read amounts as the command line does; what a column leaves ambiguous is refused per row, not guessed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.services.domain import validation as v
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports.values import parse_amount_cell
from tests.conftest import TODAY


def _import(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str) -> tuple[int, str]:
    csv = tmp_path / "amounts.csv"
    csv.write_text(text, encoding="utf-8")
    argv = ["import", "accounts", str(csv), "--db", str(tmp_path / "a.db"), "--agent", "boss", "--dry-run"]
    code = main(argv, clock=FixedClock.on(TODAY))
    return code, capsys.readouterr().err


def test_a_jumble_in_a_decimal_comma_column_is_refused_on_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """12.5.5,3 is not read as 1255.30: the row is refused with its line and column, as the CLI refuses it."""
    code, err = _import(capsys, tmp_path, "Name;ARR\nAcme;12,50\nBeta;12.5.5,3\nGamma;1.200,50\n")
    assert code == 1
    assert "line 3, ARR: '12.5.5,3' is not an amount" in err
    assert "line 2" not in err and "line 4" not in err


def test_fullwidth_digits_are_refused_as_the_cli_refuses_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """１２３ is not an amount to the import either."""
    code, err = _import(capsys, tmp_path, "Name,ARR\nAcme,１２３\nBeta,１２.５０\n")
    assert code == 1
    assert "line 2, ARR: '１２３' is not an amount" in err and "line 3, ARR: '１２.５０' is not an amount" in err


def test_three_digits_after_the_columns_decimal_mark_are_refused_not_read_as_thousands(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """In a column of 12.50-style amounts, 10.999 is neither 10,999 nor 11.00: the row says it is ambiguous."""
    code, err = _import(capsys, tmp_path, 'Name,ARR\nAcme,12.50\nBeta,10.999\nGamma,"1,250.00"\n')
    assert code == 1
    assert "line 3, ARR: '10.999' could be 10999 or 10.999" in err
    assert "line 4" not in err
    code, err = _import(capsys, tmp_path, "Name;ARR\nAcme;12,50\nBeta;10,999\n")
    assert code == 1 and "line 3, ARR: '10,999' could be 10999 or 10.999" in err


def test_where_the_column_says_dots_group_thousands_10_999_is_ten_thousand(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Beside 1.200,50, the dot can only group thousands: 10.999 imports as 10999."""
    code, err = _import(capsys, tmp_path, "Name;ARR\nAcme;1.200,50\nBeta;10.999\n")
    assert code == 0, err


amount_like = st.text(alphabet="0123456789１２,.$€£ -()'EURSDk\u00a0", max_size=16)


@given(amount_like)
def test_a_column_that_tells_nothing_reads_every_value_as_the_cli_does(text: str) -> None:
    """Without a decimal mark learned from the column, the import and the CLI give the same amount or both refuse."""
    try:
        cli: Decimal | None = v.money(text, "arr")
    except ValidationError:
        cli = None
    try:
        imported: Decimal | None = parse_amount_cell(text, None, "arr")[0]
    except ValidationError:
        imported = None
    assert imported == cli


@given(amount_like, st.sampled_from([",", "."]))
def test_a_known_decimal_mark_never_accepts_what_the_cli_refuses(text: str, mark: str) -> None:
    """Told the column's mark, the import may refuse more than the CLI, never accept a value the CLI refuses."""
    try:
        v.money(text, "arr")
    except ValidationError:
        with pytest.raises(ValidationError):
            parse_amount_cell(text, mark, "arr")
