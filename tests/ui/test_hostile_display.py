"""Hostile stored text: whatever another tool or an old import wrote is shown inert, literal and aligned.

The records are written past the validators, straight into the database, as
an old import or another program might have left them: terminal escape
sequences, OSC 52 clipboard writes, cursor moves, C1 controls, bidi
overrides, markup-looking brackets, 10,000-character lines, wide characters
and combining marks. Each screen that shows them is then opened with keys,
and what the terminal would show is checked: no raw control character, the
markup as typed, and every column after a hostile cell where the header says.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.cells import get_character_cell_size
from textual.command import CommandInput
from textual.widgets import Input

from acct_tui.app import AcctApp
from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.models import (
    Account,
    Activity,
    Agent,
    AuditEntry,
    Concern,
    Contact,
    FollowUp,
    Opportunity,
    Product,
    Subscription,
    database_proxy,
)
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.detail_panes import pane as pane_named
from acct_tui.screens.form import FormModal
from acct_tui.screens.help import HelpScreen
from acct_tui.screens.modals import TextModal
from acct_tui.screens.queue import QueueScreen
from acct_tui.screens.today import TodayScreen
from acct_tui.services.context import Ctx
from acct_tui.services.reads.queue import QueueItem
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.text import inert
from tests.conftest import TODAY
from tests.ui.conftest import press, screen_text, settle

PAYLOADS: dict[str, str] = {
    "plain": "Plain Text",  # the reference row: what every other row must line up with
    "escape": "Red\x1b[31mAlert\x1b[0m",
    "osc": "Clip\x1b]52;c;ZWNobyBvd25lZA==\x07board",
    "cursor": "Move\x1b[2J\x1b[10;10HCursor",
    "cone": "Cone\x9b31m\x85Ctl",
    "bidi": "Bidi\u202egnp.exe",
    "markup": "[bold]Bold[/bold] [link=https://evil.example]click[/link] [/]",
    "long": "Long" + "x" * 10_000,
    "wide": "株式会社カワサキ🚀重工業",
    "combining": "Zalgo Z\u0337\u031b\u0317a\u0338l\u0336g\u0335o\u0334 e\u0301",
}
HOSTILE_AGENT = "Alex\x1b[2J[bold]Okafor[/]\u202e"
RAW = (
    frozenset(chr(code) for code in range(0x20) if chr(code) != "\n")
    | frozenset(chr(code) for code in range(0x7F, 0xA0))
    | frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029")
)
"""What must never reach the terminal from stored text: C0 and C1 controls, DEL, bidi controls."""
SIZES = ((120, 40), (80, 24))


def _plant(ctx: Ctx) -> dict[str, int]:
    """Hostile text in every field the screens show, written past the validators; key -> account id."""
    ids: dict[str, int] = {}
    for key in PAYLOADS:
        account_id = accounts.create_account(
            ctx, {"name": f"Hostile {key}", "tier": "gold", "arr": "1000", "industry": "Tools", "domain": f"{key}.io"}
        )
        contact_id = accounts.add_contact(ctx, account_id, {"name": f"Contact {key}", "role": "CFO"})
        followups.log_activity(
            ctx, account_id, {"kind": "call", "summary": f"Summary {key}"}, contact_id=contact_id, occurred_on="today"
        )
        followups.add_followup(ctx, account_id, {"title": f"Title {key}", "due_on": "today"})
        accounts.add_concern(ctx, account_id, {"title": f"Concern {key}", "severity": "high", "ticket_ref": "SUP-1"})
        accounts.add_opportunity(ctx, account_id, {"title": f"Upsell {key}", "kind": "upsell", "amount": "500"})
        ids[key] = account_id
    with database_proxy.connection_context(), database_proxy.atomic():
        # As another program would: plain SQL, no validation.
        database_proxy.execute_sql("UPDATE agent SET name = ? WHERE login = ?", (HOSTILE_AGENT, "alex"))
        alex = Agent.get(Agent.login == "alex")
        manager = Agent.get(Agent.login == "manager")
        for key, account_id in ids.items():
            text = PAYLOADS[key]
            Account.update(name=f"Hostile {text}", industry=text, domain=text, notes=text).where(
                Account.id == account_id
            ).execute()
            Contact.update(name=text).where(Contact.account == account_id).execute()
            Activity.update(summary=text, body=f"{text}\n{text}").where(Activity.account == account_id).execute()
            FollowUp.update(title=text, notes=text, snooze_reason=text).where(FollowUp.account == account_id).execute()
            Concern.update(title=text, detail=text).where(Concern.account == account_id).execute()
            Opportunity.update(title=text).where(Opportunity.account == account_id).execute()
            product = Product.create(name=f"{text} {key}")
            Subscription.create(account=account_id, product=product, unit_price=Decimal(10), start_on=TODAY)
            AuditEntry.create(
                change_id=str(uuid.uuid4()),
                agent=manager,
                account=account_id,
                entity="account",
                entity_id=account_id,
                action="update",
                summary=text,
                before=json.dumps({"industry": text}),
                after=json.dumps({"industry": "Tools"}),
            )
        # Someone else's hostile name, as an owner and on the timeline.
        Account.update(owner=alex).where(Account.id == ids["cursor"]).execute()
        Activity.update(agent=alex).where(Activity.account == ids["cursor"]).execute()
    return ids


@pytest.fixture
def hostile(demo_ctx: Ctx) -> dict[str, int]:
    """The demo database with one hostile account per payload (and a hostile colleague); key -> account id."""
    return _plant(demo_ctx)


# Reading the screen ---------------------------------------------------------------


def cells(line: str) -> list[str]:
    """A line as the terminal's cells: a wide character fills two (the second empty), a combining mark joins its base."""
    out: list[str] = []
    for char in line:
        width = get_character_cell_size(char)
        if width == 0 and out:
            out[-1] += char
        else:
            out.append(char)
            out.extend([""] * (width - 1))
    return out


def at(line: str, x: int, width: int) -> str:
    """What the terminal shows from column `x`, `width` cells wide."""
    return "".join(cells(line)[x : x + width])


def start(value: str, width: int = 4) -> str:
    """The first `width` cells of a stored value as the screen shows it."""
    return "".join(cells(inert(value))[:width])


def flat(text: str) -> str:
    """The screen with its line breaks and spaces taken out, to find text the terminal wrapped."""
    return re.sub(r"\s", "", text)


def assert_inert(text: str, where: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in text if c in RAW})
    assert not raw, f"{where}: raw control characters reached the screen: {raw}\n{text}"


def header_of(lines: list[str], labels: Iterable[str]) -> tuple[int, dict[str, int]]:
    """The list's header line (the line naming most of `labels`) and the screen column of each label it shows."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for index, line in enumerate(lines):
        shown = "".join(cells(line))
        positions: dict[str, int] = {}
        for label in labels:
            found = re.search(rf"(?<!\S){re.escape(label)}(?!\S)", shown)
            if found:
                positions[label] = len(cells(shown[: found.start()]))
        if len(positions) > len(best[1]):
            best = (index, positions)
    assert len(best[1]) >= 2, f"no header naming {list(labels)}:\n" + "\n".join(lines)
    return best


def assert_aligned(text: str, width: int, rows: dict[str, str], expect: dict[str, Callable[[str], str]]) -> None:
    """Each row shows each column's value at the screen column where the header puts the column.

    `rows` maps a row key to text that picks its line out below the header;
    `expect` maps a column label to the start of what the column holds for a
    key, or to "" for "the same as the first row" (the reference). Columns
    the terminal is too narrow for are skipped; every row is exactly `width`
    cells, so nothing pushed the end of a line off the screen or pulled it in.
    """
    lines = text.splitlines()
    header, columns = header_of(lines, expect)
    body = lines[header + 1 :]
    edges = [*sorted(columns.values()), width]
    reference: str | None = None
    for key, picker in rows.items():
        found = [line for line in body if picker in "".join(cells(line))]
        assert found, f"no row for {key!r} ({picker!r}) below the header:\n{text}"
        line = found[0]
        reference = reference or line
        assert len(cells(line)) == width, f"{key}: the row is {len(cells(line))} cells, not {width}:\n{line}"
        for label, x in columns.items():
            want = expect[label](key)
            if not want:
                span = next(edge for edge in edges if edge > x) - x
                want = at(reference, x, span)
            shown = at(line, x, len(cells(want)))
            assert shown == want, (
                f"{key}: column {label!r} at {x} shows {shown!r}, not {want!r}:\n{lines[header]}\n{line}"
            )
            if x:
                assert at(line, x - 1, 1) == " ", f"{key}: something runs into column {label!r}:\n{line}"


async def _filter(app: AcctApp, pilot: Any, words: str) -> None:
    await press(app, pilot, "slash", *[("space" if c == " " else c) for c in words], "enter")


# The views ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_portfolio_filter_and_help_show_hostile_names_inert_and_aligned(
    make_app: Callable[..., AcctApp], hostile: dict[str, int], size: tuple[int, int]
) -> None:
    """The filtered portfolio shows each hostile name inert, its markup literal, and every later column in line."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await _filter(app, pilot, "hostile")
        text = screen_text(app)
        assert_inert(text, "portfolio")
        assert f"{len(PAYLOADS)} shown" in text
        for shown in (
            "Hostile Red␛[31mAl",
            "Hostile Clip␛]52;c;",
            "Hostile Cone�31m�",
            "Hostile Bidi�gnp",
            "Hostile [bold]Bold",
        ):
            assert shown in text
        assert_aligned(
            text,
            size[0],
            {key: "Hostile " + start(PAYLOADS[key]) for key in PAYLOADS},
            {
                "Account": lambda key: "Hostile " + start(PAYLOADS[key]),
                "Tier": lambda key: "gold",
                "Health": lambda key: "",
                "ARR": lambda key: "",
                "Renewal": lambda key: "",
                "Last touch": lambda key: "today",
                "Follow-up": lambda key: "",
                "Owner": lambda key: start(HOSTILE_AGENT) if key == "cursor" else "Demo",
            },
        )
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert_inert(screen_text(app), "help")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_queue_rows_and_detail_line_are_inert_and_aligned(
    make_app: Callable[..., AcctApp], hostile: dict[str, int], size: tuple[int, int]
) -> None:
    """Every queue row, and each hostile item's detail line as the cursor passes, is inert; the columns stay in line."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        passed: set[str] = set()
        for _ in range(screen.list.row_count):
            item = screen.list.current
            if isinstance(item, QueueItem) and item.account_name.startswith("Hostile"):
                key = next(k for k, v in PAYLOADS.items() if item.title == v)
                passed.add(key)
                text = screen_text(app)
                assert_inert(text, f"queue with {key} highlighted")
                if key != "long":  # the detail line holds the whole title, markup as typed
                    assert flat(inert(PAYLOADS[key])) in flat(text)
                band = f"{item.health_band.symbol} "
                assert_aligned(
                    text,
                    size[0],
                    {key: "Hostile " + start(PAYLOADS[key])},
                    {
                        "Due": lambda key: "today",
                        "Priority": lambda key: "normal",
                        "Health": lambda key, band=band: band,
                        "Account": lambda key: "Hostile " + start(PAYLOADS[key]),
                        "Kind": lambda key: "check-in",
                        "Follow-up": lambda key: start(PAYLOADS[key]),
                        "Assignee": lambda key: "Demo",
                    },
                )
            await pilot.press("j")  # the detail line follows the cursor at once: no worker to wait for
        assert passed == set(PAYLOADS)


async def test_done_with_outcome_prefills_the_title_inert(
    make_app: Callable[..., AcctApp], hostile: dict[str, int]
) -> None:
    """`D` on a hostile follow-up: the summary field holds its title with visible stand-ins, not raw escapes."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        for _ in range(screen.list.row_count):
            current = screen.list.current
            if isinstance(current, QueueItem) and current.title == PAYLOADS["cursor"]:
                break
            await pilot.press("j")
        await press(app, pilot, "D")
        assert isinstance(app.screen, FormModal)
        text = screen_text(app)
        assert_inert(text, "done form")
        assert "Done: Move␛[2J␛[10;10HCursor" in text


# Client detail: every pane --------------------------------------------------------

PANES: dict[str, dict[str, Callable[[str], str]]] = {
    "Timeline": {
        "When": lambda key: "27 Nov 2026",
        "Kind": lambda key: "call",
        "Who": lambda key: start(HOSTILE_AGENT) if key == "cursor" else "Demo",
        "With": lambda key: start(PAYLOADS[key]),
        "Summary": lambda key: start(PAYLOADS[key]),
    },
    "Follow-ups": {
        "Due": lambda key: "today",
        "Kind": lambda key: "check-in",
        "Priority": lambda key: "normal",
        "Follow-up": lambda key: start(PAYLOADS[key]),
        "Assignee": lambda key: "Demo",
    },
    "Contacts": {
        "Name": lambda key: start(PAYLOADS[key]),
        "Role": lambda key: "CFO",
    },
    "Concerns": {
        "Severity": lambda key: "high",
        "Status": lambda key: "open",
        "Concern": lambda key: start(PAYLOADS[key]),
        "Ticket": lambda key: "SUP-1",
    },
    "Opportunities": {
        "Stage": lambda key: "identified",
        "Kind": lambda key: "upsell",
        "Opportunity": lambda key: start(PAYLOADS[key]),
    },
    "Products": {
        "Product": lambda key: start(PAYLOADS[key]),
        "Since": lambda key: "27 Nov 2026",
        "Renews": lambda key: "—",
        "Status": lambda key: "active",
    },
    "History": {
        "Who": lambda key: "Demo",
        "What": lambda key: start(PAYLOADS[key]),
        "Changed": lambda key: "industry: " + start(PAYLOADS[key]),
    },
}
DETAIL_KEYS = {
    # Every kind once: `cursor` stands for the C0 escapes (`escape`, `osc` show the same way on the lists above).
    (120, 40): ("plain", "cursor", "cone", "bidi", "markup", "long", "wide", "combining"),
    (80, 24): ("long", "wide", "combining"),
}


@pytest.mark.slow  # 5-20 s each on 2 cores
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_client_detail_every_pane_is_inert_and_aligned(
    make_app: Callable[..., AcctApp], hostile: dict[str, int], size: tuple[int, int]
) -> None:
    """The card, every pane (right through them all, left back), the full entry and the edit form: inert, in line."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in DETAIL_KEYS[size]:
            app.open_account(hostile[key])
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, AccountScreen)
            text = screen_text(app)
            assert_inert(text, f"the card of {key}")
            card = [line for line in text.splitlines()[1:10] if start(PAYLOADS[key]) in "".join(cells(line))]
            assert card and "Hostile" in text, text
            assert "Owner " in text and "Last touch today" in text, text  # a runaway name leaves the card readable
            order = [*PANES, "Timeline"]
            for step, pane in enumerate(order):
                text = screen_text(app)
                assert_inert(text, f"the {pane} pane of {key}")
                assert pane_named(screen.pane).title == pane
                assert_aligned(text, size[0], {key: start(PAYLOADS[key])}, PANES[pane])
                if step < len(PANES) - 1:
                    await pilot.press("right")
                elif step == len(PANES) - 1:
                    await pilot.press("left", "right", "right")  # history, timeline (wrapping round) by both arrows
                await pilot.pause()  # a pane draws from what is loaded: no worker to wait for
            await press(app, pilot, "enter")
            assert isinstance(app.screen, TextModal)
            assert_inert(screen_text(app), f"the entry of {key}")
            await press(app, pilot, "escape", "e")
            assert isinstance(app.screen, FormModal)
            assert_inert(screen_text(app), f"the edit form of {key}")
            await press(app, pilot, "escape")
            await press(app, pilot, "escape")
            assert not isinstance(app.screen, AccountScreen)


async def test_editing_one_field_leaves_hostile_stored_text_as_it_was(
    make_app: Callable[..., AcctApp], hostile: dict[str, int]
) -> None:
    """The edit form shows stored escapes as stand-ins, flags nothing left alone, and saving ARR writes only ARR."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_account(hostile["escape"])
        await settle(app, pilot)
        await press(app, pilot, "e")
        form = app.screen
        assert isinstance(form, FormModal)
        text = screen_text(app)
        assert_inert(text, "edit form")
        assert "Hostile Red␛[31mAlert␛[0m" in text
        assert "escape character" not in text
        form.query_one("#field-arr", Input).value = "2500"
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, AccountScreen), screen_text(app)
    with reading():
        account = Account.get_by_id(hostile["escape"])
    assert account.arr == Decimal("2500")
    assert account.name == f"Hostile {PAYLOADS['escape']}"
    assert account.industry == account.domain == account.notes == PAYLOADS["escape"]


@pytest.mark.slow  # 5-20 s each on 2 cores
async def test_today_walk_cards_are_inert_and_literal(
    make_app: Callable[..., AcctApp], hostile: dict[str, int]
) -> None:
    """Every card of the walk, with its last touches, shows stored text inert and markup as typed."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "3")
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        seen: set[str] = set()
        for _ in range(len(screen.items)):
            item = screen.current
            assert item is not None
            text = screen_text(app)
            assert_inert(text, f"walk card {screen.index + 1}")
            key = next((k for k, v in PAYLOADS.items() if item.account_name == f"Hostile {v}"), None)
            if key is not None:
                seen.add(key)
                shown = inert(PAYLOADS[key])
                if key != "long":  # name, follow-up title, its notes, the last touch and its contact
                    assert flat(text).count(flat(shown)) >= 5, text
                    assert "Last touches" in text
            await pilot.press("n")
            await settle(app, pilot, rounds=2)
        assert seen == set(PAYLOADS)
        assert "Walk finished" in screen_text(app)


@pytest.mark.slow  # 5-20 s each on 2 cores
async def test_palette_jump_shows_hostile_accounts_inert_and_opens_them(
    make_app: Callable[..., AcctApp], hostile: dict[str, int]
) -> None:
    """ctrl+p finds each hostile account; its hit and help line are inert and literal; enter opens it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key, account_id in hostile.items():
            await press(app, pilot, "ctrl+p")
            # Typing is tested elsewhere; the search box filled at once keeps this test quick.
            app.screen.query_one(CommandInput).value = f"hostile {key}"
            await settle(app, pilot, rounds=5)
            text = screen_text(app)
            assert_inert(text, f"the palette for {key}")
            shown = "".join(cells(text))
            assert "Open account: Hostile " + start(PAYLOADS[key]) in shown, text
            assert "gold · " + start(PAYLOADS[key]) in shown, text
            if key == "markup":  # the help line's industry, not read as markup
                assert f"gold · {PAYLOADS['markup']} · owner" in text
            await press(app, pilot, "enter")
            assert isinstance(app.screen, AccountScreen) and app.screen.account_id == account_id
            await press(app, pilot, "escape")


# The command line -------------------------------------------------------------------


def _cli(tmp_path: Path, *argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--db", str(tmp_path / "demo.db"), "--agent", "manager", *argv], clock=FixedClock.on(TODAY))
    assert code == 0
    return out.getvalue()


def _columns(lines: list[str], text: str) -> set[int]:
    """The terminal column where `text` starts, in each line."""
    return {len(cells(line[: line.rindex(text)])) for line in lines}


def test_cli_text_output_is_inert_and_aligned(hostile: dict[str, int], tmp_path: Path) -> None:
    """`acct-tui queue`, `portfolio` and `brief` print stored text inert, and the column after a name stays in line."""
    queue = _cli(tmp_path, "queue")
    assert_inert(queue, "acct-tui queue")
    lines = [line for line in queue.splitlines() if "Hostile" in line]
    assert len(lines) == len(PAYLOADS)
    assert "Move␛[2J␛[10;10HCursor" in queue and PAYLOADS["markup"] in queue
    titles = set()
    for stored in PAYLOADS.values():
        line = next(line for line in lines if f"Hostile {start(stored)}" in line)
        titles.add(len(cells(line[: line.rindex(inert(stored))])))
    assert len(titles) == 1, "\n".join(lines)

    portfolio = _cli(tmp_path, "portfolio", "--filter", "hostile")
    assert_inert(portfolio, "acct-tui portfolio")
    lines = [line for line in portfolio.splitlines() if "Hostile" in line]
    assert len(lines) == len(PAYLOADS)
    assert "Hostile [bold]Bold[/bold]" in portfolio and "Hostile Red␛[31mAlert␛[0m" in portfolio
    assert len(_columns(lines, "1,000 USD")) == 1, portfolio

    for key in ("escape", "osc", "cone", "bidi", "wide", "long"):
        assert_inert(_cli(tmp_path, "brief", str(hostile[key])), f"acct-tui brief for {key}")
    assert "# Hostile Red␛\\[31mAlert␛\\[0m" in _cli(tmp_path, "brief", str(hostile["escape"]))


def test_planted_records_hold_the_raw_characters(hostile: dict[str, int]) -> None:
    """The records really hold raw controls (the other tests would pass on clean data)."""
    with reading():
        assert Account.get_by_id(hostile["escape"]).name == "Hostile Red\x1b[31mAlert\x1b[0m"
        assert Contact.get(Contact.account == hostile["cone"]).name == PAYLOADS["cone"]
        assert Activity.get(Activity.account == hostile["osc"]).summary == PAYLOADS["osc"]
        assert FollowUp.get(FollowUp.account == hostile["bidi"]).title == PAYLOADS["bidi"]
        assert len(Account.get_by_id(hostile["long"]).name) > 10_000
        assert Agent.get(Agent.login == "alex").name == HOSTILE_AGENT
