"""Mail as touches: one message logged (`log --from-email`), or a whole Maildir or mbox imported.

A message lands on the account of the first address on it that is a client
contact's, else at a client's domain (`match`). Sent by the client it is an
inbound email, otherwise an outbound one (the agent wrote). Its Message-ID is
kept on the activity, so the same message is logged once however often it is
piped or imported. A bulk import is one transaction and one undo step.

An inbound message wakes the account's snoozed follow-ups, as any client touch
does; in a bulk import only messages of the last `WAKE_DAYS` days do, so
importing years of old mail does not wake today's snoozes.
"""

from __future__ import annotations

import datetime as dt
import mailbox
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from acct_tui.models import Account, Activity
from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.io.capture.match import AddressBook, Match
from acct_tui.services.io.capture.message import Mail, mail_ref, parse_mail
from acct_tui.services.io.capture.touch import Progress, clamp, logged_refs, quiet, record_touch
from acct_tui.services.store.audit import Change
from acct_tui.services.store.scope import can_see, require_account
from acct_tui.services.store.unit import change, reading
from acct_tui.services.store.wake import inbound_reason, wake_snoozed
from acct_tui.vocab import ActivityKind

WAKE_DAYS = 2
MAX_MESSAGE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class EmailLogged:
    """What `log --from-email` did with the message."""

    activity_id: int
    account_id: int
    account: str
    """The account's name ("" when an earlier log put it on an account this agent cannot see)."""
    direction: str
    summary: str
    already: bool
    """The message was logged before: nothing was written."""


def log_email(ctx: Ctx, raw: bytes, *, account_id: int | None = None, inbound: bool = False) -> EmailLogged:
    """Log one RFC 822 message as an email on its client's account (or on `account_id`)."""
    if not raw.strip():
        raise ValidationError("the message is empty; pipe one RFC 822 message (a .eml file) to it")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValidationError(f"the message is over {MAX_MESSAGE_BYTES // 1_048_576} MiB; give one message")
    mail = parse_mail(raw)
    with change(ctx, "email log") as ch:
        earlier = Activity.get_or_none(Activity.source_ref == mail.ref)
        if earlier is not None:
            seen = can_see(ctx.agent, earlier.account_id)
            name = Account.get_by_id(earlier.account_id).name if seen else ""
            return EmailLogged(
                int(earlier.id), int(earlier.account_id), name, earlier.direction, earlier.summary, already=True
            )
        book = AddressBook(ctx)
        if account_id is not None:
            require_account(ctx.agent, account_id)
            match: Match | None = book.on_account(account_id, mail.sender, mail.recipients, inbound=inbound)
        else:
            match = book.match(mail.sender, mail.recipients)
            if match is not None and inbound and not match.inbound:
                match = book.on_account(match.account_id, mail.sender, mail.recipients, inbound=True)
        if match is None:
            raise NotFound(_unknown(mail))
        activity = record_touch(
            ch,
            ctx,
            match,
            kind=ActivityKind.EMAIL.value,
            summary=mail.summary,
            body=mail.excerpt,
            occurred_at=clamp(mail.sent_at, ctx.now()),
            ref=mail.ref,
        )
        name = Account.get_by_id(match.account_id).name
        return EmailLogged(
            int(activity.id), match.account_id, name, activity.direction, activity.summary, already=False
        )


def _unknown(mail: Mail) -> str:
    who = mail.sender or "no sender"
    others = f" nor any of its {len(mail.recipients)} recipients" if mail.recipients else ""
    return (
        f"no account you can see knows {who}{others} (as a contact's email or the account's domain); "
        "nothing logged: give --account NAME, or add the contact first"
    )


@dataclass
class MailImport:
    """What `import mail` read and wrote (or, in a dry run, would write)."""

    path: str
    dry_run: bool = False
    messages: int = 0
    logged: int = 0
    already: int = 0
    """Logged before (a second run of the same import): left alone."""
    unreadable: int = 0
    inbound: int = 0
    woke: int = 0
    """Accounts whose snoozed follow-ups an inbound message woke."""
    accounts: set[int] = field(default_factory=set)
    unmatched: Counter[str] = field(default_factory=Counter)
    """Messages per sender no account knows."""

    def summary(self) -> str:
        verb = "would log" if self.dry_run else "logged"
        unmatched = sum(self.unmatched.values())
        parts = [
            f"read {self.messages:,} messages: {verb} {self.logged:,} on {len(self.accounts):,} accounts",
            f"{self.already:,} already logged",
            f"{unmatched:,} from {len(self.unmatched):,} unknown senders",
        ]
        if self.unreadable:
            parts.append(f"{self.unreadable:,} unreadable")
        return ", ".join(parts)

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "dry_run": self.dry_run,
            "messages": self.messages,
            "logged": self.logged,
            "already": self.already,
            "unreadable": self.unreadable,
            "inbound": self.inbound,
            "accounts": len(self.accounts),
            "accounts_woken": self.woke,
            "unmatched": dict(self.unmatched.most_common()),
        }


def open_mailbox(path: str | Path) -> mailbox.Mailbox:
    """A Maildir (a folder with cur/ and new/) or an mbox file; anything else is refused, naming what it is."""
    where = Path(path).expanduser()
    if where.is_dir():
        if not ((where / "cur").is_dir() and (where / "new").is_dir()):
            raise ValidationError(f"{where} is a folder but not a Maildir (it has no cur/ and new/ folders)", "path")
        return mailbox.Maildir(str(where), factory=None, create=False)
    if not where.is_file():
        raise NotFound(f"no Maildir or mbox at {where}")
    with open(where, "rb") as handle:
        start = handle.read(5)
    if start and start != b"From ":
        raise ValidationError(f"{where} is not an mbox file (an mbox starts with a 'From ' line)", "path")
    return mailbox.mbox(str(where), factory=None, create=False)


def read_mailbox(box: mailbox.Mailbox, report: MailImport, progress: Progress) -> list[Mail]:
    """The messages of the box not logged before, read; the others only counted.

    A first pass reads each Message-ID alone, so a second run of the same import does not parse
    thousands of bodies; it runs outside the write transaction, which stays short.
    """
    keys = list(box.iterkeys())
    report.messages = len(keys)
    refs: dict[str, str] = {}
    for done, key in enumerate(keys, 1):
        try:
            refs[key] = mail_ref(box.get_bytes(key))
        except Exception:  # a damaged message: the rest still import
            report.unreadable += 1
        progress("scanning", done, len(keys))
    with reading():
        seen = logged_refs(refs.values())
    mails: list[Mail] = []
    for done, (key, ref) in enumerate(refs.items(), 1):
        progress("reading", done, len(refs))
        if ref in seen:
            report.already += 1
            continue
        seen.add(ref)  # the same message twice in the box is read once
        try:
            mails.append(parse_mail(box.get_bytes(key)))
        except Exception:
            report.unreadable += 1
    return mails


def import_mail(ctx: Ctx, path: str | Path, *, dry_run: bool = False, progress: Progress = quiet) -> MailImport:
    """Log every message of a Maildir or mbox that a client sent or received, once, in one transaction."""
    report = MailImport(str(path), dry_run=dry_run)
    box = open_mailbox(path)
    try:
        mails = read_mailbox(box, report, progress)
    finally:
        box.close()
    if dry_run:
        with reading():
            _plan(ctx, mails, report, progress, None)
    else:
        with change(ctx, "mail import") as ch:
            _plan(ctx, mails, report, progress, ch)
    return report


def _plan(ctx: Ctx, mails: list[Mail], report: MailImport, progress: Progress, ch: Change | None) -> None:
    """Match each message and, given a change to write in, log it; a dry run (no change) only counts."""
    seen = logged_refs(m.ref for m in mails)  # again, in the transaction: another capture may have run since
    book = AddressBook(ctx)
    now = ctx.now()
    recent = dt.datetime.combine(ctx.today - dt.timedelta(days=WAKE_DAYS - 1), dt.time())
    wake: dict[int, str] = {}
    for done, mail in enumerate(sorted(mails, key=lambda m: m.sent_at or now), 1):
        progress("writing" if ch is not None else "checking", done, len(mails))
        if mail.ref in seen:
            report.already += 1
            continue
        match = book.match(mail.sender, mail.recipients)
        if match is None:
            report.unmatched[mail.sender or "(no sender)"] += 1
            continue
        seen.add(mail.ref)
        report.logged += 1
        report.accounts.add(match.account_id)
        occurred_at = clamp(mail.sent_at, now)
        if match.inbound:
            report.inbound += 1
            if occurred_at >= recent:
                wake[match.account_id] = inbound_reason(ActivityKind.EMAIL.value, mail.summary)
        if ch is not None:
            record_touch(
                ch,
                ctx,
                match,
                kind=ActivityKind.EMAIL.value,
                summary=mail.summary,
                body=mail.excerpt,
                occurred_at=occurred_at,
                ref=mail.ref,
                wake=False,
            )
    if ch is not None:
        report.woke = len(wake_snoozed(ch, wake, ctx.today))
