"""The check a SQLite file gets before anything opens it, and the error every database step raises.

`acct_tui.db` checks a file before it connects to it, and `acct_tui.services.io.backup`
checks the copies it makes and the files it restores; both import this module, which
imports neither, so opening a database never reaches up into the services.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path


class DatabaseError(Exception):
    """A database cannot be opened or used; the message says what to do."""


SQLITE_MAGIC = b"SQLite format 3\x00"
FULL_CHECK_BYTES = 32 * 1024 * 1024
"""Files up to this size get a full quick_check at start; bigger ones a bounded one."""
SMALL_TABLES = ("schema_meta", "team", "agent", "agent_key")


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection of its own: checking a file never writes to it, nor waits on a writer."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def _problem(path: Path, detail: str) -> DatabaseError:
    lines = [part.strip() for part in detail.replace("*** in database main ***", "").splitlines() if part.strip()]
    detail = "; ".join(lines[:3]) + ("; ..." if len(lines) > 3 else "")
    return DatabaseError(
        f"{path} is damaged ({detail}); acct-tui will not write to it. "
        f"Restore a backup (acct-tui restore BACKUP --db {path} --force) or copy the file away for repair"
    )


def check_file(path: Path, *, full: bool | None = None) -> bool:
    """Raise DatabaseError when the SQLite file at `path` is not an intact database.

    Returns whether every page was checked: past `FULL_CHECK_BYTES` only the
    header, the small tables and the length are, and the caller runs the rest
    with `check_in_background` before its first write.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return True
    if size == 0:
        return True
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise DatabaseError(f"{path} is not a SQLite database (its first bytes say otherwise); check the --db path")
    if len(header) < 100:
        raise _problem(path, "the file is shorter than its header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise _problem(path, "its header names an impossible page size")
    whole = size <= FULL_CHECK_BYTES if full is None else full
    try:
        with open_readonly(path) as conn:
            if whole:
                problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            else:
                problems = []
                names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                for table in SMALL_TABLES:
                    if table in names:
                        problems += [row[0] for row in conn.execute(f"PRAGMA quick_check('{table}')")]
                        problems = [p for p in problems if p != "ok"] or problems
                count = conn.execute("PRAGMA page_count").fetchone()[0]
                if count * page_size > size + page_size and not Path(f"{path}-wal").exists():
                    problems.append(f"the file is truncated ({size} bytes for {count} pages)")
    except sqlite3.DatabaseError as exc:
        raise _problem(path, str(exc)) from None
    bad = [p for p in problems if p != "ok"]
    if bad:
        raise _problem(path, "; ".join(bad[:3]))
    return whole


SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
"""Kernel file systems: their files read as empty and cannot take a database's journal."""


def check_location(path: Path) -> None:
    """Raise DatabaseError when `path` can never hold a database: a device, a pipe, a kernel file."""
    resolved = os.path.realpath(path)
    for folder in SYSTEM_FOLDERS:
        if resolved.startswith("/dev/shm/"):
            break  # a memory file system of ordinary files
        if resolved == folder or resolved.startswith(folder + "/"):
            raise DatabaseError(
                f"{path} is under {folder}, a system folder that cannot hold a database; "
                "give --db a file in a folder of yours"
            )
    if path.exists() and not path.is_dir() and not path.is_file():
        raise DatabaseError(f"{path} is not a regular file (a device or a pipe); give --db a database file")


def create_file(path: Path) -> None:
    """Create the folder and an empty file for a new database at `path` (an empty file is a new database).

    SQLite says only "unable to open database file" when it cannot; this says
    where and why, and what to do.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as exc:
        raise DatabaseError(
            f"cannot create a database at {path} ({exc.strerror or exc}); give --db a file in a folder you can write"
        ) from None


SCRATCH_MARK = ".acct-tui-"
"""Scratch folders a bulk load keeps beside the database: `.<file>.acct-tui-<job>-<pid>-<random>`."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, and not ours to judge
        return True
    return True


def remove_stale_scratch(path: Path) -> list[Path]:
    """Remove the scratch folders that a killed bulk load left beside the database at `path`.

    A folder is stale when the process named in it no longer runs; a running
    load's folder is left alone. Returns the folders removed.
    """
    removed: list[Path] = []
    prefix = f".{path.name}{SCRATCH_MARK}"
    try:
        entries = list(path.parent.iterdir()) if path.parent.is_dir() else []
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or not entry.is_dir():
            continue
        parts = entry.name[len(prefix) :].split("-")
        pid = next((int(part) for part in parts if part.isdigit()), None)
        if pid is None or _alive(pid):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


# The full check of a big file ----------------------------------------------------
# A bounded check at start cannot see a damaged page deep in a big table, and a
# full one of a gigabyte file takes seconds the person at the dashboard should
# not wait. So the full check runs in a thread of its own (its own read-only
# connection) while the first screen is read, and every write to that file
# waits for it: a write to a damaged file is refused, never made.


@dataclass
class _Check:
    done: threading.Event = field(default_factory=threading.Event)
    problem: DatabaseError | None = None


_checks: dict[str, _Check] = {}
_checks_lock = threading.Lock()


def _key(path: Path | str) -> str:
    return os.path.realpath(path)


def _run_check(path: Path, check: _Check) -> None:
    try:
        check_file(path, full=True)
    except DatabaseError as exc:
        check.problem = exc
    except Exception as exc:  # the file went away or cannot be read: as good as damaged for writing
        check.problem = _problem(path, str(exc))
    finally:
        check.done.set()


def check_in_background(path: Path) -> None:
    """Start the full check of `path` (once per file per process); writes wait for it."""
    with _checks_lock:
        if _key(path) in _checks:
            return
        check = _checks[_key(path)] = _Check()
    threading.Thread(target=_run_check, args=(path, check), daemon=True, name="acct-tui-file-check").start()


def checks_started() -> bool:
    """Whether any file of this process has a background check (the cheap test before a write)."""
    return bool(_checks)


def before_write(path: Path | str) -> None:
    """Wait for the background check of `path`, if it has one; raise DatabaseError when it found damage."""
    check = _checks.get(_key(path))
    if check is None:
        return
    check.done.wait()
    if check.problem is not None:
        raise check.problem
