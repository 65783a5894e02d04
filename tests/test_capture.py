"""Touches captured without typing: a mail message logged, a Maildir or mbox imported, an .ics file's meetings."""

from __future__ import annotations

import datetime as dt
import io
import json
import mailbox
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.models import Activity, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotFound
from acct_tui.services.io.capture.calendar import import_calendar
from acct_tui.services.io.capture.mail import import_mail, log_email
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, agents, followups
from tests.conftest import TODAY, days

NOW = dt.datetime.combine(TODAY, dt.time(10, 0))


def _setup(ctx: Ctx) -> dict[str, int]:
    """Acme (contact Ines, acme.com), Kestrel (contact Ravi, kestrel.io), and a removed contact at Acme."""
    acme = accounts.create_account(ctx, {"name": "Acme", "tier": "gold", "domain": "acme.com"})
    kestrel = accounts.create_account(ctx, {"name": "Kestrel", "domain": "kestrel.io"})
    ines = accounts.add_contact(ctx, acme, {"name": "Ines", "email": "Ines@Acme.com"})
    ravi = accounts.add_contact(ctx, kestrel, {"name": "Ravi", "email": "ravi@kestrel.io"})
    gone = accounts.add_contact(ctx, acme, {"name": "Old", "email": "old@elsewhere.org"})
    accounts.remove_contact(ctx, gone)
    return {"acme": acme, "kestrel": kestrel, "ines": ines, "ravi": ravi}


def message(
    *,
    sender: str = "Ines <ines@acme.com>",
    to: str = "Sam <sam@ourco.example>",
    cc: str = "",
    subject: str = "Renewal terms",
    body: str = "Looks good to us.\n\n> earlier words\n",
    html: str | None = None,
    date: dt.datetime | None = NOW - dt.timedelta(hours=2),
    message_id: str | None = "<m1@acme.com>",
) -> bytes:
    """An RFC 822 message; with `html` a multipart/alternative one."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date.replace(tzinfo=dt.UTC))
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return bytes(msg)


def _activities() -> list[Activity]:
    with reading():
        return list(Activity.select().order_by(Activity.id))


def test_an_inbound_reply_is_logged_on_the_contacts_account_once(ctx: Ctx) -> None:
    """From a contact: an inbound email on their account, with subject, date, contact and excerpt; again: ignored."""
    ids = _setup(ctx)
    logged = log_email(ctx, message())
    assert (logged.account, logged.direction, logged.already) == ("Acme", "inbound", False)
    (row,) = _activities()
    assert (row.kind, row.summary, row.contact_id, row.account_id) == (
        "email",
        "Renewal terms",
        ids["ines"],
        ids["acme"],
    )
    assert row.occurred_at == NOW - dt.timedelta(hours=2)
    assert row.body == "Looks good to us."
    assert row.source_ref == "mid:m1@acme.com"
    again = log_email(ctx, message())
    assert again.already and again.activity_id == row.id
    assert len(_activities()) == 1


def test_an_outbound_mail_matches_by_recipient_then_by_domain(ctx: Ctx) -> None:
    """From the agent to a contact: outbound on the contact's account; to an unknown person at a client's domain:
    outbound on that account, with no contact."""
    ids = _setup(ctx)
    to_ravi = log_email(ctx, message(sender="sam@ourco.example", to="Ravi <ravi@kestrel.io>", message_id="<o1@x>"))
    assert (to_ravi.account, to_ravi.direction) == ("Kestrel", "outbound")
    to_domain = log_email(ctx, message(sender="sam@ourco.example", to="cfo@eu.acme.com", message_id="<o2@x>"))
    assert (to_domain.account, to_domain.direction) == ("Acme", "outbound")
    rows = _activities()
    assert [r.contact_id for r in rows] == [ids["ravi"], None]


def test_a_sender_at_the_clients_domain_is_inbound(ctx: Ctx) -> None:
    """Someone new at acme.com writes: inbound on Acme (no contact yet)."""
    _setup(ctx)
    logged = log_email(ctx, message(sender="new.person@acme.com", message_id="<d1@acme.com>"))
    assert (logged.account, logged.direction) == ("Acme", "inbound")


def test_an_unknown_sender_writes_nothing_unless_an_account_is_named(ctx: Ctx) -> None:
    """Nobody knows the sender: refused with what to do; with an account it is logged there."""
    ids = _setup(ctx)
    unknown = message(sender="stranger@nowhere.example", to="sam@ourco.example", message_id="<u1@n>")
    with pytest.raises(NotFound, match="nothing logged: give --account NAME"):
        log_email(ctx, unknown)
    assert _activities() == []
    logged = log_email(ctx, unknown, account_id=ids["kestrel"], inbound=True)
    assert (logged.account, logged.direction) == ("Kestrel", "inbound")


def test_a_removed_contacts_address_matches_nothing(ctx: Ctx) -> None:
    """The removed contact's address is not Acme's any more."""
    _setup(ctx)
    with pytest.raises(NotFound):
        log_email(ctx, message(sender="old@elsewhere.org", message_id="<r1@e>"))


def test_encoded_headers_bengali_and_cjk_subjects_and_html_only(ctx: Ctx) -> None:
    """RFC 2047 subjects (Bengali, Chinese, Japanese) read back as text; an HTML-only body gives its words."""
    _setup(ctx)
    subjects = ["নবায়নের শর্তাবলী", "续约条款确认", "契約更新のご案内"]
    for n, subject in enumerate(subjects):
        msg = EmailMessage()
        msg["From"] = str(Header("ইনেস", "utf-8")) + " <ines@acme.com>"
        msg["To"] = "sam@ourco.example"
        msg["Subject"] = subject
        msg["Message-ID"] = f"<enc{n}@acme.com>"
        msg["Date"] = format_datetime(NOW.replace(tzinfo=dt.UTC))
        msg.set_content("<html><head><style>p{}</style></head><body><p>Hello &amp; thanks</p></body></html>", "html")
        raw = bytes(msg)
        assert b"=?utf-8?" in raw  # the subject travels encoded
        log_email(ctx, raw)
    rows = _activities()
    assert [r.summary for r in rows] == subjects
    assert rows[0].body == "Hello & thanks"


def test_multipart_alternative_keeps_the_plain_text(ctx: Ctx) -> None:
    """multipart/alternative: the text/plain part is the excerpt, the quoted reply and signature left out."""
    _setup(ctx)
    body = "Yes, Tuesday works.\n\nOn Mon, 23 Nov 2026, Sam wrote:\n> shall we meet?\n"
    log_email(ctx, message(body=body, html="<p>Yes, <b>Tuesday</b> works.</p>", message_id="<alt@acme.com>"))
    (row,) = _activities()
    assert row.body == "Yes, Tuesday works."


def test_a_message_with_no_date_is_logged_now(ctx: Ctx) -> None:
    """No Date header: the email happened now; a date in the future (a fast clock) is now too."""
    _setup(ctx)
    log_email(ctx, message(date=None, message_id="<nodate@acme.com>"))
    log_email(ctx, message(date=NOW + dt.timedelta(days=3), message_id="<future@acme.com>"))
    assert [r.occurred_at for r in _activities()] == [NOW, NOW]


def test_an_inbound_email_wakes_a_snoozed_followup(ctx: Ctx) -> None:
    """A reply from the client brings the snoozed follow-up back today, as any client touch does."""
    ids = _setup(ctx)
    fid = followups.add_followup(ctx, ids["acme"], {"title": "Chase", "due_on": days(1)})
    followups.snooze_followup(ctx, fid, "+2w", "waiting on legal")
    log_email(ctx, message(subject="Signed"))
    with reading():
        row = FollowUp.get_by_id(fid)
    assert (row.due_on, row.snoozed_until) == (TODAY, None)
    assert row.woke_reason == "the client got in touch (email): Signed"


def test_only_accounts_the_agent_may_see_are_matched(ctx: Ctx) -> None:
    """Another agent's account is not matched for an agent who may not see it."""
    _setup(ctx)
    pat = agents.add_agent(ctx, "pat")
    as_pat = Ctx(agent=pat, clock=ctx.clock)
    with pytest.raises(NotFound):
        log_email(as_pat, message(message_id="<scope@acme.com>"))
    assert _activities() == []


def _write_maildir(path: Path, messages: list[bytes]) -> None:
    box = mailbox.Maildir(str(path), create=True)
    for raw in messages:
        box.add(raw)
    box.close()


def _mail_set() -> list[bytes]:
    return [
        message(message_id="<a@acme.com>", subject="One"),
        message(sender="sam@ourco.example", to="ravi@kestrel.io", message_id="<b@x>", subject="Two"),
        message(sender="spam@nowhere.example", message_id="<c@n>"),
        message(sender="spam@nowhere.example", message_id="<d@n>"),
        message(sender="other@else.example", message_id="<e@n>"),
        message(message_id="<a@acme.com>", subject="One"),  # the same message twice in the box
    ]


@pytest.mark.parametrize("kind", ["maildir", "mbox"])
def test_a_mailbox_imports_once_reporting_unknown_senders(ctx: Ctx, tmp_path: Path, kind: str) -> None:
    """A Maildir or an mbox: clients' messages logged, unknown senders counted, a second run adds nothing."""
    _setup(ctx)
    path = tmp_path / ("Maildir" if kind == "maildir" else "inbox.mbox")
    if kind == "maildir":
        _write_maildir(path, _mail_set())
    else:
        box = mailbox.mbox(str(path), create=True)
        for raw in _mail_set():
            box.add(raw)
        box.close()
    dry = import_mail(ctx, path, dry_run=True)
    assert (dry.messages, dry.logged, dry.already) == (6, 2, 1)
    assert _activities() == []
    report = import_mail(ctx, path)
    assert (report.logged, report.already) == (2, 1)
    assert dict(report.unmatched) == {"spam@nowhere.example": 2, "other@else.example": 1}
    assert sorted(r.summary for r in _activities()) == ["One", "Two"]
    again = import_mail(ctx, path)
    assert (again.logged, again.already) == (0, 3)
    assert len(_activities()) == 2


def test_a_folder_that_is_not_a_maildir_is_refused(ctx: Ctx, tmp_path: Path) -> None:
    """A plain folder is refused, naming what a Maildir has."""
    from acct_tui.services.errors import ValidationError

    with pytest.raises(ValidationError, match="not a Maildir"):
        import_mail(ctx, tmp_path)


def _ics(events: list[str]) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def _event(uid: str, start: dt.datetime, summary: str, *, organizer: str, attendees: list[str], extra: str = "") -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{NOW:%Y%m%dT%H%M%SZ}",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + dt.timedelta(hours=1):%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{summary}",
        f"ORGANIZER:mailto:{organizer}",
        *[f"ATTENDEE;CN=x:mailto:{a}" for a in attendees],
        *([extra] if extra else []),
        "END:VEVENT",
    ]
    return "\r\n".join(lines) + "\r\n"


def test_a_calendar_logs_held_meetings_and_plans_coming_ones_once(ctx: Ctx, tmp_path: Path) -> None:
    """Past with a client: a meeting activity; future: a meeting follow-up due that day; no client: counted;
    cancelled: left out; a second import adds nothing."""
    ids = _setup(ctx)
    path = tmp_path / "cal.ics"
    events = [
        _event("held-1", NOW - dt.timedelta(days=2), "QBR", organizer="sam@ourco.example", attendees=["ines@acme.com"]),
        _event("soon-1", NOW + dt.timedelta(days=5), "契約更新 review", organizer="ravi@kestrel.io", attendees=[]),
        _event("internal", NOW - dt.timedelta(days=1), "Standup", organizer="sam@ourco.example", attendees=[]),
        _event(
            "off", NOW + dt.timedelta(days=1), "Off", organizer="ines@acme.com", attendees=[], extra="STATUS:CANCELLED"
        ),
    ]
    path.write_text(_ics(events), encoding="utf-8")
    report = import_calendar(ctx, path)
    assert (report.events, report.logged, report.planned, report.skipped) == (4, 1, 1, 1)
    assert dict(report.unmatched) == {"sam@ourco.example": 1}
    (meeting,) = _activities()
    assert (meeting.kind, meeting.summary, meeting.account_id, meeting.contact_id, meeting.direction) == (
        "meeting",
        "QBR",
        ids["acme"],
        ids["ines"],
        "outbound",
    )
    with reading():
        (planned,) = FollowUp.select().where(FollowUp.kind == "meeting")
    assert (planned.title, planned.due_on, planned.account_id) == (
        "Meeting: 契約更新 review",
        TODAY + dt.timedelta(days=5),
        ids["kestrel"],
    )
    again = import_calendar(ctx, path)
    assert (again.logged, again.planned, again.already) == (0, 0, 2)
    with reading():
        assert FollowUp.select().where(FollowUp.kind == "meeting").count() == 1
    assert len(_activities()) == 1


def test_a_planned_meeting_is_logged_and_closed_once_it_has_happened(ctx: Ctx, tmp_path: Path) -> None:
    """Imported before the day it is a follow-up; imported after it, the meeting is logged and the follow-up done."""
    _setup(ctx)
    path = tmp_path / "cal.ics"
    path.write_text(
        _ics([_event("m-1", NOW + dt.timedelta(days=2), "Kick-off", organizer="ines@acme.com", attendees=[])]),
        encoding="utf-8",
    )
    assert import_calendar(ctx, path).planned == 1
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(days=3)
    report = import_calendar(ctx, path)
    assert report.logged == 1
    (meeting,) = _activities()
    assert (meeting.kind, meeting.direction) == ("meeting", "inbound")
    with reading():
        (planned,) = FollowUp.select().where(FollowUp.kind == "meeting")
    assert planned.status == "done"


# The command line


def _close() -> None:
    db = database_proxy.obj
    if db is not None and hasattr(db, "close_all"):
        db.close_all()
    elif db is not None and not db.is_closed():
        db.close()


def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, *argv: str, stdin: bytes = b""
) -> tuple[int, str, str]:
    """main() in-process as `acct-tui --db URL --agent manager ...`, with `stdin` piped in."""
    fake: Any = io.TextIOWrapper(io.BytesIO(stdin))
    monkeypatch.setattr("sys.stdin", fake)
    try:
        code = main(["--db", url, "--agent", "manager", *argv], clock=FixedClock.on(TODAY, hour=10))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        _close()
    out, err = capsys.readouterr()
    return code, out, err


def test_log_from_email_on_standard_input(
    ctx: Ctx, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`log --from-email -` reads the piped message; a second pipe says it is already logged; exit 0 both times."""
    _setup(ctx)
    code, out, err = cli(capsys, monkeypatch, db_url, "log", "--from-email", "-", stdin=message())
    assert (code, err) == (0, "")
    assert out.strip() == "Logged inbound email on Acme: Renewal terms"
    code, out, _err = cli(capsys, monkeypatch, db_url, "log", "--from-email", "-", stdin=message())
    assert code == 0 and out.startswith("already logged on Acme (activity #1)")
    code, _out, err = cli(capsys, monkeypatch, db_url, "log", "--from-email", "-", "--next", "+3d", stdin=message())
    assert code == 1 and "--next does not go with --from-email" in err


def test_log_from_email_with_an_unknown_sender_fails_with_one_line(
    ctx: Ctx, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An .eml from a stranger: one line on stderr, exit 1, nothing written; with --account it is logged there."""
    _setup(ctx)
    eml = tmp_path / "stranger.eml"
    eml.write_bytes(message(sender="stranger@nowhere.example", message_id="<s@n>"))
    code, out, err = cli(capsys, monkeypatch, db_url, "log", "--from-email", str(eml))
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1 and "stranger@nowhere.example" in err and "--account" in err
    assert _activities() == []
    code, out, err = cli(capsys, monkeypatch, db_url, "log", "--from-email", str(eml), "--account", "Kestrel", "--json")
    assert code == 0, err
    assert json.loads(out)["account"] == "Kestrel"


def test_import_mail_and_calendar_from_the_command_line(
    ctx: Ctx, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`import mail` reports unknown senders per address; `--dry-run` writes nothing; `import calendar` plans."""
    _setup(ctx)
    maildir = tmp_path / "Maildir"
    _write_maildir(maildir, _mail_set())
    code, out, err = cli(capsys, monkeypatch, db_url, "import", "mail", str(maildir), "--dry-run")
    assert code == 0, err
    assert out.startswith("dry run, nothing written: read 6 messages: would log 2 on 2 accounts")
    assert "       2  spam@nowhere.example" in err
    assert _activities() == []
    code, out, _err = cli(capsys, monkeypatch, db_url, "import", "mail", str(maildir))
    assert code == 0 and "logged 2 on 2 accounts, 1 already logged, 3 from 2 unknown senders" in out
    ics = tmp_path / "cal.ics"
    ics.write_text(
        _ics([_event("c-1", NOW + dt.timedelta(days=1), "Demo", organizer="ines@acme.com", attendees=[])]), "utf-8"
    )
    code, out, err = cli(capsys, monkeypatch, db_url, "import", "calendar", str(ics), "--json")
    assert code == 0, err
    assert json.loads(out)["planned"] == 1


def test_time_zones_and_all_day_events(ctx: Ctx, tmp_path: Path) -> None:
    """A TZID start is read in its zone (09:00 Paris is 08:00 UTC); an all-day event to come is due on its day."""
    _setup(ctx)
    path = tmp_path / "cal.ics"
    zoned = (
        "BEGIN:VEVENT\r\nUID:tz-1\r\nDTSTAMP:20261120T000000Z\r\nDTSTART;TZID=Europe/Paris:20261120T090000\r\n"
        "SUMMARY:Paris review\r\nORGANIZER:mailto:ines@acme.com\r\nEND:VEVENT\r\n"
    )
    all_day = (
        "BEGIN:VEVENT\r\nUID:day-1\r\nDTSTAMP:20261120T000000Z\r\nDTSTART;VALUE=DATE:20261203\r\n"
        "SUMMARY:Offsite\r\nATTENDEE:mailto:ravi@kestrel.io\r\nEND:VEVENT\r\n"
    )
    path.write_text(_ics([zoned, all_day]), encoding="utf-8")
    report = import_calendar(ctx, path)
    assert (report.logged, report.planned) == (1, 1)
    (meeting,) = _activities()
    assert meeting.occurred_at == dt.datetime(2026, 11, 20, 8, 0)
    with reading():
        (planned,) = FollowUp.select().where(FollowUp.kind == "meeting")
    assert (planned.due_on, planned.notes) == (dt.date(2026, 12, 3), "all day")


def test_undo_takes_a_logged_email_back_and_it_can_be_logged_again(ctx: Ctx) -> None:
    """`z` / `undo` after a log removes the email; the same message then logs anew (not "already logged")."""
    from acct_tui.services.store.undo import undo_last

    _setup(ctx)
    log_email(ctx, message(message_id="<undo@acme.com>"))
    undo_last(ctx)
    assert _activities() == []
    assert not log_email(ctx, message(message_id="<undo@acme.com>")).already
    assert len(_activities()) == 1
