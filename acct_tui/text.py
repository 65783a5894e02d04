"""Showing stored text safely: whatever a record holds, it never acts on the terminal.

Control characters become their visible Unicode "control picture" (ESC shows
as ␛), bidi overrides become a visible mark, and line breaks in single-line
places become ⏎. Markup is never interpreted because screens render through
`rich.text.Text`, never through markup strings.

Widths are measured as the terminal draws them, one grapheme cluster at a
time (wcwidth): Rich counts code points, so a Bengali vowel sign or conjunct
counts as nothing there while the terminal gives its cluster a cell, and a
column measured by Rich comes out short and pushes its row out of line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import TextIO

_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _visible(char: str, keep_newlines: bool) -> str:
    code = ord(char)
    if char == "\n":
        return "\n" if keep_newlines else " ⏎ "
    if char == "\t":
        return "    " if keep_newlines else " "
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    if 0x80 <= code < 0xA0:
        return "�"
    if char in _BIDI or char in "\u2028\u2029":
        return "�"
    return char


def inert(text: str, *, keep_newlines: bool = False) -> str:
    """The text with every control character made visible and harmless."""
    if text.isprintable() and "\u200e" not in text and "\u200f" not in text:
        return text
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Zl", "Zp") or char in _BIDI:
            if category == "Cf" and char not in _BIDI and char not in "\u2028\u2029":
                out.append(char)  # zero-width joiners and the like keep scripts intact
                continue
            out.append(_visible(char, keep_newlines))
        else:
            out.append(char)
    return "".join(out)


def one_line(text: str, width: int | None = None) -> str:
    """Inert, on one line, cut to `width` cells with an ellipsis."""
    flat = inert(text)
    if width is None:
        return flat
    return clip(flat, width)


@lru_cache(maxsize=1)
def _cluster_marks() -> re.Pattern[str]:
    """Spacing vowel signs and viramas: all in the blocks of the scripts of South and South-East Asia
    (and their historic cousins), so only those blocks are looked through."""
    blocks = ((0x0900, 0x2000), (0xA800, 0xAC00), (0x11000, 0x12000), (0x16F00, 0x17000), (0x1D100, 0x1D200))
    marks = [
        chr(code)
        for start, end in blocks
        for code in range(start, end)
        if unicodedata.category(chr(code)) == "Mc"
        or (unicodedata.category(chr(code)) == "Mn" and unicodedata.combining(chr(code)) == 9)
    ]
    ranges: list[tuple[str, str]] = []
    for mark in marks:  # runs of neighbours as ranges: a class of ranges is searched far faster
        if ranges and ord(mark) == ord(ranges[-1][1]) + 1:
            ranges[-1] = (ranges[-1][0], mark)
        else:
            ranges.append((mark, mark))
    return re.compile("[" + "".join(f"{re.escape(a)}-{re.escape(b)}" for a, b in ranges) + "]")


def needs_clusters(text: str) -> bool:
    """Whether Rich's count of code points is wrong for the text: it holds a spacing vowel sign
    or a virama (Bengali, Devanagari, Tamil…), which the terminal draws as part of a wider cluster."""
    # Most text never reaches the first of those blocks: a max() is far cheaper than a search.
    return not text.isascii() and max(text) >= "\u0900" and _cluster_marks().search(text) is not None


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: by grapheme cluster (wcwidth) where Rich's count is wrong, else as Rich counts.

    One measure for both: `acct_tui.widgets.textual_fixes` makes Rich (and so
    Textual's padding and borders) use this one for the texts it gets wrong.
    """
    if text.isascii() and text.isprintable():
        return len(text)
    if len(text) < 256:
        return _cached_width(text)
    return _width(text)


@lru_cache(maxsize=4096)
def _cached_width(text: str) -> int:
    return _width(text)


def _width(text: str) -> int:
    # Imported here: the command-line verbs measure text too, and must start fast.
    if needs_clusters(text):
        import wcwidth

        return max(0, int(wcwidth.width(text, control_codes="ignore")))
    import rich.cells

    measure = rich.cells._cell_len
    return int(getattr(measure, "original", measure)(text, "auto"))  # Rich's own count, not the fix's


def graphemes(text: str) -> list[str]:
    """The text's grapheme clusters: what the terminal draws as one character."""
    if text.isascii():
        return list(text)
    import wcwidth

    return list(wcwidth.iter_graphemes(text))


def fit(text: str, width: int) -> str:
    """Exactly `width` terminal cells: cut with … or padded with spaces.

    So a plain-text column lines up whatever script it holds: `f"{name:<30}"`
    counts characters, and a CJK name is twice as wide.
    """
    cut = clip(text, width)
    return cut + " " * max(0, width - cell_width(cut))


def clip(text: str, width: int) -> str:
    """Cut to at most `width` terminal cells, ending with … when cut; never inside a grapheme cluster."""
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    out = []
    used = 0
    for cluster in graphemes(text):
        w = cell_width(cluster)
        if used + w > width - 1:
            break
        out.append(cluster)
        used += w
    return "".join(out) + "…"


# The command line's output ----------------------------------------------------
# A verb's plain output lands on a terminal as surely as a screen does, so it
# goes through the same rule; JSON and CSV are data, so they keep every
# character but in a form that cannot act when someone `cat`s the file.

# json.dumps escapes C0 controls inside strings but, with ensure_ascii=False,
# leaves DEL, C1 controls, bidi marks and the Unicode line separators raw.
# None of these can stand outside a string in JSON, so escaping them wherever
# they appear in the dumped text is exact.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def say(*values: object, sep: str = " ", file: TextIO | None = None) -> None:
    """`print` for a verb's plain output: whatever a stored value holds, it cannot act on the terminal."""
    print(inert(sep.join(str(value) for value in values), keep_newlines=True), file=file)


def json_text(payload: object, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """`payload` as JSON, readable (no ASCII escaping of letters) but with every control and bidi mark escaped."""
    dumped = json.dumps(payload, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", dumped)


def dump_json(payload: object, out: TextIO, *, indent: int | None = None) -> None:
    """Write `payload` as JSON (see `json_text`) to `out`."""
    out.write(json_text(payload, indent=indent))
