"""Checking values at the door: every validator's accepted forms and its refusals."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acct_tui.services.domain import fields as F
from acct_tui.services.domain import validation as v
from acct_tui.services.errors import ValidationError
from acct_tui.vocab import FollowUpKind, Priority, Tier

TODAY = dt.date(2026, 11, 27)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


# --- text -----------------------------------------------------------------------------------


def test_text_is_trimmed() -> None:
    """Leading and trailing blanks go; inner spacing stays."""
    assert v.clean_text("  Acme  Corp \t", "name") == "Acme  Corp"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Evil\x1b[31m", "an escape character (U+001B)"),
        ("bell\x07", "U+0007"),
        ("nul\x00byte", "U+0000"),
        ("del\x7f", "U+007F"),
        ("c1\x9b31m", "U+009B"),
        ("abc\u202egnp.exe", "right-to-left override (U+202E)"),
        ("x\u2066isolate", "U+2066"),
    ],
)
def test_control_characters_and_bidi_overrides_are_refused(text: str, fragment: str) -> None:
    """Anything that could act on a terminal or make text read backwards is refused, named by code point."""
    with pytest.raises(ValidationError) as caught:
        v.clean_text(text, "name")
    assert caught.value.field == "name"
    assert fragment in caught.value.message
    assert "remove it and try again" in caught.value.message


def test_single_line_fields_refuse_line_breaks() -> None:
    """A name or a title cannot hold a line break of any kind."""
    for text in ("two\nlines", "two\u2028lines", "two\x85lines"):
        with pytest.raises(ValidationError, match="single line"):
            v.clean_text(text, "title")
    with pytest.raises(ValidationError, match="U\\+000D"):
        v.clean_text("two\rlines", "title")


def test_multiline_fields_keep_lines_and_tabs_and_normalise_line_ends() -> None:
    """Notes keep their lines and tabs; Windows and old-Mac line ends become plain ones."""
    assert v.clean_text("a\r\nb\rc\n\td", "notes", multiline=True) == "a\nb\nc\n\td"
    with pytest.raises(ValidationError, match="escape character"):
        v.clean_text("ok\n\x1b]0;title\x07", "notes", multiline=True)


def test_text_length_and_required() -> None:
    """Too long says how long and the limit; empty is refused only when required."""
    assert v.clean_text(None, "x") == ""
    with pytest.raises(ValidationError, match="is 6 characters long; at most 5"):
        v.clean_text("abcdef", "x", max_len=5)
    with pytest.raises(ValidationError, match="is required"):
        v.clean_text("   ", "x", required=True)
    with pytest.raises(ValidationError, match="expected text, got int"):
        v.clean_text(42, "x")


def test_unicode_text_is_welcome() -> None:
    """Names in any script, emoji and joiners are not control characters."""
    for text in ("Ekström AB", "株式会社テスト", "שלום", "👩‍💻 team", "Zoë"):
        assert v.clean_text(text, "name") == text


@given(st.text(max_size=60), st.booleans())
def test_no_control_character_ever_survives(text: str, multiline: bool) -> None:
    """Whatever goes in, what comes out holds no control or bidi character (bar newline/tab in notes)."""
    try:
        cleaned = v.clean_text(text, "field", max_len=1000, multiline=multiline)
    except ValidationError:
        return
    allowed = {"\n", "\t"} if multiline else set()
    for char in cleaned:
        assert char in allowed or unicodedata.category(char) not in ("Cc", "Cs"), repr(char)
        assert char not in BIDI
    if not multiline:
        assert "\n" not in cleaned and "\u2028" not in cleaned


@given(st.one_of(st.text(), st.integers(), st.none(), st.floats(), st.binary()))
def test_clean_text_only_ever_raises_validation_error(value: object) -> None:
    """Any value at all: cleaned text or a ValidationError, never another exception."""
    try:
        cleaned = v.clean_text(value, "field")
    except ValidationError:
        return
    assert isinstance(value, str | None) and isinstance(cleaned, str)


# --- choices ------------------------------------------------------------------------------


def test_choices_accept_value_name_or_label_in_any_case() -> None:
    """`Gold`, `check in`, `CHECK-IN` and the enum member all mean the same thing."""
    assert v.choice("Gold", Tier, "tier") is Tier.GOLD
    assert v.choice("check in", FollowUpKind, "kind") is FollowUpKind.CHECK_IN
    assert v.choice("CHECK-IN", FollowUpKind, "kind") is FollowUpKind.CHECK_IN
    assert v.choice(Priority.HIGH, Priority, "priority") is Priority.HIGH


def test_unknown_choices_list_the_allowed_values() -> None:
    """An unknown value is quoted back with every allowed value; nothing given says it is required."""
    with pytest.raises(ValidationError) as caught:
        v.choice("diamond", Tier, "tier")
    assert caught.value.message == "'diamond' is not one of platinum, gold, silver, bronze"
    with pytest.raises(ValidationError, match="is required; choose one of low, normal, high, urgent"):
        v.choice("", Priority, "priority")


# --- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12500", "12500"),
        ("12,500", "12500"),
        ("12,500.00", "12500.00"),
        ("$12,500", "12500"),
        ("$ 1,234,567.89", "1234567.89"),
        ("€1.234,56", "1234.56"),
        ("1.250", "1250"),
        ("1.234.567", "1234567"),
        ("12500 EUR", "12500"),
        ("USD 99.5", "99.5"),
        ("£0.99", "0.99"),
        ("12 500", "12500"),
        ("12\u00a0500,50", "12500.50"),
        ("1'000'000", "1000000"),
        ("1_000", "1000"),
        ("3,5", "3.5"),
        ("0,250", "0.250"),
        ("12,50,000", "1250000"),
        ("-40", "-40"),
        ("-$40", "-40"),
        ("$-40", "-40"),
        ("(1,200.00)", "-1200.00"),
    ],
)
def test_amounts_as_people_and_spreadsheets_write_them(typed: str, amount: str) -> None:
    """Currency signs and codes and thousands separators are dropped; the decimal mark is worked out."""
    assert v.parse_amount(typed, "arr") == Decimal(amount)


@pytest.mark.parametrize("typed", ["twelve", "1e5", "12.5.5,3", "$", "--5", "1,2,3", "1,2,3.4.5", "12 dollars", ".5"])
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    """A word, an exponent or a jumble of separators is refused with examples of what works."""
    with pytest.raises(ValidationError) as caught:
        v.parse_amount(typed, "arr")
    assert caught.value.field == "arr"
    assert "is not an amount" in caught.value.message


def test_money_rounds_to_cents_and_refuses_negative_and_huge() -> None:
    """ARR is stored to the cent; negative and absurd amounts are refused unless allowed."""
    assert v.money("1,234.567", "arr") == Decimal("1234.57")
    assert v.money(5, "arr") == Decimal("5.00")
    assert v.money(Decimal("2.5"), "arr") == Decimal("2.50")
    assert v.money("-5", "credit", allow_negative=True) == Decimal("-5.00")
    with pytest.raises(ValidationError, match="cannot be negative"):
        v.money("-5", "arr")
    with pytest.raises(ValidationError, match="too large"):
        v.money("1,000,000,000,000", "arr")
    with pytest.raises(ValidationError, match="is required"):
        v.money("", "arr")
    with pytest.raises(ValidationError, match="finite"):
        v.money(Decimal("NaN"), "arr")


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2), st.sampled_from(["", "$", "€", "£"]))
def test_formatted_amounts_read_back_exactly(amount: Decimal, sign: str) -> None:
    """An amount printed with a currency sign and thousands separators parses back to the same value."""
    assert v.parse_amount(f"{sign}{amount:,.2f}", "arr") == amount


@given(st.text(max_size=30))
def test_parse_amount_only_ever_raises_validation_error(text: str) -> None:
    """Whatever is typed, an amount or a ValidationError comes back, never another exception."""
    try:
        result = v.parse_amount(text, "arr")
    except ValidationError:
        return
    assert result.is_finite()


@given(st.text(alphabet="0123456789,.$€ -()'_EURSD", max_size=20))
def test_money_from_amount_like_text_never_crashes(text: str) -> None:
    """Amount-looking junk (the likely typos) gives cents or a ValidationError."""
    try:
        result = v.money(text, "arr", allow_negative=True)
    except ValidationError:
        return
    assert result == result.quantize(Decimal("0.01"))


def test_currency_codes() -> None:
    """Three letters, any case, stored upper-case; anything else refused."""
    assert v.currency("eur") == "EUR"
    for bad in ("US", "EURO", "€", "12A"):
        with pytest.raises(ValidationError, match="three-letter currency code"):
            v.currency(bad)


# --- contact details --------------------------------------------------------------------------


def test_emails_are_normalised_and_bad_ones_refused() -> None:
    """The domain is lower-cased; malformed addresses are refused; empty is fine unless required."""
    assert v.email("Ines.Haddad@KestrelFreight.COM") == "Ines.Haddad@kestrelfreight.com"
    assert v.email("") == ""
    for bad in ("bob@", "@example.com", "bob", "bob@@example.com", "bob smith@example.com"):
        with pytest.raises(ValidationError) as caught:
            v.email(bad)
        assert caught.value.field == "email"
        assert "not an email address" in caught.value.message and "name@example.com" in caught.value.message
    with pytest.raises(ValidationError, match="is required"):
        v.email("", required=True)


def test_an_email_with_an_escape_is_refused_as_text_first() -> None:
    """Control characters are caught before the address check, with the same message as any text."""
    with pytest.raises(ValidationError, match="escape character"):
        v.email("bob@example.com\x1b[2J")


@pytest.mark.parametrize(
    "phone", ["+1 555 123 4567", "(020) 7946-0958", "+44.20.7946.0958", "555-0100 ext 12", "555 0100 x9", ""]
)
def test_phone_numbers_people_write(phone: str) -> None:
    """Digits with spaces, + ( ) - . and an optional extension are accepted as typed."""
    assert v.phone(phone) == phone


@pytest.mark.parametrize("phone", ["call me", "12", "+1 555 CALL NOW", "555;0100"])
def test_phones_that_are_not_numbers_are_refused(phone: str) -> None:
    """Letters, too few digits or odd punctuation: refused, saying what is allowed."""
    with pytest.raises(ValidationError) as caught:
        v.phone(phone)
    assert caught.value.field == "phone" and "not a phone number" in caught.value.message


# --- numbers, domains, logins -------------------------------------------------------------------


def test_whole_numbers_within_a_range() -> None:
    """Satisfaction 0-10: in range is kept, out of range and non-numbers refused, empty optional."""
    assert v.integer(" 7 ", "satisfaction", low=0, high=10) == 7
    assert v.integer("", "satisfaction", low=0, high=10, required=False) is None
    with pytest.raises(ValidationError, match="11 is out of range; give a whole number from 0 to 10"):
        v.integer("11", "satisfaction", low=0, high=10)
    with pytest.raises(ValidationError, match=r"'7\.5' is not a whole number"):
        v.integer("7.5", "satisfaction", low=0, high=10)
    with pytest.raises(ValidationError, match="expected a whole number"):
        v.integer(True, "satisfaction", low=0, high=10)
    with pytest.raises(ValidationError, match="is required"):
        v.integer(None, "satisfaction", low=0, high=10)


def test_domains_are_taken_from_urls_and_emails() -> None:
    """A pasted URL or email address yields the bare domain; a non-domain is refused."""
    assert v.domain("https://www.Example.com/pricing") == "example.com"
    assert v.domain("sales@kestrelfreight.co.uk") == "kestrelfreight.co.uk"
    assert v.domain("bücher.example") == "xn--bcher-kva.example"
    assert v.domain("") is None
    for bad in ("not a domain", "localhost", "-bad-.com"):
        with pytest.raises(ValidationError, match="not a web domain"):
            v.domain(bad)


def test_login_names() -> None:
    """Letters, digits and . _ - @ only, no spaces; required."""
    assert v.login("sam.o-neil@desk") == "sam.o-neil@desk"
    with pytest.raises(ValidationError, match="not a login name"):
        v.login("sam smith")
    with pytest.raises(ValidationError, match="is required"):
        v.login("")


# --- whole records ---------------------------------------------------------------------------


def test_a_record_is_cleaned_field_by_field() -> None:
    """Each field goes through its rule; the result holds storable values."""
    data = F.clean(
        F.ACCOUNT,
        {"name": " Acme ", "tier": "Gold", "arr": "$120,000", "renewal_on": "2027-03-01", "satisfaction": "8"},
        TODAY,
    )
    assert data == {
        "name": "Acme",
        "tier": "gold",
        "arr": Decimal("120000.00"),
        "renewal_on": dt.date(2027, 3, 1),
        "satisfaction": 8,
    }


def test_unknown_fields_are_a_mistake() -> None:
    """A field no rule knows is refused rather than silently dropped."""
    with pytest.raises(ValidationError, match="unknown field"):
        F.clean(F.CONTACT, {"name": "Bob", "shoe_size": "44"}, TODAY)


def test_check_field_checks_one_field_as_a_form_types_it() -> None:
    """A form can validate a single field, with the same rule and message as a save."""
    assert F.check_field("followup", "due_on", "+3d", TODAY) == dt.date(2026, 11, 30)
    assert F.check_field("followup", "recurrence", "monthly", TODAY) == "1m"
    with pytest.raises(ValidationError) as caught:
        F.check_field("followup", "due_on", "whenever", TODAY)
    assert caught.value.field == "due_on"
