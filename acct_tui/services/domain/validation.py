"""Checking values at the door: text, choices, money, email, phone, numbers.

Every check raises `ValidationError` with the field's name and a sentence
that says what is wrong and what is accepted. Text that would act on a
terminal (escape sequences, other control characters, bidi overrides) is
refused here, so what the database holds is always inert.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from acct_tui.numbers import MAX_ID as MAX_ID
from acct_tui.services.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

# Bidirectional embedding, override and isolate controls: they can make text
# read differently from what it holds, so they are refused.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\u2028\u2029\x85")


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    if char == "\x1b":
        return f"an escape character ({code})"
    return f"{name.lower()} ({code})" if name else f"a control character ({code})"


def clean_text(
    value: object,
    field: str,
    *,
    max_len: int = 200,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Trimmed text with nothing in it that could act on a terminal.

    Multi-line fields keep line breaks and tabs (Windows line ends become
    plain ones); single-line fields refuse line breaks.
    """
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    else:
        raise ValidationError(f"expected text, got {type(value).__name__}", field)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    # isprintable() is false for every control, format (bidi), surrogate and line-break
    # character, so printable text can skip the per-character scan (bulk imports).
    for char in "" if text.isprintable() else text:
        if multiline and char in "\n\t":
            continue
        if not multiline and char in _LINE_BREAKS:
            raise ValidationError("must be a single line (no line breaks)", field)
        category = unicodedata.category(char)
        if category == "Cc" or char in _BIDI_CONTROLS:
            raise ValidationError(
                f"contains {_describe_char(char)}, which is not allowed in text; remove it and try again",
                field,
            )
        if category == "Cs":
            raise ValidationError("contains a broken character (a lone surrogate); re-type the text", field)
    if required and not text:
        raise ValidationError("is required", field)
    if len(text) > max_len:
        raise ValidationError(f"is {len(text)} characters long; at most {max_len} are allowed", field)
    return text


def choice(value: object, enum: type[E], field: str) -> E:
    """One member of `enum`, accepting its value or label in any case."""
    if isinstance(value, enum):
        return value
    text = str(value or "").strip().lower().replace(" ", "_")
    for member in enum:
        if text in (member.value, member.value.replace("-", "_"), member.name.lower()):
            return member
    allowed = ", ".join(m.value for m in enum)
    shown = str(value).strip() if value is not None else ""
    if not shown:
        raise ValidationError(f"is required; choose one of {allowed}", field)
    raise ValidationError(f"{shown[:40]!r} is not one of {allowed}", field)


_AMOUNT_STRIP = re.compile(r"[\s\u00a0\u202f'_]")
_CURRENCY_SIGNS = "$€£¥₹₩₽₺₪₫₴₦₱฿"


def money(value: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """An amount with at most two decimals: `12500`, `12,500.00`, `$12,500`, `12500 EUR`."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        text = str(value or "").strip()
        if not text:
            raise ValidationError("is required; give an amount such as 12500 or 12,500.00", field)
        amount = parse_amount(text, field)
    if not amount.is_finite():
        raise ValidationError("must be a finite amount", field)
    if amount < 0 and not allow_negative:
        raise ValidationError(f"cannot be negative (got {amount})", field)
    if abs(amount) >= Decimal("1e12"):
        raise ValidationError("is too large; amounts up to 999,999,999,999.99 are accepted", field)
    return amount.quantize(Decimal("0.01"))


def parse_amount(text: str, field: str, *, mark: str | None = None) -> Decimal:
    """Read an amount as spreadsheets and people write it.

    Currency symbols or codes and thousands separators are dropped. With both
    `,` and `.` present, the last one is the decimal mark; a lone separator
    followed by exactly three digits is taken as thousands (`1,250` or `1.250`,
    but `0,250` is a fraction). Thousands groups must be groups of three, so a
    jumble such as `12.5.5,3` is refused rather than guessed at. Digits are
    ASCII only.

    `mark` is the decimal mark when it is known (an import learns it from the
    whole column): the other separator can then only group thousands, and a
    value that the rule above would read as thousands (`10.999` where `.` is
    the decimal mark) is refused as ambiguous rather than guessed either way.
    """
    refused = ValidationError(f"{text[:40]!r} is not an amount; write it like 12500, 12,500.00, $12,500 or 10k", field)
    raw = text.strip()
    negative = raw.startswith("(") and raw.endswith(")")
    cleaned = raw[1:-1].strip() if negative else raw
    cleaned = re.sub(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$", "", cleaned)
    for _ in range(2):  # "-$5" and "$-5" alike
        if cleaned.startswith("-") and not negative:
            negative, cleaned = True, cleaned[1:].strip()
        cleaned = cleaned.strip(_CURRENCY_SIGNS).strip()
    # "10k", "1.5m", "$2.5M": thousands and millions as people say them.
    scale = 1
    suffixed = re.fullmatch(r"(.*[0-9])\s*([kKmM])", cleaned)
    if suffixed:
        cleaned, scale = suffixed.group(1), 1000 if suffixed.group(2) in "kK" else 1_000_000
    cleaned = _AMOUNT_STRIP.sub("", cleaned)
    if mark is not None:
        grouping = "." if mark == "," else ","
        if cleaned.count(mark) > 1 or (grouping in cleaned[cleaned.find(mark) + 1 :] and mark in cleaned):
            raise refused
        if grouping not in cleaned and re.fullmatch(rf"[1-9][0-9]{{0,2}}{re.escape(mark)}[0-9]{{3}}", cleaned):
            raise ValidationError(
                f"{text[:40]!r} could be {cleaned.replace(mark, '')} or {cleaned.replace(mark, '.')}: the column "
                f"writes decimals with {mark!r} but amounts carry two; write it like 12500 or 12{mark}50",
                field,
            )
        if mark not in cleaned:
            mark = None
    elif "," in cleaned and "." in cleaned:
        mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
    elif cleaned.count(",") == 1 or cleaned.count(".") == 1:
        mark = "," if "," in cleaned else "."
        if re.fullmatch(rf"[1-9][0-9]{{0,2}}{re.escape(mark)}[0-9]{{3}}", cleaned):
            mark = None
    whole, _, fraction = cleaned.rpartition(mark) if mark else (cleaned, "", "")
    # Thousands in threes (1,234,567 or 1.234.567), or Indian lakhs (12,50,000).
    if re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,2}(?:,[0-9]{2})+,[0-9]{3}", whole):
        whole = whole.replace(",", "").replace(".", "")
    if not re.fullmatch(r"[0-9]+", whole) or (mark and not re.fullmatch(r"[0-9]+", fraction)):
        raise refused
    amount = Decimal(f"{whole}.{fraction}" if mark else whole) * scale
    return -amount if negative else amount


def currency(value: object, field: str = "currency") -> str:
    text = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValidationError(f"{text[:10]!r} is not a three-letter currency code such as USD or EUR", field)
    return text


def email(value: object, field: str = "email", *, required: bool = False) -> str:
    """An email address, normalised; empty is allowed unless `required`."""
    text = clean_text(value, field, max_len=254, required=required)
    if not text:
        return ""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            f"{text[:60]!r} is not an email address ({exc}); write it like name@example.com", field
        ) from exc
    return str(result.normalized)


_PHONE = re.compile(r"^\+?[0-9 ()./\-]{3,}((x|ext\.?)\s*[0-9]{1,6})?$", re.IGNORECASE)


def phone(value: object, field: str = "phone") -> str:
    text = clean_text(value, field, max_len=40)
    if text and (not _PHONE.match(text) or sum(c.isdigit() for c in text) < 3):
        raise ValidationError(
            f"{text!r} is not a phone number; use digits, spaces, + ( ) - and an optional 'ext 12'", field
        )
    return text


def integer(value: object, field: str, *, low: int, high: int, required: bool = True) -> int | None:
    """A whole number within [low, high]; None when empty and not required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"is required; give a whole number from {low} to {high}", field)
        return None
    if isinstance(value, bool):
        raise ValidationError(f"expected a whole number from {low} to {high}", field)
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError(f"{str(value)[:20]!r} is not a whole number from {low} to {high}", field) from exc
    if not low <= number <= high:
        raise ValidationError(f"{number} is out of range; give a whole number from {low} to {high}", field)
    return number


_DOMAIN = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domain(value: object, field: str = "domain") -> str | None:
    """A web domain (`example.com`), taken from a URL or email if one is given."""
    text = clean_text(value, field, max_len=200).lower()
    if not text:
        return None
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0].split("@")[-1].removeprefix("www.")
    try:
        text = text if text.isascii() else text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(f"{text!r} is not a web domain such as example.com", field) from exc
    if not _DOMAIN.match(text):
        raise ValidationError(f"{text!r} is not a web domain such as example.com", field)
    return text


def login(value: object, field: str = "login") -> str:
    text = clean_text(value, field, max_len=64, required=True)
    if not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.@-]*", text):
        raise ValidationError(f"{text!r} is not a login name; use letters, digits and . _ - @ (no spaces)", field)
    return text


_RECORD_ID = re.compile(r"#?[0-9]+")


def record_number(text: str) -> int | None:
    """The id `text` spells (`12`, `#12`), or None when it spells none.

    ASCII digits only (`int` reads other scripts' digits, `isdigit` passes `²`
    that `int` refuses). Raises ValidationError for an id too big for any
    database integer: it names no record, and the driver would overflow on it.
    """
    if not _RECORD_ID.fullmatch(text):
        return None
    value = int(text.lstrip("#"))
    if value > MAX_ID:
        raise ValidationError(
            f"{text[:40]} is too big to be an id; give an id as the lists show them (acct-tui queue, acct-tui portfolio)"
        )
    return value
