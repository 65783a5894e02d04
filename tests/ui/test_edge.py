"""The edge, driven with real keys: remapped keys, the `:` command line, the what-if view, contexts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from acct_tui.app import AcctApp
from acct_tui.cli import main
from acct_tui.clock import FixedClock
from acct_tui.config import Settings
from acct_tui.models import ALL_MODELS, Account, FollowUp
from acct_tui.screens.command_line import CommandLineModal
from acct_tui.screens.detail import AccountScreen
from acct_tui.screens.help import HelpScreen
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.screens.today import TodayScreen
from acct_tui.screens.whatif import WhatIfModal
from acct_tui.services.reads.queue import QueueItem
from acct_tui.services.store.unit import reading
from acct_tui.widgets.rows import RowList
from tests.conftest import TODAY
from tests.ui.conftest import press, screen_text, settle

CONTEXTS = {"contexts": {"logistics": {"industry": "Logistics"}, "east": {"team": "East", "tier": "platinum"}}}


def _settings(tmp_path: Path, raw: dict[str, Any]) -> Settings:
    return Settings(
        database_url=str(tmp_path / "demo.db"), agent_login="manager", config_path=tmp_path / "c.toml", raw=raw
    )


async def _type(pilot: Any, text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


async def _command(app: AcctApp, pilot: Any, line: str) -> None:
    """`:` then the line then enter, and let it run."""
    await press(app, pilot, "colon")
    assert isinstance(app.screen, CommandLineModal)
    await _type(pilot, line)
    await press(app, pilot, "enter")


def _everything() -> dict[str, list[str]]:
    with reading():
        return {m._meta.table_name: sorted(map(repr, m.select().tuples())) for m in ALL_MODELS}  # type: ignore[attr-defined]


async def test_a_remapped_key_works_and_the_old_one_does_not(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """[keys] "app.today" = "t": t opens today's walk, 3 no longer does, and ? shows t for Today."""
    app = make_app(settings=_settings(tmp_path, {"keys": {"app.today": "t"}}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "3")
        assert isinstance(app.screen, PortfolioScreen)
        await press(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = {binding_id: key for key, _sentence, binding_id in app.screen.rows}
        assert shown["app.today"] == "t"
        await pilot.press("escape")
        await press(app, pilot, "t")
        assert isinstance(app.screen, TodayScreen)


async def test_the_list_keys_can_be_remapped_too(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """[keys] "list.mark" = "ctrl+t": ctrl+t marks the row (space no longer does), and the marked line says so."""
    app = make_app(settings=_settings(tmp_path, {"keys": {"list.mark": "ctrl+t"}}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.keymap_problems == []
        table = app.screen.table  # type: ignore[attr-defined]
        await press(app, pilot, "space")
        assert not table.marked
        await press(app, pilot, "ctrl+t")
        assert len(table.marked) == 1


async def test_an_unknown_key_id_is_reported_not_fatal(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """A misspelt id in [keys] is a warning naming it; the app runs and the good entries apply."""
    app = make_app(settings=_settings(tmp_path, {"keys": {"portfolio.srot": "o", "app.today": "t"}}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.keymap_problems == ["keys.portfolio.srot: no such key binding (press ? to see the ids)"]
        await press(app, pilot, "t")
        assert isinstance(app.screen, TodayScreen)


async def test_the_command_line_snoozes_the_highlighted_follow_up_like_the_cli(
    make_app: Callable[..., AcctApp], tmp_path: Path
) -> None:
    """`:snooze 2w waiting on legal` on the first queue item writes what `acct-tui snooze ID --until 2w ...` writes."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        rows = app.screen.query_one("#queue", RowList)
        first = rows.current
        second = next(r for r in (rows.row_at(i) for i in range(1, 10)) if isinstance(r, QueueItem))
        assert isinstance(first, QueueItem)
        await _command(app, pilot, "snooze 2w waiting on legal")
        assert not isinstance(app.screen, CommandLineModal)
        with reading():
            by_prompt = FollowUp.get_by_id(first.id)
        assert by_prompt.snoozed_until == TODAY + dt.timedelta(weeks=2)
        assert by_prompt.snooze_reason == "waiting on legal"
    code = main(
        ["--db", str(tmp_path / "demo.db"), "--agent", "manager", "snooze", str(second.id), "--until", "2w", "--reason",
         "waiting on legal"],
        clock=FixedClock.on(TODAY),
    )  # fmt: skip
    assert code == 0
    from acct_tui.db import open_database

    open_database(str(tmp_path / "demo.db"))
    with reading():
        by_cli = FollowUp.get_by_id(second.id)
    fields = ("snoozed_until", "due_on", "snooze_reason", "woke_reason", "status")
    assert [getattr(by_prompt, f) for f in fields] == [getattr(by_cli, f) for f in fields]


async def test_a_bad_line_stays_open_with_the_error(make_app: Callable[..., AcctApp]) -> None:
    """`:snooze` with no date: the line stays open saying what to add; escape closes it, nothing written."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        before = _everything()
        await _command(app, pilot, "snooze")
        assert isinstance(app.screen, CommandLineModal)
        assert "say until when" in screen_text(app)
        await press(app, pilot, "escape")
        assert not isinstance(app.screen, CommandLineModal)
        assert _everything() == before


async def test_goto_and_log_from_the_command_line(make_app: Callable[..., AcctApp]) -> None:
    """`:goto kestrel` opens the account; `:log call Spoke to Ines` there logs on it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _command(app, pilot, "goto kestrel")
        assert isinstance(app.screen, AccountScreen)
        await settle(app, pilot)
        kestrel = app.screen.account_id
        await _command(app, pilot, "log call Spoke to Ines")
        with reading():
            account = Account.get_by_id(kestrel)
            assert account.name == "Kestrel Freight"
            assert [a.kind for a in account.activities if a.summary == "Spoke to Ines"] == ["call"]


async def test_the_what_if_view_shows_band_changes_and_saves_nothing(make_app: Callable[..., AcctApp]) -> None:
    """`W`, `healthy_at=95`, enter: the accounts that would drop to watch are listed; no row changes."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        before = _everything()
        await press(app, pilot, "W")
        assert isinstance(app.screen, WhatIfModal)
        await _type(pilot, "healthy_at=95")
        await press(app, pilot, "enter")
        text = screen_text(app)
        assert "accounts change band" in text and "▼ worse" in text and "watch" in text
        await press(app, pilot, "escape")
        assert _everything() == before


async def test_a_context_narrows_all_three_views_and_shows_in_the_header(
    make_app: Callable[..., AcctApp], tmp_path: Path
) -> None:
    """`:context logistics`: the portfolio, the queue and the walk hold Logistics accounts only; `:context` clears."""
    app = make_app(settings=_settings(tmp_path, CONTEXTS))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        everyone = app.screen.total  # type: ignore[attr-defined]
        await _command(app, pilot, "context logistics")
        await settle(app, pilot)
        assert "context logistics" in screen_text(app).splitlines()[0]
        with reading():
            logistics = {a.id for a in Account.select().where(Account.industry == "Logistics")}
        portfolio = app.screen
        assert isinstance(portfolio, PortfolioScreen)
        assert 0 < portfolio.total == len(logistics) < everyone
        await press(app, pilot, "2")
        queue = app.screen.queue  # type: ignore[attr-defined]
        assert queue.all_items() and {item.account_id for _s, item in queue.all_items()} <= logistics
        await press(app, pilot, "3")
        walk = app.screen.items  # type: ignore[attr-defined]
        assert walk and {item.account_id for item in walk} <= logistics
        await _command(app, pilot, "context")
        await press(app, pilot, "1")
        assert app.screen.total == everyone  # type: ignore[attr-defined]
        assert "context" not in screen_text(app).splitlines()[0]


async def test_the_palette_switches_context(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """ctrl+p, "context east", enter: the East platinum context is active."""
    app = make_app(settings=_settings(tmp_path, CONTEXTS))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "ctrl+p")
        await _type(pilot, "Context: east")
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert app.ctx.context is not None and app.ctx.context.name == "east"
        assert app.context_name == "east"


async def test_start_up_creates_missing_checkpoints_out_of_undo_reach(make_app: Callable[..., AcctApp]) -> None:
    """After a bulk write (seed, import), accounts with a renewal date and no checkpoints get them
    soon after start; z does not take them back."""
    from acct_tui.services.writes.checkpoints import mark_out_of_step, out_of_step

    with reading():
        Account.update(renewal_on=TODAY + dt.timedelta(days=200)).where(Account.name == "Kestrel Freight").execute()
        FollowUp.delete().where(FollowUp.checkpoint.is_null(False)).execute()
        mark_out_of_step()  # what a seed or an import records
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.pause(1.2)  # the upkeep starts a second after the first rows
        await settle(app, pilot)
        with reading():
            made = FollowUp.select().where(FollowUp.checkpoint.is_null(False)).count()
        assert made > 0
        await press(app, pilot, "z")
        with reading():
            assert FollowUp.select().where(FollowUp.checkpoint.is_null(False)).count() == made
        assert out_of_step()  # a lead's sync covers their book, not everyone's: the next admin start finishes it


async def test_the_command_line_switches_views_and_explains_health(make_app: Callable[..., AcctApp]) -> None:
    """`:today` opens the walk, `:queue` the follow-ups; `:health explain` on the portfolio's row shows its factors."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _command(app, pilot, "health explain")
        text = screen_text(app)
        assert "Contact recency" in text and "healthy from 70" in text
        await press(app, pilot, "escape")
        await _command(app, pilot, "today")
        assert isinstance(app.screen, TodayScreen)
        await _command(app, pilot, "queue")
        assert app.current_mode == "followups"


async def test_a_woken_follow_up_says_why_in_the_queue_and_the_walk(
    make_app: Callable[..., AcctApp], demo_ctx: Any
) -> None:
    """Snoozed, then the client emails in: the queue's detail line and the walk's card both say why it woke."""
    from acct_tui.services.writes import followups

    with reading():
        item = FollowUp.select().where(FollowUp.status == "open", FollowUp.assignee == demo_ctx.agent.id).first()
    followups.snooze_followup(demo_ctx, item.id, "+2w", "waiting on legal")
    followups.log_activity(demo_ctx, item.account_id, {"kind": "email", "direction": "inbound", "summary": "Signed"})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        rows = app.screen.query_one("#queue", RowList)
        index = next(i for i in range(rows.row_count) if getattr(rows.row_at(i), "id", None) == item.id)
        rows.move_to(index)
        await settle(app, pilot)
        assert "woke: the client got in touch (email): Signed" in screen_text(app)
        await press(app, pilot, "3")
        walk = app.screen
        assert isinstance(walk, TodayScreen)
        walk.index = next(i for i, w in enumerate(walk.items) if any(f.id == item.id for f in w.followups))
        walk._show_walk()
        await settle(app, pilot)
        assert "Woke: the client got in touch (email): Signed" in screen_text(app)
