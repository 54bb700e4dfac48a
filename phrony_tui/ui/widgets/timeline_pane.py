"""Timeline pane: the step count, search, jumps, and the virtualized TimelineView."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from phrony_tui.client.models import ConversationItem
from phrony_tui.core.redaction import REDACTED_NOTE
from phrony_tui.core.safe_text import one_line
from phrony_tui.ui.text import short_id
from phrony_tui.ui.widgets.timeline import EmptyRows, TimelineView


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
    ]

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

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-info", markup=False)
        yield Input(placeholder="search steps: type, summary, content — enter finds, n/N next/previous", id="timeline-search")
        yield TimelineView(id="timeline")

    def on_mount(self) -> None:
        self.query_one("#timeline-search").display = False
        self.border_title = "Timeline"
        self._info("open a session from the list (enter), or start with --run RUN_ID")

    @property
    def timeline(self) -> TimelineView:
        return self.query_one(TimelineView)

    # -- content -----------------------------------------------------------
    def show_loading(self, run_id: str) -> None:
        self.state = None
        self.run_filter = None
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

    def _update_title(self) -> None:
        state = self.state
        if state is None:
            return
        total = state.step_count
        shown = len(state.rows(self.run_filter))
        title = f"Timeline ({total:,} steps)"
        if self.run_filter:
            title = f"Timeline ({shown:,} of {total:,} steps · one run)"
        if self.border_title != title:
            self.border_title = title
        parts = []
        if state.redacted:
            parts.append(REDACTED_NOTE)
        elif total == 0:
            parts.append("no steps yet")
        if self.run_filter:
            parts.append(f"only run {short_id(self.run_filter)} ({state.agent_label(self.run_filter)}) · f shows all")
        if self.query_text:
            parts.append(f"search “{one_line(self.query_text, 40)}” · n/N")
        if self._note:
            parts.append(self._note)
        self._info(" · ".join(parts))

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
    def action_search(self) -> None:
        box = self.query_one("#timeline-search", Input)
        box.display = True
        box.value = self.query_text
        box.focus()

    @on(Input.Submitted, "#timeline-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value.strip()
        event.input.display = bool(self.query_text)
        self.timeline.focus()
        if self.query_text:
            self.action_find(1, include_current=True)
        else:
            self._update_title()

    def action_find(self, direction: int, include_current: bool = False) -> None:
        if self.state is None or not self.query_text:
            return
        rows = self.state.rows(self.run_filter)
        start = self.timeline.cursor
        if not include_current:
            start += 1 if direction > 0 else -1
        index = rows.find(self.query_text, start, backwards=direction < 0)
        self._note = "" if index is not None else "no more matches"
        if index is not None:
            self.timeline.move_to(index)
        self._update_title()

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
