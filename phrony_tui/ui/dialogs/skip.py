"""`w`: end a ``phrony_wait`` timer early (WaitingForTimer), after a y/n confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from phrony_tui.client import PhronyAPIError, PhronyClient, PhronyError
from phrony_tui.core.safe_text import one_line, pretty_json
from phrony_tui.ui.dialogs.common import ActionDialog, Done
from phrony_tui.ui.text import short_id


class SkipWaitDialog(ActionDialog):
    title_text = "Skip the wait"
    retry_hint = "y tries again"
    BINDINGS: ClassVar = [
        Binding("y", "skip", "Skip the wait", id="skip.yes"),
        Binding("n", "keep_waiting", "Keep waiting", id="skip.no"),
    ]

    def __init__(
        self,
        client: PhronyClient,
        run_id: str,
        *,
        agent: str = "",
        timer: Any = None,
        on_stale: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.run_id = run_id
        self.agent = agent
        self.timer = timer  # the phrony_wait call's arguments, when the timeline has them
        self.on_stale = on_stale

    def header(self) -> Text:
        text = Text()
        text.append(one_line(self.agent or "the agent", 40), style="bold")
        text.append(f" waits on a timer · skip-agent-wait goes to run {short_id(self.run_id)}")
        return text

    def compose_body(self) -> Iterable[Widget]:
        yield Static(Text("End the agent's wait now? The run goes on as if the timer had run out."),
                     classes="dialog-question")  # fmt: skip
        if self.timer is not None:
            yield Static(Text("The wait (phrony_wait):", style="dim"), classes="dialog-hint")
            body = pretty_json(self.timer, max_chars=5_000)
            yield VerticalScroll(Static(Syntax(body, "json", word_wrap=True, theme="ansi_dark")),
                                 classes="dialog-context")  # fmt: skip
        yield Static(Text("y skips the wait, n or escape keeps waiting."), classes="dialog-hint")

    def action_keep_waiting(self) -> None:
        self.action_cancel()

    def action_skip(self) -> None:
        async def request() -> Any:
            return await self.client.skip_agent_wait(self.run_id)

        def done(result: Any) -> None:
            status = getattr(result, "status", None)
            after = f" (run now {one_line(status, 30)})" if status else ""
            self.finish(Done(f"Skipped the wait of {one_line(self.agent or short_id(self.run_id), 40)}{after}"))

        self.send(request, done, label="Skipping the wait…")

    def failed(self, error: PhronyError) -> None:
        if isinstance(error, PhronyAPIError) and (
            error.status == 409 or (error.status == 400 and "timer" in (error.body or "").lower())
        ):
            said = error.server_message or str(error)
            self.show_error(f"The run is not waiting on a timer any more: {said}. The session is being refreshed.")
            if self.on_stale is not None:
                self.on_stale()
            return
        super().failed(error)
