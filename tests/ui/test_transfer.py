"""Import and export from the dashboard: the palette, the check before writing, the progress bar, `x`."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, ProgressBar

from acct_tui.app import AcctApp
from acct_tui.models import Account
from acct_tui.screens.transfer import ExportModal, ImportModal
from acct_tui.services.store.unit import reading
from tests.ui.conftest import press, screen_text, settle

SALESFORCE = (
    "Account Name,Account ID,Website,Industry,Annual Revenue,Type\r\n"
    'Orbit Analytics,001A000001,orbit.example.com,Software,"$120,000.00",Customer\r\n'
    'Harbor Lights,001A000002,harborlights.example.com,Hospitality,"$48,500.00",Customer\r\n'
)


async def _open_import(app: AcctApp, pilot: object, path: Path) -> ImportModal:
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press(*"import accounts")  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, ImportModal)
    screen.query_one("#import-path", Input).value = str(path)
    return screen


async def test_import_checks_first_then_writes_with_progress(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """From the palette: ctrl+d checks (nothing written), ctrl+s imports; the bar ends full and the accounts exist."""
    source = tmp_path / "salesforce.csv"
    source.write_text(SALESFORCE, encoding="utf-8-sig")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await _open_import(app, pilot, source)
        await press(app, pilot, "ctrl+d")
        assert "2 rows" in screen_text(app)
        with reading():
            assert Account.select().where(Account.name == "Orbit Analytics").count() == 0
        await press(app, pilot, "ctrl+s")
        assert screen.query_one(ProgressBar).progress == 100
        with reading():
            orbit = Account.get(Account.name == "Orbit Analytics")
        assert orbit.external_id == "001A000001" and orbit.arr == 120000
        assert orbit.owner_id == app.ctx.agent.id


async def test_a_bad_file_reports_every_row_and_writes_nothing(
    make_app: Callable[..., AcctApp], tmp_path: Path
) -> None:
    """A row with a bad amount is reported with its line and column; no account is added."""
    source = tmp_path / "bad.csv"
    source.write_text(SALESFORCE.replace('"$48,500.00"', "lots"), encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _open_import(app, pilot, source)
        await press(app, pilot, "ctrl+s")
        text = screen_text(app)
        assert "line 3" in text and "Annual Revenue" in text
        with reading():
            assert Account.select().where(Account.name.in_(["Orbit Analytics", "Harbor Lights"])).count() == 0


async def test_x_exports_the_portfolio_as_shown(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """`x` on the at-risk portfolio writes exactly the at-risk accounts, in the order shown."""
    target = tmp_path / "risk.csv"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "a")
        shown = [app.screen.table.row_at(i).name for i in range(app.screen.table.row_count)]
        await press(app, pilot, "x")
        assert isinstance(app.screen, ExportModal)
        app.screen.query_one("#export-path", Input).value = str(target)
        await press(app, pilot, "enter")
        assert not isinstance(app.screen, ExportModal)
    with target.open(encoding="utf-8", newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert names == shown and names


async def test_x_with_marks_exports_only_the_marked_accounts(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """Mark the 1st and 3rd rows, clear nothing: `x` writes those two, in the portfolio's order."""
    target = tmp_path / "marked.csv"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.table
        wanted = [table.row_at(0).name, table.row_at(2).name]
        await press(app, pilot, "space", "j", "space", "x")
        assert isinstance(app.screen, ExportModal)
        assert "2 marked accounts" in screen_text(app)
        app.screen.query_one("#export-path", Input).value = str(target)
        await press(app, pilot, "enter")
    with target.open(encoding="utf-8", newline="") as handle:
        assert [row["name"] for row in csv.DictReader(handle)] == wanted


async def test_x_exports_the_queue_as_json(make_app: Callable[..., AcctApp], tmp_path: Path) -> None:
    """`x` in the queue, JSON chosen: the file holds the overdue follow-ups."""
    target = tmp_path / "queue.json"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "2")
        await press(app, pilot, "x")
        screen = app.screen
        assert isinstance(screen, ExportModal)
        from textual.widgets import Select

        screen.query_one("#export-format", Select).value = "json"
        await pilot.pause()
        screen.query_one("#export-path", Input).value = str(target)
        await press(app, pilot, "ctrl+s")
    payload = json.loads(target.read_text(encoding="utf-8"))
    titles = json.dumps(payload)
    assert "Send RCA and credit proposal" in titles


async def test_served_sessions_cannot_write_files(make_app: Callable[..., AcctApp]) -> None:
    """Over SSH, `x` says files stay on the server and opens nothing."""
    app = make_app(served=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "x")
        assert not isinstance(app.screen, ExportModal)
        messages = [note.message for note in app._notifications]
        assert any("exporting is off in served sessions" in m for m in messages)
