"""Export, copy and pager for the open session: a helper the main screen owns.

Exports are written in a thread (a 40 MB JSON must not stall the UI); the pager
and editor run with the app suspended and return to the same place.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label

from phrony_tui.client.models import ConversationItem
from phrony_tui.core.export import conversation_json, markdown_report
from phrony_tui.core.gating import why_not
from phrony_tui.core.safe_text import one_line, pretty_json
from phrony_tui.core.session_state import SessionState

if TYPE_CHECKING:
    from phrony_tui.ui.app import PhronyApp

# The pager's copy of a step is cut here; the JSON export has everything.
PAGER_LIMIT = 20_000_000


class PathPrompt(ModalScreen[str | None]):
    """Ask for a file path (enter: use it, escape: cancel)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical { width: 80; max-width: 100%; height: auto; border: thick $accent; background: $panel; padding: 1 2; }
    """

    def __init__(self, title: str, default: str) -> None:
        super().__init__()
        self.title_text = title
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(value=self.default, id="path")
            yield Label("enter writes the file · escape cancels", classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class SessionTools:
    """Export, copy and pager for the session ``state()`` returns (or None), on ``screen``
    (it notifies there and runs the export's worker there); ``current_step()``: the
    step selected in the timeline. Owned by the main screen."""

    def __init__(
        self,
        screen: Screen[Any],
        state: Callable[[], SessionState | None],
        current_step: Callable[[], ConversationItem | None],
    ) -> None:
        self.screen = screen
        self.state = state
        self.current_step = current_step

    @property
    def app(self) -> PhronyApp:
        return cast("PhronyApp", self.screen.app)

    def export(self, fmt: str = "json") -> None:
        state = self.state()
        if state is None:
            self.screen.notify(why_not(state, "export") or "", severity="warning")
            return
        suffix = "md" if fmt == "markdown" else "json"
        default = f"phrony-session-{state.session.id[:8]}.{suffix}"
        title = "Export the session as Markdown to:" if suffix == "md" else "Export the conversation as JSON to:"

        def chosen(path: str | None) -> None:
            if path:
                self.screen.run_worker(
                    partial(self._write_export, state, Path(path).expanduser(), fmt), thread=True, group="export"
                )

        self.app.push_screen(PathPrompt(title, default), chosen)

    def _write_export(self, state: SessionState, path: Path, fmt: str) -> None:
        """In a thread: a 40 MB JSON must not stall the UI."""
        app, notify = self.app, self.screen.notify
        try:
            text = markdown_report(state, now=app.clock()) if fmt == "markdown" else conversation_json(state)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            message = f"Could not write {one_line(str(path), 120)}: {one_line(exc.strerror or str(exc), 120)}"
            app.call_from_thread(notify, message, severity="error")
            return
        what = "Markdown report" if fmt == "markdown" else f"JSON ({state.step_count:,} steps)"
        app.call_from_thread(notify, f"Exported {what} to {one_line(str(path), 120)}")

    def copy(self, what: str) -> None:
        state = self.state()
        if state is None:
            self.screen.notify(why_not(state, "copy") or "", severity="warning")
            return
        if what == "run":
            text, label = state.run_id, "run id"
        elif what == "session":
            text, label = state.session.id, "session id"
        else:
            item = self.current_step()
            if item is None:
                self.screen.notify("No step selected.", severity="warning")
                return
            text, label = pretty_json(item.content, max_chars=1_000_000), f"step #{item.ordinal} content"
        # OSC 52: works over SSH when the terminal allows it.
        self.app.copy_to_clipboard(text)
        self.screen.notify(f"Copied the {label} to the clipboard.")

    def pager(self, editor: bool = False) -> None:
        item = self.current_step() if self.state() is not None else None
        if item is None:
            self.screen.notify("No step selected.", severity="warning")
            return
        variable = "EDITOR" if editor else "PAGER"
        command = os.environ.get(variable) or ("vi" if editor else "less")
        argv = shlex.split(command)
        if not argv or shutil.which(argv[0]) is None:
            self.screen.notify(f"${variable} ({one_line(command, 60)}) was not found.", severity="error")
            return
        text = pretty_json(item.content, max_chars=PAGER_LIMIT) + "\n"
        # A private temporary file (0600), removed afterwards: editors need a path.
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="phrony-step-", delete=False) as handle:
            handle.write(text)
            name = handle.name
        try:
            with self.app.suspend():
                subprocess.run([*argv, name], check=False)
        except Exception as exc:  # SuspendNotSupported (web, tests) and OSError
            self.screen.notify(
                f"Cannot open {variable.lower()} here: {one_line(str(exc) or type(exc).__name__, 120)}",
                severity="error",
            )
        finally:
            Path(name).unlink(missing_ok=True)
