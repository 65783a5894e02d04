"""Reading a CSV file as spreadsheets and CRMs really write it.

- the encoding: UTF-8 with or without a byte-order mark, UTF-16 with one
  (Excel's "Unicode text"), else Windows-1252 when the bytes fit it; a
  workbook or a binary file is refused with what to do instead;
- the delimiter: comma, semicolon, tab or pipe, detected by clevercsv on a
  sample and checked against the rows, with a plain consistency count as
  the fallback;
- Windows, Unix and old Mac line ends, quoted fields holding delimiters,
  quotes and line breaks.

Each record keeps the number of the physical line it starts on, so an
error can point at the line a spreadsheet user will find.

What one import reads is bounded (file size, line length, columns), so a
huge or endless input such as /dev/zero is refused in a moment with the
limit it passed, instead of being read until memory runs out.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from acct_tui.services.errors import ValidationError

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_CHARS = 20_000
MAX_FIELD = 1_000_000
MAX_FILE_BYTES = 256 * 1024 * 1024  # about a million CRM rows
MAX_LINE_BYTES = 4 * 1024 * 1024  # room for a field of MAX_FIELD characters in any script
MAX_COLUMNS = 5_000  # a full Salesforce or HubSpot export has hundreds
_CHUNK = 1024 * 1024
_CR_TO_LF = bytes.maketrans(b"\r", b"\n")

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class ReadError(ValidationError):
    """The file cannot be read as a table at all; the message says what to do."""


@dataclass(frozen=True)
class Table:
    """A CSV file read whole: its header, and each record with the line it starts on."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str = ","
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)

    @property
    def delimiter_name(self) -> str:
        return _DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def decode(data: bytes, name: str = "the file") -> tuple[str, str]:
    """The text of `data` and the encoding it was read with."""
    refuse_binary(data, name)
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", name), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise ReadError(
            f"{name} is not UTF-8 (byte 0x{data[utf8_error.start]:02x} on line {line}) nor Windows-1252; "
            "save it as 'CSV UTF-8' and import that"
        ) from None


def refuse_binary(head: bytes, name: str = "the file") -> None:
    """Refuse a workbook or a binary file from its first bytes, before the rest is read."""
    if head.startswith(b"PK\x03\x04"):
        raise ReadError(f"{name} is a spreadsheet workbook (.xlsx), not CSV; save it as 'CSV UTF-8' and import that")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(f"{name} is an old Excel workbook (.xls), not CSV; save it as 'CSV UTF-8' and import that")
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in head[:4096]:
        raise ReadError(f"{name} holds NUL bytes: it is not a text CSV file (UTF-16 without a BOM, or binary)")


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(
            f"{name} claims {encoding} but byte {exc.start} (line {line}) is not valid {encoding}"
        ) from None


def _sample(text: str) -> str:
    if len(text) <= SAMPLE_CHARS:
        return text
    cut = text.rfind("\n", 0, SAMPLE_CHARS)
    return text[: cut if cut > 0 else SAMPLE_CHARS]


def _shape(sample: str, delimiter: str) -> tuple[float, int]:
    """How well `delimiter` splits the sample: (share of rows as wide as the header, header width)."""
    try:
        rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r]
    except csv.Error:
        return 0.0, 0
    if not rows:
        return 0.0, 0
    body = rows[1:-1] or rows[1:]  # the last sampled record may be cut short
    width = len(rows[0])
    if not body:
        return 1.0, width
    return sum(1 for r in body if len(r) == width) / len(body), width


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text: clevercsv's guess when the rows bear it out, else the most consistent."""
    sample = _sample(text)
    first_line = sample.split("\n", 1)[0]
    if not any(d in first_line for d in DELIMITERS):
        return ","  # one column: nothing to split
    scores = {d: _shape(sample, d) for d in DELIMITERS}
    clear = [d for d in DELIMITERS if scores[d][1] > 1 and scores[d][0] == 1.0]
    if len(clear) == 1:
        # Only one delimiter splits the header and every sampled row to the same width:
        # nothing to weigh, and clevercsv's import alone (a scan of all Unicode) costs about a second.
        return clear[0]
    guess = None
    try:
        import clevercsv

        dialect = clevercsv.Detector().detect(sample, delimiters=list(DELIMITERS))
        guess = dialect.delimiter if dialect is not None and dialect.delimiter in DELIMITERS else None
    except Exception:  # the detector is a heuristic: any failure falls back to counting
        guess = None
    if guess is not None and scores[guess][1] > 1 and scores[guess][0] >= 0.9:
        return guess
    best = max(DELIMITERS, key=lambda d: (scores[d][1] > 1, scores[d][0], scores[d][1]))
    return best if scores[best][1] > 1 else ","


def parse_text(text: str, *, name: str = "the file", encoding: str = "utf-8", delimiter: str | None = None) -> Table:
    """A table from CSV text (header on the first non-empty line)."""
    chosen = delimiter or sniff_delimiter(text)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=chosen, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > MAX_COLUMNS:
                raise ReadError(
                    f"{name}, line {start}: {len(record):,} columns; at most {MAX_COLUMNS:,} are read, "
                    "so keep only the columns to import"
                )
            if header is None:
                header = [cell.strip().lstrip("\ufeff").strip() for cell in record]
                continue
            rows.append((start, record))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ReadError(
                f"{name}, line {previous_end + 1}: a value runs past {MAX_FIELD:,} characters; "
                "most likely a quote that is never closed"
            ) from None
        raise ReadError(
            f"{name}, line {previous_end + 1}: the quoting is broken ({exc}); "
            "a field that starts with a quote must end with one, and quotes inside it are doubled"
        ) from None
    if header is None:
        raise ReadError(f"{name} is empty: it has no header line")
    notes = []
    if encoding == "cp1252":
        notes.append("the file is not UTF-8; it was read as Windows-1252")
    return Table(header=header, rows=rows, delimiter=chosen, encoding=encoding, notes=notes)


def read_table(path: str | Path, *, delimiter: str | None = None) -> Table:
    """Read a CSV file; raises ReadError with what to do when it cannot be read."""
    file = Path(path)
    try:
        data = read_bounded(file)
    except FileNotFoundError:
        raise ReadError(f"no file at {file}") from None
    except IsADirectoryError:
        raise ReadError(f"{file} is a folder; give a CSV file") from None
    except OSError as exc:
        raise ReadError(f"cannot read {file}: {exc.strerror}") from None
    text, encoding = decode(data, file.name)
    return parse_text(text, name=file.name, encoding=encoding, delimiter=delimiter)


def read_bounded(file: Path) -> bytes:
    """The bytes of `file`, refused as soon as it shows it is binary, too big or has too long a line.

    Read in chunks, so /dev/zero or an endless pipe stops at its first chunk or at the size limit.
    """
    chunks: list[bytes] = []
    total = run = 0  # run: bytes since the last line end
    with file.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if not chunks:
                refuse_binary(chunk, file.name)
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise ReadError(
                    f"{file.name} runs past {MAX_FILE_BYTES // (1024 * 1024):,} MB, the most one import reads; "
                    "split it into smaller files"
                )
            pieces = chunk.translate(_CR_TO_LF).split(b"\n")
            longest = run + len(pieces[0])
            if len(pieces) > 1:
                longest = max(longest, max(map(len, pieces[1:])))
                run = len(pieces[-1])
            else:
                run = longest
            if longest > MAX_LINE_BYTES:
                raise ReadError(
                    f"{file.name}, line {_long_line(b''.join([*chunks, chunk])):,}: the line runs past {MAX_LINE_BYTES // (1024 * 1024):,} MB, "
                    "the longest line an import reads; most likely not a CSV file"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _long_line(data: bytes) -> int:
    """The number of the first line of `data` longer than MAX_LINE_BYTES (or of its last line)."""
    offset = 0
    for piece in data.translate(_CR_TO_LF).split(b"\n"):
        if len(piece) > MAX_LINE_BYTES:
            break
        offset += len(piece) + 1
    return data[:offset].count(b"\n") + 1
