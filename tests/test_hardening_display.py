"""Stored control text never reaches the terminal: toasts, the CLI's plain output, its JSON and CSV.

The hostile names are written with plain SQL, as a restored backup, a direct
load or another tool sharing the database would leave them.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from acct_tui.app import AcctApp
from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.db import open_database
from acct_tui.models import database_proxy
from acct_tui.services.io.demo import build_demo
from acct_tui.text import json_text, say
from tests.conftest import TODAY

HOSTILE = (
    "Evil\x1b]0;owned\x07\x1b]52;c;ZWNobw==\x07\x1b]8;;https://x.example\x1b\\link\x9b31m\x90dcs\u202egnp\r\x7fEnd"
)
RAW = (
    frozenset(chr(code) for code in range(0x20) if chr(code) != "\n")
    | frozenset(chr(code) for code in range(0x7F, 0xA0))
    | frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029")
)


def raw_in(text: str) -> set[str]:
    return {char for char in text if char in RAW}


def _demo(tmp_path: Path) -> tuple[str, int]:
    """The demo database with one account and one agent renamed to HOSTILE by plain SQL; its path and the id."""
    path = tmp_path / "demo.db"
    open_database(str(path))
    build_demo(FixedClock.on(TODAY, hour=10))
    with database_proxy.connection_context(), database_proxy.atomic():
        account_id = database_proxy.execute_sql("SELECT min(id) FROM account").fetchone()[0]
        database_proxy.execute_sql("UPDATE account SET name = ? WHERE id = ?", (HOSTILE, account_id))
        database_proxy.execute_sql("UPDATE agent SET name = ? WHERE login = 'alex'", (HOSTILE,))
    return str(path), account_id


def _cli(db: str, *argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--db", db, "--agent", "manager", *argv], clock=FixedClock.on(TODAY))
    assert code == 0
    return out.getvalue()


def test_agent_list_prints_stored_names_inert(tmp_path: Path) -> None:
    """`agent list` shows a planted ESC/BEL/C1/bidi name as visible pictures, never raw."""
    db, _ = _demo(tmp_path)
    out = _cli(db, "agent", "list")
    assert "Evil␛]0;owned␇" in out
    assert raw_in(out) == set()


def test_json_escapes_c1_and_bidi_and_keeps_the_value(tmp_path: Path) -> None:
    """`agent list --json` escapes every control and bidi mark, and the value still reads back exactly."""
    db, _ = _demo(tmp_path)
    out = _cli(db, "agent", "list", "--json")
    assert raw_in(out.replace("\n", "")) == set()
    assert "\\u202e" in out and "\\u009b" in out
    assert HOSTILE in {row["name"] for row in json.loads(out)}


def test_json_text_escapes_exactly_the_unsafe_code_points() -> None:
    """json_text escapes DEL, C1, bidi and line separators; letters of any script stay readable."""
    payload = {"k": "é株\x7f\x85\u2028\u200f\u2066", "n": [1, None]}
    text = json_text(payload, indent=2)
    assert "é株" in text and raw_in(text.replace("\n", "")) == set()
    assert json.loads(text) == payload


def test_say_prints_controls_as_pictures(capsys: object) -> None:
    """say() is print() with every control made visible, line breaks kept."""
    out = io.StringIO()
    say("a\x1b[2Jb", "c\x9bd\ne", file=out)
    assert out.getvalue() == "a␛[2Jb c�d\ne\n"


def test_csv_export_has_no_bare_cr_in_a_cell(tmp_path: Path) -> None:
    """A stored CR is written as a line feed inside its cell: the only CRs left are the row ends."""
    db, account_id = _demo(tmp_path)
    target = tmp_path / "out.csv"
    main(["--db", db, "--agent", "manager", "export", "portfolio", "-o", str(target)], clock=FixedClock.on(TODAY))
    data = target.read_bytes().decode("utf-8")
    assert "\r" not in data.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    names = [row[1] for row in rows[1:] if row[0] == str(account_id)]
    assert names and raw_in(names[0].replace("\n", "")) == set()


async def test_every_toast_is_inert_whatever_the_caller_passes(tmp_path: Path) -> None:
    """Opening a hostile account from the command line toasts "Opened …" inert; so does any raw notify."""
    db, account_id = _demo(tmp_path)
    from acct_tui.services.context import Ctx
    from acct_tui.services.writes.agents import find_agent

    open_database(db)
    agent = find_agent("manager")
    assert agent is not None
    app = AcctApp(Ctx(agent=agent, clock=FixedClock.on(TODAY, hour=10)))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("colon")
        await pilot.press(*"goto", "space", *str(account_id), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.notify(HOSTILE, title=HOSTILE, markup=False)
        await pilot.pause()
        messages = [(note.message, note.title) for note in app._notifications]
        assert any("Evil␛]0;owned␇" in message for message, _ in messages), messages
        assert all(raw_in(message + title) == set() for message, title in messages), messages
