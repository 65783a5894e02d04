"""Showing stored text safely: whatever a record holds, it never acts on the terminal.

Control characters become their visible Unicode "control picture" (ESC shows
as ␛), bidi overrides become a visible mark, and line breaks in single-line
places become ⏎. Markup is never interpreted because screens render through
`rich.text.Text`, never through markup strings.
"""

from __future__ import annotations

import json
import re
import unicodedata
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


def cell_width(text: str) -> int:
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fit(text: str, width: int) -> str:
    """Exactly `width` terminal cells: cut with … or padded with spaces.

    So a plain-text column lines up whatever script it holds: `f"{name:<30}"`
    counts characters, and a CJK name is twice as wide.
    """
    cut = clip(text, width)
    return cut + " " * max(0, width - cell_width(cut))


def clip(text: str, width: int) -> str:
    """Cut to at most `width` terminal cells, ending with … when cut."""
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    out = []
    used = 0
    for char in text:
        w = 0 if unicodedata.combining(char) else (2 if unicodedata.east_asian_width(char) in ("W", "F") else 1)
        if used + w > width - 1:
            break
        out.append(char)
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
