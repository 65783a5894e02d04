"""What every screen of the app shares: the app, typed; keys typed ahead; closing once.
And what every view shares: the header, the footer, reloading when data changed, and the active context.

Screens reach the app through `acct` (an `AcctApp`, not Textual's `App[Any]`):
its read runner (`run_service`), its write runner (`write`) and the
acting agent's context. The app module imports the screens; the screens name
the app only for the type checker, so there is no import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.screen import Screen

from acct_tui.widgets.header import AppHeader
from acct_tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from acct_tui.app import AcctApp
    from acct_tui.services.context import Ctx

ResultT = TypeVar("ResultT")
After = Callable[[Any], None] | None
"""Called with a write's result once it is saved."""


class FollowUpLike(Protocol):
    """A follow-up as a row shows it (a queue item, a detail row, a walk item's)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def assignee_id(self) -> int: ...
    @property
    def recurrence(self) -> str: ...


@dataclass(frozen=True)
class RowTarget:
    """What an action on the highlighted row acts on: an account, maybe one of its follow-ups."""

    account_id: int
    account_name: str
    followup: FollowUpLike | None = None
    card: Any = None
    """The client detail's header card (services.detail.AccountCard), for edit and hand off."""


def _row_action(name: str) -> Callable[[AppScreen[Any]], None]:
    def action(self: AppScreen[Any]) -> None:
        self.run_row_action(name)

    action.__name__ = f"action_{name}"
    action.__doc__ = f"`{name}` on the highlighted row (screens.actions.ROW_ACTIONS)."
    return action


class AppScreen(Screen[ResultT]):
    """A screen of acct-tui."""

    ready_for_keys = True
    """False while a dialog is not ready to take keys (not drawn yet, its choices not in):
    the app holds the keys typed meanwhile and hands them over, in order, once it is."""

    _key_state: object = None

    ROW_ACTIONS: ClassVar[tuple[str, ...]] = ()
    """The shared actions this screen offers on its highlighted row, by name: each becomes
    `action_<name>`, run from the one table in `screens.actions` on `row_target()`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("ROW_ACTIONS", ()):
            if f"action_{name}" not in cls.__dict__:  # a screen may do it its own way
                setattr(cls, f"action_{name}", _row_action(name))

    def row_target(self) -> RowTarget | None:
        """What is highlighted, for the row actions (None: nothing to act on)."""
        return None

    def row_after(self, name: str, target: RowTarget) -> After:
        """What to do once the row action `name` is saved (the walk moves on)."""
        return None

    def run_row_action(self, name: str) -> None:
        target = self.row_target()
        if target is not None:
            self.acct.run_row_action(name, target, self.row_after(name, target))

    @property
    def acct(self) -> AcctApp:
        """The app, typed: its runners, its context, its views."""
        return cast("AcctApp", self.app)

    @property
    def ctx(self) -> Ctx:
        return self.acct.ctx

    def key_hint(self, *hints: tuple[str, str]) -> str:
        """ "d done · s snooze" from (binding id, words) pairs, with the keys in force (after `[keys]`)."""
        return " · ".join(f"{self.acct.key_for(binding_id, type(self))} {words}" for binding_id, words in hints)

    def keys_ready(self) -> None:
        """Ready for keys: the app hands over what was typed ahead."""
        self.ready_for_keys = True
        self.acct.feed_keys_later()

    def keys_may_have_changed(self, state: object) -> None:
        """Refresh the footer only when what decides the usable keys changed: the footer
        rebuilds its keys on every refresh, which is too dear for every cursor move."""
        if state != self._key_state:
            self._key_state = state
            self.refresh_bindings()


KeysFollowState = AppScreen
"""The old name of the footer-refresh helper, now part of every screen."""


class DismissOnce(AppScreen[ResultT]):
    """A pushed screen that closes once; a second dismiss does nothing.

    A save can land (its worker dismisses the form) just after escape closed
    the form, and a fast typist can press escape twice before the first pop:
    a second dismiss would find its result already given and pop whatever
    screen lies beneath.
    """

    dismissed = False
    """Whether it was dismissed: it can stay on top a moment longer, and keys still reach it."""
    _held: tuple[ResultT | None] | None = None

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        if self.dismissed:
            return cast(AwaitComplete, AwaitComplete.nothing())  # type: ignore[no-untyped-call]
        self.dismissed = True
        if self.app.screen is not self:
            # Something opened on top (help, the command line) before a save landed:
            # Textual pops the top screen, which is not this one. Close when on top again.
            self._held = (result,)
            return cast(AwaitComplete, AwaitComplete.nothing())  # type: ignore[no-untyped-call]
        return super().dismiss(result)

    @on(events.ScreenResume)
    def _close_if_held(self) -> None:
        if self._held is not None:
            (result,) = self._held
            self._held = None
            self.call_later(self._dismiss_now, result)

    def _dismiss_now(self, result: ResultT | None) -> None:
        super().dismiss(result)

    @on(events.Unmount)
    def _hand_keys_on(self) -> None:
        # Keys held for a dialog that closed before it was ready go to what is under it.
        if not self.ready_for_keys:
            self.ready_for_keys = True
            self.acct.feed_keys_later()

    poolable: ClassVar[bool] = False
    """Whether the app may keep it drawn to show again (`AcctApp.push_form`): see `shape` and `reuse`."""

    @property
    def shape(self) -> tuple[object, ...]:
        """What its widgets are: two dialogs of one shape can be drawn once and shown again."""
        return (type(self),)

    @property
    def reusable(self) -> bool:
        """Drawn, closed and off every screen stack: free to be shown again."""
        return self.is_mounted and self.dismissed and self._held is None and self not in self.app.screen_stack

    def reuse(self, other: DismissOnce[ResultT]) -> None:
        """Become `other` (a dialog of the same shape, not drawn): its content, nothing of the last one."""
        raise NotImplementedError

    @property
    def is_open(self) -> bool:
        """Drawn and not dismissed: a key can reach a screen pushed but not yet drawn, or closed but not yet gone."""
        return self.is_mounted and not self.dismissed


class ViewScreen(AppScreen[None]):
    """A top-level view. Subclasses compose their body and implement `reload`."""

    VIEW_NAME = "view"

    def __init__(self) -> None:
        super().__init__()
        self._seen_version = -1

    def compose_header(self) -> ComposeResult:
        yield AppHeader(self.VIEW_NAME)

    def compose_footer(self) -> ComposeResult:
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "data_version", self._data_changed, init=False)

    def on_screen_resume(self) -> None:
        version = self.acct.data_version
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
        state: Any = getattr(self, "query_state", None)
        active = self.ctx.context
        terms = active.terms if active is not None else ()
        if state is not None and getattr(state, "context", terms) != terms:
            self.query_state = replace(state, context=terms)

    def reload(self) -> None:
        """Fetch what the view shows again (in workers)."""
