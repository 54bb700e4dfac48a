"""`enter` on a timeline row: the step's full content (pretty JSON), error, tokens, timing.
On a step that names a child run (``core.step_kinds.linked_run_id``), `enter` goes to
that run (the screen is dismissed with its id); elsewhere it closes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from phrony_tui.core.format import duration_between, fmt_count, fmt_duration
from phrony_tui.core.safe_text import pretty_json, safe_text
from phrony_tui.core.step_kinds import linked_run_id

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem

# Past this many characters the JSON is cut (with a note): a 10 MB value must not freeze the UI.
DETAIL_LIMIT = 200_000


class StepDetailScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("enter", "enter", "Close / go to the child run", id="detail.enter"),
    ]
    DEFAULT_CSS = """
    StepDetailScreen { align: center middle; }
    StepDetailScreen > VerticalScroll { width: 95%; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    StepDetailScreen #step-error { color: $error; }
    """

    def __init__(self, item: ConversationItem, agent: str) -> None:
        super().__init__()
        self.item = item
        self.agent = agent
        self.linked_run = linked_run_id(item)
        self.linked_agent = ""  # the child run's agent, when the screen that opens this knows it

    def action_enter(self) -> None:
        self.dismiss(self.linked_run)

    def compose(self) -> ComposeResult:
        item = self.item
        took = duration_between(item.started_at, item.finished_at)
        facts = [
            f"#{item.ordinal}  {item.type}",
            f"step {item.id}",
            f"run {item.run_id or '-'} ({self.agent})  sequence {item.sequence if item.sequence is not None else '-'}",
            f"started {item.started_at or '-'}  finished {item.finished_at or '-'}  took {fmt_duration(took)}",
            f"tokens {fmt_count(item.tokens_used)}",
        ]
        if self.linked_run:
            who = f" ({self.linked_agent})" if self.linked_agent else ""
            facts.append(f"child run {self.linked_run}{who} · enter goes to it in the run tree")
        with VerticalScroll():
            yield Static(Text(safe_text("\n".join(facts))), id="step-facts")
            if item.error:
                yield Static(Text(safe_text(f"error: {item.error}")), id="step-error")
            body = pretty_json(item.content, max_chars=DETAIL_LIMIT)
            yield Static(Syntax(body, "json", word_wrap=True, theme="ansi_dark"), id="step-content")
