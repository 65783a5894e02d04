"""`?`: every key in force on the current screen (after the config's `[keys]`), a sentence and its id each."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from acct_tui.screens.base import DismissOnce

# Keys that belong to lists and forms everywhere: explained once, here.
COMMON = (
    ("j / k, ↓ / ↑", "Move down / up."),
    ("g / G, home / end", "First / last row."),
    ("pgdn / pgup", "A screenful down / up."),
    ("ctrl+p", "Command palette: every action, and a jump to any account by name."),
    ("escape", "Back, or clear the filter. Never quits."),
    ("tab / shift+tab", "In forms: next / previous field; ctrl+s saves, esc cancels."),
)


class HelpScreen(DismissOnce[None], ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close", tooltip="Close the key list."),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.target = screen
        self.rows: list[tuple[str, str, str]] = []
        """(key, sentence, binding id) of each key listed."""

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        seen: set[tuple[str, str]] = set()
        for key, active in self.target.active_bindings.items():
            binding = active.binding
            # Ours all carry an id; the rest are Textual's own scrolling and focus keys.
            # The list keys (j/k, pages) are in the common lines below.
            if binding.system or not binding.description or not binding.id or binding.id.startswith("list."):
                continue
            display = self.app.get_key_display(binding)
            mark = (binding.action, display)
            if mark in seen:
                continue
            seen.add(mark)
            sentence = binding.tooltip or binding.description
            if not active.enabled:
                sentence += " (not available here)"
            self.rows.append((display or key, sentence, binding.id or ""))
            table.add_row(Text(display or key), Text(sentence), Text(binding.id or ""))
        for key, sentence in COMMON:
            table.add_row(Text(key), Text(sentence), Text(""))
        title = getattr(self.target, "VIEW_NAME", self.target.__class__.__name__)
        with Vertical(id="help-box"):
            yield Label(Text(f"Keys · {title}"), id="form-title")
            with VerticalScroll():
                yield Static(table)
            yield Static(
                Text('esc or ? to close · remap a key in the config file: [keys] "id" = "key"'), id="form-keys"
            )
