"""Import and export from the dashboard: a CSV import with a check first and a progress bar,
and `x` to export what a list shows (CSV, JSON, or a calendar of follow-ups).

The work runs in thread workers through the same services as `acct-tui
import` and `acct-tui export`; progress comes back to the bar through
`call_from_thread`, at most once a percent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, ProgressBar, Select, Static

from acct_tui.screens.base import DismissOnce
from acct_tui.text import inert

if TYPE_CHECKING:
    from acct_tui.app import AcctApp

IMPORT_KINDS = (
    ("Accounts", "accounts"),
    ("Contacts", "contacts"),
    ("Activities", "activities"),
    ("Follow-ups", "followups"),
    ("Products", "products"),
)
PHASES = {
    "reading": "reading the file",
    "checking": "checking every row",
    "writing": "writing",
    "refreshing": "updating health",
}


class ImportModal(DismissOnce[Any], ModalScreen[Any]):
    """Pick a file and what it holds; ctrl+d checks it (nothing written), ctrl+s imports it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+d", "run(True)", "Check", priority=True, id="import.check", tooltip="Check every row; write nothing."
        ),
        Binding(
            "ctrl+s",
            "run(False)",
            "Import",
            priority=True,
            id="import.run",
            tooltip="Import the file (all rows or none).",
        ),
        Binding("escape", "close", "Close", id="import.close", tooltip="Close the import."),
    ]
    DEFAULT_CLASSES = "form"

    def __init__(self, kind: str = "accounts", path: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.path = path
        self.running = False
        self._last_percent = -1

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label("Import a CSV file", id="form-title")
            with Horizontal(classes="field-row"):
                yield Label("File holds", classes="field-label")
                yield Select(
                    [(Text(label), value) for label, value in IMPORT_KINDS],
                    value=self.kind,
                    allow_blank=False,
                    compact=True,
                    id="import-kind",
                )
            with Horizontal(classes="field-row"):
                yield Label("File", classes="field-label")
                yield Input(
                    self.path,
                    placeholder="path to a .csv file (Salesforce and HubSpot exports work as they are)",
                    id="import-path",
                    compact=True,
                )
            with Horizontal(classes="field-row"):
                yield Label("Update existing", classes="field-label")
                yield Checkbox("", value=False, compact=True, id="import-update")
            with Horizontal(classes="field-row"):
                yield Label("Skip bad rows", classes="field-label")
                yield Checkbox("", value=False, compact=True, id="import-skip")
            yield ProgressBar(total=100, show_eta=False, id="import-progress")
            yield Static("", id="import-phase")
            yield Static("", id="import-report")
            yield Static(Text("ctrl+d check (writes nothing) · ctrl+s import · esc close"), id="form-keys")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    def action_close(self) -> None:
        if not self.running:
            self.dismiss(None)

    def action_run(self, dry_run: bool) -> None:
        if self.running:
            return
        from acct_tui.services.io.imports import ImportOptions, run_import

        path = self.query_one("#import-path", Input).value.strip()
        report = self.query_one("#import-report", Static)
        if not path:
            report.update(Text("Give the path of a CSV file.", style="bold"))
            return
        file = Path(path).expanduser()
        if not file.is_file():
            report.update(Text(f"No file at {inert(str(file))}.", style="bold"))
            return
        kind = str(self.query_one("#import-kind", Select).value)
        options = ImportOptions(
            dry_run=dry_run,
            update_existing=self.query_one("#import-update", Checkbox).value,
            skip_invalid=self.query_one("#import-skip", Checkbox).value,
        )
        rejects = file.with_name(file.stem + ".rejects.csv") if options.skip_invalid and not dry_run else None
        self.running = True
        self._last_percent = -1
        report.update(Text("…"))
        app = self.acct

        def progress(phase: str, done: int, total: int) -> None:
            percent = int(100 * done / total) if total else 0
            if percent != self._last_percent:
                self._last_percent = percent
                app.call_from_thread(self._progress, phase, percent)

        if dry_run:  # a check writes nothing: a read like any other
            app.run_service(
                run_import, app.ctx, kind, file, options, progress=progress, rejects=rejects,
                then=self._finished, failed=self._failed, group="import", node=self,
            )  # fmt: skip
            return

        def refused(exc: Exception) -> bool:
            self._failed(exc)
            return True

        # An import is a write: the app runs it in order with the others and reports it.
        app.write(
            run_import, app.ctx, kind, file, options, progress=progress, rejects=rejects,
            done=_imported, changes=lambda result: bool(result.written), then=self._finished, failed=refused,
        )  # fmt: skip

    def _progress(self, phase: str, percent: int) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=percent)
        self.query_one("#import-phase", Static).update(Text(PHASES.get(phase, phase)))

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self.query_one("#import-report", Static).update(Text(f"Not imported: {exc}", style="bold"))

    def _finished(self, result: Any) -> None:
        self.running = False
        self.query_one("#import-progress", ProgressBar).update(progress=100)
        self.query_one("#import-phase", Static).update("")
        lines = [inert(result.summary())]
        for error in result.errors[:8]:
            lines.append(f"line {error.line}, {inert(str(error.column))}: {inert(error.reason)}")
        if len(result.errors) > 8:
            lines.append(f"… and {len(result.errors) - 8} more (acct-tui import … --json lists them all)")
        self.query_one("#import-report", Static).update(Text("\n".join(lines)))


def _imported(result: Any) -> str:
    return f"Imported {result.file}: {result.created} new, {result.updated} updated" if result.written else ""


FORMATS = {
    "portfolio": (("CSV", "csv"), ("JSON", "json")),
    "queue": (("CSV", "csv"), ("JSON", "json")),
    "timeline": (("CSV", "csv"), ("JSON", "json")),
    "calendar": (("iCalendar (.ics)", "ics"),),
}


class ExportModal(DismissOnce[Any], ModalScreen[Any]):
    """Export what the list shows to a file; enter (or ctrl+s) writes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "run", "Export", priority=True, id="export.run", tooltip="Write the file."),
        Binding("escape", "dismiss(None)", "Cancel", id="export.cancel", tooltip="Close without exporting."),
    ]
    DEFAULT_CLASSES = "form"

    def __init__(self, what: str, writer: Callable[[str, Any], int], title: str) -> None:
        super().__init__()
        self.what = what
        self.writer = writer
        self.export_title = title

    def compose(self) -> ComposeResult:
        formats = FORMATS[self.what]
        with Vertical(id="form-box"):
            yield Label(Text(f"Export · {inert(self.export_title)}"), id="form-title")
            with Horizontal(classes="field-row"):
                yield Label("Format", classes="field-label")
                yield Select(
                    [(Text(label), value) for label, value in formats],
                    value=formats[0][1],
                    allow_blank=False,
                    compact=True,
                    id="export-format",
                )
            with Horizontal(classes="field-row"):
                yield Label("File", classes="field-label")
                yield Input(self._default_path(formats[0][1]), id="export-path", compact=True)
            yield Static("", id="form-error")
            yield Static(Text("enter or ctrl+s export · esc cancel"), id="form-keys")

    def _default_path(self, fmt: str) -> str:
        day = dt.date.today().isoformat()
        return str(Path.cwd() / f"{self.what}-{day}.{fmt}")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#export-path", Input)
        current = Path(path.value)
        path.value = str(current.with_suffix(f".{event.value}"))

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        target = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        error = self.query_one("#form-error", Static)
        if not target.name:
            error.update(Text("Give a file name."))
            return
        if not target.parent.is_dir():
            error.update(Text(f"No folder {inert(str(target.parent))}."))
            return
        app = self.acct
        writer = self.writer

        def write() -> tuple[int, Path]:
            if fmt == "ics":
                with open(target, "wb") as binary:
                    return writer(fmt, binary), target
            with open(target, "w", encoding="utf-8", newline="") as out:
                return writer(fmt, out), target

        def done(result: tuple[int, Path]) -> None:
            count, path = result
            app.notify(f"Exported {count:,} rows to {path}", markup=False)
            self.dismiss(result)

        def failed(exc: Exception) -> None:
            error.update(Text(f"Not exported: {exc}"))

        app.run_service(write, then=done, failed=failed, group="export", node=self)


def open_import(app: AcctApp, kind: str = "accounts") -> None:
    if app.served:
        app.notify("Files stay on the server: importing is off in served sessions.", severity="warning")
        return
    app.push_screen(ImportModal(kind))


def open_export(app: AcctApp, what: str, writer: Callable[[str, Any], int], title: str) -> None:
    if app.served:
        app.notify("Files stay on the server: exporting is off in served sessions.", severity="warning")
        return
    app.push_screen(ExportModal(what, writer, title))
