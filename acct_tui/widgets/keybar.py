"""KeyBar: the footer line of keys that apply now, drawn as one line of text.

Textual's Footer builds a widget per key and rebuilds them all whenever the
screen's bindings change (focus moves, an action becomes possible): a few
rebuilds of fifteen widgets when a view opens cost more than the view. This
bar listens to the same signal and redraws a single line. Keys whose action
`check_action` disables are shown dimmed; hidden ones are left out.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._draw)

    def _draw(self) -> None:
        self._pending = False
        if not self.is_attached:  # the screen went away before the redraw came round
            return
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        seen: set[str] = set()
        palette = None
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.key == self.app.COMMAND_PALETTE_BINDING:
                palette = binding
                continue
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            if line:
                line.append("  ")
            style = "" if active.enabled else "dim"
            line.append(self.app.get_key_display(binding), style=f"bold {style}".strip())
            line.append(f" {binding.description}", style=style)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            line.append("  ")
            line.append(self.app.get_key_display(palette), style="bold")
            line.append(" palette")
        self.update(line)
