"""One verb set: every dashboard action on the command line with --json, read by the same grammar as `:`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.models import Account, Activity, AuditEntry, Concern, Contact, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.grammar import Command, CommandError, Focus, execute, parse_line
from acct_tui.services.store.unit import reading
from tests.conftest import TODAY, days


def _close() -> None:
    db = database_proxy.obj
    if db is not None and hasattr(db, "close_all"):
        db.close_all()
    elif db is not None and not db.is_closed():
        db.close()


def cli(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    """main() in-process as `acct-tui --db URL --agent sam ...`."""
    try:
        code = main(["--db", url, "--agent", "sam", *argv], clock=FixedClock.on(TODAY))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        _close()
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> dict[str, Any]:
    code, out, err = cli(capsys, url, *argv, "--json")
    assert (code, err) == (0, ""), err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def url(db_url: str) -> str:
    """A fresh database on each backend, for the command line to open."""
    return db_url


def _open(url: str) -> None:
    from acct_tui.db import open_database

    open_database(url)


def test_a_day_of_work_from_the_command_line(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """account add, log with --next, followup add/done/snooze/reschedule, concern, contact: each answers --json."""
    account = cli_json(capsys, url, "account", "add", "Acme Corp", "--tier", "gold", "--arr", "120000")
    assert account["account_id"] == 1 and account["verb"] == "account add"
    contact = cli_json(capsys, url, "contact", "add", "Acme Corp", "Ines", "Haddad", "--email", "ines@acme-corp.com")
    logged = cli_json(
        capsys,
        url,
        "log",
        "Acme Corp",
        "call",
        "Spoke to Ines about renewal",
        "--contact",
        "ines haddad",
        "--next",
        "+3d",
    )
    added = cli_json(capsys, url, "followup", "add", "1", "Send", "the", "deck", "--due", "+2d", "--priority", "high")
    snoozed = cli_json(capsys, url, "snooze", str(added["followup_id"]), "--until", "+2w", "--reason", "legal")
    moved = cli_json(capsys, url, "followup", "reschedule", str(logged["followup_id"]), "fri")
    done = cli_json(capsys, url, "done", str(logged["followup_id"]), "--outcome", "Deck approved")
    concern = cli_json(capsys, url, "concern", "add", "Acme Corp", "Invoices", "doubled", "--severity", "high")
    resolved = cli_json(capsys, url, "concern", "resolve", str(concern["concern_id"]))
    assert snoozed["until"] == days(14) and moved["due_on"] == "2026-12-04"
    assert resolved["concern_id"] == concern["concern_id"]
    _open(url)
    with reading():
        assert Contact.get_by_id(contact["contact_id"]).name == "Ines Haddad"
        activity = Activity.get_by_id(logged["activity_id"])
        assert (activity.kind, activity.contact_id) == ("call", contact["contact_id"])
        assert FollowUp.get_by_id(added["followup_id"]).snooze_reason == "legal"
        assert FollowUp.get_by_id(done["followup_id"]).status == "done"
        assert Activity.get_by_id(done["activity_id"]).outcome == "Deck approved"
        assert Concern.get_by_id(concern["concern_id"]).status == "resolved"
        assert FollowUp.get_by_id(added["followup_id"]).woke_reason == "a high concern was opened: Invoices doubled"
    _close()


def test_portfolio_json_filters_sorts_and_shows_the_trend(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """`portfolio --json --filter --sort --quick`: the rows asked for, each with health, trend and renewal."""
    for name, arr in (("Acme", "500"), ("Acme Labs", "900"), ("Zenith", "100")):
        cli(capsys, url, "account", "add", name, "--arr", arr)
    page = cli_json(capsys, url, "portfolio", "--filter", "acme", "--sort", "arr", "--desc")
    assert page["total"] == 2
    assert [row["name"] for row in page["rows"]] == ["Acme Labs", "Acme"]
    assert page["rows"][0]["health"] == {"score": 65, "band": "watch", "trend": "flat"}
    quiet = cli_json(capsys, url, "portfolio", "--quick", "quiet", "--limit", "1")
    assert (quiet["total"], len(quiet["rows"])) == (3, 1)
    code, _out, err = cli(capsys, url, "portfolio", "--sort", "size")
    assert code == 1 and "--sort takes name, tier, health" in err


def test_account_edit_show_and_handoff(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """`account edit FIELD=VALUE`, `account show --json`, `handoff ACCOUNT AGENT --note`."""
    cli(capsys, url, "account", "add", "Acme")
    cli(capsys, url, "agent", "add", "alex", "--name", "Alex")
    edited = cli_json(capsys, url, "account", "edit", "Acme", "tier=platinum", f"renewal={days(100)}")
    assert edited["changed"] == ["renewal_on", "tier"]
    shown = cli_json(capsys, url, "account", "show", "1")
    assert (shown["tier"], shown["renewal_on"]) == ("platinum", days(100))
    assert [f["title"] for f in shown["followups"]] == [
        "Renewal checkpoint: 90 days to renewal",
        "Renewal checkpoint: 30 days to renewal",
    ]
    handed = cli_json(capsys, url, "handoff", "Acme", "alex", "--note", "Renewal call booked")
    _open(url)
    with reading():
        assert Account.get_by_id(1).owner.login == "alex"
        assert FollowUp.get_by_id(handed["followup_id"]).kind == "handoff"
    _close()


def test_cli_undo_reverses_the_agents_last_change_from_another_run(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    """Each command line run is a session of its own: `undo` takes back the latest change, whichever run made it."""
    cli(capsys, url, "account", "add", "Acme")
    cli(capsys, url, "log", "Acme", "note", "Champion leaving")
    _open(url)
    with reading():
        Account.update(renewal_on=TODAY.replace(year=TODAY.year + 1)).execute()
    _close()
    assert cli_json(capsys, url, "checkpoints")["created"] == 2  # a background-style run: not what undo takes back
    undone = cli_json(capsys, url, "undo")
    assert undone["summary"] == "note: Champion leaving"
    _open(url)
    with reading():
        assert Activity.select().count() == 0
    _close()


def test_health_explain_and_what_if_verbs(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """`health explain --json` lists the factors; `health what-if --set ... --json` says saved: false and changes nothing."""
    cli(capsys, url, "account", "add", "Acme", "--satisfaction", "10")
    why = cli_json(capsys, url, "health", "explain", "Acme")
    assert why["score"] == 70 and {f["key"] for f in why["factors"]} >= {"recency", "satisfaction"}
    what = cli_json(capsys, url, "health", "what-if", "--set", "healthy_at=75", "never_touched_points=10")
    assert what["saved"] is False
    assert (what["changed_band"], what["scores_changed"]) == ([], 1)  # 70 -> 90: a better score, the same band
    assert what["bands"]["before"]["healthy"] == 1
    code, out, _err = cli(capsys, url, "health", "what-if", "--set", "healthy_at=95")
    assert code == 0 and "1 of 1 accounts change band" in out and "Nothing was saved" in out
    _open(url)
    with reading():
        assert Account.get_by_id(1).health_band == "healthy"
    _close()


def test_the_checkpoints_verb(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """`checkpoints --json` reports what it created; a second run creates nothing."""
    cli(capsys, url, "account", "add", "Acme")
    _open(url)
    with reading():
        Account.update(renewal_on=TODAY.replace(year=TODAY.year + 1)).execute()
    _close()
    first = cli_json(capsys, url, "checkpoints")
    second = cli_json(capsys, url, "checkpoints")
    assert (first["created"], second["created"]) == (2, 0)


def test_verb_errors_are_one_line(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """A missing target, an unknown kind and a bad id each answer one line on stderr with exit 1."""
    cli(capsys, url, "account", "add", "Acme")
    for argv, fragment in (
        (("log", "Acme", "fax", "Sent a fax"), "'fax' is not a kind"),
        (("snooze", "--until", "2w"), "name a follow-up"),
        (("snooze", "999", "--until", "2w"), "follow-up 999 not found"),
        (("log", "Nobody Inc", "call", "hi"), "no account you can see is called 'Nobody Inc'"),
    ):
        code, out, err = cli(capsys, url, *argv)
        assert code == 1 and out == "" and err.count("\n") == 1 and fragment in err, err


# --- `:` and the command line: one grammar, one change -------------------------------------------


def test_the_prompt_reads_lines_with_the_highlighted_row_as_target() -> None:
    """`:snooze 2w waiting on legal` on a highlighted follow-up; `#ID` and `@NAME` name others."""
    focus = Focus(account_id=4, followup_id=9)
    command = parse_line("snooze 2w waiting on legal", focus)
    assert (command.verb, command.args["words"], command.origin) == (
        "followup snooze",
        ["2w", "waiting", "on", "legal"],
        "prompt",
    )
    assert parse_line("followup done #12", focus).args["words"] == ["#12"]
    assert parse_line("log call Spoke to Ines --next +3d", focus).args["next"] == "+3d"
    with pytest.raises(CommandError, match="no verb 'fly'"):
        parse_line("fly away", focus)
    with pytest.raises(CommandError, match=r"followup takes add \| done"):
        parse_line("followup", focus)
    with pytest.raises(CommandError, match=r"No closing quotation"):
        parse_line('log call "unfinished', focus)
    with pytest.raises(CommandError, match="invalid choice"):
        parse_line("concern add Outage --severity huge", focus)


def _snapshot(fid: int) -> dict[str, Any]:
    with reading():
        row = FollowUp.get_by_id(fid)
        entries = [
            (e.entity, e.action, e.summary, e.before, e.after)
            for e in AuditEntry.select().where(
                AuditEntry.entity_id == fid, AuditEntry.entity == "follow_up", AuditEntry.action != "create"
            )
        ]
    keep = ("due_on", "snoozed_until", "snooze_reason", "woke_reason", "status", "version")
    return {"row": {k: getattr(row, k) for k in keep}, "audit": entries}


def test_the_prompt_and_the_command_line_make_the_same_change(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """`:snooze 2w waiting on legal` and `acct-tui snooze ID --until 2w --reason ...` write the same rows and audit."""
    cli(capsys, url, "account", "add", "Acme")
    by_prompt, by_cli = (
        cli_json(capsys, url, "followup", "add", "Acme", "Chase contract", "--due", "+1d")["followup_id"]
        for _ in range(2)
    )
    cli_json(capsys, url, "snooze", str(by_cli), "--until", "2w", "--reason", "waiting on legal")
    _open(url)
    from acct_tui.services.writes.agents import resolve_agent

    ctx = Ctx(agent=resolve_agent("sam"), clock=FixedClock.on(TODAY))
    execute(ctx, parse_line("snooze 2w waiting on legal", Focus(account_id=1, followup_id=by_prompt)))
    assert _snapshot(by_prompt) == _snapshot(by_cli)
    assert _snapshot(by_prompt)["row"]["snooze_reason"] == "waiting on legal"
    _close()


def test_prompt_only_verbs_answer_with_what_the_dashboard_should_do(ctx: Ctx) -> None:
    """`:goto acm` opens the account (words match), `:context` clears, `:health what-if` opens the view."""
    from acct_tui.services.writes import accounts

    account_id = accounts.create_account(ctx, {"name": "Acme Corp"})
    assert execute(ctx, parse_line("goto acm")).open_account == account_id
    cleared = execute(ctx, parse_line("context"))
    assert cleared.context_changed and cleared.context is None
    assert execute(ctx, parse_line("health what-if healthy_at=80")).what_if == ("healthy_at=80",)
    outcome = execute(ctx, Command("log", {"words": ["@Acme Corp", "note", "Board", "approved"]}, origin="prompt"))
    assert outcome.wrote and outcome.message == "Logged note on Acme Corp"


def test_bulk_verbs_pick_by_query_with_a_dry_run_and_one_undo(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """snooze --filter … 1w --dry-run lists and changes nothing; without it all snooze in one undo step;
    reassign --assignee sam --to kim --overdue gives only the overdue ones; done --owner with no match says so."""
    cli_json(capsys, url, "account", "add", "Acme Corp")
    cli_json(capsys, url, "account", "add", "Acme Labs")
    cli_json(capsys, url, "account", "add", "Zenith")
    for account, due in (("Acme Corp", "-2d"), ("Acme Corp", "+1d"), ("Acme Labs", "+3d"), ("Zenith", "-1d")):
        code, _out, _err = cli(capsys, url, "followup", "add", account, "Call", f"--due={due}")
        assert code == 0  # a past date is a warning
    dry = cli_json(capsys, url, "snooze", "--filter", "acme", "1w", "--reason", "away", "--dry-run")
    assert dry["dry_run"] is True and [f["account"] for f in dry["followups"]] == [
        "Acme Corp",
        "Acme Corp",
        "Acme Labs",
    ]
    with reading():
        assert FollowUp.select().where(FollowUp.snoozed_until.is_null(False)).count() == 0
    done = cli_json(capsys, url, "snooze", "--filter", "acme", "1w", "--reason", "away")
    assert done["message"] == "Snoozed 3 follow-ups" and len(done["changed"]) == 3
    with reading():
        assert FollowUp.select().where(FollowUp.snooze_reason == "away").count() == 3
    code, out, _err = cli(capsys, url, "undo")
    assert code == 0 and "snoozed" in out
    with reading():
        assert FollowUp.select().where(FollowUp.snoozed_until.is_null(False)).count() == 0

    assert cli(capsys, url, "agent", "add", "kim")[0] == 0
    given = cli_json(capsys, url, "reassign", "--assignee", "sam", "--overdue", "--to", "kim")
    assert given["message"] == "Reassigned 2 follow-ups"
    assert {f["account"] for f in given["followups"]} == {"Acme Corp", "Zenith"}
    nothing = cli_json(capsys, url, "done", "--owner", "kim")
    assert nothing["message"] == "nothing to mark done: no open follow-up matches"
    code, _out, err = cli(capsys, url, "done", "3", "--quick", "quiet")
    assert code != 0 and "not both" in err
