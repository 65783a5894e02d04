"""The follow-up queue: overdue, due today, coming up, snoozed; one key per action.

After an action the list reloads with the cursor at the same place, which
is now the next item: a manager can hold `d` down a list of done calls.
"""

from __future__ import annotations

import builtins
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from acct_tui.screens.base import RowTarget, ViewScreen
from acct_tui.services.domain.dates import describe_due, describe_recurrence
from acct_tui.services.reads.queue import SECTION_LIMIT, Queue, QueueItem, followup_queue, queue_counts
from acct_tui.text import inert
from acct_tui.widgets.columns import Column, Header
from acct_tui.widgets.display import Palette, health, plain
from acct_tui.widgets.rows import RowList

COLUMNS = (
    Column("due", "Due", 12),  # "until 08 Dec" whole
    Column("priority", "Priority", 8, drop=3),
    Column("health", "Health", 13, drop=2),
    Column("account", "Account", 16, flex=True),
    Column("kind", "Kind", 9, drop=4),
    Column("title", "Follow-up", 18, flex=True),
    Column("assignee", "Assignee", 12, drop=5),
)
SECTION_TITLES = {"overdue": "OVERDUE", "today": "DUE TODAY", "upcoming": "COMING UP", "snoozed": "SNOOZED"}


def _followup_id(item: QueueItem) -> int:
    return item.id


class QueueScreen(ViewScreen):
    VIEW_NAME = "Follow-ups"
    ROW_ACTIONS = ("done", "done_outcome", "snooze", "reschedule", "reassign", "log", "followup", "copy")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "d",
            "done",
            "Done",
            id="queue.done",
            tooltip="Mark the follow-up done (a recurring one schedules the next).",
        ),
        Binding(
            "D",
            "done_outcome",
            "Done+log",
            id="queue.done_log",
            tooltip="Mark done and log what came of it as an activity.",
        ),
        Binding(
            "s",
            "snooze",
            "Snooze",
            id="queue.snooze",
            tooltip="Hide it until a later day (1 day, 3 days, a week, a date) with a reason.",
        ),
        Binding("r", "reschedule", "Reschedule", id="queue.reschedule", tooltip="Move the due date."),
        Binding("a", "reassign", "Reassign", id="queue.reassign", tooltip="Give the follow-up to another agent."),
        Binding("l", "log", "Log", id="queue.log", tooltip="Log a call, email, meeting or note on its account."),
        Binding("f", "followup", "Follow-up", id="queue.followup", tooltip="Add another follow-up on its account."),
        Binding("enter", "open", "Open", id="queue.open", tooltip="Open the follow-up's account."),
        Binding("x", "export", "Export", id="queue.export", tooltip="Export the queue to CSV or JSON."),
        Binding(
            "slash",
            "find",
            "Find",
            show=False,
            id="queue.find",
            tooltip="Find a row by its text; n / N the next, previous.",
        ),
        Binding(
            "y",
            "copy",
            "Copy brief",
            show=False,
            id="queue.copy",
            tooltip="Copy the follow-up's account brief (Markdown) to the clipboard, over SSH too.",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue: Queue | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("", id="queue-counts")
        yield RowList(
            COLUMNS,
            self._cells,
            id="queue",
            mark_key=_followup_id,
            empty_text=(
                "Nothing in your queue. Enjoy the quiet, or press "
                f"{self.acct.key_for('app.today', type(self))} for today's walk."
            ),
        )
        yield Static("", id="queue-detail")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.palette = Palette(self.app.get_css_variables())
        self.list.focus()

    @property
    def list(self) -> RowList[Any]:
        return self.query_one("#queue", RowList)

    def reload(self) -> None:
        """The items first; exact counts of long sections follow in their own query.

        A queue the app read ahead (and nothing changed since) is shown at once
        while the fresh one loads.
        """
        app = self.acct
        cached = app.queue_cache
        if self.queue is None and cached is not None and cached[0] == app.data_version:
            self._loaded(cached[1])
        app.queue_cache = None
        app.run_service(followup_queue, self.ctx, exact_counts=False, then=self._loaded, group="queue", node=self)

    def _loaded(self, queue: Queue) -> None:
        self.queue = queue
        self._show_rows(queue)
        if any(len(queue.section(name)) >= SECTION_LIMIT for name in queue.SECTIONS):

            def counted(counts: dict[str, int]) -> None:
                if self.queue is queue:
                    self.queue = replace(queue, counts=counts)
                    self._show_rows(self.queue)

            self.acct.run_service(queue_counts, self.ctx, then=counted, group="queue-counts", node=self)

    def _show_rows(self, queue: Queue) -> None:
        rows: builtins.list[Any] = []
        for name in queue.SECTIONS:
            items = queue.section(name)
            if not items:
                continue
            count = queue.counts.get(name, len(items))
            more = f" (showing {len(items)})" if count > len(items) else ""
            rows.append(Header(f"{SECTION_TITLES[name]} · {count}{more}"))
            rows.extend(items)
        self.list.set_rows(rows, keep_cursor=True)
        self.list.keep_marks({r.id for r in rows if isinstance(r, QueueItem)})
        self._show_counts()
        has_items = any(isinstance(r, QueueItem) for r in rows)
        if not has_items:
            self.query_one("#queue-detail", Static).update("")
        self.keys_may_have_changed(has_items)

    def _show_counts(self) -> None:
        queue = self.queue
        if queue is None:
            return
        counts = " · ".join(f"{SECTION_TITLES[n].lower()} {queue.counts.get(n, 0)}" for n in queue.SECTIONS)
        line = Text(counts, no_wrap=True, overflow="ellipsis")
        marked = len(self.list.marked)
        if marked:
            keys = self.key_hint(("queue.done", "done"), ("queue.snooze", "snooze"), ("queue.reassign", "reassign"))
            keys += f" · {self.acct.key_for('list.unmark', RowList)} unmark"
            line = Text(f"{marked:,} marked ({keys}) · ", style="bold", no_wrap=True, overflow="ellipsis") + line
        self.query_one("#queue-counts", Static).update(line)

    @on(RowList.MarksChanged, "#queue")
    def _marks_changed(self) -> None:
        self._show_counts()

    def run_row_action(self, name: str) -> None:
        if self.list.marked and name not in ("copy",):
            from acct_tui.screens.bulk import run_marked

            run_marked(self.acct, name, list(self.list.marked), "follow-up", self.list.action_unmark)
            return
        super().run_row_action(name)

    def _cells(self, item: QueueItem) -> builtins.list[Text]:
        today = self.ctx.today
        if item.snoozed_until and item.snoozed_until > today:
            due = Text(f"until {item.snoozed_until:%d %b}")
        else:
            due = Text(describe_due(item.due_on, today), style="bold" if item.due_on < today else "")
        return [
            due,
            Text(inert(item.priority), style="bold" if item.priority in ("high", "urgent") else ""),
            health(item.health_band, item.health_score, self.palette),
            plain(item.account_name),
            Text(inert(item.kind)),
            plain(item.title),
            plain(item.assignee_name),
        ]

    @on(RowList.Highlighted, "#queue")
    def _highlighted(self, event: RowList.Highlighted) -> None:
        item = event.row
        if not isinstance(item, QueueItem):
            return
        text = Text(no_wrap=False)
        text.append(inert(item.title), style="bold")
        text.append(f" · {inert(item.account_name)} · urgency {item.urgency}: ")
        text.append(", ".join(item.reasons) or "nothing pressing")
        if item.recurrence:
            text.append(f" · repeats {describe_recurrence(item.recurrence)}")
        if item.snooze_reason:
            text.append(f" · snoozed: {inert(item.snooze_reason)}")
        if item.woke_reason:
            text.append(f" · woke: {inert(item.woke_reason)}")
        if item.notes:
            text.append(f"\n{inert(item.notes)}")
        self.query_one("#queue-detail", Static).update(text)

    def _item(self) -> QueueItem | None:
        row = self.list.current
        return row if isinstance(row, QueueItem) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("done", "snooze", "reassign") and self.list.marked:
            return True
        if action in ("done", "done_outcome", "snooze", "reschedule", "reassign", "log", "followup", "open"):
            return True if self._item() is not None else None
        return True

    def row_target(self) -> RowTarget | None:
        item = self._item()
        return RowTarget(item.account_id, item.account_name, item) if item is not None else None

    def action_find(self) -> None:
        from acct_tui.widgets.find import open_find

        open_find(self.list)

    def action_open(self) -> None:
        if (item := self._item()) is not None:
            # From the queue the manager came for a follow-up: the account opens on its follow-ups.
            self.acct.open_account(item.account_id, pane="followups")

    def action_export(self) -> None:
        from acct_tui.screens.transfer import open_export
        from acct_tui.services.io.exports import export_queue

        open_export(self.acct, "queue", lambda fmt, out: export_queue(self.ctx, fmt, out), "your follow-up queue")

    @on(RowList.Selected, "#queue")
    def _selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.action_open()
