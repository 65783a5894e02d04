"""Follow-ups as iCalendar: one .ics text (events and to-dos) or a vdir kept in step, one file per follow-up.

Each open follow-up of the agent is an all-day VEVENT on its due day (for a
calendar such as khal) and a VTODO due that day (for a task list such as
todoman, or a phone's reminders through vdirsyncer and CalDAV) with a
reminder (VALARM) at a set time of the due day, 09:00 unless told otherwise.
UIDs carry the database's own id (`database_id`), so two databases never
merge their follow-up 12, and they never change: a calendar that imported a
follow-up updates it in place.

A vdir (the folder layout khal, todoman and vdirsyncer share) holds one kind
of component per file: `sync_vdir` writes one file per follow-up, named by
its UID, rewrites a file only when its content changed (the DTSTAMP of the
run aside), and deletes the files of follow-ups done, deleted or moved to
someone else: only files whose name is one of this database's UIDs, so
anything else in the folder is left alone. A second run with nothing changed
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acct_tui.models import Account, Agent, FollowUp
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.store.scope import scoped
from acct_tui.services.store.unit import reading
from acct_tui.vocab import FollowUpStatus

ITEMS = ("both", "todos", "events")
"""What a calendar holds: events and to-dos (a single .ics), or one kind (a vdir holds one kind per file)."""

DEFAULT_ALARM = dt.time(9, 0)

_PRIORITY = {"urgent": 1, "high": 3, "normal": 5, "low": 9}
"""RFC 5545 PRIORITY: 1 is the highest, 5 medium, 9 the lowest."""


def ics_escape(text: str) -> str:
    """TEXT value escaping of RFC 5545 (3.3.11)."""
    from acct_tui.services.io.exports import scrub

    text = scrub(text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


DATABASE_ID_KEY = "database_id"


def database_id() -> str:
    """This database's own random id (made on first need, kept in SchemaMeta): it keeps the .ics UIDs of
    two databases apart, so a calendar subscribed to both never merges follow-up 12 of one into the other's."""
    import uuid

    from acct_tui.models import SchemaMeta, database_proxy

    with database_proxy.connection_context():
        row = SchemaMeta.get_or_none(SchemaMeta.key == DATABASE_ID_KEY)
        if row is not None:
            return str(row.value)
        with database_proxy.atomic():
            # Two first exports at once: the first insert wins and both read its id.
            SchemaMeta.insert(key=DATABASE_ID_KEY, value=uuid.uuid4().hex[:16]).on_conflict_ignore().execute()
        return str(SchemaMeta.get(SchemaMeta.key == DATABASE_ID_KEY).value)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def parse_alarm(text: str | None) -> dt.time | None:
    """`--alarm`: a time of the due day (`09:00`, `8:30`), or `none` for no reminder."""
    if text is None:
        return DEFAULT_ALARM
    wanted = text.strip().lower()
    if wanted in ("none", "off", "no"):
        return None
    match = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", wanted)
    if not match:
        raise ValidationError(f"--alarm {text!r}: give a time of the due day (09:00) or none", "alarm")
    return dt.time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class CalendarItem:
    """One component (VEVENT or VTODO) of one follow-up, as content lines (unfolded)."""

    uid: str
    component: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Row:
    id: int
    title: str
    kind: str
    due: dt.date
    priority: str
    notes: str
    reason: str
    version: int
    account_id: int
    account: str


def _rows(ctx: Ctx) -> tuple[list[_Row], str]:
    with reading():
        query = scoped(
            FollowUp.select(
                FollowUp.id, FollowUp.title, FollowUp.kind, FollowUp.due_on, FollowUp.priority, FollowUp.notes,
                FollowUp.snooze_reason, FollowUp.version, Account.id, Account.name,
            )
            .join(Account, on=(FollowUp.account == Account.id))
            .where(FollowUp.assignee == ctx.agent.id, FollowUp.status == FollowUpStatus.OPEN.value)
            .order_by(FollowUp.due_on, FollowUp.id),
            ctx.agent,
        )  # fmt: skip
        rows = [
            _Row(int(f), str(t), str(k), _day(d), str(p), str(n or ""), str(r or ""), int(v), int(a), str(name))
            for f, t, k, d, p, n, r, v, a, name in query.tuples()
        ]
        agent_name = str(Agent.get_by_id(ctx.agent.id).name)
    return rows, agent_name


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _description(row: _Row) -> str:
    parts = [f"Account: {row.account} (#{row.account_id})", f"Priority: {row.priority}", f"Kind: {row.kind}"]
    if row.reason:
        parts.append(f"Snoozed: {row.reason}")
    if row.notes:
        parts.append(row.notes)
    return "\n".join(parts)


def event_uid(followup_id: int, domain: str) -> str:
    return f"followup-{followup_id}@{domain}"


def todo_uid(followup_id: int, domain: str) -> str:
    return f"followup-{followup_id}-todo@{domain}"


def _event(row: _Row, domain: str, stamp: str) -> CalendarItem:
    uid = event_uid(row.id, domain)
    return CalendarItem(
        uid,
        "VEVENT",
        (
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{row.due.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(row.due + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{ics_escape(f'{row.title} ({row.account})')}",
            f"DESCRIPTION:{ics_escape(_description(row))}",
            f"CATEGORIES:{ics_escape(row.kind)}",
            f"PRIORITY:{_PRIORITY.get(row.priority, 5)}",
            f"SEQUENCE:{max(0, row.version - 1)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ),
    )


def _todo(row: _Row, domain: str, stamp: str, alarm: dt.time | None) -> CalendarItem:
    uid = todo_uid(row.id, domain)
    summary = ics_escape(f"{row.title} ({row.account})")
    lines = [
        "BEGIN:VTODO",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DUE;VALUE=DATE:{row.due.strftime('%Y%m%d')}",
        f"SUMMARY:{summary}",
        f"DESCRIPTION:{ics_escape(_description(row))}",
        f"CATEGORIES:{ics_escape(row.kind)}",
        f"PRIORITY:{_PRIORITY.get(row.priority, 5)}",
        "STATUS:NEEDS-ACTION",
        f"SEQUENCE:{max(0, row.version - 1)}",
    ]
    if alarm is not None:
        # Relative to DUE (the start of the due day, local time): the reminder fires at `alarm` that day.
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{summary}",
            f"TRIGGER;RELATED=END:PT{alarm.hour}H{alarm.minute}M",
            "END:VALARM",
        ]
    lines.append("END:VTODO")
    return CalendarItem(uid, "VTODO", tuple(lines))


def _check_items(items: str) -> str:
    if items not in ITEMS:
        raise ValidationError(f"{items!r} is not a calendar content; use {', '.join(ITEMS)}", "items")
    return items


def calendar_items(ctx: Ctx, items: str = "both", alarm: dt.time | None = DEFAULT_ALARM) -> list[CalendarItem]:
    """The components of the agent's open follow-ups: per follow-up its event, then its to-do."""
    _check_items(items)
    rows, _name = _rows(ctx)
    return _components(rows, f"{database_id()}.acct-tui", _stamp(ctx.now()), items, alarm)


def _components(rows: Iterable[_Row], domain: str, stamp: str, items: str, alarm: dt.time | None) -> list[CalendarItem]:
    found: list[CalendarItem] = []
    for row in rows:
        if items in ("both", "events"):
            found.append(_event(row, domain, stamp))
        if items in ("both", "todos"):
            found.append(_todo(row, domain, stamp, alarm))
    return found


def _wrap(name: str | None, components: Sequence[CalendarItem]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//acct-tui//follow-ups//EN", "CALSCALE:GREGORIAN"]
    if name is not None:
        lines += ["METHOD:PUBLISH", f"X-WR-CALNAME:{ics_escape(name)}"]
    for item in components:
        lines += item.lines
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def calendar(ctx: Ctx, items: str = "both", alarm: dt.time | None = DEFAULT_ALARM) -> str:
    """An iCalendar text (CRLF lines) of the agent's open follow-ups: all-day events and to-dos with a reminder."""
    _check_items(items)
    rows, agent_name = _rows(ctx)
    components = _components(rows, f"{database_id()}.acct-tui", _stamp(ctx.now()), items, alarm)
    return _wrap(f"Follow-ups of {agent_name}", components)


def export_calendar(ctx: Ctx, out: Any, items: str = "both", alarm: dt.time | None = DEFAULT_ALARM) -> int:
    """Write the calendar to a binary stream (the CRLFs must survive); returns the number of follow-ups."""
    text = calendar(ctx, items, alarm)
    out.write(text.encode("utf-8"))
    return text.count("BEGIN:VEVENT") if items != "todos" else text.count("BEGIN:VTODO")


# A vdir -------------------------------------------------------------------------


@dataclass(frozen=True)
class VdirReport:
    """What one vdir sync did, in files."""

    folder: Path
    added: int
    updated: int
    removed: int
    unchanged: int

    def summary(self) -> str:
        return (
            f"{self.folder}: {self.added:,} added, {self.updated:,} updated, {self.removed:,} removed, "
            f"{self.unchanged:,} unchanged"
        )


def _same(old: str, new: str) -> bool:
    """The same content, the DTSTAMP of each run aside (it says when the file was made, not what it says)."""

    def body(text: str) -> list[str]:
        return [line for line in text.split("\r\n") if not line.startswith("DTSTAMP:")]

    return body(old) == body(new)


def _write_atomically(path: Path, text: str) -> None:
    # A dot file while writing: vdirsyncer and khal skip it until it is complete.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(text.encode("utf-8"))
    os.replace(partial, path)


def sync_vdir(
    ctx: Ctx, folder: str | os.PathLike[str], items: str = "todos", alarm: dt.time | None = DEFAULT_ALARM
) -> VdirReport:
    """Keep `folder` (created if missing, its parent must exist) holding one .ics per open follow-up."""
    if _check_items(items) == "both":
        raise ValidationError(
            "a vdir holds one kind of item per file: give todos (for todoman or a phone's reminders) "
            "or events (for khal)",
            "items",
        )
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise ValidationError(f"{target} is a file; --vdir takes a folder", "vdir")
    if not target.parent.is_dir():
        raise ValidationError(f"no folder {target.parent}; create it first", "vdir")
    target.mkdir(exist_ok=True)
    rows, _name = _rows(ctx)
    domain = f"{database_id()}.acct-tui"
    ours = re.compile(rf"followup-[0-9]+(?:-todo)?@{re.escape(domain)}\.ics")
    wanted = {
        f"{item.uid}.ics": _wrap(None, [item]) for item in _components(rows, domain, _stamp(ctx.now()), items, alarm)
    }
    added = updated = unchanged = removed = 0
    for name, text in wanted.items():
        path = target / name
        try:
            old = path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            _write_atomically(path, text)
            added += 1
            continue
        if _same(old, text):
            unchanged += 1
        else:
            _write_atomically(path, text)
            updated += 1
    for path in sorted(target.iterdir()):
        if path.name not in wanted and ours.fullmatch(path.name) and path.is_file():
            path.unlink()
            removed += 1
    return VdirReport(target, added, updated, removed, unchanged)
