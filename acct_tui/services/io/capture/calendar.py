"""Meetings from a calendar (.ics): held ones logged as meetings, coming ones planned as follow-ups.

An event belongs to the account its organiser's or attendees' addresses name
(`match`, as for mail). One that has started is a meeting activity on the
timeline (inbound when the client organised it). One still to come is an open
follow-up of kind "meeting" due on its day: that is what the account's
follow-ups pane, the queue and the calendar export show as planned, and it
resets no contact cadence until it happens. Importing the calendar again
after the day logs the meeting and closes that follow-up; a moved event moves
its due date. Each event is known by its UID (and RECURRENCE-ID, for a moved
occurrence of a series), kept on what it wrote, so a second import adds
nothing. A recurring series counts as its first occurrence; cancelled events
are left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acct_tui.models import FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.io.capture.match import AddressBook
from acct_tui.services.io.capture.message import REF_MAX, SUMMARY_MAX, excerpt, one_line
from acct_tui.services.io.capture.touch import Progress, logged_refs, planned_followup, quiet, record_touch
from acct_tui.services.store.audit import Change, snapshot
from acct_tui.services.store.unit import change, reading
from acct_tui.services.writes.followups import plan_followup
from acct_tui.vocab import ActivityKind, FollowUpKind, FollowUpStatus

MAX_ICS_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Meeting:
    """A calendar event as a touch."""

    ref: str
    summary: str
    start: dt.datetime
    """Naive UTC (an all-day event: noon UTC of its day)."""
    day: dt.date
    """Its local calendar day."""
    organizer: str
    attendees: tuple[str, ...]
    notes: str
    all_day: bool = False


@dataclass
class CalendarImport:
    """What `import calendar` read and wrote (or, in a dry run, would write)."""

    path: str
    dry_run: bool = False
    events: int = 0
    logged: int = 0
    """Meetings that happened, logged as activities."""
    planned: int = 0
    """Meetings to come, planned as follow-ups."""
    moved: int = 0
    already: int = 0
    skipped: int = 0
    """Cancelled, or without a start."""
    unmatched: Counter[str] = field(default_factory=Counter)
    """Events per organiser (or first attendee) no account knows."""

    def summary(self) -> str:
        verb = "would log" if self.dry_run else "logged"
        plan = "would plan" if self.dry_run else "planned"
        unmatched = sum(self.unmatched.values())
        parts = [
            f"read {self.events:,} events: {verb} {self.logged:,} meetings",
            f"{plan} {self.planned:,} to come",
            f"{self.already:,} already there",
            f"{unmatched:,} with no client",
        ]
        if self.moved:
            parts.append(f"{self.moved:,} moved")
        if self.skipped:
            parts.append(f"{self.skipped:,} cancelled or undated")
        return ", ".join(parts)

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "dry_run": self.dry_run,
            "events": self.events,
            "logged": self.logged,
            "planned": self.planned,
            "moved": self.moved,
            "already": self.already,
            "skipped": self.skipped,
            "unmatched": dict(self.unmatched.most_common()),
        }


def _address(value: Any) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower() if "@" in text else ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _moment(value: Any) -> tuple[dt.datetime, dt.date]:
    """(naive UTC, local day) of a DTSTART: aware, floating (the local time of this machine) or a date."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.astimezone()
        return aware.astimezone(dt.UTC).replace(tzinfo=None), aware.astimezone().date()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(12, 0)), value
    raise ValueError("no start")


def _ref(event: Any, start: dt.datetime, summary: str) -> str:
    uid = str(event.get("UID") or "").strip()
    if not uid:
        uid = "sha256:" + hashlib.sha256(f"{start.isoformat()}|{summary}".encode()).hexdigest()
    recurrence = event.get("RECURRENCE-ID")
    if recurrence is not None:
        stamp = recurrence.to_ical() if hasattr(recurrence, "to_ical") else recurrence
        uid += "#" + (stamp.decode() if isinstance(stamp, bytes) else str(stamp))
    ref = f"ics:{uid}"
    if len(ref) > REF_MAX:
        ref = "ics:sha256:" + hashlib.sha256(uid.encode()).hexdigest()
    return ref


def read_calendar(data: bytes, report: CalendarImport) -> list[Meeting]:
    """The events of an .ics file that have a start and are not cancelled."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise ValidationError(f"not a calendar file (.ics): {exc}", "path") from None
    meetings: list[Meeting] = []
    for event in calendar.walk("VEVENT"):
        report.events += 1
        if str(event.get("STATUS") or "").upper() == "CANCELLED" or event.get("DTSTART") is None:
            report.skipped += 1
            continue
        try:
            start, day = _moment(event.decoded("DTSTART"))
        except (ValueError, KeyError, TypeError):
            report.skipped += 1
            continue
        summary = one_line(str(event.get("SUMMARY") or ""), SUMMARY_MAX) or "(untitled meeting)"
        organizer = _address(event.get("ORGANIZER"))
        attendees = tuple(a for a in dict.fromkeys(map(_address, _as_list(event.get("ATTENDEE")))) if a)
        where = one_line(str(event.get("LOCATION") or ""), 200)
        notes = " · ".join(
            p for p in (f"at {where}" if where else "", excerpt(str(event.get("DESCRIPTION") or ""))) if p
        )
        ref = _ref(event, start, summary)
        all_day = not isinstance(event.decoded("DTSTART"), dt.datetime)
        meetings.append(Meeting(ref, summary, start, day, organizer, attendees, notes, all_day))
    return meetings


def import_calendar(ctx: Ctx, path: str | Path, *, dry_run: bool = False, progress: Progress = quiet) -> CalendarImport:
    """Log the held meetings of an .ics file with clients and plan the coming ones, once, in one transaction."""
    where = Path(path).expanduser()
    if not where.is_file():
        raise NotFound(f"no calendar file at {where}")
    if where.stat().st_size > MAX_ICS_BYTES:
        raise ValidationError(f"{where} is over {MAX_ICS_BYTES // 1_048_576} MiB; export a shorter range", "path")
    report = CalendarImport(str(path), dry_run=dry_run)
    meetings = read_calendar(where.read_bytes(), report)
    if dry_run:
        with reading():
            _apply(ctx, meetings, report, progress, None)
    else:
        with change(ctx, "calendar import") as ch:
            _apply(ctx, meetings, report, progress, ch)
    return report


def _apply(ctx: Ctx, meetings: list[Meeting], report: CalendarImport, progress: Progress, ch: Change | None) -> None:
    seen = logged_refs(m.ref for m in meetings)
    book = AddressBook(ctx)
    now = ctx.now()
    for done, meeting in enumerate(meetings, 1):
        progress("writing" if ch is not None else "checking", done, len(meetings))
        if meeting.ref in seen:
            report.already += 1
            continue
        seen.add(meeting.ref)
        planned = planned_followup(meeting.ref)
        held = meeting.start <= now
        if planned is not None and not held:
            _move(ch, planned, meeting, report)
            continue
        match = book.match(meeting.organizer, meeting.attendees)
        if match is None:
            report.unmatched[meeting.organizer or next(iter(meeting.attendees), "(nobody)")] += 1
            continue
        if not held:
            report.planned += 1
            if ch is not None:
                ch.lock(match.account_id)
                plan_followup(ch, ctx, match.account_id, _plan_values(meeting))
            continue
        report.logged += 1
        if ch is None:
            continue
        record_touch(
            ch,
            ctx,
            match,
            kind=ActivityKind.MEETING.value,
            summary=meeting.summary,
            body=meeting.notes,
            occurred_at=meeting.start,
            ref=meeting.ref,
            wake=meeting.day >= ctx.today - dt.timedelta(days=1),
        )
        if planned is not None and planned.status == FollowUpStatus.OPEN.value:
            before = snapshot(planned, ["status", "completed_at", "version"])
            planned.status = FollowUpStatus.DONE.value
            planned.completed_at = now
            planned.version += 1
            planned.save()
            ch.updated(planned, before, f"held {planned.title}", action="done")


def _plan_values(meeting: Meeting) -> dict[str, object]:
    title = one_line(f"Meeting: {meeting.summary}", SUMMARY_MAX)
    when = "all day" if meeting.all_day else f"{meeting.start:%H:%M} UTC"
    notes = " · ".join(p for p in (when, meeting.notes) if p)
    return {
        "title": title,
        "kind": FollowUpKind.MEETING.value,
        "due_on": meeting.day,
        "notes": notes,
        "source_ref": meeting.ref,
    }


def _move(ch: Change | None, planned: FollowUp, meeting: Meeting, report: CalendarImport) -> None:
    """A coming meeting planned before: its follow-up follows the event to its new day."""
    if planned.status != FollowUpStatus.OPEN.value or planned.due_on == meeting.day:
        report.already += 1
        return
    report.moved += 1
    if ch is None:
        return
    ch.lock(int(planned.account_id))
    before = snapshot(planned, ["due_on", "version"])
    planned.due_on = meeting.day
    planned.version += 1
    planned.save()
    ch.updated(planned, before, f"moved {planned.title} to {meeting.day}", action="reschedule")
