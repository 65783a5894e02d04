"""What one import reads is bounded: a very wide, endless or binary input is refused quickly with the limit it passed."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from acct_tui.services.io.imports import reader
from acct_tui.services.io.imports.columns import ImportKind, map_columns
from acct_tui.services.io.imports.reader import ReadError, read_table


def _cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """acct-tui in a child process held to 1 GB of memory, so an unbounded read fails fast instead of filling RAM."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "acct_tui", *argv, "--db", str(tmp_path / "b.db"), "--agent", "boss"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        preexec_fn=cap,
    )


def test_a_wide_header_is_mapped_in_linear_time() -> None:
    """4,000 columns map in well under a second (comparing every column with every other took minutes)."""
    header = ["Account Name", *(f"Extra {i}" for i in range(4_000))]
    started = time.perf_counter()
    columns = map_columns(ImportKind.ACCOUNTS, header)
    assert time.perf_counter() - started < 1.0
    assert columns.column("name") == "Account Name" and len(columns.ignored) == 4_000


def test_a_10000_column_file_is_refused_quickly_naming_the_limit(tmp_path: Path) -> None:
    """A 10,000-column CSV gets one line saying how many columns an import reads, in a couple of seconds."""
    wide = tmp_path / "wide.csv"
    wide.write_text("Name," + ",".join(f"c{i}" for i in range(10_000)) + "\nAcme," + "x," * 9_999 + "x\n")
    started = time.perf_counter()
    done = _cli(tmp_path, "import", "accounts", str(wide), "--dry-run")
    assert time.perf_counter() - started < 10  # a child Python on a shared machine; the import itself is ~0.1 s
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "acct-tui: wide.csv, line 1: 10,001 columns; at most 5,000 are read, so keep only the columns to import"
    )


def test_dev_zero_is_refused_at_its_first_chunk(tmp_path: Path) -> None:
    """`import accounts /dev/zero` answers at once that it is not a text file, without reading it all."""
    started = time.perf_counter()
    done = _cli(tmp_path, "import", "accounts", "/dev/zero")
    assert time.perf_counter() - started < 10
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "acct-tui: zero holds NUL bytes: it is not a text CSV file (UTF-16 without a BOM, or binary)"
    )


def test_an_endless_text_stream_stops_at_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe that never ends is read up to the size limit and refused, naming the limit."""
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 4 * 1024 * 1024)
    fifo = tmp_path / "endless.csv"
    os.mkfifo(fifo)
    line = b"Acme,acme.example.com,12500\n" * 1000

    def feed() -> None:
        try:
            with fifo.open("wb") as out:
                out.write(b"Name,Website,ARR\n")
                for _ in range(2_000):  # 56 MB, far past the limit: ends the test even if nothing stops reading
                    out.write(line)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    with pytest.raises(ReadError, match=r"endless\.csv runs past 4 MB, the most one import reads; split it"):
        read_table(fifo)
    writer.join(timeout=10)


def test_a_line_longer_than_the_limit_is_refused_with_its_number(tmp_path: Path) -> None:
    """A 5 MB line is refused as past the 4 MB line limit, with the line it is on."""
    long = tmp_path / "long.csv"
    long.write_bytes(b"Name,Notes\nAcme,short\nBeta," + b"x" * (5 * 1024 * 1024) + b"\nGamma,ok\n")
    with pytest.raises(ReadError, match=r"long\.csv, line 3: the line runs past 4 MB, the longest line an import"):
        read_table(long)


def test_a_file_just_inside_the_bounds_still_reads(tmp_path: Path) -> None:
    """5,000 columns and an 800,000-character multi-line field are within the bounds and read as before."""
    ok = tmp_path / "ok.csv"
    body = "y" * 400_000
    ok.write_text(
        "Name," + ",".join(f"c{i}" for i in range(4_999)) + "\n" + f'Acme,"{body}\r\n{body}"' + ",z" * 4_998 + "\n"
    )
    table = read_table(ok)
    assert len(table.header) == 5_000 and len(table.rows) == 1 and table.rows[0][1][1] == f"{body}\r\n{body}"
