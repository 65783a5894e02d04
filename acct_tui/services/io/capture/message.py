"""One mail message read into what a logged email keeps: who, when, what, and its Message-ID.

Read with the standard library's parser (`email.policy.default`), which decodes
RFC 2047 headers (`=?utf-8?b?...?=`) and the body's transfer encoding and
charset. A damaged header or part costs only that piece: a missing date is
"now", an unreadable body an empty excerpt.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime

SUMMARY_MAX = 200
EXCERPT_MAX = 600
REF_MAX = 255
_HEADERS = BytesHeaderParser(policy=email.policy.compat32)
"""Headers only, with no header objects built: the quick read of a Message-ID."""


@dataclass(frozen=True)
class Mail:
    """A message as a touch: the parts of it that become the logged email."""

    ref: str
    """`mid:` and the Message-ID (or a digest of the message when it has none): the key that logs it once."""
    subject: str
    sender: str
    """The From address, lower case ("" when it has none)."""
    recipients: tuple[str, ...]
    """To, then Cc, lower case, each once."""
    sent_at: dt.datetime | None
    """The Date header as naive UTC; None when it has none that reads."""
    excerpt: str

    @property
    def summary(self) -> str:
        return self.subject or "(no subject)"


def parse_mail(raw: bytes) -> Mail:
    """Read one RFC 822 message from its bytes."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # the default policy builds EmailMessage
    return _read(message, raw)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse: read it as it stands
        raw = [v for k, v in message.raw_items() if k.lower() == name.lower()]
        return str(raw[0]) if raw else ""
    return "" if value is None else str(value)


def one_line(text: str, limit: int) -> str:
    """Whitespace (folded headers, tabs, control characters) as single spaces, cut to `limit` with an ellipsis."""
    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def addresses(message: EmailMessage, *names: str) -> list[str]:
    """The addresses of these headers, in order, lower case, each once."""
    found: list[str] = []
    for name in names:
        try:
            values = [str(v) for v in message.get_all(name) or []]
        except Exception:
            continue
        for _display, address in getaddresses(values):
            address = address.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return found


def _date(message: EmailMessage) -> dt.datetime | None:
    text = _header(message, "Date")
    if not text.strip():
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


_BLOCKS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def strip_html(text: str) -> str:
    """HTML to plain text, simply: scripts and styles dropped, tags removed, entities decoded."""
    text = _BLOCKS.sub(" ", text)
    text = _BREAKS.sub("\n", text)
    return html.unescape(_TAGS.sub("", text))


def _body_text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return ""
    if part is None or not isinstance(part, EmailMessage):
        return ""
    try:
        text = part.get_content()
    except Exception:  # an unknown charset: the bytes as UTF-8, bad ones replaced
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(text, str):
        return ""
    return strip_html(text) if part.get_content_subtype() == "html" else text


def excerpt(text: str, limit: int = EXCERPT_MAX) -> str:
    """The message's own words: quoted lines and everything from the signature or the quoted reply on left out."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == "--" or re.match(r"^On .{4,200} wrote:$", stripped) or stripped.startswith("-----Original"):
            break
        if stripped.startswith(">"):
            continue
        kept.append(stripped)
    return one_line(" ".join(kept), limit)


def mail_ref(raw: bytes) -> str:
    """The key a message is logged once by, from its headers alone (quick: a re-import skips the body).

    `mid:` and its Message-ID; a message without one is known by a digest of its bytes.
    """
    headers = _HEADERS.parsebytes(raw, headersonly=True)
    message_id = " ".join(str(headers.get("Message-ID") or "").split()).strip("<>").strip()
    if message_id and " " not in message_id:
        ref = f"mid:{message_id}"
        if len(ref) <= REF_MAX:
            return ref
        return "mid:sha256:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
    return "mail:sha256:" + hashlib.sha256(raw).hexdigest()


def _read(message: EmailMessage, raw: bytes) -> Mail:
    senders = addresses(message, "From")
    recipients = [a for a in addresses(message, "To", "Cc") if a not in senders[:1]]
    return Mail(
        ref=mail_ref(raw),
        subject=one_line(_header(message, "Subject"), SUMMARY_MAX),
        sender=senders[0] if senders else "",
        recipients=tuple(recipients),
        sent_at=_date(message),
        excerpt=excerpt(_body_text(message)),
    )
