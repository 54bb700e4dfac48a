"""Quitting while a send or an upload is in flight: ask, then say what became of it.

``q`` / ``ctrl+c`` with a dialog's request in flight (a message, an answer, a
start, an upload) opens :class:`QuitWhileSending`: ``w`` waits for the answer and
then quits, ``q`` quits at once, escape stays. Either way the app's
``exit_note`` says afterwards (on stderr, see entry/launch.py) whether it went:
the dialog's own outcome after a wait, "unknown" after quitting anyway.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from phrony_tui.core.safe_text import one_line
from phrony_tui.ui.dialogs.common import ActionDialog


def busy_dialog(app: Any) -> ActionDialog | None:
    """The dialog with a request in flight, if any."""
    return next((s for s in reversed(app.screen_stack) if isinstance(s, ActionDialog) and s.busy), None)


class QuitWhileSending(ModalScreen[str | None]):
    """w: wait for the answer, then quit · q: quit anyway · escape: stay."""

    BINDINGS = [
        Binding("w", "dismiss('wait')", "Wait, then quit", id="quit.wait"),
        Binding("q,ctrl+c", "dismiss('quit')", "Quit anyway", priority=True, id="quit.anyway"),
        Binding("escape", "dismiss(None)", "Stay", id="quit.stay"),
    ]
    DEFAULT_CSS = """
    QuitWhileSending { align: center middle; }
    QuitWhileSending > Vertical { width: 72; max-width: 100%; height: auto; border: thick $warning;
                                  background: $panel; padding: 1 2; }
    """

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"A request is in flight ({one_line(self.what, 60)}). If you quit now, "
                              "it may or may not reach the server."))  # fmt: skip
            yield Static(Text("w: wait for its answer, then quit · q: quit anyway · escape: stay", style="dim"))


def quit_or_ask(app: Any) -> None:
    dialog = busy_dialog(app)
    if dialog is None:
        app.exit()
        return
    if isinstance(app.screen, QuitWhileSending):
        return
    what = dialog.busy_label.rstrip("…") or "a request"

    def chosen(choice: str | None) -> None:
        if choice == "quit":
            app.exit_note = (f"quit while {what.lower()} was in flight: whether it reached the server is "
                             "unknown; look at the session before sending it again.")  # fmt: skip
            app.exit()
        elif choice == "wait":
            app.run_worker(_wait_then_quit(app, dialog, what), group="quit-wait")

    app.push_screen(QuitWhileSending(what), chosen)


async def _wait_then_quit(app: Any, dialog: ActionDialog, what: str) -> None:
    await dialog.idle.wait()
    outcome = dialog.result_note or dialog.error or "it ended with no word"
    app.exit_note = f"{what} (waited for it before quitting): {one_line(outcome, 600)}"
    app.exit()
