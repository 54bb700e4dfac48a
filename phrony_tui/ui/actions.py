"""Acting on the open run (answer, message, skip a wait, start a run): the MainScreen
mixin that opens the dialogs. Being built (issue 8); until then each action says so."""

from __future__ import annotations


class RunActions:
    """Mixed into MainScreen: ``self.state`` is the open session (or None)."""

    def action_answer(self) -> None:
        self.notify("Answering tasks from the terminal is not built yet.", severity="warning")  # type: ignore[attr-defined]

    def action_message(self) -> None:
        self.notify("Sending messages from the terminal is not built yet.", severity="warning")  # type: ignore[attr-defined]

    def action_skip_wait(self) -> None:
        self.notify("Skipping waits from the terminal is not built yet.", severity="warning")  # type: ignore[attr-defined]

    def action_start_run(self) -> None:
        self.notify("Starting runs from the terminal is not built yet.", severity="warning")  # type: ignore[attr-defined]
