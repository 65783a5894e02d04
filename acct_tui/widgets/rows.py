"""RowList: a keyboard-first list that draws only the rows on screen.

It knows how many rows there are, holds the ones it has been given in a
bounded page cache, and asks its owner for a page it lacks by posting
`RowList.PageWanted`; the owner fetches that page off the event loop and
hands it back with `set_page`. So a list of a million accounts costs what
its visible window costs. Which columns fit, and how a row's cells are
drawn, is in `acct_tui.widgets.columns`.

Rows are drawn from `rich.text.Text`, never from markup, so what records
hold is shown as it is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from acct_tui.widgets.columns import Cells, Column, Header, draw_line, draw_text, fit_columns, header_cells, shown_cells

MARK_COLUMN = Column("mark", "", 1)
"""Shown first while rows are marked: ✓ on each marked row (● is a health band's)."""

T = TypeVar("T")


class RowList(ScrollView, Generic[T], can_focus=True):
    """A virtual, paged list with a sticky column header and a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up", tooltip="Move the cursor up one row."),
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down", tooltip="Move the cursor down one row."),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up", tooltip="Move up a screenful."),
        Binding(
            "pagedown,ctrl+f",
            "page_down",
            "Page down",
            show=False,
            id="list.page_down",
            tooltip="Move down a screenful.",
        ),
        Binding(
            "ctrl+d", "half_down", "Half page down", show=False, id="list.half_down", tooltip="Down half a screen."
        ),
        Binding("ctrl+u", "half_up", "Half page up", show=False, id="list.half_up", tooltip="Up half a screen."),
        Binding("home,g", "first", "First", show=False, id="list.first", tooltip="Jump to the first row."),
        Binding(
            "n", "find(1)", "Next match", show=False, id="list.find_next", tooltip="The next row that matches the find."
        ),
        Binding("N", "find(-1)", "Previous match", show=False, id="list.find_previous", tooltip="The previous match."),
        Binding("space", "mark", "Mark", show=False, id="list.mark", tooltip="Mark the row (then act on all marked)."),
        Binding("asterisk", "mark_all", "Mark all", show=False, id="list.mark_all", tooltip="Mark every row shown."),
        Binding("escape", "unmark", "Unmark", show=False, id="list.unmark", tooltip="Clear the marks."),
        Binding("end,G", "last", "Last", show=False, id="list.last", tooltip="Jump to the last row."),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rowlist--header",
        "rowlist--cursor",
        "rowlist--section",
        "rowlist--placeholder",
        "rowlist--empty",
    }

    DEFAULT_CSS = """
    RowList {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    RowList > .rowlist--header { text-style: bold; background: $panel; }
    RowList > .rowlist--cursor { background: $block-cursor-blurred-background; text-style: bold; }
    RowList:focus > .rowlist--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    RowList > .rowlist--section { text-style: bold; color: $secondary; }
    RowList > .rowlist--placeholder { color: $text-muted; }
    RowList > .rowlist--empty { color: $text-muted; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)
    """The highlighted row. Moving it redraws the two rows that changed (watch_cursor), not the list:
    a full repaint is a screenful of bytes per key over SSH."""

    class PageWanted(Message):
        """The list needs rows [start, start + size) it does not hold."""

        def __init__(self, row_list: RowList[Any], start: int, size: int, generation: int) -> None:
            super().__init__()
            self.row_list = row_list
            self.start = start
            self.size = size
            self.generation = generation

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    class Highlighted(Message):
        def __init__(self, row_list: RowList[Any], index: int, row: Any) -> None:
            super().__init__()
            self.row_list = row_list
            self.index = index
            self.row = row

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    class MarksChanged(Message):
        """The marked rows changed: `count` of them now."""

        def __init__(self, row_list: RowList[Any], count: int) -> None:
            super().__init__()
            self.row_list = row_list
            self.count = count

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    class MarkAllWanted(Message):
        """`*` on a list that holds only some of its rows: the screen reads every key and calls `mark`."""

        def __init__(self, row_list: RowList[Any]) -> None:
            super().__init__()
            self.row_list = row_list

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    class Selected(Message):
        def __init__(self, row_list: RowList[Any], index: int, row: Any) -> None:
            super().__init__()
            self.row_list = row_list
            self.index = index
            self.row = row

        @property
        def control(self) -> RowList[Any]:
            return self.row_list

    def __init__(
        self,
        columns: Sequence[Column],
        cells: Cells,
        *,
        page_size: int = 100,
        max_pages: int = 40,
        empty_text: str = "Nothing here.",
        mark_key: Callable[[Any], Any] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.mark_key = mark_key
        """A row's key for marking (space, *); None: the list does not mark."""
        self.find_text = ""
        """What `/` looks for in the rows held (n / N go to the next and previous match)."""
        self.marked: dict[Any, None] = {}
        """The marked rows' keys, in the order marked."""
        self.columns = list(columns)
        self._cells = cells
        self.page_size = page_size
        self._max_pages = max_pages
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._pending: set[int] = set()
        self._row_count = 0
        self.generation = 0
        self.empty_text = empty_text
        self._widths: list[tuple[Column, int]] = []
        self._layout_width = -1
        self._strips: dict[tuple[bool, int, bool, bool, int], Strip] = {}

    # The data ----------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._row_count

    def reset(self, row_count: int, first_page: Sequence[Any] | None = None, *, keep_cursor: bool = False) -> None:
        """Start over with a new row count (a new filter or sort, or fresh data)."""
        self.generation += 1
        self._pages.clear()
        self._pending.clear()
        self._strips.clear()
        self._row_count = max(0, row_count)
        if first_page is not None:
            self._pages[0] = list(first_page)
        self.virtual_size = Size(self.size.width, self._row_count + 1)
        target = min(self.cursor, max(0, self._row_count - 1)) if keep_cursor else 0
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
        self.cursor = self._selectable_from(target, 1)
        self.refresh()

    def set_row_count(self, row_count: int) -> None:
        """The true count arrived (after a first page shown on its own): keep the pages held."""
        self._row_count = max(0, row_count)
        self._strips.clear()
        self.virtual_size = Size(self.size.width, self._row_count + 1)
        if self.cursor >= self._row_count:
            self.cursor = max(0, self._row_count - 1)
        self.refresh()

    def set_rows(self, rows: Sequence[Any], *, keep_cursor: bool = True) -> None:
        """Hold every row in memory (short lists such as the queue)."""
        page_size = max(1, len(rows))
        self.page_size = page_size
        self.reset(len(rows), rows, keep_cursor=keep_cursor)

    def set_page(self, start: int, rows: Sequence[Any], generation: int) -> None:
        """Rows fetched for a PageWanted; stale generations are ignored."""
        if generation != self.generation:
            return
        page = start // self.page_size
        self._pending.discard(page)
        self._pages[page] = list(rows)
        self._strips.clear()
        self._pages.move_to_end(page)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        self.refresh()
        if page == self.cursor // self.page_size:
            self._announce()

    def row_at(self, index: int) -> Any | None:
        if not 0 <= index < self._row_count:
            return None
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> Any | None:
        return self.row_at(self.cursor)

    def want_page(self, index: int) -> None:
        """Ask for the page holding row `index` unless it is held or on its way."""
        if 0 <= index < self._row_count:
            self._want(index)

    def _want(self, index: int) -> None:
        page = index // self.page_size
        if page in self._pages or page in self._pending:
            return
        self._pending.add(page)
        self.post_message(self.PageWanted(self, page * self.page_size, self.page_size, self.generation))

    # Cursor ------------------------------------------------------------------

    def _selectable(self, index: int) -> bool:
        return not isinstance(self.row_at(index), Header)

    def _selectable_from(self, index: int, step: int) -> int:
        if self._row_count == 0:
            return 0
        index = max(0, min(index, self._row_count - 1))
        probe = index
        while 0 <= probe < self._row_count and not self._selectable(probe):
            probe += step
        if 0 <= probe < self._row_count:
            return probe
        probe = index
        while 0 <= probe < self._row_count and not self._selectable(probe):
            probe -= step
        return max(0, min(probe, self._row_count - 1))

    def move_to(self, index: int, step: int = 1) -> None:
        self.cursor = self._selectable_from(index, step)

    _base: Style | None = None

    @property
    def base_style(self) -> Style:
        """The widget's own style (Textual works it out from every ancestor each time it is asked)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def notify_style_update(self) -> None:
        """Styles changed (focus, theme, a class): drawn lines and the base style are stale."""
        self._base = None
        self._strips.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    def set_columns(self, columns: Sequence[Column]) -> None:
        """New column labels or set (a sort arrow moved)."""
        self.columns = list(columns)
        self._layout_width = -1
        self._strips.clear()
        self.refresh()

    def watch_cursor(self, old: int, new: int) -> None:
        top = round(self.scroll_y)
        self._scroll_to_cursor()
        if round(self.scroll_y) == top:
            # Only the two rows that changed look need drawing again.
            self._refresh_row(old)
            self._refresh_row(new)
        self._announce()

    def _refresh_row(self, index: int) -> None:
        y = index - round(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _announce(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Highlighted(self, self.cursor, row))
        elif self._row_count:
            self._want(self.cursor)
        # Fetch ahead, so moving on rarely waits for the database.
        self.want_page(self.cursor + self.page_size // 2)
        self.want_page(self.cursor - self.page_size // 2)

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_cursor_up(self) -> None:
        if self.cursor > 0:
            self.move_to(self.cursor - 1, -1)

    def action_cursor_down(self) -> None:
        if self.cursor < self._row_count - 1:
            self.move_to(self.cursor + 1, 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.size.height - 2), -1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.size.height - 2), 1)

    def action_half_down(self) -> None:
        self.move_to(self.cursor + max(1, (self.size.height - 2) // 2), 1)

    def action_half_up(self) -> None:
        self.move_to(self.cursor - max(1, (self.size.height - 2) // 2), -1)

    # Find ------------------------------------------------------------------------

    def find(self, text: str, step: int = 1, *, here: bool = False) -> bool:
        """Move to the next row (`step` 1) or the previous (-1) whose cells hold `text`, any case,
        wrapping round; `here` lets the current row match. False (the cursor stays) if none does."""
        self.find_text = text
        wanted = text.casefold().strip()
        count = self._row_count
        if not wanted or not count:
            return False
        start = self.cursor if here else self.cursor + step
        for offset in range(count):
            index = (start + offset * step) % count
            row = self.row_at(index)
            if row is None or isinstance(row, Header):
                continue
            if wanted in " ".join(cell.plain for cell in self._cells(row)).casefold():
                self.cursor = index
                return True
        return False

    def action_find(self, step: int) -> None:
        if not self.find(self.find_text, step):
            self.app.notify(f"No row holds “{self.find_text}”", severity="warning", markup=False)

    # Marks -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "find":
            return bool(self.find_text)  # else n and N go on to the screen (n: a new account)
        if action in ("mark", "mark_all"):
            return self.mark_key is not None
        if action == "unmark":
            return bool(self.marked)  # else escape goes on to the screen (back, clear the filter)
        return True

    def action_mark(self) -> None:
        """Mark the row under the cursor, or unmark it, and move down."""
        row = self.current
        if self.mark_key is None or row is None or isinstance(row, Header):
            return
        key = self.mark_key(row)
        if key in self.marked:
            del self.marked[key]
        else:
            self.marked[key] = None
        if len(self.marked) in (0, 1):
            self._marks_changed()  # the mark column came or went: every line is drawn anew
        else:
            # Only this row's ✓ changed: over SSH a mark costs a line, not a screenful.
            index = self.cursor
            for cached in [k for k in self._strips if k[1] == index]:
                del self._strips[cached]
            self._refresh_row(index)
            self.post_message(self.MarksChanged(self, len(self.marked)))
        self.action_cursor_down()

    def action_mark_all(self) -> None:
        if self.mark_key is None:
            return
        held = sum(len(page) for page in self._pages.values())
        if held < self._row_count:
            self.post_message(self.MarkAllWanted(self))
            return
        rows = [r for page in self._pages.values() for r in page if not isinstance(r, Header)]
        self.mark([self.mark_key(r) for r in rows])

    def mark(self, keys: Sequence[Any]) -> None:
        """Mark these keys too (those of rows not loaded yet as well)."""
        for key in keys:
            self.marked[key] = None
        self._marks_changed()

    def action_unmark(self) -> None:
        self.marked.clear()
        self._marks_changed()

    def keep_marks(self, keys: Sequence[Any] | set[Any]) -> None:
        """Drop the marks on keys no longer listed (done, or filtered away)."""
        wanted = set(keys)
        kept = {k: None for k in self.marked if k in wanted}
        if len(kept) != len(self.marked):
            self.marked = kept
            self._marks_changed()

    def _marks_changed(self) -> None:
        self._layout_width = -1  # the mark column comes and goes with the marks
        self._strips.clear()
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self.marked)))

    def _shown_columns(self) -> list[Column]:
        return [MARK_COLUMN, *self.columns] if self.marked else self.columns

    def _row_cells(self, row: Any) -> Sequence[Text]:
        cells = self._cells(row)
        if not self.marked or self.mark_key is None:
            return cells
        return [Text("✓", style="bold") if self.mark_key(row) in self.marked else Text(" "), *cells]

    def action_first(self) -> None:
        self.move_to(0, 1)

    def action_last(self) -> None:
        self.move_to(self._row_count - 1, -1)

    def action_select(self) -> None:
        row = self.current
        if row is not None and not isinstance(row, Header):
            self.post_message(self.Selected(self, self.cursor, row))

    async def _on_click(self, event: events.Click) -> None:
        index = round(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= index < self._row_count and self._selectable(index):
            if index == self.cursor and event.chain > 1:
                self.action_select()
            self.cursor = index

    # Drawing -----------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self._row_count + 1)
        self._layout_width = -1
        self._strips.clear()
        self._scroll_to_cursor()

    def _layout(self, width: int) -> list[tuple[Column, int]]:
        if width != self._layout_width:
            self._widths = fit_columns(self._shown_columns(), width)
            self._layout_width = width
        return self._widths

    def visible_columns(self) -> list[str]:
        return [c.key for c, _w in self._layout(self.scrollable_content_region.width)]

    def _line(self, texts: Sequence[Text], widths: list[tuple[Column, int]], style: Style) -> Strip:
        return draw_line(texts, widths, style, self.scrollable_content_region.width, self.app.console)

    def _strip(self, text: Text, style: Style) -> Strip:
        return draw_text(text, self.scrollable_content_region.width, style, self.app.console)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        widths = self._layout(width)
        index = round(self.scroll_y) + y - 1
        is_cursor = index == self.cursor
        cache_key = (y == 0, -1 if y == 0 else index, is_cursor and y > 0, self.has_focus, width)
        cached = self._strips.get(cache_key)
        if cached is not None:
            return cached
        strip = self._render_row(y, index, width, widths)
        if strip is not None:
            if len(self._strips) > 4000:
                self._strips.clear()
            self._strips[cache_key] = strip
            return strip
        return self._render_uncached(y, index, width, widths)

    def _render_row(self, y: int, index: int, width: int, widths: list[tuple[Column, int]]) -> Strip | None:
        """A cacheable line (a loaded row or the header), or None."""
        base = self.base_style
        if y == 0:
            header_style = base + self.get_component_rich_style("rowlist--header")
            return self._line(header_cells(widths), widths, header_style)
        if not 0 <= index < self._row_count:
            return None
        row = self.row_at(index)
        if row is None:
            return None
        if isinstance(row, Header):
            return self._strip(Text(row.title), base + self.get_component_rich_style("rowlist--section"))
        style = base + self.get_component_rich_style("rowlist--cursor") if index == self.cursor else base
        return self._line(shown_cells(self._shown_columns(), self._row_cells(row), widths), widths, style)

    def _render_uncached(self, y: int, index: int, width: int, widths: list[tuple[Column, int]]) -> Strip:
        """A line `_render_row` does not cache: the empty list's message, blank space, a row still loading."""
        base = self.base_style
        if self._row_count == 0:
            if y == 1:
                return self._strip(Text(f" {self.empty_text}"), base + self.get_component_rich_style("rowlist--empty"))
            return Strip([Segment(" " * width, base)], width)
        if not 0 <= index < self._row_count:
            return Strip([Segment(" " * width, base)], width)
        self._want(index)
        return self._strip(Text("  …"), base + self.get_component_rich_style("rowlist--placeholder"))
