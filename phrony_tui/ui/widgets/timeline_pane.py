"""Timeline pane: the step count, search, jumps, and the virtualized TimelineView."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from time import perf_counter
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Input, Static

from phrony_tui.core.redaction import REDACTED_NOTE
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.step_kinds import linked_run_id
from phrony_tui.core.timeline_search import TimelineSearch
from phrony_tui.ui.input_first import yield_to_input
from phrony_tui.ui.text import notify, plain, short_id
from phrony_tui.ui.widgets.timeline import EmptyRows, TimelineView

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem


# A search scans rows for this long (seconds) at most, then lets keys in (ui/input_first.py),
# in chunks of this many rows; the info line shows its progress this often (seconds).
SEARCH_SLICE = 0.004
SEARCH_CHUNK = 32
SEARCH_PROGRESS_EVERY = 0.1
SEARCH_GROUP = "timeline-search"


class TimelinePane(Vertical):
    BINDINGS = [
        Binding("slash", "search", "Search", id="timeline.search"),
        Binding("n", "find(1)", "Next match", show=False, id="timeline.next_match"),
        Binding("N", "find(-1)", "Previous match", show=False, id="timeline.prev_match"),
        Binding("e", "jump('error', 1)", "Next error", id="timeline.next_error"),
        Binding("E", "jump('error', -1)", "Previous error", show=False, id="timeline.prev_error"),
        Binding("t", "jump('waiting', 1)", "Next waiting task", id="timeline.next_waiting"),
        Binding("T", "jump('waiting', -1)", "Previous waiting task", show=False, id="timeline.prev_waiting"),
        Binding("f", "clear_filter", "All runs", show=False, id="timeline.all_runs"),
        Binding("l", "goto_run", "Go to the child run", show=False, id="timeline.goto_run",
                tooltip="Go to the child run\nthe run a sub-agent step names: selected in the run tree, its steps only"),
    ]

    class GotoRun(Message):
        """Go to this run (a child run a step names): select it in the tree, filter to it."""

        def __init__(self, run_id: str) -> None:
            self.run_id = run_id
            super().__init__()

    class OpenStep(Message):
        def __init__(self, item: ConversationItem) -> None:
            self.item = item
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.state = None
        self.run_filter: str | None = None
        self.query_text = ""
        self._note = ""
        self._last_info: tuple[str, bool] | None = None
        # Every row the search matches (sorted), and what it was computed for.
        self._matches: list[int] = []
        self._matches_for: tuple[str, int, int] | None = None
        self._scan: TimelineSearch | None = None  # a search under way (see _search)
        self._then: tuple[int, bool] | None = None  # the move to make when it is done
        self.search_slices = 0  # slices searched (for tests: a big search takes many)

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-info", markup=False)
        box = Input(placeholder="search steps: agent, type, summary, content — enter finds, n/N next/previous",
                    id="timeline-search")  # fmt: skip
        box.display = False  # hidden from the start: never the screen's first focus
        yield box
        yield TimelineView(id="timeline")

    def on_mount(self) -> None:
        self.border_title = "Timeline"
        self._info("open a session from the list (enter), or start with --run RUN_ID")

    @property
    def timeline(self) -> TimelineView:
        return self.query_one(TimelineView)

    # -- content -----------------------------------------------------------
    def show_loading(self, run_id: str) -> None:
        self.state = None
        self.run_filter = None
        self._matches_for = None
        self._clear_search()  # a search belongs to one session: not carried into the next
        self.timeline.set_source(EmptyRows(), keep_cursor=False)
        self.border_title = "Timeline"
        self._info(f"loading run {short_id(run_id)}…")

    def show_error(self, message: str) -> None:
        self._info(f"⚠ {message} · r retries", error=True)

    def show(self, state, *, follow_end: bool) -> None:
        first = self.state is not state
        self.state = state
        source = state.rows(self.run_filter)
        dirty_from = state.take_dirty_from()
        if first:
            self.timeline.set_source(source, keep_cursor=False)
        else:
            self.timeline._source = source
            # A run filter's rows are numbered differently: redraw them all.
            self.timeline.rows_changed(follow_end=follow_end, dirty_from=0 if self.run_filter else dirty_from)
        self._update_title()

    @on(TimelineView.Moved)
    def _moved(self, event: TimelineView.Moved) -> None:
        # Not stopped: the screen follows the cursor too.
        self._update_title()

    def _update_title(self) -> None:
        state = self.state
        if state is None:
            return
        total = state.step_count
        shown = len(state.rows(self.run_filter))
        where = f"{self.timeline.cursor + 1:,} / {shown:,}" if shown else f"{shown:,} steps"
        title = f"Timeline · {where}"
        if self.run_filter:
            title += f" · one run of {total:,} steps"
        if getattr(self, "_title_shown", None) != title:
            self._title_shown = title
            self._retitle(title)
        parts = []
        if state.redacted:
            parts.append(REDACTED_NOTE)
        elif total == 0:
            parts.append("no steps yet")
        if state.loading:
            parts.append("reading the rest of the session…")
        if self.run_filter:
            parts.append(f"only run {short_id(self.run_filter)} ({state.agent_label(self.run_filter)}) · f shows all")
        if self.query_text:
            parts.append(self._search_note())
        if self._note:
            parts.append(self._note)
        self._info(" · ".join(parts))

    def _retitle(self, title: str) -> None:
        """``border_title = plain(title)``, repainting the top border row only. Textual's
        setter repaints the whole pane and drops its drawn lines: on every cursor move,
        ~30 lines drawn again in the next frame (a page-down frame's ~15%)."""
        if not self.is_mounted or self._border_title is None:
            self.border_title = plain(title)
            return
        self._border_title = self.render_str(plain(title)).expand_tabs(4).split()[0]  # what the setter stores
        gutter = self.content_offset  # refresh regions are relative to the content; the border is above it
        self.refresh(Region(-gutter.x, -gutter.y, self.outer_size.width, 1))

    def _info(self, text: str, *, error: bool = False) -> None:
        if (text, error) == self._last_info:  # every live flush comes here
            return
        self._last_info = (text, error)
        info = self.query_one("#timeline-info", Static)
        info.update(Text(text))
        info.display = bool(text)
        info.set_class(error, "-error")

    # -- run filter / jumps ---------------------------------------------------
    def toggle_run_filter(self, run_id: str) -> None:
        if self.state is None:
            return
        item = self.current_item()
        self._stop_search()  # a search under way was for the other rows
        self.run_filter = None if self.run_filter == run_id else run_id
        self.timeline.set_source(self.state.rows(self.run_filter), keep_cursor=False)
        if item is not None:
            self._select_item(item.id)
        self._update_title()

    def action_clear_filter(self) -> None:
        if self.run_filter:
            self.toggle_run_filter(self.run_filter)

    def jump_to_run(self, run_id: str) -> None:
        if self.state is None or self.run_filter:
            return
        index = self.state.first_row_of_run(run_id)
        if index is not None:
            self.timeline.move_to(index)

    def action_jump(self, kind: str, direction: int) -> None:
        if self.state is None:
            return
        rows = self.state.rows(self.run_filter)
        index = rows.next_index(kind, self.timeline.cursor, backwards=direction < 0)
        label = "error" if kind == "error" else "waiting task"
        if index is None:
            self._note = f"no {'earlier' if direction < 0 else 'later'} {label}"
        else:
            self._note = ""
            self.timeline.move_to(index)
        self._update_title()

    def action_goto_run(self) -> None:
        item = self.current_item()
        run_id = linked_run_id(item) if item is not None else None
        if run_id is None:
            notify(self, "This step names no child run to go to.", severity="warning")
            return
        self.post_message(self.GotoRun(run_id))

    def current_item(self) -> ConversationItem | None:
        if self.state is None:
            return None
        rows = self.state.rows(self.run_filter)
        cursor = self.timeline.cursor
        return rows.item(cursor) if 0 <= cursor < len(rows) else None

    def _select_item(self, item_id: str) -> None:
        index = self.state.rows(self.run_filter).index_of(item_id) if self.state else None
        if index is not None:
            self.timeline.move_to(index)

    # -- search ------------------------------------------------------------------
    def _clear_search(self) -> None:
        box = self.query_one("#timeline-search", Input)
        if box.has_focus:
            self.timeline.focus()
        box.value = ""
        box.display = False
        self._note = ""
        self._stop_search()
        self._then = None
        if self.query_text:
            self.query_text = ""
            self.timeline.highlight("")

    def action_search(self) -> None:
        box = self.query_one("#timeline-search", Input)
        box.display = True
        box.value = self.query_text
        box.focus()

    @on(Input.Submitted, "#timeline-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() != self.query_text:
            self._stop_search()  # a new query starts again
        self.query_text = event.value.strip()
        self.timeline.highlight(self.query_text)
        event.input.display = bool(self.query_text)
        self.timeline.focus()
        if self.query_text:
            self.action_find(1, include_current=True)
        else:
            self._update_title()

    def action_find(self, direction: int, include_current: bool = False) -> None:
        if self.state is None or not self.query_text:
            return
        if self._matches_for != self._search_key():
            # Not searched yet for these rows: search (in slices), then move.
            self._search(then=(direction, include_current))
            return
        self._move_to_match(direction, include_current)

    def _move_to_match(self, direction: int, include_current: bool) -> None:
        matches = self._matches
        cursor = self.timeline.cursor
        if direction > 0:
            at = bisect_left(matches, cursor) if include_current else bisect_right(matches, cursor)
            index = matches[at % len(matches)] if matches else None
        else:
            at = bisect_right(matches, cursor) if include_current else bisect_left(matches, cursor)
            index = matches[(at - 1) % len(matches)] if matches else None
        self._note = ""
        if index is not None:
            self.timeline.move_to(index)
        self._update_title()

    def _search_key(self) -> tuple[str, int, int] | None:
        if self.state is None or not self.query_text:
            return None
        view = self.state.rows(self.run_filter).view
        return (self.query_text, id(view), len(view))

    def _new_search(self) -> TimelineSearch:
        assert self.state is not None
        state = self.state
        needle = self.query_text.casefold()
        runs = [run_id for run_id in state.timeline.run_ids() if needle in state.agent_label(run_id).casefold()]
        return TimelineSearch(state.rows(self.run_filter).view, self.query_text, runs)

    def _search(self, then: tuple[int, bool] | None) -> None:
        """Search the rows for the query: a first slice now (a small session is done in it),
        the rest between frames, keys handled in between (escape stops it); ``then``: the
        move to make once it is done (the latest asked for wins)."""
        state = self.state
        assert state is not None
        self._then = then
        scan = self._scan
        if scan is not None and scan.text == self.query_text and scan.view is state.rows(self.run_filter).view:
            return  # already under way, for these rows
        self._stop_search()
        scan = self._scan = self._new_search()
        if self._search_slice(scan):
            self._search_done(scan)
        else:
            self._update_title()  # "searching…"
            self.run_worker(self._search_rest(scan), group=SEARCH_GROUP, exclusive=True, exit_on_error=True)

    def _search_slice(self, scan: TimelineSearch) -> bool:
        """Scan rows for ``SEARCH_SLICE`` seconds at most; True when every row was seen."""
        self.search_slices += 1
        deadline = perf_counter() + SEARCH_SLICE
        while not scan.advance(SEARCH_CHUNK):
            if perf_counter() >= deadline:
                return False
        return True

    async def _search_rest(self, scan: TimelineSearch) -> None:
        shown = perf_counter()
        while self._scan is scan:
            await yield_to_input(self.app)
            if self._scan is not scan:
                return  # escape, a new query, or another session meanwhile
            if self._search_slice(scan):
                self._search_done(scan)
                return
            if perf_counter() - shown >= SEARCH_PROGRESS_EVERY:  # the info line, not every slice
                shown = perf_counter()
                self._update_title()

    def _search_done(self, scan: TimelineSearch) -> None:
        self._scan = None
        self._matches = scan.found
        self._matches_for = (scan.text, id(scan.view), scan.scanned)
        then, self._then = self._then, None
        if then is not None and self._matches_for == self._search_key():
            self._move_to_match(*then)
        else:
            self._update_title()

    def _stop_search(self) -> None:
        if self._scan is not None:
            self._scan = None
            self.workers.cancel_group(self, SEARCH_GROUP)

    def matches(self, *, fresh: bool = True) -> list[int]:
        """Every row the search text matches: its type, summary or content (the core's
        search), or the name of the agent whose run it belongs to. Computed once per
        search and row count; ``fresh=False`` (the info line, on every live flush) keeps
        the last count while only the number of rows changed. The keys search in slices
        (``action_find``); this computes them at once when they are not known."""
        key = self._search_key()
        if key is None:
            return []
        if key == self._matches_for or (not fresh and self._matches_for and self._matches_for[:2] == key[:2]):
            return self._matches
        scan = self._new_search()
        scan.advance(len(scan.view))
        self._matches, self._matches_for = scan.found, key
        return self._matches

    def _search_note(self) -> str:
        query = one_line(self.query_text, 40)
        scan = self._scan
        if scan is not None:
            return f"searching for \"{query}\"… {scan.scanned:,} / {scan.total:,} · escape stops"
        key = self._search_key()
        if self._matches_for is None or key is None or self._matches_for[:2] != key[:2]:
            self._search(then=None)  # other rows (a run filter): searched again, in slices
            if self._scan is not None:
                return self._search_note()
        matches = self._matches
        if not matches:
            return f"no match for \"{query}\""
        at = bisect_left(matches, self.timeline.cursor)
        if at < len(matches) and matches[at] == self.timeline.cursor:
            return f"match {at + 1:,} of {len(matches):,} for \"{query}\" · n/N"
        return f"{len(matches):,} matches for \"{query}\" · n/N"

    def on_key(self, event) -> None:
        if event.key == "escape" and self.query_one("#timeline-search", Input).has_focus:
            event.stop()
            self.query_one("#timeline-search").display = bool(self.query_text)
            self.timeline.focus()
        elif event.key == "escape" and self._scan is not None:
            event.stop()  # a search under way: stop it (and forget its query)
            self._clear_search()
            self._note = "search stopped"
            self._update_title()

    @on(TimelineView.Opened)
    def _opened(self, event: TimelineView.Opened) -> None:
        event.stop()
        if self.state is not None:
            rows = self.state.rows(self.run_filter)
            if 0 <= event.index < len(rows):
                self.post_message(self.OpenStep(rows.item(event.index)))
