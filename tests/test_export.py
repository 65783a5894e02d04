"""Exports: CSV and JSON views, the .ics calendar and the Markdown brief, all through the scoping rule."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from acct_tui.services.context import Ctx
from acct_tui.services.errors import NotFound, ValidationError
from acct_tui.services.io.brief import account_brief, md
from acct_tui.services.io.calendar import calendar, ics_fold
from acct_tui.services.io.exports import (
    csv_cell,
    export_portfolio,
    export_queue,
    export_timeline,
    find_account,
)
from acct_tui.services.reads.portfolio import PortfolioQuery, QuickFilter
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import add_agent
from tests.conftest import days


def _setup(ctx: Ctx) -> dict[str, int]:
    acme = accounts.create_account(ctx, {"name": "Acme, Inc", "tier": "gold", "arr": "120000", "satisfaction": "4"})
    evil = accounts.create_account(ctx, {"name": '=HYPERLINK("http://x")', "arr": "5", "notes": "# Title\n- [x](y)"})
    accounts.add_contact(ctx, acme, {"name": "Jane *Doe*", "role": "CEO", "email": "jane@acme.com"})
    accounts.add_concern(ctx, acme, {"title": "Invoice <b>double</b> charged", "severity": "high"})
    accounts.add_opportunity(ctx, acme, {"title": "More seats", "amount": "20000"})
    followups.log_activity(ctx, acme, {"kind": "call", "summary": "QBR; went well, mostly"}, occurred_on=days(-3))
    followups.add_followup(
        ctx, acme, {"title": "Send quote, with the discount; and a note that is long " * 3, "due_on": days(2),
                    "priority": "high", "notes": "Ask for\nthe PO"}
    )  # fmt: skip
    followups.add_followup(ctx, evil, {"title": "Chase 日本語 payment", "due_on": days(-1)})
    return {"acme": acme, "evil": evil}


def test_portfolio_csv_is_safe_and_round_trips(ctx: Ctx) -> None:
    """CSV cells that would run as formulas get an apostrophe; everything else reads back as stored."""
    _setup(ctx)
    out = io.StringIO()
    count = export_portfolio(ctx, PortfolioQuery(), "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == 2 and len(rows) == 2
    names = {r["name"] for r in rows}
    assert names == {"Acme, Inc", '\'=HYPERLINK("http://x")'}
    acme = next(r for r in rows if r["name"] == "Acme, Inc")
    assert acme["arr"] == "120000.00" and acme["tier"] == "gold"
    assert out.getvalue().count("\r\n") == 3


def test_portfolio_export_follows_the_filter(ctx: Ctx) -> None:
    """The export holds what the filtered view shows, and JSON keeps types readable."""
    _setup(ctx)
    out = io.StringIO()
    assert export_portfolio(ctx, PortfolioQuery(text="acme"), "json", out) == 1
    data = json.loads(out.getvalue())
    assert [a["name"] for a in data["accounts"]] == ["Acme, Inc"] and data["filter"] == "acme"
    assert data["accounts"][0]["arr"] == "120000.00"
    out = io.StringIO()
    assert export_portfolio(ctx, PortfolioQuery(quick=QuickFilter.RENEWING), "csv", out) == 0


def test_exports_only_hold_what_the_agent_may_see(ctx: Ctx, clock: Any) -> None:
    """Another agent's export holds none of this agent's accounts, and a hidden timeline is not found."""
    ids = _setup(ctx)
    other = Ctx(agent=add_agent(ctx, "sam"), clock=clock)
    out = io.StringIO()
    assert export_portfolio(other, PortfolioQuery(), "csv", out) == 0
    assert export_queue(other, "json", io.StringIO()) == 0
    with pytest.raises(NotFound):
        export_timeline(other, ids["acme"], "csv", io.StringIO())
    with pytest.raises(NotFound):
        find_account(other, "Acme, Inc")
    assert "BEGIN:VEVENT" not in calendar(other)


def test_queue_and_timeline_exports(ctx: Ctx) -> None:
    """The queue lists every section's items; the timeline lists the account's activities newest first."""
    ids = _setup(ctx)
    out = io.StringIO()
    assert export_queue(ctx, "csv", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["section"] for r in rows] == ["overdue", "upcoming"]
    out = io.StringIO()
    assert export_timeline(ctx, ids["acme"], "json", out) == 1
    assert json.loads(out.getvalue())["activities"][0]["summary"] == "QBR; went well, mostly"


def test_calendar_is_valid_icalendar(ctx: Ctx) -> None:
    """The .ics parses with the icalendar package: CRLF, folded lines, escaped text, all-day dates, UIDs."""
    icalendar = pytest.importorskip("icalendar")
    _setup(ctx)
    text = calendar(ctx)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    parsed = icalendar.Calendar.from_ical(text)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 2
    quote = next(e for e in events if "Send quote" in str(e["SUMMARY"]))
    assert str(quote["SUMMARY"]).startswith("Send quote, with the discount; and a note")
    assert "Ask for\nthe PO" in str(quote["DESCRIPTION"])
    assert quote.decoded("DTSTART").isoformat() == days(2)
    assert str(quote["UID"]).startswith("followup-") and quote["DTSTAMP"]
    assert int(quote["PRIORITY"]) == 3


def test_ics_folding_never_splits_a_character() -> None:
    """Folding counts octets and keeps multi-byte characters whole."""
    line = "SUMMARY:" + "日本語" * 40
    folded = ics_fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts) and "".join(parts) == line


def test_brief_has_the_card_health_factors_and_open_work(ctx: Ctx) -> None:
    """The brief shows the health score with the factors behind it, contacts, follow-ups, concerns, touches."""
    ids = _setup(ctx)
    text = account_brief(ctx, ids["acme"])
    assert text.startswith("# Acme, Inc\n")
    assert "## Health: " in text and "Contact recency" in text and "Satisfaction: 4/10" in text
    assert "Open concerns: 1 high" in text
    assert "**Jane \\*Doe\\***" in text
    assert "Invoice \\<b\\>double\\</b\\> charged" in text
    assert "More seats" in text and "QBR; went well, mostly" in text and "Send quote" in text


def test_brief_escapes_markup_in_stored_text(ctx: Ctx) -> None:
    """Headings, links and lists typed into a record stay text in the brief."""
    ids = _setup(ctx)
    text = account_brief(ctx, ids["evil"])
    assert "> \\# Title" in text and "> \\- \\[x\\](y)" in text
    assert md("1. step") == "1\\. step" and md("a|b") == "a\\|b"


def test_find_account_by_id_or_exact_name(ctx: Ctx) -> None:
    """An id or an exact name finds the account; an ambiguous name lists the candidates."""
    ids = _setup(ctx)
    assert find_account(ctx, str(ids["acme"])) == ids["acme"]
    assert find_account(ctx, "acme, inc") == ids["acme"]
    twin = accounts.create_account(ctx, {"name": "Acme, Inc"}, force=True)
    with pytest.raises(ValidationError, match=f"#{twin}"):
        find_account(ctx, "Acme, Inc")


def test_find_account_takes_an_unambiguous_start_of_the_name_in_any_case(ctx: Ctx) -> None:
    """`kestrel` finds "Kestrel Freight" when it is the only name so starting; two such names are listed."""
    freight = accounts.create_account(ctx, {"name": "Kestrel Freight"})
    assert find_account(ctx, "kestrel") == freight
    assert find_account(ctx, "KESTREL FR") == freight
    assert find_account(ctx, "kestrel freight") == freight
    pharma = accounts.create_account(ctx, {"name": "Kestrel Pharma"})
    with pytest.raises(ValidationError) as caught:
        find_account(ctx, "Kestrel")
    assert f"#{freight} Kestrel Freight" in caught.value.message and f"#{pharma} Kestrel Pharma" in caught.value.message
    assert "2 names start with 'Kestrel'" in caught.value.message
    assert find_account(ctx, "kestrel p") == pharma


def test_find_account_says_did_you_mean_for_a_near_miss(ctx: Ctx) -> None:
    """A misspelt name is not found, and the refusal names the visible account it most likely meant."""
    accounts.create_account(ctx, {"name": "Kestrel Freight"})
    with pytest.raises(NotFound, match=r"did you mean Kestrel Freight\?"):
        find_account(ctx, "Kestral Freight")
    with pytest.raises(NotFound, match="portfolio --filter"):
        find_account(ctx, "Zebra")


def test_duplicate_account_names_are_refused_unless_forced(ctx: Ctx) -> None:
    """A second "acme, inc" (any case) is refused on the name field, on create and on rename; force keeps both."""
    ids = _setup(ctx)
    with pytest.raises(ValidationError) as caught:
        accounts.create_account(ctx, {"name": "ACME, INC"})
    assert caught.value.field == "name" and "already called 'Acme, Inc'" in caught.value.message
    other = accounts.create_account(ctx, {"name": "Other"})
    with pytest.raises(ValidationError, match="already called"):
        accounts.edit_account(ctx, other, 1, {"name": "acme, inc"})
    # Renaming an account to its own name in another case is no clash.
    accounts.edit_account(ctx, ids["acme"], 1, {"name": "ACME, Inc"})
    accounts.edit_account(ctx, other, 1, {"name": "acme, inc"}, force_name=True)
    assert accounts.create_account(ctx, {"name": "Acme, INC"}, force=True)


def test_calendar_uids_carry_the_database_id(ctx: Ctx) -> None:
    """UIDs read followup-N@<database id>.acct-tui, the id made once and kept, so two databases never collide."""
    from acct_tui.services.io.calendar import database_id

    _setup(ctx)
    first = calendar(ctx)
    ident = database_id()
    assert len(ident) == 16 and database_id() == ident
    uids = [line for line in first.split("\r\n") if line.startswith("UID:")]
    assert uids and all(line.endswith(f"@{ident}.acct-tui") for line in uids)
    assert calendar(ctx).count(ident) == len(uids)


def test_csv_cells_are_never_formulas_or_controls() -> None:
    """Every cell starting like a formula is prefixed; control characters are made visible."""
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text).startswith("'")
    assert csv_cell(-5) == "-5" and csv_cell("a\x1bb") == "a\u241bb" and csv_cell("two\nlines") == "two\nlines"
