"""Timeline pane: the step count, search, jumps, and the virtualized TimelineView."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
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
from phrony_tui.ui.text import notify, plain, short_id
from phrony_tui.ui.widgets.timeline import EmptyRows, TimelineView

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem


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
        matches = self.matches()
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

    def matches(self, *, fresh: bool = True) -> list[int]:
        """Every row the search text matches: its type, summary or content (the core's
        search), or the name of the agent whose run it belongs to. Computed once per
        search and row count; ``fresh=False`` (the info line, on every live flush) keeps
        the last count while only the number of rows changed."""
        state = self.state
        if state is None or not self.query_text:
            return []
        rows = state.rows(self.run_filter)
        view = rows.view
        key = (self.query_text, id(view), len(view))
        if key == self._matches_for or (not fresh and self._matches_for and self._matches_for[:2] == key[:2]):
            return self._matches
        found: set[int] = set()
        start, count = 0, len(view)
        while start < count and (index := view.find(self.query_text, start, wrap=False)) is not None:
            found.add(index)
            start = index + 1
        needle = self.query_text.casefold()
        agent_runs = {run_id for run_id in state.timeline.run_ids() if needle in state.agent_label(run_id).casefold()}
        if agent_runs:
            found.update(index for index, item in enumerate(view) if item.run_id in agent_runs)
        self._matches, self._matches_for = sorted(found), key
        return self._matches

    def _search_note(self) -> str:
        query = one_line(self.query_text, 40)
        matches = self.matches(fresh=False)
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

    @on(TimelineView.Opened)
    def _opened(self, event: TimelineView.Opened) -> None:
        event.stop()
        if self.state is not None:
            rows = self.state.rows(self.run_filter)
            if 0 <= event.index < len(rows):
                self.post_message(self.OpenStep(rows.item(event.index)))
