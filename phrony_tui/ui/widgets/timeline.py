"""The merged timeline: a Line API widget that draws only the rows on screen.

50,000 steps cost nothing here: the widget knows the number of rows and asks its
source for the cells of row ``i`` only when row ``i`` is visible. Rendered strips
are cached per (row, width, cursor) and the cache is dropped when rows change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from phrony_tui.core.format import zone_name

# Column widths (cells) by cell index; the summary takes what is left. Narrow
# panes drop the agent column and shorten the type, so the summary keeps room.
COLUMNS = ((0, "#", 6), (1, "time", 8), (2, "agent", 16), (3, "type", 20))
NARROW_COLUMNS = ((0, "#", 5), (1, "time", 8), (3, "type", 14))
NARROW_BELOW = 84
SUMMARY = 4
_PLAIN = Style()
# Rows drawn ahead per turn of the loop (~0.1 ms each): see TimelineView._draw_ahead.
AHEAD_SLICE = 8
TONES = ("normal", "muted", "error", "waiting", "ok", "model", "tool")


class RowSource(Protocol):
    """What the timeline draws: ``len()`` rows, each as plain (already safe) cells."""

    def __len__(self) -> int: ...

    def cells(self, index: int) -> tuple[Sequence[str], str]:
        """(ordinal, time, agent, type, summary) and a tone from TONES."""
        ...


class EmptyRows:
    """No rows (before a session is open)."""

    def __len__(self) -> int:
        return 0

    def cells(self, index: int) -> tuple[Sequence[str], str]:  # pragma: no cover - never called
        raise IndexError(index)


class TimelineView(ScrollView, can_focus=True):
    """A cursor over a virtual list of timeline rows."""

    COMPONENT_CLASSES = {
        "timeline--header",
        "timeline--cursor",
        "timeline--match",
        *(f"timeline--{tone}" for tone in TONES),
    }
    DEFAULT_CSS = """
    TimelineView { background: $surface; overflow-x: hidden; }
    TimelineView > .timeline--header { text-style: bold; color: $text-muted; }
    TimelineView > .timeline--cursor { background: $accent 40%; }
    TimelineView:focus > .timeline--cursor { background: $accent; color: $text; }
    TimelineView > .timeline--match { background: $warning 60%; color: $text; text-style: bold underline; }
    TimelineView > .timeline--normal { }
    TimelineView > .timeline--muted { color: $text-muted; }
    TimelineView > .timeline--error { color: $error; }
    TimelineView > .timeline--waiting { color: $warning; text-style: bold; }
    TimelineView > .timeline--ok { color: $success; }
    TimelineView > .timeline--model { color: $secondary; }
    TimelineView > .timeline--tool { color: $primary; }
    """
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False, id="timeline.first"),
        Binding("end,G", "last", "Last", show=False, id="timeline.last"),
        Binding("enter", "open", "Details", id="timeline.open"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Opened(Message):
        """The person pressed enter on a row."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    class Moved(Message, bubble=True):
        """The cursor moved (coalesced: only the latest matters)."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TimelineView.Moved)

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source: RowSource = EmptyRows()
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(1024)
        self._styles: dict[tuple[str, bool], Style] = {}
        self._known_rows = 0
        self._zone: str | None = None
        self._needle = ""  # search text the rows highlight (lower case)
        self._ahead: list[tuple[int, bool]] | None = None  # rows left to draw ahead (see _draw_ahead)
        self._grew = False  # rows were appended since the rows ahead were last listed

    # -- data ---------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._source)

    def set_source(self, source: RowSource, *, keep_cursor: bool = True) -> None:
        """Show ``source``; rows are read lazily as they scroll into view."""
        self._source = source
        self._known_rows = 0
        self.rows_changed(keep_cursor=keep_cursor)
        self._grew = False  # new rows, not more of them: the last page is drawn ahead too

    def rows_changed(
        self, *, keep_cursor: bool = True, follow_end: bool = False, dirty_from: int | None = 0
    ) -> None:
        """Call after the source gained or changed rows. ``dirty_from``: the first row
        that changed in place (None when rows were only appended): drawn rows
        before it stay cached, which matters when thousands arrive a second."""
        count = len(self._source)
        known = self._known_rows
        at_end = self.cursor >= known - 1 if known else True
        self._known_rows = count
        # The rows on screen as they were drawn (a firehose appending far below them):
        # only the scrollbar changes, the rows need no redraw.
        shown_end = round(self.scroll_y) + max(self.scrollable_content_region.height - 1, 0)
        cursor = self.cursor
        drawn = keep_cursor and known >= shown_end and count >= known and (dirty_from is None or dirty_from >= shown_end)
        if dirty_from == 0:
            self._cache.clear()
        elif dirty_from is not None:
            for key in [key for key in self._cache.keys() if key[0] >= dirty_from]:  # noqa: SIM118 (LRUCache: no __iter__)
                self._cache.discard(key)
        # +1 for the header row, which stays on screen (drawn at y == 0).
        self._set_virtual_size(Size(self.size.width, count + 1), refresh=not drawn)
        if not keep_cursor:
            self.cursor = 0
        elif follow_end and at_end and count:
            self._move(count - 1)
        else:
            self._move(min(self.cursor, max(count - 1, 0)))
        if not drawn or self.cursor != cursor:
            self.refresh()
        # Rows that keep coming (a stream) move the last page: drawn ahead once they stop.
        self._grew = count > known
        if dirty_from == 0 or count == known:
            self._draw_ahead_soon()

    def highlight(self, text: str) -> None:
        """Mark ``text`` (case-insensitively) wherever it shows in the drawn rows."""
        needle = text.lower()
        if needle != self._needle:
            self._needle = needle
            self._cache.clear()
            self.refresh()
            self._draw_ahead_soon()

    # -- cursor ------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, max(len(self._source) - 1, 0)))

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Moved(new))
        self._draw_ahead_soon()
        policy = getattr(self.app, "gc_policy", None)  # the App's (ui/gc_policy.py); none in a harness app
        if policy is not None:
            self.call_after_refresh(policy.collect_young)  # after the frame that shows the move

    def _scroll_cursor_into_view(self) -> None:
        body = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False, immediate=True)

    def _move(self, index: int) -> None:
        # The cursor always updates (a key that lands where it is still scrolls it into view
        # and tells the pane); new rows that leave it where it was need none of that.
        if index != self.cursor:
            self.cursor = index

    def move_to(self, index: int) -> None:
        self.cursor = index

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        step = max(self.scrollable_content_region.height - 2, 1)
        self.cursor += direction * step

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._source) - 1

    def action_open(self) -> None:
        if len(self._source):
            self.post_message(self.Opened(self.cursor))

    async def _on_click(self, event: events.Click) -> None:
        index = round(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._source):
            if index == self.cursor and event.chain > 1:
                self.action_open()
            self.cursor = index

    def _set_virtual_size(self, size: Size, *, refresh: bool = True) -> None:
        """More rows: only this widget's scrolling changes, not the screen's layout. Setting
        ``virtual_size`` asks for a layout pass of the whole screen (~5 ms, on every
        drain of a busy stream); Textual itself sets it this way when it lays out
        (``Widget._size_updated``). Showing or hiding the scrollbar still lays out."""
        if size == self.virtual_size:
            return
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)  # Textual's: scrollbars and scroll limits for the new size
        if refresh:
            self.refresh()

    def on_resize(self) -> None:
        self._cache.clear()
        self._set_virtual_size(Size(self.size.width, len(self._source) + 1))
        self._draw_ahead_soon()

    def notify_style_update(self) -> None:
        # The theme, focus or CSS changed: drawn rows and looked-up styles are stale.
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()
        self._zone = None

    def _style(self, name: str, *, partial: bool = True) -> Style:
        """The widget's style (``""``) or a component's, looked up once per style update
        (``rich_style`` walks the ancestors: ~0.1 ms, per row drawn otherwise)."""
        key = (name, partial)
        style = self._styles.get(key)
        if style is None:
            style = self.rich_style if not name else self.get_component_rich_style(name, partial=partial)
            self._styles[key] = style
        return style

    # -- drawing ahead ---------------------------------------------------------
    def _draw_ahead_soon(self) -> None:
        """After the next frame, draw (into the row cache) the rows the next key would show
        (listed again from here if a drawing ahead is under way)."""
        if not self.is_mounted:
            return
        scheduled = self._ahead is not None
        self._ahead = []
        if not scheduled:
            self.call_after_refresh(self._draw_ahead)

    def _ahead_rows(self) -> list[tuple[int, bool]]:
        """The rows on screen after a page down, a page up, ``end`` or ``home`` from here,
        the cursor's drawn as selected: a new page is ~30 rows to read and lay out (2-7 ms
        of a 16 ms frame), drawn here between keys instead of inside the key's frame. Not
        the last page while rows keep coming (a stream's: it would be drawn for nothing)."""
        count = len(self._source)
        if not count:
            return []
        body = max(self.scrollable_content_region.height - 1, 1)
        step = max(body - 1, 1)
        top, cursor = round(self.scroll_y), self.cursor
        targets = [cursor + step, cursor - step, 0] if self._grew else [cursor + step, cursor - step, count - 1, 0]
        self._grew = False
        rows: dict[tuple[int, bool], None] = {}  # in order, once each
        for wanted in targets:
            target = max(0, min(wanted, count - 1))
            first = target if target < top else target - body + 1 if target >= top + body else top
            for index in range(max(first, 0), min(first + body, count)):
                rows[index, index == target] = None
        return list(rows)[::-1]  # popped from the end: the page below first

    def _draw_ahead(self) -> None:
        """Draw a few of the rows ahead, then let the loop turn (a key waits one slice at most)."""
        if self._ahead == []:
            self._ahead = self._ahead_rows()
        width = self.scrollable_content_region.width
        cache, drawn = self._cache, 0
        while self._ahead and drawn < AHEAD_SLICE:
            index, selected = self._ahead.pop()
            key = (index, width, selected)
            if index < len(self._source) and cache.get(key) is None:
                cache[key] = self._row(index, width, selected)
                drawn += 1
        if self._ahead:
            self.call_later(self._draw_ahead)
            return
        self._ahead = None
        policy = getattr(self.app, "gc_policy", None)
        if policy is not None and drawn:
            policy.collect_young()  # what drawing ahead allocated: collected now, not in the next frame

    # -- drawing -----------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = round(self.scroll_y) + y - 1
        if index >= len(self._source):
            return Strip.blank(width, self._style(""))
        selected = index == self.cursor
        key = (index, width, selected)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._row(index, width, selected)
            self._cache[key] = strip
        return strip

    def _title(self, title: str, width: int) -> str:
        if title != "time":
            return title
        if self._zone is None:  # the zone times are shown in, named once per style update
            zone = zone_name()
            self._zone = f"time {zone}" if len(zone) + 5 <= width else zone
        return self._zone

    @staticmethod
    def _columns(width: int):
        return NARROW_COLUMNS if width < NARROW_BELOW else COLUMNS

    def _header(self, width: int) -> Strip:
        style = self._style("timeline--header", partial=False)
        text = "".join(self._title(title, w).ljust(w)[:w] + " " for _, title, w in self._columns(width)) + "summary"
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _row(self, index: int, width: int, selected: bool) -> Strip:
        cells, tone = self._source.cells(index)
        base = self._style("")
        tone_style = self._style(f"timeline--{tone}")
        segments: list[Segment] = []
        for index, title, w in self._columns(width):
            value = cells[index]
            text = value if len(value) <= w else value[: w - 1] + "…"
            style = tone_style if title == "type" else _PLAIN
            segments.append(Segment(text.ljust(w) + " ", base + style))
        summary = cells[SUMMARY] if len(cells) > SUMMARY else ""
        segments.append(Segment(summary[: max(width, 0)], base + tone_style))
        if self._needle:
            segments = self._marked(segments)
        strip = Strip(segments).adjust_cell_length(width, base)
        if selected:
            # Over each segment's own style: ``Strip.apply_style`` puts a style under the
            # segments, where their background (the widget's) hides the cursor's.
            cursor = self._cursor_style()
            strip = Strip([Segment(text, (style or _PLAIN) + cursor) for text, style, _ in strip], width)
        return strip

    def _marked(self, segments: list[Segment]) -> list[Segment]:
        """The segments with each occurrence of the search text in the match style."""
        needle, mark = self._needle, self._style("timeline--match", partial=False)
        marked: list[Segment] = []
        for text, style, _ in segments:
            lower = text.lower()
            at = lower.find(needle)
            if at < 0 or len(lower) != len(text):  # (a few characters change length in lower case)
                marked.append(Segment(text, style))
                continue
            start = 0
            while at >= 0:
                if at > start:
                    marked.append(Segment(text[start:at], style))
                end = at + len(needle)
                marked.append(Segment(text[at:end], (style or _PLAIN) + mark))
                start, at = end, lower.find(needle, end)
            if start < len(text):
                marked.append(Segment(text[start:], style))
        return marked

    def _cursor_style(self) -> Style:
        """The selected row's look: the cursor background (and, focused, its colour) on the
        whole row; reverse video when colours are off (NO_COLOR), where backgrounds vanish."""
        style = self._styles.get(("cursor", True))
        if style is None:
            if self.app.no_color:
                style = Style(reverse=True, bold=True)
            else:
                full = self._style("timeline--cursor", partial=False)
                style = Style(bgcolor=full.bgcolor, color=full.color if self.has_focus else None)
            self._styles[("cursor", True)] = style
        return style
