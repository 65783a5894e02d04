"""KeyBar: the footer line of keys that apply now, drawn as one line of text.

Textual's Footer builds a widget per key and rebuilds them all whenever the
screen's bindings change (focus moves, an action becomes possible): a few
rebuilds of fifteen widgets when a view opens cost more than the view. This
bar listens to the same signal and redraws a single line. Keys whose action
`check_action` disables are shown dimmed; hidden ones are left out.

A line is only so wide: keys that do not fit are left to the help screen,
and the bar says so with `… ? more keys` at its end. `?` itself is always
shown, so every key stays one press away at any width. When not all fit,
keys that do not apply now (dimmed) give way first, and the keys a screen
names in `KEYBAR_FIRST` (the actions of the pane on show, say) lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widgets import Static

HELP_ACTION = "help"
GAP = "  "


@dataclass(frozen=True)
class KeyItem:
    """One key as the bar shows it."""

    key: str
    description: str
    enabled: bool = True
    first: bool = False
    """Named by the screen's KEYBAR_FIRST: leads the line when not every key fits."""

    @property
    def width(self) -> int:
        return cell_len(self.key) + 1 + cell_len(self.description)


def key_line(items: list[KeyItem], help_key: KeyItem | None, width: int) -> Text:
    """The keys that fit in `width` cells, in order; past that `… ? more keys` (`?` always shows)."""

    def draw(shown: list[KeyItem], tail: list[KeyItem], marker: bool) -> Text:
        line = Text(no_wrap=True, overflow="crop", end="")
        for item in shown:
            if line:
                line.append(GAP)
            style = "" if item.enabled else "dim"
            line.append(item.key, style=f"bold {style}".strip())
            line.append(f" {item.description}", style=style)
        if marker:
            line.append(" …" if line else "…", style="bold")
        for item in tail:
            line.append(GAP if line else "")
            line.append(item.key, style="bold")
            line.append(f" {item.description}")
        return line

    tail = [help_key] if help_key is not None else []
    everything = draw(items, tail, marker=False)
    if everything.cell_len <= width:
        return everything
    # Not all fit: what applies now, the screen's leading keys first; `? more keys` says where the rest are.
    more = [KeyItem(help_key.key, "more keys")] if help_key is not None else []
    usable = [item for item in items if item.enabled]
    ordered = [item for item in usable if item.first] + [item for item in usable if not item.first]
    shown: list[KeyItem] = []
    for item in ordered:
        if draw([*shown, item], more, marker=True).cell_len > width:
            break
        shown.append(item)
    return draw(shown, more, marker=True)


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
        self._items: list[KeyItem] = []
        self._help: KeyItem | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._draw)

    def _draw(self) -> None:
        self._pending = False
        if not self.is_attached:  # the screen went away before the redraw came round
            return
        items: list[KeyItem] = []
        help_key: KeyItem | None = None
        seen: set[str] = set()
        first = set(getattr(self.screen, "KEYBAR_FIRST", ()))
        palette = None
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.key == self.app.COMMAND_PALETTE_BINDING:
                palette = binding
                continue
            if binding.action == HELP_ACTION and help_key is None:
                # `?` is kept whatever the width (and even if a screen hides it): it leads to the rest.
                help_key = KeyItem(self.app.get_key_display(binding), binding.description or "Keys")
                seen.add(binding.action)
                continue
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append(
                KeyItem(
                    self.app.get_key_display(binding),
                    binding.description,
                    active.enabled,
                    first=binding.action in first and active.enabled,
                )
            )
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            items.append(KeyItem(self.app.get_key_display(palette), "palette"))
        self._items = items
        self._help = help_key
        self._fit()

    def _fit(self) -> None:
        width = self.content_region.width or self.app.size.width - 2
        self.update(key_line(self._items, self._help, max(1, width)))
