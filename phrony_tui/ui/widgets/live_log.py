"""Live log: the open run's Server-Sent Events as they arrive, with the stream's state."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Log, Static

from phrony_tui.ui.text import plain

# The log keeps the newest lines only: the timeline holds the steps themselves.
MAX_LINES = 5_000


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
        yield Log(max_lines=MAX_LINES, id="live-lines", auto_scroll=True)

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
