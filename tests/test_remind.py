"""Reminders that reach the manager: follow-ups as VTODOs and a vdir kept in step, the status line,
the morning digest and the hooks that hear of each change."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.hooks import HookRunner, make_runner
from acct_tui.models import Account, HealthHistory, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.io.calendar import calendar, sync_vdir
from acct_tui.services.reads.digest import digest_text, morning_digest
from acct_tui.services.writes import accounts, bulk, followups
from acct_tui.services.writes.agents import add_agent
from tests.conftest import TODAY, days


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main() in-process, as the console script calls it."""
    try:
        code = main(list(argv), clock=FixedClock.on(TODAY, hour=10))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        db = database_proxy.obj
        if db is not None and not db.is_closed():
            db.close()
    out, err = capsys.readouterr()
    return code, out, err


def _portfolio(ctx: Ctx) -> dict[str, int]:
    acme = accounts.create_account(ctx, {"name": "Acme, Inc", "tier": "gold", "arr": "120000"})
    zen = accounts.create_account(ctx, {"name": "Zen Labs", "arr": "5000", "renewal_on": days(20)})
    quote = followups.add_followup(ctx, acme, {"title": "Send quote", "due_on": days(2), "priority": "urgent"})
    call = followups.add_followup(ctx, zen, {"title": "Call back", "due_on": days(-1), "priority": "low"})
    return {"acme": acme, "zen": zen, "quote": quote, "call": call}


# --- calendar: VTODO and the vdir --------------------------------------------------------------


def test_calendar_holds_a_todo_with_due_priority_status_and_alarm_per_followup(ctx: Ctx) -> None:
    """Each open follow-up is a VEVENT and a VTODO (DUE, PRIORITY, STATUS, a VALARM at 09:00 of the due day)."""
    icalendar = pytest.importorskip("icalendar")
    ids = _portfolio(ctx)
    parsed = icalendar.Calendar.from_ical(calendar(ctx))
    todos = {str(t["SUMMARY"]): t for t in parsed.walk("VTODO")}
    assert set(todos) == {"Send quote (Acme, Inc)", "Call back (Zen Labs)"}
    quote = todos["Send quote (Acme, Inc)"]
    assert quote.decoded("DUE") == dt.date.fromisoformat(days(2))
    assert int(quote["PRIORITY"]) == 1 and int(todos["Call back (Zen Labs)"]["PRIORITY"]) == 9
    assert str(quote["STATUS"]) == "NEEDS-ACTION"
    alarm = next(iter(quote.walk("VALARM")))
    assert alarm.decoded("TRIGGER") == dt.timedelta(hours=9) and alarm["TRIGGER"].params["RELATED"] == "END"
    event_uids = {str(e["UID"]) for e in parsed.walk("VEVENT")}
    todo_uids = {str(t["UID"]) for t in parsed.walk("VTODO")}
    assert len(event_uids | todo_uids) == 4
    assert f"followup-{ids['quote']}-todo@" in str(quote["UID"])
    # Stable: the same UIDs on the next export.
    again = icalendar.Calendar.from_ical(calendar(ctx))
    assert {str(t["UID"]) for t in again.walk("VTODO")} == todo_uids


def _files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}


def test_vdir_adds_updates_and_removes_only_what_changed(ctx: Ctx, tmp_path: Path, clock: FixedClock) -> None:
    """A vdir sync writes one file per follow-up, leaves unchanged ones alone, rewrites a moved one, deletes
    a done one, and never touches files it did not write."""
    ids = _portfolio(ctx)
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "mine.ics").write_text("someone else's")
    (folder / "followup-9-todo@0000000000000000.acct-tui.ics").write_text("another database's")
    first = sync_vdir(ctx, folder)
    assert (first.added, first.updated, first.removed, first.unchanged) == (2, 0, 0, 0)
    before = _files(folder)
    ours = sorted(n for n in before if n.startswith(f"followup-{ids['quote']}-todo@") and n.endswith(".ics"))
    assert len(ours) == 1 and "BEGIN:VTODO" in before[ours[0]][1].decode()

    clock.advance(hours=1)  # a new DTSTAMP alone is no change
    second = sync_vdir(ctx, folder)
    assert (second.added, second.updated, second.removed, second.unchanged) == (0, 0, 0, 2)
    assert _files(folder) == before

    followups.reschedule_followup(ctx, ids["quote"], days(5))
    followups.complete_followup(ctx, ids["call"])
    third = sync_vdir(ctx, folder)
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 1, 1, 0)
    after = _files(folder)
    assert "DUE;VALUE=DATE:" + days(5).replace("-", "") in after[ours[0]][1].decode()
    assert sorted(after) == sorted([ours[0], "mine.ics", "followup-9-todo@0000000000000000.acct-tui.ics"])


def test_export_calendar_vdir_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`export calendar --vdir DIR` reports its counts; a second run writes nothing; a vdir of both kinds is refused."""
    url = str(tmp_path / "s.db")
    assert run(capsys, "--db", url, "--agent", "boss", "seed", "--accounts", "30")[0] == 0
    folder = tmp_path / "vdir"
    code, out, err = run(capsys, "--db", url, "--agent", "boss", "export", "calendar", "--vdir", str(folder))
    assert code == 0, err
    added = int(out.split(": ")[1].split(" added")[0])
    assert added == len(list(folder.iterdir())) > 0
    code, out, _ = run(capsys, "--db", url, "--agent", "boss", "export", "calendar", "--vdir", str(folder))
    assert out.strip().endswith(f"0 added, 0 updated, 0 removed, {added} unchanged")
    code, _out, err = run(
        capsys, "--db", url, "--agent", "boss", "export", "calendar", "--vdir", str(folder), "--items", "both"
    )
    assert code == 1 and "a vdir holds one kind" in err


# --- status --------------------------------------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A database where `sam` has one follow-up overdue, one due today, two coming up, one unplanned renewal."""
    from acct_tui.db import open_database
    from acct_tui.services.writes.agents import resolve_agent

    url = str(tmp_path / "desk.db")
    db = open_database(url)
    ctx = Ctx(agent=resolve_agent("boss"), clock=FixedClock.on(TODAY, hour=10))
    sam = Ctx(agent=add_agent(ctx, "sam", name="Sam"), clock=ctx.clock)
    one = accounts.create_account(sam, {"name": "Renews Soon", "renewal_on": days(40)})
    two = accounts.create_account(sam, {"name": "Planned", "renewal_on": days(50)})
    followups.add_followup(sam, two, {"title": "Renewal plan", "kind": "renewal", "due_on": days(3)})
    followups.add_followup(sam, one, {"title": "Late", "due_on": days(-2)})
    followups.add_followup(sam, one, {"title": "Today", "due_on": days(0)})
    db.close()
    return url


def test_status_prints_the_default_line_and_any_format(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`status` prints '{overdue}! {due_today} {renewals_unplanned}'; --format picks fields; --json has them all."""
    code, out, err = run(capsys, "--db", desk, "--agent", "sam", "status")
    assert (code, out, err) == (0, "1! 1 1\n", "")
    fmt = "od={overdue} t={due_today} up={coming_up} r={renewals_unplanned} risk={at_risk:>2}"
    code, out, _ = run(capsys, "--db", desk, "--agent", "sam", "status", "--format", fmt)
    assert out == "od=1 t=1 up=2 r=1 risk= 0\n"  # coming up: the renewal plan and the 30-day checkpoint
    code, out, _ = run(capsys, "--db", desk, "--agent", "sam", "status", "--json")
    assert json.loads(out) == {"overdue": 1, "due_today": 1, "coming_up": 2, "renewals_unplanned": 1, "at_risk": 0}


def test_status_refuses_an_unknown_field_and_a_missing_database(
    desk: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown {field} is one line naming the valid fields; no database is one line saying so."""
    code, out, err = run(capsys, "--db", desk, "--agent", "sam", "status", "--format", "{overdue} {late}")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "--format: {late} is not a status field" in err
    assert "overdue, due_today, coming_up, renewals_unplanned, at_risk" in err
    code, out, err = run(capsys, "--db", str(tmp_path / "none.db"), "--agent", "sam", "status")
    assert code == 1 and out == "" and "no database at" in err
    assert not (tmp_path / "none.db").exists()


def test_status_verb_does_not_import_textual_or_the_other_verbs(desk: str) -> None:
    """`acct-tui status` loads neither Textual nor the queue's ranking nor the other verbs' modules; asked again
    with nothing written, it answers without loading any database code."""
    import subprocess

    code = (
        "import sys; from acct_tui.cli import main; main(['--db', sys.argv[1], '--agent', 'sam', 'status']);"
        "bad = ('textual', 'acct_tui.services.reads.queue', 'acct_tui.verbs.data', 'peewee');"
        "print([m for m in bad if m in sys.modules])"
    )
    first = subprocess.run([sys.executable, "-c", code, desk], capture_output=True, text=True, check=True)
    line, loaded = first.stdout.splitlines()
    assert loaded == "['peewee']"
    second = subprocess.run([sys.executable, "-c", code, desk], capture_output=True, text=True, check=True)
    assert second.stdout.splitlines() == [line, "[]"]


def test_status_counts_again_after_a_write_or_on_a_new_day(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The status answered from its cache follows every write and the turn of the day."""
    assert run(capsys, "--db", desk, "--agent", "sam", "status")[1] == "1! 1 1\n"
    assert run(capsys, "--db", desk, "--agent", "sam", "status")[1] == "1! 1 1\n"
    from acct_tui.db import open_database
    from acct_tui.models import FollowUp

    open_database(desk)
    with database_proxy.connection_context():
        due_today = FollowUp.get(FollowUp.title == "Today").id
    code, _out, err = run(capsys, "--db", desk, "--agent", "sam", "done", str(due_today))
    assert code == 0, err
    assert run(capsys, "--db", desk, "--agent", "sam", "status")[1] == "1! 0 1\n"
    tomorrow = main(["--db", desk, "--agent", "sam", "status"], clock=FixedClock.on(TODAY + dt.timedelta(days=3)))
    assert tomorrow == 0 and capsys.readouterr().out == "1! 1 1\n"  # the renewal plan falls due that day


def test_status_fields_are_the_services_fields() -> None:
    """The verb's list of fields (named in its help and errors) is the service's."""
    from acct_tui.services.reads.status import FIELDS
    from acct_tui.verbs.remind import STATUS_FIELDS

    assert STATUS_FIELDS == FIELDS


# --- digest --------------------------------------------------------------------------------------


def test_digest_lists_the_walk_renewals_and_band_drops(ctx: Ctx) -> None:
    """The digest holds the Today walk's items, renewals in 30 days (planned or not) and yesterday's band drops."""
    ids = _portfolio(ctx)
    with database_proxy.connection_context():
        # Acme was healthy until two days ago and is at risk now.
        HealthHistory.insert(account=ids["acme"], day=TODAY - dt.timedelta(days=3), score=90, band="healthy").execute()
        HealthHistory.delete().where(HealthHistory.account == ids["acme"], HealthHistory.day == TODAY).execute()
        HealthHistory.insert(account=ids["acme"], day=TODAY, score=30, band="at_risk").execute()
        Account.update(health_band="at_risk", health_score=30).where(Account.id == ids["acme"]).execute()
    digest = morning_digest(ctx)
    assert any(line.followup_id == ids["call"] for line in digest.walk)
    assert [(r.account, r.planned) for r in digest.renewals] == [("Zen Labs", False)]
    assert [(d.account, d.was, d.now) for d in digest.drops] == [("Acme, Inc", "healthy", "at_risk")]
    text = digest_text(digest)
    assert "Call back" in text and "Zen Labs" in text and "NO PLAN" in text
    assert "Acme, Inc: healthy -> at risk (score 30)" in text
    payload = digest.as_json()
    assert set(payload) == {"agent", "today", "walk", "renewals", "band_drops"}
    json.dumps(payload)


def test_digest_verb_prints_text_and_json(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`acct-tui digest` is plain text for a mail body; `--json` is one JSON document on stdout."""
    code, out, err = run(capsys, "--db", desk, "--agent", "sam", "digest")
    assert code == 0 and err == ""
    assert out.startswith(f"acct-tui digest for sam, {TODAY.isoformat()}\n") and "Late" in out
    code, out, _ = run(capsys, "--db", desk, "--agent", "sam", "digest", "--json")
    assert json.loads(out)["renewals"] == []  # the renewals of sam are 40 and 50 days out


# --- hooks ---------------------------------------------------------------------------------------


def _hook(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\nimport os, sys\n{body}\n")
    path.chmod(0o755)
    return path


def _recorder(folder: Path, name: str, out: Path) -> None:
    _hook(
        folder,
        name,
        f"open({str(out)!r} + '.' + os.environ['ACCT_TUI_HOOK'], 'ab').write(sys.stdin.buffer.read() + b'\\n')",
    )


def _heard(out: Path, name: str) -> list[dict[str, Any]]:
    path = Path(f"{out}.{name}")
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _listening(ctx: Ctx, folder: Path, log: Path, timeout: float = 10) -> tuple[Ctx, HookRunner]:
    from dataclasses import replace

    runner = HookRunner(folder, timeout, log)
    return replace(ctx, listener=runner), runner


def test_hooks_get_the_change_as_json_after_it_commits(ctx: Ctx, tmp_path: Path) -> None:
    """on-done, on-log, on-snooze and on-change hear their changes from the audit trail, once per change."""
    folder, out = tmp_path / "hooks", tmp_path / "heard"
    for name in ("on-done", "on-log", "on-snooze", "on-change"):
        _recorder(folder, name, out)
    ids = _portfolio(ctx)
    hearing, runner = _listening(ctx, folder, tmp_path / "hooks.log")
    followups.complete_followup(hearing, ids["call"], log={"kind": "call", "summary": "Called back"})
    followups.snooze_followup(hearing, ids["quote"], days(4), "waiting on legal")
    runner.wait()
    done = _heard(out, "on-done")
    assert len(done) == 1 and done[0]["action"] == "followup done" and done[0]["agent"] == "manager"
    assert [(e["entity"], e["entity_id"], e["before"]["status"], e["after"]["status"]) for e in done[0]["entries"]] == [
        ("follow_up", ids["call"], "open", "done")
    ]
    assert done[0]["accounts"] == {str(ids["zen"]): "Zen Labs"}
    logged = _heard(out, "on-log")
    assert len(logged) == 1 and logged[0]["entries"][0]["after"]["summary"] == "Called back"
    assert _heard(out, "on-snooze")[0]["entries"][0]["after"]["snoozed_until"] == days(4)
    assert [p["action"] for p in _heard(out, "on-change")] == ["followup done", "followup snooze"]


def test_a_bulk_action_runs_each_hook_once_at_the_outer_commit(ctx: Ctx, tmp_path: Path) -> None:
    """Nested changes (savepoints of a bulk action) fire nothing of their own: one on-done with every entry."""
    folder, out = tmp_path / "hooks", tmp_path / "heard"
    _recorder(folder, "on-done", out)
    _recorder(folder, "on-handoff", out)
    ids = _portfolio(ctx)
    hearing, runner = _listening(ctx, folder, tmp_path / "hooks.log")
    bulk.done_many(hearing, [ids["call"], ids["quote"]])
    other = add_agent(ctx, "kim", name="Kim")
    bulk.handoff_many(hearing, [ids["acme"], ids["zen"]], other.id, "over to Kim")
    runner.wait()
    done = _heard(out, "on-done")
    assert len(done) == 1 and sorted(e["entity_id"] for e in done[0]["entries"]) == sorted([ids["call"], ids["quote"]])
    handed = _heard(out, "on-handoff")
    assert len(handed) == 1 and sorted(e["account_id"] for e in handed[0]["entries"]) == sorted(
        [ids["acme"], ids["zen"]]
    )


def test_an_import_runs_its_hooks_once_committed(ctx: Ctx, tmp_path: Path) -> None:
    """A CSV import is one change: on-change hears it once with every account it created."""
    from acct_tui.services.io.imports import ImportOptions, run_import

    folder, out = tmp_path / "hooks", tmp_path / "heard"
    _recorder(folder, "on-change", out)
    hearing, runner = _listening(ctx, folder, tmp_path / "hooks.log")
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text("Name,Tier\nOrbit Labs,gold\nPolar Freight,silver\n", encoding="utf-8")
    report = run_import(hearing, "accounts", csv_file, ImportOptions())
    assert report.written
    runner.wait()
    heard = _heard(out, "on-change")
    assert [p["action"] for p in heard] == ["import accounts"]
    assert sorted(heard[0]["accounts"].values()) == ["Orbit Labs", "Polar Freight"]


def test_a_failing_or_slow_hook_is_logged_and_never_blocks_the_write(ctx: Ctx, tmp_path: Path) -> None:
    """A hook exiting non-zero and one outliving the timeout are logged; the write returned before either ran."""
    folder, log = tmp_path / "hooks", tmp_path / "logs" / "hooks.log"
    _hook(folder, "on-done", "sys.stderr.write('mail server down'); sys.exit(3)")
    _hook(folder, "on-change", "import time; time.sleep(30)")
    ids = _portfolio(ctx)
    hearing, runner = _listening(ctx, folder, log, timeout=1)
    started = time.monotonic()
    followups.complete_followup(hearing, ids["call"])
    assert time.monotonic() - started < 1  # the hooks (1 s timeout, 30 s sleep) run after
    with database_proxy.connection_context():
        from acct_tui.models import FollowUp

        assert FollowUp.get_by_id(ids["call"]).status == "done"
    runner.wait(20)
    lines = log.read_text().splitlines()
    assert any("on-done: exit 3: mail server down" in line for line in lines)
    assert any("on-change: stopped after 1s" in line for line in lines)


def test_a_band_change_runs_on_band_change(ctx: Ctx, tmp_path: Path) -> None:
    """A change that moves an account's band tells on-band-change the account, the bands and the direction."""
    folder, out = tmp_path / "hooks", tmp_path / "heard"
    _recorder(folder, "on-band-change", out)
    ids = _portfolio(ctx)
    hearing, runner = _listening(ctx, folder, tmp_path / "hooks.log")
    with database_proxy.connection_context():
        was = Account.get_by_id(ids["acme"]).health_band
    for n in range(3):
        accounts.add_concern(hearing, ids["acme"], {"title": f"Outage {n}", "severity": "critical"})
    runner.wait()
    with database_proxy.connection_context():
        now = Account.get_by_id(ids["acme"]).health_band
    assert was != now, "the concerns should move the band"
    moves = [m for p in _heard(out, "on-band-change") for m in p["accounts"]]
    assert moves[0]["account_id"] == ids["acme"] and moves[0]["from"] == was and moves[-1]["to"] == now
    assert all(m["direction"] == "down" for m in moves)


def test_hooks_are_off_when_served_over_ssh_or_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """No runner in a served session or with `[hooks] enabled = false`; an unknown [hooks] key is refused."""
    from acct_tui.config import ConfigError, load_settings

    assert make_runner(load_settings(str(tmp_path / "x.db"), "sam")) is not None
    monkeypatch.setenv("ACCT_TUI_SERVED", "1")
    assert make_runner(load_settings(str(tmp_path / "x.db"), "sam")) is None
    monkeypatch.delenv("ACCT_TUI_SERVED")
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[hooks]\nenabled = false\ntimeout = 5\n")
    settings = load_settings(str(tmp_path / "x.db"), "sam")
    assert settings.hooks.timeout == 5 and make_runner(settings) is None
    config.write_text("[hooks]\nenabeld = false\n")
    with pytest.raises(ConfigError, match=r"hooks\.enabeld: unknown setting.*enabled"):
        load_settings(str(tmp_path / "x.db"), "sam")
    config.write_text('[hooks]\nenabled = "no"\n')
    with pytest.raises(ConfigError, match="true or false"):
        load_settings(str(tmp_path / "x.db"), "sam")


def test_a_command_line_write_runs_the_config_folder_hooks(
    desk: str, isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`acct-tui done` runs hooks/on-done of the config folder with the change on stdin."""
    out = tmp_path / "heard"
    _recorder(isolated_home / "config" / "hooks", "on-done", out)
    code, _out, err = run(capsys, "--db", desk, "--agent", "sam", "status")  # reads fire nothing
    code, _out, err = run(capsys, "--db", desk, "--agent", "sam", "done", "2")
    assert code == 0, err
    deadline = time.monotonic() + 20
    while not _heard(out, "on-done") and time.monotonic() < deadline:
        time.sleep(0.05)
    heard = _heard(out, "on-done")
    assert len(heard) == 1 and heard[0]["entries"][0]["entity_id"] == 2
    assert os.path.exists(desk)
