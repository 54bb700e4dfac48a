"""Sessions pane: every configured agent's sessions, newest first, paged as you scroll."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import zip_longest
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import DuplicateKey, Row, RowKey

from phrony_tui.core.format import duration_between, fmt_age, fmt_ago, fmt_count, fmt_duration, zone_name
from phrony_tui.core.session_feed import SessionFeed
from phrony_tui.core.status import is_terminal, is_waiting
from phrony_tui.ui.text import cell, plain, short_id, status_text
from phrony_tui.ui.widgets.tables import Table, one_line_cell

if TYPE_CHECKING:
    from textual._types import SegmentLines
    from textual.strip import Strip

    from phrony_tui.client.models import SessionSummary

# (label, width): fixed widths, so the layout does not depend on which rows
# happen to be loaded (DataTable sizes auto-width columns from their content).
# "started" is an age ("3m ago"), a date and time from a day on: its header names the zone.
COLUMNS = (
    ("", 1), ("status", 18), ("agent", 18), ("started", 13), ("took", 6),
    ("runs", 4), ("tokens", 6), ("trigger", 14), ("model", 18),
)  # fmt: skip
#: how often ages and "updated … ago" are redrawn (seconds); rows only when a cell changed
TICK = 1.0
#: a server that ignores the status filter sends every session, in its own order: the next
#: pages are read on their own (rows of other statuses are dropped), at most this many times
AUTO_PAGES = 10


class SessionsTable(Table):
    BINDINGS = [
        Binding("home,g", "scroll_top", "First", show=False),
        Binding("end,G", "scroll_bottom", "Last", show=False),
    ]

    # The x range of the line being drawn (set by ``_render_line`` while it runs), and the
    # one the rows in DataTable's row cache were drawn for: a cell outside it is not drawn.
    _window: tuple[int, int] | None = None
    _rows_window: tuple[int, int] | None = None
    _starts: Sequence[int] = ()  # each column's x, while ``_render_line`` runs

    def add_rows_at_once(self, rows: Iterable[tuple[Sequence[Text], str]]) -> None:
        """``add_row(*cells, key=key)`` for each, one-line rows without labels, with the
        table's bookkeeping once for all of them, not once a row (the cursor set again,
        the update count, the idle check: most of adding a list of a few hundred rows)."""
        columns = self.ordered_columns
        was_empty = self.row_count == 0
        added = False
        for cells, key in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = {column.key: cell for column, cell in zip_longest(columns, cells)}
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
            added = True
        if not added:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and len(self.columns) > 0 and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        # Only the cells of the columns in [x1, x2) are drawn: the list's pane shows five of
        # its nine columns, and DataTable draws every cell of a line before cropping it.
        window = (x1, x2)
        if window != self._rows_window:
            self._row_render_cache.clear()  # rows drawn for another range miss this one's cells
            self._rows_window = window
        self._window = window
        self._starts = self._column_starts()
        try:
            return super()._render_line(y, x1, x2, base_style)
        finally:
            self._window = None

    def _render_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:  # fmt: skip
        window = self._window
        if window is not None and column_index >= 0 and not self.fixed_columns and not self._labelled_row_exists:
            start = self._starts[column_index]
            if start >= window[1] or start + width <= window[0]:  # cropped away whole: blank
                key = self._row_locations.get_key(row_index) if row_index >= 0 else None
                height = self.rows[key].height if key is not None else self.header_height
                return [[Segment(" " * width, base_style)] for _ in range(max(1, height))]
        if row_index >= 0 and column_index >= 0:
            lines = self._one_line_cell(row_index, column_index, base_style, width, cursor, hover)
            if lines is not None:
                return lines
        return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)

    def _column_starts(self) -> list[int]:
        """Each column's x in the table, by its index on screen."""
        starts, x = [], 0
        for column in self.ordered_columns:
            starts.append(x)
            x += column.get_render_width(self)
        return starts

    def _one_line_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool, hover: bool,
    ) -> SegmentLines | None:  # fmt: skip
        """DataTable's drawing of a body cell holding one line of ``Text``, in the same
        cache, without its pass over the whole row's cells for each cell and Rich's generic
        layers (``tables.one_line_cell``). None: not such a cell, DataTable draws it."""
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return None
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
                     self._pseudo_class_state)  # fmt: skip  # DataTable's CellCacheKey
        cache = self._cell_render_cache
        if cache_key in cache:
            return cache[cache_key]
        row, values = self.rows.get(row_key), self._data.get(row_key)
        if row is None or values is None or row.height != 1 or row.auto_height:
            return None
        value = values.get(column_key)
        if not isinstance(value, Text):
            return None
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, row_index < self.fixed_rows or column_index < self.fixed_columns, hover, cursor,
            self.show_cursor, self._show_hover_cursor, self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )  # fmt: skip
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        line = one_line_cell(self.app.console, self.app.console_options, value, width, self.cell_padding,
                             pre_style, post_style)  # fmt: skip
        if line is None:
            return None
        lines = [line]
        cache[cache_key] = lines
        return lines

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable's, without measuring every new cell: that sizes auto-width columns
        and auto-height rows, and here every column has a fixed width and every row one
        line, no label (the measure was most of adding a list of a few hundred rows)."""
        fixed = all(not column.auto_width for column in self.columns.values())
        if not fixed or any(self.rows[key].auto_height or self.rows[key].label is not None
                            for key in new_rows if key in self.rows):  # fmt: skip
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        self.virtual_size = Size(width, self._total_row_height + (self.header_height if self.show_header else 0))


class SessionsPane(Vertical):
    """Lists sessions; asks for more when the cursor nears the end of what is loaded."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="sessions.filter"),
        Binding("i", "inbox", "Inbox", id="sessions.inbox"),
        Binding("f", "status_filter", "Status filter", id="sessions.status"),
    ]

    class Open(Message):
        """Open this session (enter)."""

        def __init__(self, session: SessionSummary) -> None:
            self.session = session
            super().__init__()

    class WantMore(Message):
        """The cursor is near the end of the loaded rows and the server has more."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SessionsPane.WantMore)

    class FiltersChanged(Message):
        """Inbox or status filter changed: the feed must be reloaded."""

    def __init__(self, feed: SessionFeed, agent_names: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.feed = feed
        self.agent_names = agent_names
        self.text_filter = ""
        self.error: str | None = None
        self.fetching = False  # a page is on its way (not Textual's ``loading``: that disables the pane)
        self._shown: list[SessionSummary] = []
        # The status each session had when you last looked (first listed, or opened):
        # rows whose status moved since are marked, so a refresh shows what changed.
        self.seen: dict[str, str] = {}
        self.updated_at: datetime | None = None  # when a load last ended (the app's clock)
        self._cells_at: tuple[str, ...] = ()
        self._last_info: tuple[str, int | None] | None = None  # the time cells drawn, to redraw only on change
        self._auto_pages = 0  # pages read on their own since the filters last changed

    def compose(self) -> ComposeResult:
        yield Static(id="sessions-info", markup=False)
        box = Input(placeholder="filter loaded sessions (agent, status, model, id)…", id="sessions-filter")
        box.display = False  # hidden from the start: the screen's first focus must not land in it
        yield box
        table = SessionsTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        for label, width in COLUMNS:
            title = f"started {zone_name()}"[:width] if label == "started" else label
            table.add_column(title, width=width)
        yield table

    @property
    def table(self) -> SessionsTable:
        return self.query_one(SessionsTable)

    def on_mount(self) -> None:
        self.query_one("#sessions-filter").display = False
        self.border_title = "Sessions"
        self.set_interval(TICK, self._tick)

    def now(self) -> datetime:
        """The app's clock (fixed in tests, so drawn ages are deterministic)."""
        clock = getattr(self.app, "clock", None)
        return clock() if callable(clock) else datetime.now(UTC)

    def _tick(self) -> None:
        """Ages move on: redraw the rows when one of their time cells would read
        differently, and the info line ("updated 12s ago")."""
        if self.updated_at is None and not self._shown:
            return  # nothing drawn depends on the time yet
        now = self.now()
        if self._time_cells(now) != self._cells_at:
            self.refresh_rows()
        else:
            self._update_info()

    # -- rendering -----------------------------------------------------------
    def refresh_rows(self) -> None:
        """Redraw from the feed, keeping the cursor on the same session."""
        if not self.query(SessionsTable):  # a load that ends while the app closes
            return
        table = self.table
        current = self.current
        needle = self.text_filter.lower()
        rows = [s for s in self.feed.rows if not needle or needle in self._haystack(s)]
        self._shown = rows
        now = self.now()
        # The time cells once a row (each reads its timestamps again): for the check of the
        # next tick and for the cells.
        times = [(fmt_age(s.started_at, now), self._took(s, now)) for s in rows]
        self._cells_at = tuple(f"{age}|{took}" for age, took in times)
        table.clear()
        for session in rows:
            self.seen.setdefault(session.id, session.status)
        table.add_rows_at_once((self._cells(s, now, times[n]), s.id) for n, s in enumerate(rows))
        if current is not None:
            index = next((i for i, s in enumerate(rows) if s.id == current.id), None)
            if index is not None:
                table.move_cursor(row=index, animate=False)
        self._update_info()
        self._read_on_if_filter_ignored()

    def _read_on_if_filter_ignored(self) -> None:
        """The server ignored the status filter: its pages hold every session, so the few
        that match may be on any page (the newest last, if it sends the oldest first). Read on
        (bounded by ``AUTO_PAGES``), so the inbox holds the waiting sessions, not the first few."""
        feed = self.feed
        if not (feed.filter_ignored and feed.has_more) or self.fetching or self.text_filter:
            return
        if self._auto_pages >= AUTO_PAGES:
            return
        self._auto_pages += 1
        self.post_message(self.WantMore())

    def _time_cells(self, now: datetime) -> tuple[str, ...]:
        return tuple(f"{fmt_age(s.started_at, now)}|{self._took(s, now)}" for s in self._shown)

    @staticmethod
    def _took(s: SessionSummary, now: datetime) -> str:
        if s.finished_at:
            took = duration_between(s.started_at, s.finished_at)
        elif is_terminal(s.status):
            return "-"
        else:  # still going: the time since it started
            took = duration_between(s.started_at, None, now)
        return fmt_duration(took) if took is not None else "-"

    def _cells(self, s: SessionSummary, now: datetime, times: tuple[str, str] | None = None) -> list[Text]:
        """The row's cells; ``times``: its age and its duration as of ``now``, when known."""
        age, took = times if times is not None else (fmt_age(s.started_at, now), self._took(s, now))
        if self.seen.get(s.id, s.status) != s.status:
            marker = Text("◆", style="bold magenta")  # changed since you last looked
        elif is_waiting(s.status):
            marker = Text("●", style="bold yellow")
        else:
            marker = Text(" ")
        return [
            marker,
            status_text(s.status),
            cell(self.agent_names.get(s.agent_id or "", "") or short_id(s.agent_id), 18),
            Text(age),
            Text(took, style="" if s.finished_at or is_terminal(s.status) else "italic"),
            Text(str(s.run_count) if s.run_count is not None else "-", justify="right"),
            Text(fmt_count(s.total_tokens_used), justify="right"),
            cell(s.trigger_name or s.trigger_type or "-", 14),
            cell(s.llm_model or "-", 20),
        ]

    def _haystack(self, s: SessionSummary) -> str:
        name = self.agent_names.get(s.agent_id or "", "")
        parts = (s.id, s.status, s.agent_id, name, s.llm_model, s.trigger_type, s.trigger_name)
        return " ".join(str(p) for p in parts if p).lower()

    def _update_info(self) -> None:
        total = self.feed.total
        shown = len(self._shown)
        loaded = len(self.feed.rows)
        what = "inbox: waiting on a human" if self.feed.inbox else "all sessions"
        if self.feed.status:
            what += f" · status {self.feed.status}"
        count = f"{loaded} of {total}" if total is not None else f"{loaded} of …"
        line = f"{what} · {count}"
        for note in self.feed.notes:  # a server that ignored the status filter; the order of loaded pages
            line += f" · {note}"
        if self.feed.filter_ignored and self.feed.has_more and self._auto_pages >= AUTO_PAGES:
            line += f" · read {AUTO_PAGES} more pages on its own: scroll down for older ones"
        if self.text_filter:
            line += f" · {shown} match “{self.text_filter}”"
        if changed := self.changed_count:
            line += f" · ◆ {changed} changed since you looked"
        if self.fetching:
            line += " · loading…"
        elif self.updated_at is not None:
            line += f" · updated {fmt_ago((self.now() - self.updated_at).total_seconds())}"
        if self.error:
            line = f"⚠ {self.error}\n{line} · r retries"
        if (line, total) == self._last_info:  # every tick comes here
            return
        found = self.query("#sessions-info")
        if not found:  # a load that ends while the app closes: nothing left to draw on
            return
        self._last_info = (line, total)
        info = found.first(Static)
        info.update(Text(line))
        info.set_class(bool(self.error), "-error")
        self.border_title = plain(f"Sessions ({total if total is not None else '…'})")

    def set_fetching(self, fetching: bool) -> None:
        self.fetching = fetching
        self._update_info()

    def set_error(self, message: str | None) -> None:
        """What the load that just ended said (None: it went well): the screen calls this
        when a load ends, so a good one also marks the list as updated now."""
        self.error = message
        if message is None:
            self.updated_at = self.now()
        self._update_info()

    def mark_seen(self, session: SessionSummary) -> None:
        if self.seen.get(session.id) != session.status:
            self.seen[session.id] = session.status
            self.refresh_rows()

    @property
    def changed_count(self) -> int:
        return sum(1 for s in self.feed.rows if self.seen.get(s.id, s.status) != s.status)

    @property
    def current(self) -> SessionSummary | None:
        row = self.table.cursor_row
        if 0 <= row < len(self._shown):
            return self._shown[row]
        return None

    # -- events --------------------------------------------------------------
    @on(DataTable.RowSelected, "#sessions-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        session = self.current
        if session is not None:
            self.mark_seen(session)
            self.post_message(self.Open(session))

    @on(DataTable.RowHighlighted, "#sessions-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self._shown) - 10 and self.feed.has_more and not self.text_filter:
            self.post_message(self.WantMore())

    def action_filter(self) -> None:
        box = self.query_one("#sessions-filter", Input)
        self._filter_before = box.value
        box.display = True
        box.focus()

    def on_key(self, event) -> None:
        # escape leaves the filter box as it was before `/` (the README: escape closes a box)
        box = self.query_one("#sessions-filter", Input)
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.value = getattr(self, "_filter_before", "")
            self.text_filter = box.value.strip()
            box.display = bool(self.text_filter)
            self.refresh_rows()
            self.table.focus()

    @on(Input.Changed, "#sessions-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()
        self.refresh_rows()

    @on(Input.Submitted, "#sessions-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.display = False
        self.table.focus()

    def action_inbox(self) -> None:
        self._auto_pages = 0
        self.feed.set_filters(inbox=not self.feed.inbox)
        self.post_message(self.FiltersChanged())

    def action_status_filter(self) -> None:
        from phrony_tui.core.session_feed import STATUS_FILTERS

        index = STATUS_FILTERS.index(self.feed.status) if self.feed.status in STATUS_FILTERS else 0
        self._auto_pages = 0
        self.feed.set_filters(status=STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)])
        self.post_message(self.FiltersChanged())
