"""What every view shares: the header, the footer, reloading when data changed, and the active context;
and what every pushed screen shares: it is dismissed once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.screen import Screen

from acct_tui.widgets.header import AppHeader
from acct_tui.widgets.keybar import KeyBar


class KeysFollowState:
    """Refresh the footer only when what decides the usable keys changed: the footer
    rebuilds its keys on every refresh, which is too dear for every cursor move."""

    _key_state: object = None

    def keys_may_have_changed(self: Any, state: object) -> None:
        if state != self._key_state:
            self._key_state = state
            self.refresh_bindings()


class DismissOnce:
    """A pushed screen that closes once; a second dismiss does nothing.

    A save can land (its worker dismisses the form) just after escape closed
    the form, and a fast typist can press escape twice before the first pop:
    a second dismiss would find its result already given and pop whatever
    screen lies beneath.
    """

    dismissed = False
    """Whether it was dismissed: it can stay on top a moment longer, and keys still reach it."""
    _held: tuple[Any] | None = None

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self.dismissed:
            return AwaitComplete.nothing()  # type: ignore[no-untyped-call,no-any-return]
        self.dismissed = True
        if self.app.screen is not self:  # type: ignore[attr-defined]
            # Something opened on top (help, the command line) before a save landed:
            # Textual pops the top screen, which is not this one. Close when on top again.
            self._held = (result,)
            return AwaitComplete.nothing()  # type: ignore[no-untyped-call,no-any-return]
        return super().dismiss(result)  # type: ignore[misc,no-any-return]

    def _on_screen_resume(self) -> None:
        if self._held is not None:
            (result,) = self._held
            self._held = None
            self.call_later(self._dismiss_now, result)  # type: ignore[attr-defined]

    def _dismiss_now(self, result: Any) -> None:
        super().dismiss(result)  # type: ignore[misc]

    @property
    def is_open(self) -> bool:
        """Drawn and not dismissed: a key can reach a screen pushed but not yet drawn, or closed but not yet gone."""
        return bool(getattr(self, "is_mounted", False)) and not self.dismissed


class ViewScreen(KeysFollowState, Screen[None]):
    """A top-level view. Subclasses compose their body and implement `reload`."""

    VIEW_NAME = "view"

    def __init__(self) -> None:
        super().__init__()
        self._seen_version = -1

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    @property
    def actions(self) -> Any:
        """The shared actions and their forms, loaded on first use rather than at start-up."""
        from acct_tui.screens import actions

        return actions

    def compose_header(self) -> ComposeResult:
        yield AppHeader(self.VIEW_NAME)

    def compose_footer(self) -> ComposeResult:
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "data_version", self._data_changed, init=False)

    def on_screen_resume(self) -> None:
        version = self.app.data_version  # type: ignore[attr-defined]
        if version != self._seen_version:
            self._seen_version = version
            self.sync_context()
            self.reload()

    def _data_changed(self, version: int) -> None:
        if self.is_current:
            self._seen_version = version
            self.sync_context()
            self.reload()

    def sync_context(self) -> None:
        """Carry the app's active context into a view whose query holds one (the portfolio's).

        The queue and the walk read it from the context their services get.
        """
        state = getattr(self, "query_state", None)
        active = self.ctx.context
        terms = active.terms if active is not None else ()
        if state is not None and getattr(state, "context", terms) != terms:
            self.query_state = replace(state, context=terms)

    def reload(self) -> None:
        """Fetch what the view shows again (in workers)."""
