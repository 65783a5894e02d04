"""The columns of a RowList: which fit a width, and how a row's cells become one line.

Plain functions of their arguments, with no widget state, so the fitting
and the drawing can be read (and tested) on their own. Columns drop by
priority when the width is short and the flexible columns share what is
left. A cell is drawn from `rich.text.Text`, never from markup: a plain
cell becomes one segment, and only a cell with styled spans goes through
Rich. Widths are the terminal's, by grapheme cluster (`acct_tui.text`), not
Rich's count of code points: a Bengali name pads to its column as drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from acct_tui.text import cell_width, clip


@lru_cache(maxsize=256)
def _parsed(name: str) -> Style:
    return Style.parse(name)


def _style(value: str | Style) -> Style:
    return value if isinstance(value, Style) else _parsed(value)


@dataclass(frozen=True)
class Column:
    """One column: its width, and how readily it is dropped (higher goes first)."""

    key: str
    label: str
    width: int
    align: str = "left"
    drop: int = 0
    flex: bool = False


@dataclass(frozen=True)
class Header:
    """A section heading inside a list (not selectable)."""

    title: str


Cells = Callable[[Any], Sequence[Text]]
"""A row's cells, one per column of the list in that order."""


def fit_columns(columns: Sequence[Column], width: int) -> list[tuple[Column, int]]:
    """The columns shown in `width` cells, each with the width it gets."""
    chosen = list(columns)

    def gaps(cols: list[Column]) -> int:
        return max(0, len(cols) - 1)

    def needed(cols: list[Column]) -> int:
        # A flexible column's width is the least it is given.
        return sum(c.width for c in cols) + gaps(cols)

    while needed(chosen) > width and any(c.drop for c in chosen):
        worst = max((c for c in chosen if c.drop), key=lambda c: c.drop)
        chosen.remove(worst)
    fixed = sum(c.width for c in chosen if not c.flex) + gaps(chosen)
    flexible = [c for c in chosen if c.flex]
    spare = max(sum(c.width for c in flexible), width - fixed) if flexible else 0
    widths: list[tuple[Column, int]] = []
    flex_total = sum(c.width for c in flexible) or 1
    for column in chosen:
        if column.flex:
            widths.append((column, spare * column.width // flex_total))
        else:
            widths.append((column, column.width))
    return widths


def draw_line(
    texts: Sequence[Text], widths: list[tuple[Column, int]], style: Style, full: int, console: Console
) -> Strip:
    """Cells straight to segments, `full` cells wide: a plain cell is one segment, only styled spans go through Rich."""
    segments: list[Segment] = []
    for index, ((column, width), text) in enumerate(zip(widths, texts, strict=False)):
        if index:
            segments.append(Segment(" ", style))
        segments.extend(draw_cell(text, width, column.align == "right", style, console))
    total = sum(w for _c, w in widths) + max(0, len(widths) - 1)
    if total < full:
        segments.append(Segment(" " * (full - total), style))
    return Strip(segments, max(total, full)).crop(0, full)


def draw_cell(text: Text, width: int, right: bool, style: Style, console: Console) -> list[Segment]:
    """One cell, `width` cells wide: cut with … if it is longer, padded on the side away from its alignment."""
    plain_text = text.plain
    if not text.spans and "\n" not in plain_text:
        fitted = plain_text if cell_width(plain_text) <= width else clip(plain_text, width)
        pad = " " * (width - cell_width(fitted))
        cell_style = style + _style(text.style) if text.style else style
        body = Segment(fitted, cell_style)
        return [Segment(pad, style), body] if right and pad else [body, Segment(pad, style)] if pad else [body]
    cell = text.copy()
    if "\n" in plain_text:
        cell.truncate(width, overflow="ellipsis", pad=False)
    elif cell_width(plain_text) > width:
        kept = clip(plain_text, width)[:-1]  # whole clusters; the spans over them are kept
        cell = cell[: len(kept)]
        cell.append("…")
    padding = width - cell_width(cell.plain)
    if padding > 0:
        cell = Text(" " * padding) + cell if right else cell + Text(" " * padding)
    return [Segment(seg.text, style + seg.style if seg.style else style) for seg in cell.render(console)]


def header_cells(widths: Sequence[tuple[Column, int]]) -> list[Text]:
    """The labels of the columns shown, aligned as their columns are."""
    return [Text(c.label, justify="right" if c.align == "right" else "left") for c, _ in widths]


def shown_cells(columns: Sequence[Column], cells: Sequence[Text], widths: Sequence[tuple[Column, int]]) -> list[Text]:
    """Of a row's cells, one per column of `columns` in that order, those of the columns shown."""
    position = {c.key: i for i, c in enumerate(columns)}
    return [cells[position[c.key]] for c, _w in widths]


def draw_text(text: Text, width: int, style: Style, console: Console) -> Strip:
    """One text across the whole width (a section heading, a placeholder), cut with … if it is longer."""
    text.truncate(width, overflow="ellipsis", pad=True)
    segments = list(text.render(console))
    strip = Strip(segments, text.cell_len).apply_style(style)
    return strip.crop_extend(0, width, style)
