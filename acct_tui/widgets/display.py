"""How values read on screen: money, dates, health. Plain `rich.text.Text`, never markup.

Health always carries a symbol and a word beside its colour, so it reads
under NO_COLOR and on a monochrome terminal. Colours come from the theme's
variables (`$success`, `$warning`, `$error`), looked up once per theme.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from rich.style import Style
from rich.text import Text

from acct_tui.text import inert
from acct_tui.vocab import HealthBand

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_BAND_VARIABLE = {HealthBand.HEALTHY: "success", HealthBand.WATCH: "warning", HealthBand.AT_RISK: "error"}
_BAND_WORD = {HealthBand.HEALTHY: "healthy", HealthBand.WATCH: "watch", HealthBand.AT_RISK: "at risk"}


class Palette:
    """Theme colours as Rich styles, for text built in Python."""

    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = variables

    def style(self, name: str, *, bold: bool = False) -> Style:
        color = self.variables.get(name)
        try:
            return Style(color=color, bold=bold) if color else Style(bold=bold)
        except Exception:  # a theme value Rich cannot read: fall back to plain
            return Style(bold=bold)

    def band(self, band: HealthBand) -> Style:
        return self.style(_BAND_VARIABLE[band], bold=band is HealthBand.AT_RISK)

    @property
    def muted(self) -> Style:
        return Style(dim=True)


PLAIN = Palette({})


def money(amount: Decimal, currency: str = "USD", *, short: bool = True) -> str:
    symbol = _SYMBOLS.get(currency, "")
    value = float(amount)
    if short:
        for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
            if abs(value) >= limit:
                text = f"{value / limit:.2f}".rstrip("0").rstrip(".")
                number = f"{text}{suffix}"
                break
        else:
            number = f"{value:,.0f}"
    else:
        number = f"{amount:,.2f}"
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def money_totals(amounts: dict[str, Decimal]) -> str:
    if not amounts:
        return money(Decimal(0))
    return " + ".join(money(value, currency) for currency, value in sorted(amounts.items(), key=lambda kv: -kv[1]))


def health(band: HealthBand, score: int, palette: Palette = PLAIN, *, word: bool = True) -> Text:
    label = f"{band.symbol} {_BAND_WORD[band]} {score}" if word else f"{band.symbol} {score}"
    return Text(label, style=palette.band(band))


_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(scores: Sequence[int | None]) -> Text:
    """Scores 0-100 as a line of block heights (no colour needed); a week not yet scored is a dim dot."""
    line = Text()
    for score in scores:
        if score is None:
            line.append("·", style="dim")
        else:
            line.append(_BLOCKS[min(len(_BLOCKS) - 1, max(0, score) * len(_BLOCKS) // 101)])
    return line


def band_word(band: HealthBand) -> str:
    return _BAND_WORD[band]


def plain(value: str, style: Style | str = "") -> Text:
    """Stored text, inert, as a Text (no markup is ever parsed)."""
    return Text(inert(value), style=style, no_wrap=True, end="")


def days_from(day: dt.date | None, today: dt.date, *, future: bool = True) -> str:
    """`in 12d`, `today`, `3d ago`, `—`."""
    if day is None:
        return "—"
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta > 0:
        return f"in {delta}d"
    return f"{-delta}d ago" if not future else f"{-delta}d late"


def ago(day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return "never"
    delta = (today - day).days
    if delta <= 0:
        return "today"
    return f"{delta}d ago"


def short_date(day: dt.date | None) -> str:
    return day.strftime("%d %b %Y") if day else "—"


def long_date(day: dt.date) -> str:
    return day.strftime("%a %d %b %Y")
