"""The dashboard application: three views as modes, global keys, undo, and the service runner.

The app is built by the command line (or a test) with its collaborators
passed in: the acting agent's context (agent, clock, health policy) and the
database already bound. Screens never touch the database themselves: they
ask `run_service` to call a service in a thread worker and get the result
back on the event loop.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os

# Textual draws at most TEXTUAL_FPS frames a second and holds a key's frame
# until the next tick: at the default 60 that alone is up to 17 ms from key
# to screen. Frames are only drawn when something changed, so a faster tick
# costs nothing while idle. Set before Textual is imported; the user's own
# setting wins.
os.environ.setdefault("TEXTUAL_FPS", "240")
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import NoActiveWorker, get_current_worker

from acct_tui.config import Settings
from acct_tui.readahead import ReadAhead
from acct_tui.screens.portfolio import PortfolioScreen
from acct_tui.services.context import Ctx
from acct_tui.text import inert
from acct_tui.widgets import textual_fixes

textual_fixes.apply()

R = TypeVar("R")
log = logging.getLogger("acct_tui")


# The other views, forms and palette providers load when first used, not
# before the first rows are on screen.


def _queue_screen() -> Screen[Any]:
    from acct_tui.screens.queue import QueueScreen

    return QueueScreen()


def _today_screen() -> Screen[Any]:
    from acct_tui.screens.today import TodayScreen

    return TodayScreen()


def _accounts_provider() -> Any:
    from acct_tui.commands import AccountsProvider

    return AccountsProvider


def _actions_provider() -> Any:
    from acct_tui.commands import ActionsProvider

    return ActionsProvider


def _contexts_provider() -> Any:
    from acct_tui.commands import ContextsProvider

    return ContextsProvider


def _after(ahead: ReadAhead, fn: Callable[..., R]) -> Callable[..., R]:
    """`fn`, answered by the read-ahead when it succeeds."""

    def call(*args: Any) -> R:
        result = ahead.take()
        return fn(*args) if result is None else result

    return call


def _worker_cancelled() -> bool:
    """Whether the thread asking runs a worker that was cancelled."""
    try:
        return get_current_worker().is_cancelled
    except NoActiveWorker:
        return False


class AcctApp(App[int]):
    """acct-tui: portfolio, follow-ups and today, for one agent."""

    TITLE = "acct-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    MODES: ClassVar[dict[str, Any]] = {
        "portfolio": PortfolioScreen,
        "followups": _queue_screen,
        "today": _today_screen,
    }
    DEFAULT_MODE = "portfolio"
    COMMANDS = App.COMMANDS | {_accounts_provider, _actions_provider, _contexts_provider}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1",
            "show_view('portfolio')",
            "Portfolio",
            id="app.portfolio",
            tooltip="Every account you may see: health, ARR, renewal, last touch, next follow-up.",
        ),
        Binding(
            "2",
            "show_view('followups')",
            "Follow-ups",
            id="app.followups",
            tooltip="Your follow-up queue: overdue, today, coming up, snoozed.",
        ),
        Binding(
            "3",
            "show_view('today')",
            "Today",
            id="app.today",
            tooltip="The daily upkeep walk: one item at a time, one key per action.",
        ),
        Binding("z", "undo", "Undo", id="app.undo", tooltip="Undo the last change you made in this session."),
        Binding(
            "colon",
            "command_line",
            "Command",
            show=False,
            id="app.command",
            tooltip="Type a verb: snooze 2w waiting on legal, log call Spoke to Ines, goto acme, context NAME.",
        ),
        Binding(
            "W",
            "what_if",
            "What if",
            show=False,
            id="app.what_if",
            tooltip="Try other health formula values and see which accounts would change band (nothing is saved).",
        ),
        Binding("question_mark", "help", "Keys", id="app.help", tooltip="Show every key of this screen."),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit acct-tui (ctrl+q works even while typing)."),
        Binding(
            "ctrl+q", "quit", "Quit", show=False, priority=True, id="app.force_quit", tooltip="Quit, even while typing."
        ),
    ]

    data_version: reactive[int] = reactive(0)
    """Bumped after every write, so views know to reload."""
    overdue: reactive[int] = reactive(0)
    context_name: reactive[str] = reactive("")
    """The active context's name ("" for none): the header shows it."""

    def __init__(
        self,
        ctx: Ctx,
        *,
        database_url: str = "",
        settings: Settings | None = None,
        served: bool | None = None,
        read_ahead: ReadAhead | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.read_ahead = read_ahead
        """A service call started before the app was built (the first portfolio page)."""
        self.database_url = database_url
        self.settings = settings
        self.served = bool(os.environ.get("ACCT_TUI_SERVED")) if served is None else served
        self.keymap_problems: list[str] = []
        if settings is not None and settings.raw.get("keys"):
            from acct_tui.keymap import keymap_from_config

            keymap, self.keymap_problems = keymap_from_config(settings.raw)
            self.set_keymap(keymap)

    @property
    def today(self) -> Any:
        return self.ctx.today

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast is shown inert, whatever stored text its caller put in it."""
        super().notify(inert(message), title=inert(title), severity=severity, timeout=timeout, markup=markup)

    def on_mount(self) -> None:
        from acct_tui.db import set_abandon_check

        set_abandon_check(_worker_cancelled)
        self.theme = os.environ.get("ACCT_TUI_THEME", "textual-dark")
        self.refresh_overdue()
        # Upkeep of stored scores can wait until the first rows are on screen.
        self.set_timer(1.0, self.refresh_stale_health)
        for problem in self.keymap_problems:
            self.notify(problem, title="Config: keys", severity="warning", markup=False, timeout=10)

    # Views ------------------------------------------------------------------

    async def action_show_view(self, mode: str) -> None:
        if self.current_mode == mode and len(self.screen_stack) > 1:
            # Pressing the view's key again from a pushed screen returns to the view.
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        await self.switch_mode(mode)

    def action_help(self) -> None:
        from acct_tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    def open_account(self, account_id: int, navigator: Any = None) -> None:
        from acct_tui.screens.detail import AccountScreen

        self.push_screen(AccountScreen(account_id, navigator=navigator))

    # The command line, the what-if, contexts ------------------------------------

    def action_command_line(self) -> None:
        """`:`: the verbs of the command line, acting on what is highlighted."""
        from acct_tui.screens.command_line import CommandLineModal, apply_outcome, focus_of

        if isinstance(self.screen, CommandLineModal):
            return
        self.push_screen(CommandLineModal(focus_of(self.screen)), lambda outcome: apply_outcome(self, outcome))

    def action_what_if(self, settings: tuple[str, ...] = ()) -> None:
        from acct_tui.screens.whatif import WhatIfModal

        if not isinstance(self.screen, WhatIfModal):
            self.push_screen(WhatIfModal(tuple(settings)))

    def set_context(self, active: Any) -> None:
        """Narrow every view to `active` (a services.context.ActiveContext), or widen them again with None."""
        from dataclasses import replace

        self.ctx = replace(self.ctx, context=active)
        self.context_name = active.name if active is not None else ""
        self.changed()

    # The queue, read ahead -----------------------------------------------------

    queue_cache: tuple[int, Any] | None = None
    """(data version, queue) read while idle, so the first `2` shows it at once."""
    _prefetched = False

    def prefetch_queue(self) -> None:
        """Once the portfolio is up, read the follow-up queue (and load its screen's code) in the
        background: it is where a manager goes next. The view still reloads when it opens."""
        import acct_tui.screens.queue  # noqa: F401  (its code too, while nothing else happens)
        from acct_tui.services.queue import followup_queue

        if self._prefetched:
            return
        self._prefetched = True
        # What start-up built (Textual, styles, screens) lives as long as the app: keep it out
        # of the collector's full passes, which otherwise hold a keystroke for ~20 ms.
        gc.freeze()
        version = self.data_version

        def keep(queue: Any) -> None:
            if self.data_version == version:
                self.queue_cache = (version, queue)

        self.run_service(followup_queue, self.ctx, exact_counts=False, then=keep, group="queue-prefetch")

    # Undo ---------------------------------------------------------------------

    def action_undo(self) -> None:
        from acct_tui.services.undo import undo_last

        def done(result: Any) -> None:
            self.notify(f"Undone: {result.summary}", title="Undo", markup=False)
            self.changed()

        self.run_service(undo_last, self.ctx, then=done, group="undo")

    # Service runner -----------------------------------------------------------

    def run_service(
        self,
        fn: Callable[..., R],
        *args: Any,
        then: Callable[[R], None] | None = None,
        failed: Callable[[Exception], None] | None = None,
        group: str = "service",
        exclusive: bool = True,
        node: DOMNode | None = None,
        **kwargs: Any,
    ) -> None:
        """Call a service in a thread worker; `then` gets the result on the event loop.

        A ServiceError (validation, not found, conflict) goes to `failed`, or
        to a notification; anything else is logged and shown as one line.
        """
        owner = node or self
        ahead = self.read_ahead
        if ahead is not None and not kwargs and ahead.matches(fn, *args):
            self.read_ahead = None
            result = ahead.take(timeout=0)
            if result is not None:  # read while the app loaded: on screen in the first frame
                if then is not None:
                    then(result)
                return
            fn = _after(ahead, fn)  # still reading: wait for it in the worker

        def job() -> None:
            from acct_tui.db import DatabaseError
            from acct_tui.services.errors import ServiceError

            worker = get_current_worker()
            try:
                result = fn(*args, **kwargs)
            except (ServiceError, DatabaseError) as exc:
                if not worker.is_cancelled:
                    self._deliver(failed or self.show_error, exc, node if failed else None)
                return
            except Exception as exc:
                if worker.is_cancelled:  # abandoned (a newer request replaced it): no one is waiting
                    return
                log.exception("service %s failed", getattr(fn, "__name__", fn))
                self._deliver(self.show_error, exc)
                return
            if then is not None and not worker.is_cancelled:
                self._deliver(then, result, node)

        owner.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def _deliver(self, callback: Callable[[Any], None], value: Any, node: DOMNode | None = None) -> None:
        def hand_over() -> None:
            # The screen that asked can close while the service runs (a key
            # pressed meanwhile): its widgets are gone, so it gets nothing.
            if node is None or node.is_attached:
                callback(value)

        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(hand_over)

    def show_error(self, exc: Exception) -> None:
        from acct_tui.services.errors import ServiceError

        message = str(exc) if isinstance(exc, ServiceError) else f"{exc.__class__.__name__}: {exc}"
        self.notify(message, title="Not done", severity="error", markup=False, timeout=8)

    def changed(self) -> None:
        """Something was written: views reload what they show."""
        self.data_version += 1
        self.refresh_overdue()

    def refresh_overdue(self) -> None:
        from acct_tui.services.queue import overdue_count

        def done(count: int) -> None:
            self.overdue = count

        self.run_service(overdue_count, self.ctx, then=done, group="overdue")

    @work(thread=True, exclusive=True, group="health-refresh", exit_on_error=False)
    def refresh_stale_health(self) -> None:
        """Bring scores whose day has come up to date and renewal checkpoints in step, then let the views reload."""
        from acct_tui.services.derived import refresh_stale_health

        count = refresh_stale_health(self.ctx.today, self.ctx.policy)
        from acct_tui.services.checkpoints import out_of_step, sync_all

        # Services keep checkpoints in step as renewals change; only a bulk write
        # (a seed, an import) leaves the book to be synced as a whole.
        if self.ctx.plan.checkpoints_on_start and out_of_step() and not get_current_worker().is_cancelled:
            import uuid
            from dataclasses import replace

            # A session of its own: `z` must not undo the start-up's checkpoints.
            count += sync_all(replace(self.ctx, session_id=uuid.uuid4().hex, context=None)).accounts
        if count and not get_current_worker().is_cancelled:
            self._deliver(lambda _n: self.changed(), count)

    # Command palette ----------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if self.served and command.title in ("Screenshot",):
                continue
            yield command
        if self.served:
            return
        from acct_tui.screens.transfer import IMPORT_KINDS, open_import

        for label, kind in IMPORT_KINDS:
            yield SystemCommand(
                f"Import {label.lower()} from CSV",
                f"Check, then import a CSV file of {label.lower()} (Salesforce and HubSpot exports as they are)",
                lambda kind=kind: open_import(self, kind),
            )
        yield SystemCommand(
            "Export calendar of follow-ups",
            "Write your open follow-ups as an .ics file your calendar can subscribe to",
            self.action_export_calendar,
        )

    def action_export_calendar(self) -> None:
        from acct_tui.screens.transfer import open_export
        from acct_tui.services.exports import export_calendar

        open_export(self, "calendar", lambda _fmt, out: export_calendar(self.ctx, out), "your follow-ups")

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        if self.served:
            self.notify("Screenshots are off in served sessions.", severity="warning")
            return
        super().action_screenshot(filename, path)

    def action_suspend_process(self) -> None:
        if self.served:
            return
        super().action_suspend_process()
