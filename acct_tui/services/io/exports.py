"""Data out: CSV and JSON of the portfolio, the queue and a timeline (the .ics calendar is `calendar`,
the Markdown brief `brief`).

Everything goes through the scoping rule: an export holds only what the
agent may see (the services it reads from are scoped). Stored text is
written faithfully but never so it can act where it lands: a CSV cell that
a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets
a leading apostrophe, Markdown punctuation is escaped, and any control
character (which validation keeps out of the database anyway) is shown as
its visible Unicode picture.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO

from acct_tui.models import Account
from acct_tui.services.context import Ctx
from acct_tui.services.domain.validation import record_number
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.reads.portfolio import (
    PortfolioQuery,
    PortfolioRow,
    portfolio_after,
    portfolio_count,
    portfolio_rows,
)
from acct_tui.services.reads.queue import Queue, followup_queue
from acct_tui.services.store.scope import scoped
from acct_tui.services.store.unit import reading
from acct_tui.text import json_text

ExportProgress = Callable[[int, int], None]
FORMATS = ("csv", "json")
PAGE = 5000

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "␡" if code == 0x7F else "\ufffd"


def scrub(text: str) -> str:
    """The text with control and bidi characters made visible (line breaks and tabs kept)."""
    return _CONTROL.sub(_picture, text)


def csv_cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet will show, never run."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = scrub(str(value))
    if text.startswith(_FORMULA_START):
        text = "'" + text
    # A bare CR inside a cell returns the terminal's cursor (or splits the row
    # for a careless reader): line breaks in a cell are written as LF only.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def plain(value: object) -> Any:
    """A value as JSON holds it: dates as ISO text, amounts as strings, enums as their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


def write_json(out: TextIO, payload: object) -> None:
    out.write(json_text(plain(payload), indent=2))
    out.write("\n")


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError(f"{fmt!r} is not an export format; use csv or json", "format")
    return fmt


# Portfolio -------------------------------------------------------------------

PORTFOLIO_COLUMNS = ("id", "name", "tier", "industry", "health_score", "health_band", "arr", "currency",
                     "renewal_on", "last_touch_on", "next_followup_on", "owner_login", "owner_name",
                     "open_concerns", "overdue_followups", "touch_due_on")  # fmt: skip


def iter_portfolio(ctx: Ctx, query: PortfolioQuery, progress: ExportProgress | None = None) -> Iterator[PortfolioRow]:
    """Every row of the portfolio as filtered and sorted, a page at a time (each page an index seek
    from the last row of the one before, so the millionth row costs what the first did)."""
    total = portfolio_count(ctx, query)
    done = 0
    rows = portfolio_rows(ctx, query, 0, PAGE)
    while rows:
        yield from rows
        done += len(rows)
        if progress:
            progress(min(done, total), total)
        if len(rows) < PAGE:
            return
        rows = portfolio_after(ctx, query, rows[-1].key, PAGE)


def export_portfolio(
    ctx: Ctx,
    query: PortfolioQuery,
    fmt: str,
    out: TextIO,
    progress: ExportProgress | None = None,
    *,
    only: Collection[int] | None = None,
) -> int:
    """Write the filtered portfolio as CSV or JSON (with `only`, just those accounts: the marked ones);
    returns the number of accounts."""
    _check_format(fmt)
    rows = iter_portfolio(ctx, query, progress)
    if only is not None:
        wanted = set(only)
        rows = (row for row in rows if row.id in wanted)
    if fmt == "csv":
        return write_csv(out, PORTFOLIO_COLUMNS, ([getattr(r, c) for c in PORTFOLIO_COLUMNS] for r in rows))
    records = [dataclasses.asdict(r) for r in rows]
    write_json(
        out,
        {"agent": ctx.agent.login, "today": ctx.today, "filter": query.text, "quick": query.quick,
         "mine": query.mine, "sort": query.sort, "descending": query.descending, "accounts": records},
    )  # fmt: skip
    return len(records)


# Queue -----------------------------------------------------------------------

QUEUE_COLUMNS = ("section", "id", "due_on", "title", "kind", "priority", "account_id", "account_name",
                 "health_score", "health_band", "assignee_login", "snoozed_until", "snooze_reason", "urgency",
                 "reasons", "notes")  # fmt: skip


def export_queue(ctx: Ctx, fmt: str, out: TextIO, *, days: int = 14, everyone: bool = False) -> int:
    """Write the agent's follow-up queue (or everyone's in scope) as CSV or JSON; returns the item count."""
    _check_format(fmt)
    queue: Queue = followup_queue(ctx, agent_id=None if everyone else -1, upcoming_days=days, limit=1_000_000)
    items = queue.all_items()
    if fmt == "csv":
        return write_csv(
            out,
            QUEUE_COLUMNS,
            ([section, *(getattr(i, c) for c in QUEUE_COLUMNS[1:-2]), "; ".join(i.reasons), i.notes]
             for section, i in items),
        )  # fmt: skip
    write_json(
        out,
        {"agent": ctx.agent.login, "today": queue.today, "counts": queue.counts,
         "sections": {name: [dataclasses.asdict(i) for i in queue.section(name)] for name in queue.SECTIONS}},
    )  # fmt: skip
    return len(items)


# Timeline --------------------------------------------------------------------

TIMELINE_COLUMNS = ("id", "occurred_at", "kind", "direction", "agent", "contact", "summary", "outcome", "body")


def iter_timeline(ctx: Ctx, account_id: int) -> Iterator[Any]:
    from acct_tui.services.reads.detail import timeline_page

    before = None
    while True:
        page = timeline_page(ctx, account_id, before=before, limit=500)
        yield from page
        if len(page) < 500:
            return
        before = (page[-1].occurred_at, page[-1].id)


def export_timeline(ctx: Ctx, account_id: int, fmt: str, out: TextIO) -> int:
    """Write an account's timeline, newest first; NotFound outside the agent's scope."""
    from acct_tui.services.reads.detail import account_name

    _check_format(fmt)
    name = account_name(ctx, account_id)
    items = iter_timeline(ctx, account_id)
    if fmt == "csv":
        return write_csv(out, TIMELINE_COLUMNS, ([getattr(i, c) for c in TIMELINE_COLUMNS] for i in items))
    records = [dataclasses.asdict(i) for i in items]
    write_json(out, {"account_id": account_id, "account": name, "activities": records})
    return len(records)


# Finding an account by what a person types -----------------------------------


def _id_or_none(text: str) -> int | None:
    """The account id `text` spells; None for a name, or a number too big to be any record's id
    (an account may still be called that)."""
    try:
        return record_number(text)
    except ValidationError:
        return None


def find_account(ctx: Ctx, text: str) -> int:
    """An account id from what a person types, among the accounts they may see.

    In order: an id (`12`, `#12`); the whole name, case ignored; an external id;
    the start of exactly one name (`kestrel` for "Kestrel Freight"). Several
    names starting so are listed to choose from; nothing close gets "did you mean".
    """
    wanted = str(text or "").strip()
    if not wanted:
        raise ValidationError("name an account (its id or its name)", "account")
    folded = wanted.casefold()
    with reading():
        account_id = _id_or_none(wanted)
        if account_id is not None:
            found = scoped(Account.select(Account.id).where(Account.id == account_id), ctx.agent).first()
            if found is not None:
                return account_id
        query = scoped(Account.select(Account.id, Account.name), ctx.agent)
        matches = list(query.where(Account.sort_name == folded).order_by(Account.id).limit(11).tuples())
        if not matches:
            matches = list(query.where(Account.external_id == wanted).order_by(Account.id).limit(11).tuples())
        if not matches:
            starting = query.where(Account.sort_name.startswith(folded))
            prefixed = list(starting.order_by(Account.sort_name, Account.id).limit(11).tuples())
            if len(prefixed) == 1:
                return int(prefixed[0][0])
            if prefixed:
                raise ValidationError(f"{_several(prefixed, f'names start with {wanted[:80]!r}')}", "account")
            if re.fullmatch(r"#?[0-9]+", wanted):
                raise NotFound(f"account {wanted!r} not found: no account you can see has that id or name")
            raise NotFound(f"no account you can see is called {wanted[:80]!r}{_did_you_mean(ctx, folded)}")
    if len(matches) == 1:
        return int(matches[0][0])
    raise ValidationError(_several(matches, f"accounts are called {wanted[:80]!r}"), "account")


def _several(matches: Sequence[tuple[int, str]], what: str) -> str:
    shown = ", ".join(f"#{account_id} {scrub(name)}" for account_id, name in matches[:10])
    more = " and more" if len(matches) > 10 else ""
    count = "more than 10" if len(matches) > 10 else str(len(matches))
    return f"{count} {what}: {shown}{more}; give the id"


def _did_you_mean(ctx: Ctx, folded: str) -> str:
    """`; did you mean Kestrel Freight?` from the visible names sharing the typed name's first letters."""
    import difflib

    lead = folded[:2]
    query = scoped(Account.select(Account.name, Account.sort_name), ctx.agent)
    names = dict(
        (sort_name, name) for name, sort_name in query.where(Account.sort_name.startswith(lead)).limit(2000).tuples()
    )
    close = difflib.get_close_matches(folded, list(names), n=3, cutoff=0.6)
    if not close:
        return "; give its id or its name (see acct-tui portfolio --filter WORDS)"
    return "; did you mean " + " or ".join(scrub(names[c]) for c in close) + "?"
