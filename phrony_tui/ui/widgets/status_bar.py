"""The status line: host, the inbox count (sessions waiting on a person, from the
watcher), the open session and run, status, tokens, model, redaction."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from rich.text import Text
from textual.widgets import Static

from phrony_tui.core.format import duration_between, fmt_count, fmt_duration
from phrony_tui.core.redaction import REDACTED_NOTE
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import is_waiting, waiting_label
from phrony_tui.ui.errors import first_sentence
from phrony_tui.ui.text import short_id, status_style

__all__ = ["REDACTED_NOTE", "StatusBar"]


class StatusBar(Static):
    def __init__(self, base_url: str, host_label: str | None = None, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self.host = host_label or urlsplit(base_url).netloc or base_url
        self._last: Text | None = None
        self._inbox: Text | None = None  # "3 waiting on you" (ui/inbox_watcher.py)
        self._body = Text("no session open · enter opens one", style="dim")
        self._error = False

    def on_mount(self) -> None:
        self._show(self._body)

    def _lead(self) -> Text:
        lead = Text.assemble(("phrony ", "bold"), (one_line(self.host, 60), "dim"), " │ ")
        if self._inbox is not None:
            lead.append_text(self._inbox)
            lead.append(" │ ")
        return lead

    def show_inbox(self, label: str, note: str | None, *, waiting: bool = False) -> None:
        """The watcher's count, always in view; ``note`` (a ⚠ and the tooltip) says why it
        is a lower bound, or that the last round failed (the count is the last one known)."""
        inbox = Text(label, style="bold yellow" if waiting else "dim")
        if waiting:
            inbox.append(" (i)", style="dim")
        if note:
            inbox.append(" ⚠", style="yellow")
        self.tooltip = note
        if inbox != self._inbox:
            self._inbox = inbox
            self._show(self._body, error=self._error)

    def show_session(self, state, *, now: datetime) -> None:
        session = state.session
        line = Text()
        line.append(f"session {short_id(session.id)} ")
        line.append(f"run {short_id(state.run_id)} ", style="dim")
        line.append(one_line(session.status or "?", 24), style=status_style(session.status))
        if is_waiting(session.status):
            line.append(f" (waits for {waiting_label(session.status)})", style="yellow")
        took = duration_between(session.started_at, session.finished_at, now)
        line.append(f" · {fmt_count(session.total_tokens_used)} tokens · {fmt_duration(took)}")
        model = session.llm_model or state.model
        if model:
            line.append(f" · {one_line(model, 30)}")
        if state.redacted:
            line.append(f" · {REDACTED_NOTE}", style="bold magenta")
        self._show(line)

    def show_error(self, run_id: str, message: str) -> None:
        """The error's first sentence, whole: the bar grows to a few lines for it (the
        timeline's info line holds the rest)."""
        line = Text()
        line.append(f"run {short_id(run_id)} · ", style="dim")
        line.append(first_sentence(message), style="bold red")
        self._show(line, error=True)

    def _show(self, body: Text, *, error: bool = False) -> None:
        # One line but for an error (app.tcss): no layout pass, and nothing at all when
        # unchanged (this runs on every live flush).
        self._body, self._error = body, error
        line = self._lead().append_text(body)
        if line != self._last:
            self._last = line
            grows = error != self.has_class("-error")
            self.set_class(error, "-error")
            self.update(line, layout=grows)
