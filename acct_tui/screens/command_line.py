"""The `:` command line: one line at the bottom of any view, the same verbs as `acct-tui <verb>`.

`:snooze 2w waiting on legal` acts on the highlighted follow-up, `:log call
Spoke to Ines` on the highlighted account, `:goto acme` opens an account,
`:context enterprise` narrows every view. Hints below the line show the verbs
that fit what is typed; an error stays on the line to be fixed; escape closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from acct_tui.screens.base import DismissOnce
from acct_tui.screens.modals import TextModal
from acct_tui.services.grammar.run import Outcome
from acct_tui.services.grammar.syntax import VERBS, CommandError, Focus, hints, parse_line, prompt_names
from acct_tui.text import inert

if TYPE_CHECKING:
    from acct_tui.app import AcctApp

HISTORY: list[str] = []
"""Lines run in this process, newest last (up / down walk them)."""


def focus_of(screen: Screen[Any]) -> Focus:
    """What the view under the prompt has highlighted: the follow-up and the account a verb acts on."""
    own = getattr(screen, "command_focus", None)
    if callable(own):
        focus = own()
        if isinstance(focus, Focus):
            return focus
    item = _queue_item(screen)
    if item is not None:
        return Focus(item.account_id, item.account_name, item.id, item.title)
    walk = getattr(screen, "current", None)  # today's walk: an upkeep item, with or without a follow-up
    if walk is not None and isinstance(getattr(walk, "account_id", None), int) and hasattr(walk, "followup"):
        if walk.followup is not None:
            return Focus(walk.account_id, walk.account_name, walk.followup.id, walk.followup.title)
        return Focus(walk.account_id, walk.account_name)
    account_id = getattr(screen, "account_id", None)  # the client detail
    if isinstance(account_id, int):
        selected = getattr(screen, "_selected_followup", None)
        item = selected() if callable(selected) else None
        detail = getattr(screen, "detail", None)
        name = detail.card.name if detail is not None else ""
        if item is not None:
            return Focus(account_id, name, item.id, item.title)
        return Focus(account_id, name)
    table = getattr(screen, "table", None)  # the portfolio's account list
    state = _view_state(screen)
    row = getattr(table, "current", None)
    if row is not None and isinstance(getattr(row, "id", None), int):
        return Focus(row.id, str(getattr(row, "name", "")), view_state=state)
    return Focus(view_state=state)


def _view_state(screen: Screen[Any]) -> dict[str, Any] | None:
    """The portfolio's sort, filter and quick filters, for `:save`."""
    from acct_tui.screens.portfolio import PortfolioScreen

    return screen.view_state() if isinstance(screen, PortfolioScreen) else None


def _queue_item(screen: Screen[Any]) -> Any:
    """The follow-up under the queue's cursor, if the screen is the queue."""
    from acct_tui.screens.queue import QueueScreen

    if isinstance(screen, QueueScreen):
        return screen._item()
    return None


def _verb_words() -> list[str]:
    words = set(prompt_names())
    words |= {v.name for v in VERBS if v.prompt}
    return sorted(words)


class CommandLineModal(DismissOnce[None], ModalScreen[None]):
    """`:` — type a verb, enter runs it, escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="command.close", tooltip="Close the command line."),
        Binding("up", "history(-1)", "Previous", show=False, id="command.previous", tooltip="The line run before."),
        Binding("down", "history(1)", "Next", show=False, id="command.next", tooltip="The line run after."),
    ]
    DEFAULT_CSS = """
    CommandLineModal { align: left bottom; background: $background 0%; }
    #command-box { dock: bottom; height: auto; background: $panel; padding: 0 1; }
    #command-hints { color: $text-muted; height: auto; max-height: 6; }
    #command-error { color: $error; height: auto; }
    #command-input { border: none; height: 1; padding: 0; background: $panel; }
    """

    def __init__(self, focus: Focus) -> None:
        super().__init__()
        self.target = focus
        self.history_at = len(HISTORY)
        self.ready_for_keys = False

    def compose(self) -> ComposeResult:
        with Vertical(id="command-box"):
            yield Static("", id="command-hints")
            yield Static("", id="command-error")
            yield Input(
                placeholder=self._placeholder(),
                id="command-input",
                suggester=SuggestFromList(_verb_words(), case_sensitive=False),
            )

    def _placeholder(self) -> str:
        if self.target.followup_id is not None:
            return f":verb for #{self.target.followup_id} {inert(self.target.followup_title)[:40]} (snooze 2w …, done)"
        if self.target.account_id is not None:
            return f":verb for {inert(self.target.account_name)[:40]} (log call …, goto …, context …)"
        return ":verb (goto acme, context NAME, health what-if healthy_at=80, undo)"

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#command-input", Input))  # now: the keys typed after `:` go here
        self._hint("")
        self.keys_ready()

    def _hint(self, text: str) -> None:
        found = hints(text)[:5]
        self.query_one("#command-hints", Static).update(Text("\n".join(found)))

    @on(Input.Changed, "#command-input")
    def _changed(self, event: Input.Changed) -> None:
        self._hint(event.value)
        self.query_one("#command-error", Static).update("")

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value.strip().removeprefix(":").strip()
        if not line:
            self.dismiss(None)
            return
        try:
            command = parse_line(line, self.target)
        except CommandError as exc:
            self._error(str(exc))
            return
        if not HISTORY or HISTORY[-1] != line:
            HISTORY.append(line)
        self.history_at = len(HISTORY)
        from acct_tui.services.grammar.run import execute

        app = self.acct
        raw = app.settings.as_config() if app.settings is not None else {}

        def refused(exc: Exception) -> bool:
            if not self.is_open:
                return False
            self._error(str(exc))
            return True

        # A verb may write: the app owns it like any write (in order, never abandoned, reported).
        app.write(
            execute, app.ctx, command, raw, done=report, changes=lambda outcome: outcome.wrote,
            then=self._ran, failed=refused,
        )  # fmt: skip

    def _ran(self, outcome: Outcome) -> None:
        self.dismiss(None)
        apply_outcome(self.acct, outcome)

    def _error(self, message: str) -> None:
        self.query_one("#command-error", Static).update(Text(message))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_history(self, step: int) -> None:
        if not HISTORY:
            return
        self.history_at = max(0, min(len(HISTORY), self.history_at + step))
        box = self.query_one("#command-input", Input)
        box.value = HISTORY[self.history_at] if self.history_at < len(HISTORY) else ""
        box.cursor_position = len(box.value)


def report(outcome: Outcome) -> str:
    """What the app says once a verb ran (a long answer opens in its own window instead)."""
    return "" if outcome.text else outcome.message


def apply_outcome(app: AcctApp, outcome: Outcome | None, *, said: bool = True) -> None:
    """Do what a verb's outcome asks of the dashboard: narrow, open, show.

    The write runner already reloaded the views and said what was done; `said=False`
    (a verb run as a read, the palette's contexts) says it here.
    """
    if outcome is None:
        return
    if outcome.context_changed:
        app.set_context(outcome.context)
    if outcome.portfolio_state is not None:
        app.show_portfolio_view(outcome.portfolio_state)
    elif outcome.view is not None:
        app.call_later(app.action_show_view, outcome.view)
    if outcome.open_account is not None:
        app.open_account(outcome.open_account)
    if outcome.what_if is not None:
        app.action_what_if(outcome.what_if)
    if outcome.text:
        app.push_screen(TextModal(outcome.message, outcome.text))
        return
    if not said:
        app.notify(outcome.message, markup=False)
