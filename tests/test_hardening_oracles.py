"""Outside an agent's scope a record does not exist: every verb that takes an id answers as for a missing one.

Two agents, amy and bob; bob's account holds one of every record. Each verb is run by amy on bob's
record and on an id nothing has, and the answers must be the same words (the id aside).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from tests.conftest import TODAY

MISSING = 999_999


def run(capsys: pytest.CaptureFixture[str], db: str, agent: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", db, "--agent", agent, *argv], clock=FixedClock.on(TODAY))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """amy and bob; bob's account Bobco (external id BOB-1) with a follow-up, contact, concern,
    opportunity and product line; amy owns Amyco (AMY-1) and Amy Two."""
    db = str(tmp_path / "desks.db")
    for argv in (("boss", "agent", "add", "amy"), ("boss", "agent", "add", "bob")):
        assert run(capsys, db, *argv)[0] == 0
    steps = [
        ("bob", "account", "add", "Bobco", "--arr", "100"),
        ("bob", "account", "edit", "Bobco", "external=BOB-1"),
        ("bob", "followup", "add", "Bobco", "Call them"),
        ("bob", "contact", "add", "Bobco", "Cee Dee"),
        ("bob", "concern", "add", "Bobco", "Broken"),
        ("bob", "opportunity", "add", "Bobco", "Upsell"),
        ("bob", "product", "add", "Bobco", "Widget", "--price", "5"),
        ("amy", "account", "add", "Amyco"),
        ("amy", "account", "edit", "Amyco", "external=AMY-1"),
        ("amy", "account", "add", "Amy Two"),
    ]
    for agent, *argv in steps:
        code, _out, err = run(capsys, db, agent, *argv)
        assert code == 0, err
    return db  # every record of bob's is the first of its kind, so its id is 1


RECORD_VERBS = [
    "done {}",
    "done {} --outcome spoke",
    "followup done {}",
    "snooze {} --until +3d",
    "reschedule {} +3d",
    "reassign {} amy",
    "contact edit {} --role x",
    "contact remove {}",
    "concern resolve {} fixed",
    "product edit {} --quantity 3",
    "product end {}",
    "account show {}",
    "account edit {} tier=gold",
    "log {} call hello",
    "followup add {} title",
    "contact add {} Name",
    "concern add {} title",
    "opportunity add {} x",
    "product add {} Thing",
    "product list {}",
    "handoff {} amy",
    "health explain {}",
    "brief {}",
    "export timeline --account {}",
    "share {} --with amy",
]


@pytest.mark.parametrize("verb", RECORD_VERBS)
def test_a_record_out_of_scope_answers_like_a_missing_one(
    capsys: pytest.CaptureFixture[str], db: str, verb: str
) -> None:
    """Bob's record by its id, and an id nothing has: the same exit and the same words, the id aside."""
    hidden = run(capsys, db, "amy", *verb.format(1).split())
    missing = run(capsys, db, "amy", *verb.format(MISSING).split())
    assert hidden[0] != 0
    assert hidden == (missing[0], missing[1], missing[2].replace(str(MISSING), "1"))
    assert "account 1" not in hidden[2]


@pytest.mark.parametrize("verb", ["account show {}", "brief {}", "log {} call hi", "product list {}"])
def test_an_account_out_of_scope_by_name_or_external_id_answers_like_a_missing_one(
    capsys: pytest.CaptureFixture[str], db: str, verb: str
) -> None:
    """Bobco by name or by external id answers as a name or id no account has."""
    for hidden_word, missing_word in (("Bobco", "Nobodyco"), ("BOB-1", "NOB-1")):
        hidden = run(capsys, db, "amy", *verb.format(hidden_word).split())
        missing = run(capsys, db, "amy", *verb.format(missing_word).split())
        assert hidden[0] != 0
        assert hidden == (missing[0], missing[1], missing[2].replace(missing_word, hidden_word))


def test_an_external_id_clash_names_no_account_and_reads_the_same_in_and_out_of_scope(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    """Taking bob's external id answers as taking one of amy's own accounts: no name, no 'cannot see'."""
    hidden = run(capsys, db, "amy", "account", "edit", "Amy Two", "external=BOB-1")
    visible = run(capsys, db, "amy", "account", "edit", "Amy Two", "external=AMY-1")
    assert hidden[0] == visible[0] == 1
    assert hidden[2] == visible[2].replace("AMY-1", "BOB-1")
    assert "Bobco" not in hidden[2] and "Amyco" not in visible[2]


def test_a_name_out_of_scope_does_not_block_a_new_account(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """amy may create an account called Bobco: bob's is not there for her, so it cannot clash."""
    code, out, err = run(capsys, db, "amy", "account", "add", "bobco")
    assert code == 0, err
    assert "Created account" in out
    refused = run(capsys, db, "amy", "account", "add", "amyco")
    assert refused[0] == 1 and "already called 'Amyco'" in refused[2]


def test_an_import_of_an_external_id_out_of_scope_names_no_account(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    """A row carrying bob's external id is refused in the words of any external id clash; bob's account is kept."""
    csv = tmp_path / "a.csv"
    csv.write_text("Account ID,Account Name\nBOB-1,Mine now\n", encoding="utf-8")
    code, _out, err = run(capsys, db, "amy", "import", "accounts", str(csv), "--update-existing")
    assert code == 1
    assert "line 2, Account ID: 'BOB-1' is already the external id of another account; give this one its own" in err
    assert "cannot see" not in err and "Bobco" not in err
    shown = run(capsys, db, "bob", "account", "show", "BOB-1")
    assert shown[0] == 0 and "Bobco" in shown[1] and "Mine now" not in shown[1]
