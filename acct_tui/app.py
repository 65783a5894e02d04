"""The dashboard application: three views as modes, global keys, undo, and the service runner.

The app is built by the command line (or a test) with its collaborators
passed in: the acting agent's context (agent, clock, health policy) and the
database already bound. Screens never touch the database themselves. They
ask one of two runners to call a service in a thread:

- `run_service` reads: exclusive per view (a newer read abandons an older
  one), the result handed back on the event loop;
- `write` writes: owned by the app, queued and run one at a time in order,
  never cancelled, and it reports the change itself (views reload, a message
  with the undo key).

Keys go out one at a time, and a dialog still opening gets the keys typed
after the one that opened it (see `on_event`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
import threading

# Textual draws at most TEXTUAL_FPS frames a second and holds a key's frame
# until the next tick: at the default 60 that alone is up to 17 ms from key
# to screen. Frames are only drawn when something changed, so a faster tick
# costs nothing while idle. Set before Textual is imported; the user's own
# setting wins.
os.environ.setdefault("TEXTUAL_FPS", "240")
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.dom import DOMNode
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import NoActiveWorker, get_current_worker

from acct_tui.config import Settings
from acct_tui.formpool import FormPool
from acct_tui.readahead import ReadAhead
from acct_tui.screens.base import After, AppScreen, RowTarget
from acct_tui.screens.portfolio import Navigator, PortfolioScreen
from acct_tui.services.context import Ctx
from acct_tui.text import inert
from acct_tui.widgets import textual_fixes

textual_fixes.apply()

R = TypeVar("R")
log = logging.getLogger("acct_tui")
WRITES = "writes"
"""The writer's worker group: never exclusive, never cancelled by a newer request."""


class KeyPassed(Message):
    """Sent up after a key, along the same widgets: when it reaches the app, that key was handled."""


@dataclass(frozen=True)
class _Write(Generic[R]):
    """One write the user asked for, and how to report it."""

    call: Callable[[], R]
    done: str | Callable[[R], str]
    changes: Callable[[R], bool] | None
    undoable: bool
    then: Callable[[R], None] | None
    failed: Callable[[Exception], bool] | None


# The other views, forms and palette providers load when first used, not
# before the first rows are on screen.


def _queue_screen() -> Screen[Any]:
    from acct_tui.screens.queue import QueueScreen

    return QueueScreen()


def _today_screen() -> Screen[Any]:
    from acct_tui.screens.today import TodayScreen

    return TodayScreen()


def _reports_screen() -> Screen[Any]:
    from acct_tui.screens.reports import ReportsScreen

    return ReportsScreen()


def _accounts_provider() -> type[Provider]:
    from acct_tui.palette import AccountsProvider

    return AccountsProvider


def _actions_provider() -> type[Provider]:
    from acct_tui.palette import ActionsProvider

    return ActionsProvider


def _views_provider() -> type[Provider]:
    from acct_tui.palette import ViewsProvider

    return ViewsProvider


def _contexts_provider() -> type[Provider]:
    from acct_tui.palette import ContextsProvider

    return ContextsProvider


def _after(ahead: ReadAhead, fn: Callable[..., R]) -> Callable[..., R]:
    """`fn`, answered by the read-ahead when it succeeds."""

    def call(*args: Any) -> R:
        result = ahead.take()
        return fn(*args) if result is None else result

    return call


def _worker_cancelled() -> bool:
    """Whether the thread asking runs a read that was cancelled (a write is never abandoned)."""
    try:
        worker = get_current_worker()
    except NoActiveWorker:
        return False
    return worker.is_cancelled and worker.group != WRITES


class AcctApp(FormPool, App[int]):
    """acct-tui: portfolio, follow-ups and today, for one agent."""

    TITLE = "acct-tui"
    # Every style sheet is read at start: a screen's own CSS_PATH is read the first time it
    # opens, and reading one re-parses every sheet and restyles every widget of the app,
    # which made the first form of a session take a few hundred ms to appear.
    CSS_PATH = ["app.tcss", "screens/views.tcss", "screens/forms.tcss"]
    ENABLE_COMMAND_PALETTE = True

    MODES: ClassVar[dict[str, Any]] = {
        "portfolio": PortfolioScreen,
        "followups": _queue_screen,
        "today": _today_screen,
        "reports": _reports_screen,
    }
    DEFAULT_MODE = "portfolio"
    COMMANDS = App.COMMANDS | {_accounts_provider, _actions_provider, _contexts_provider, _views_provider}

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
        Binding(
            "4",
            "show_view('reports')",
            "Reports",
            id="app.reports",
            tooltip="The book seen whole: ARR by health, renewals, follow-ups, concerns, satisfaction, team.",
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
        self._held_keys: deque[events.Key] = deque()
        self._key_out: DOMNode | None = None
        """Where the last key went: the next waits until it is handled."""
        self._key_watch: Timer | None = None
        self._unready_ticks = 0
        self._writes: deque[_Write[Any]] = deque()
        self._write_lock = threading.Lock()
        self._writing = False
        self._quit_after_writes = False
        self.keymap: dict[str, str] = {}
        """The `[keys]` remaps in force (binding id -> keys)."""
        self.keymap_problems: list[str] = []
        if settings is not None and settings.keys:
            # Loaded only when a config remaps keys: it reads every screen's bindings.
            from acct_tui.keymap import binding_classes, keymap_from_config

            classes = [type(self), *binding_classes()]
            keymap, self.keymap_problems = keymap_from_config({"keys": dict(settings.keys)}, classes)
            self.keymap = keymap
            self.set_keymap(keymap)

    @property
    def today(self) -> dt.date:
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
        self._key_watch = self.set_interval(0.25, self._unstick_keys, pause=True)
        self.theme = os.environ.get("ACCT_TUI_THEME", "textual-dark")
        self.refresh_overdue()
        # Upkeep of stored scores can wait until the first rows are on screen.
        self.set_timer(1.0, self.refresh_stale_health)
        self.set_timer(0.5, self.draw_spare_forms)
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

    def open_account(self, account_id: int, navigator: Navigator | None = None, *, pane: str = "timeline") -> None:
        """Open the client detail of an account, on `pane` (the queue opens on Follow-ups)."""
        from acct_tui.screens.detail import AccountScreen

        self.push_screen(AccountScreen(account_id, navigator=navigator, pane=pane))

    def run_row_action(self, name: str, target: RowTarget, after: After = None) -> None:
        """Run the shared action `name` (screens.actions.ROW_ACTIONS) on what a view has highlighted."""
        # The actions and their forms load on first use, not before the first rows are on screen.
        from acct_tui.screens.actions import ROW_ACTIONS

        ROW_ACTIONS[name](self, target, after)

    # The command line, the what-if, contexts ------------------------------------

    def action_command_line(self) -> None:
        """`:`: the verbs of the command line, acting on what is highlighted."""
        from acct_tui.screens.command_line import CommandLineModal, focus_of

        if isinstance(self.screen, CommandLineModal):
            return
        self.push_screen(CommandLineModal(focus_of(self.screen)))

    def action_what_if(self, settings: tuple[str, ...] = ()) -> None:
        from acct_tui.screens.whatif import WhatIfModal

        if not isinstance(self.screen, WhatIfModal):
            self.push_screen(WhatIfModal(tuple(settings)))

    def show_portfolio_view(self, state: dict[str, Any]) -> None:
        """Put a saved view's sort, filter and quick filters on the portfolio, and show it."""
        from acct_tui.screens.portfolio import PortfolioScreen

        async def show() -> None:
            await self.action_show_view("portfolio")
            while len(self.screen_stack) > 1 and not isinstance(self.screen, PortfolioScreen):
                self.pop_screen()
            if isinstance(self.screen, PortfolioScreen):
                self.screen.apply_view(state)

        self.call_later(show)

    def set_context(self, active: Any) -> None:
        """Narrow every view to `active` (a services.context.ActiveContext), or widen them again with None."""
        from dataclasses import replace

        self.ctx = replace(self.ctx, context=active)
        self.context_name = active.name if active is not None else ""
        self.changed()  # nothing was written, but every view shows other rows now

    # The queue, read ahead -----------------------------------------------------

    queue_cache: tuple[int, Any] | None = None
    """(data version, queue) read while idle, so the first `2` shows it at once."""
    _prefetched = False

    def prefetch_queue(self) -> None:
        """Once the portfolio is up, read the follow-up queue (and load its screen's code) in the
        background: it is where a manager goes next. The view still reloads when it opens."""
        import acct_tui.screens.queue  # noqa: F401  (its code too, while nothing else happens)
        from acct_tui.services.reads.queue import followup_queue

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
        from acct_tui.services.store.undo import undo_last

        # A write like any other: queued behind the change it undoes, never abandoned.
        self.write(undo_last, self.ctx, done=lambda result: f"Undone: {result.summary}", undoable=False)

    async def action_quit(self) -> None:
        """Quit, once the writes asked for are saved (asked again while saving: at once)."""
        if self.writing and not self._quit_after_writes:
            self._quit_after_writes = True
            self.notify("Saving… acct-tui closes once it is saved.", markup=False)
            return
        self.exit()

    # Keys: one at a time, and none lost to a dialog still opening --------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and event.key not in self._force_quit_keys():
            # Over SSH keys come in bursts: `l` then `a` arrive together. Textual would
            # route `a` to the list before `l` has opened its form (a key's action runs
            # only once it has come back up from the focused widget), so `a` would turn
            # on a filter. Keys wait here, and each goes out once the one before it was
            # handled and whatever it opened is ready for keys.
            self._held_keys.append(event)
            await self._feed_keys()
            return
        await super().on_event(event)

    async def _feed_keys(self) -> None:
        while self._held_keys and self._key_out is None and self._takes_keys():
            key = self._held_keys.popleft()
            await super().on_event(key)
            if key.is_forwarded:  # on its way up from the focused widget: wait until it is back
                target = self.focused or self.screen
                self._key_out = target
                target.post_message(KeyPassed())
        if self._key_watch is not None:
            if self._held_keys:
                self._key_watch.resume()
            else:
                self._key_watch.pause()
                self._unready_ticks = 0

    def _force_quit_keys(self) -> list[str]:
        """ctrl+q (or its remap) quits always, even with keys waiting."""
        return self.keymap.get("app.force_quit", "ctrl+q").split(",")

    def _takes_keys(self) -> bool:
        screen = self.screen
        return not isinstance(screen, AppScreen) or screen.ready_for_keys

    @on(KeyPassed)
    async def _key_passed(self) -> None:
        self._key_out = None
        await self._feed_keys()

    def feed_keys_later(self) -> None:
        """A dialog became ready (or closed): hand it what was typed ahead, in order."""
        self.call_later(self._feed_keys)

    async def _unstick_keys(self) -> None:
        """Every quarter second while keys wait: make sure nothing holds them for good."""
        # A key whose widget went away before it came back up (its screen closed) is
        # not coming back: it must not hold the keys behind it.
        out = self._key_out
        if out is not None and not out.is_attached:
            self._key_out = None
        screen = self.screen
        if isinstance(screen, AppScreen) and not screen.ready_for_keys:
            # A dialog whose choices never came (an unexpected error) still gets the keys
            # after two seconds: escape must close it.
            self._unready_ticks += 1
            if self._unready_ticks >= 8:
                screen.ready_for_keys = True
        else:
            self._unready_ticks = 0
        await self._feed_keys()

    def key_for(self, binding_id: str, owner: type[DOMNode] | None = None) -> str:
        """The key in force for a binding id, as shown to a person: the config's `[keys]` remap,
        else the key `owner` (a screen class; the app by default) binds it to."""
        keys = self.keymap.get(binding_id)
        if not keys:
            for klass in (owner or type(self)).__mro__:
                for binding in klass.__dict__.get("BINDINGS", ()):
                    if isinstance(binding, Binding) and binding.id == binding_id:
                        keys = binding.key
                        break
                if keys:
                    break
        if not keys and owner is not None:
            return self.key_for(binding_id)  # an app-wide key named from a screen
        if not keys:
            return ""
        display = self.get_key_display(Binding(keys.split(",")[0], ""))
        return "enter" if display == "⏎" else display  # in a sentence the word reads better than the glyph

    # Runners: reads may be abandoned, writes never ------------------------------

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
        """Read: call a service in a thread worker; `then` gets the result on the event loop.

        A read is exclusive per `group`: a newer one abandons the older (its result is
        dropped). A ServiceError (validation, not found, conflict) goes to `failed`, or
        to a notification; anything else is logged and shown as one line. Writes go
        through `write`, never through here.
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

    def write(
        self,
        fn: Callable[..., R],
        *args: Any,
        done: str | Callable[[R], str] = "",
        changes: Callable[[R], bool] | None = None,
        undoable: bool = True,
        then: Callable[[R], None] | None = None,
        failed: Callable[[Exception], bool] | None = None,
        **kwargs: Any,
    ) -> None:
        """Write: queue a service call that changes data; the app owns it from here.

        Writes run one at a time in the order asked, in their own worker, and are
        never cancelled: closing the form or screen that asked does not abandon one.
        On success the app reports the change itself: views reload (data version),
        the message `done` (or `done(result)`) is shown with the undo key, and `then`
        gets the result. `changes(result)` says whether anything was written (a
        command-line verb may only read); by default a write always changes data,
        and `undoable=False` leaves the undo key out (undo itself).
        A refusal goes to `failed`, which returns whether it showed it (a form still
        open shows it by its fields); otherwise the app shows it.
        """
        job = _Write(partial(fn, *args, **kwargs), done, changes, undoable, then, failed)
        with self._write_lock:
            self._writes.append(job)
            if self._writing:
                return
            self._writing = True
        self.run_worker(self._run_writes, thread=True, group=WRITES, exclusive=False, exit_on_error=False)

    def _run_writes(self) -> None:
        """The writer: the queued writes, in order, until there are none."""
        from acct_tui.db import DatabaseError
        from acct_tui.services.errors import ServiceError

        while True:
            with self._write_lock:
                if not self._writes:
                    self._writing = False
                    if self._quit_after_writes:
                        with contextlib.suppress(RuntimeError):
                            self.call_from_thread(self.exit)
                    return
                job = self._writes.popleft()
            try:
                result = job.call()
            except (ServiceError, DatabaseError) as exc:
                self._deliver(partial(self._write_refused, job), exc)
                continue
            except Exception as exc:
                log.exception("write %s failed", getattr(job.call, "__name__", job.call))
                self._deliver(partial(self._write_refused, job), exc)
                continue
            self._deliver(partial(self._write_done, job), result)

    def _write_done(self, job: _Write[Any], result: Any) -> None:
        wrote = job.changes(result) if job.changes is not None else True
        if wrote:
            self.changed()
        message = job.done(result) if callable(job.done) else job.done
        if message:
            undo = self.key_for("app.undo") if wrote and job.undoable else ""
            self.notify(message + (f" · {undo} to undo" if undo else ""), markup=False)
        if job.then is not None:
            job.then(result)

    def _write_refused(self, job: _Write[Any], exc: Exception) -> None:
        if job.failed is None or not job.failed(exc):
            self.show_error(exc)

    @property
    def writing(self) -> bool:
        """Whether a write is queued or running."""
        with self._write_lock:
            return self._writing

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
        """Something was written: views reload what they show. Only the write runner (and
        the app's own upkeep) call this: screens ask `write`, which reports the change."""
        self.data_version += 1
        self.refresh_overdue()

    def refresh_overdue(self) -> None:
        from acct_tui.services.reads.queue import overdue_count

        def done(count: int) -> None:
            self.overdue = count

        self.run_service(overdue_count, self.ctx, then=done, group="overdue")

    @work(thread=True, exclusive=True, group="health-refresh", exit_on_error=False)
    def refresh_stale_health(self) -> None:
        """Bring scores whose day has come up to date and renewal checkpoints in step, then let the views reload."""
        from acct_tui.services.store.derived import refresh_stale_health

        count = refresh_stale_health(self.ctx.today, self.ctx.policy)
        from acct_tui.services.writes.checkpoints import out_of_step, sync_all

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
        # Of Textual's own commands only Theme serves an account manager (a light terminal, a projector):
        # Quit and Keys are the screen's own keys already, and Screenshot, Maximize and Bell are clutter.
        for command in super().get_system_commands(screen):
            if command.title == "Theme":
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
        from acct_tui.services.io.calendar import export_calendar

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
