"""Live log: the open run's Server-Sent Events as they arrive, with the stream's state."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widgets import Log, Static

from phrony_tui.ui.text import plain

# The log keeps the newest lines only: the timeline holds the steps themselves.
MAX_LINES = 5_000


class LiveLines(Log):
    """Textual's ``Log``, written to without a layout pass of the whole screen per write.

    ``Log.write_lines`` sets ``virtual_size`` (a reactive that lays the screen out again:
    10-40 ms under a firehose, on every flush) and measures the new lines' width in a
    thread of its own (per write, racing the UI for the interpreter). Here the width is
    measured on the spot (the lines are short, already safe) and the size is set the way
    Textual sets it when it lays out (``TimelineView._set_virtual_size`` does the same);
    showing or hiding a scrollbar still lays out."""

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> LiveLines:
        at_end = self.is_vertical_scroll_end
        auto_scroll = self.auto_scroll if scroll_end is None else scroll_end
        new_lines: list[str] = []
        for line in lines:
            new_lines.extend(line.splitlines())
        if not new_lines:
            return self
        start = len(self._lines)
        self._lines.extend(new_lines)
        if self.max_lines is not None and len(self._lines) > self.max_lines:
            start -= len(self._lines) - self.max_lines
            self._prune_max_lines()
        process = self._process_line
        widest = max(cell_len(process(line)) for line in new_lines)
        if widest > self._width:
            self._width = widest
        size = Size(self._width, len(self._lines))
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        self.refresh_lines(max(start, 0), len(new_lines))
        if auto_scroll and not self.is_vertical_scrollbar_grabbed and at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self.refresh()
        return self


class LiveLog(Vertical):
    BINDINGS = [Binding("c", "clear", "Clear log", id="live.clear")]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.received = 0
        self.malformed = 0
        self.state = "idle"
        self._last_state: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="live-state", markup=False)
        yield LiveLines(max_lines=MAX_LINES, id="live-lines", auto_scroll=True)

    def on_mount(self) -> None:
        self.border_title = "Live"
        self._show_state()

    def write(self, lines: Iterable[str]) -> None:
        """Append lines that are already sanitized (core.events describes them)."""
        self.query_one(Log).write_lines(lines)

    def set_state(self, state: str, *, received: int | None = None, malformed: int | None = None) -> None:
        self.state = state
        if received is not None:
            self.received = received
        if malformed is not None:
            self.malformed = malformed
        self._show_state()

    def _show_state(self) -> None:
        style = {
            "connected": "green",
            "closed": "dim",
            "idle": "dim",
        }.get(self.state.split(" ")[0], "yellow")
        line = Text.assemble((f"● {self.state}", style), f"  ·  {self.received:,} events")
        if self.malformed:
            line.append(f"  ·  {self.malformed:,} unreadable skipped", style="yellow")
        if line != self._last_state:  # every live flush comes here
            self._last_state = line
            self.query_one("#live-state", Static).update(line, layout=False)  # one line, always
        title = f"Live ({self.received:,})"
        if getattr(self, "_title_shown", None) != title:
            self._title_shown = title
            self.border_title = plain(title)

    def reset(self) -> None:
        self.received = self.malformed = 0
        self.state = "idle"
        self.query_one(Log).clear()
        self._show_state()

    def action_clear(self) -> None:
        self.query_one(Log).clear()
