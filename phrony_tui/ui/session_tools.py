"""Export, copy and pager for the open session: a MainScreen mixin.

Exports are written in a thread (a 40 MB JSON must not stall the UI); the pager
and editor run with the app suspended and return to the same place.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from phrony_tui.core.export import conversation_json, markdown_report
from phrony_tui.core.safe_text import one_line, pretty_json

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
    """Mixed into MainScreen (``self.state``, ``self.app``, ``self.notify``)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None: shown dimmed in the footer, left out of the palette (no session open).
        if action in ("export", "copy", "pager") and self.state is None:  # type: ignore[attr-defined]
            return None
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_export(self, fmt: str = "json") -> None:
        state = self.state  # type: ignore[attr-defined]
        if state is None:
            self.notify("Open a session first: nothing to export.", severity="warning")  # type: ignore[attr-defined]
            return
        suffix = "md" if fmt == "markdown" else "json"
        default = f"phrony-session-{state.session.id[:8]}.{suffix}"
        title = "Export the session as Markdown to:" if suffix == "md" else "Export the conversation as JSON to:"

        def chosen(path: str | None) -> None:
            if path:
                self._write_export(Path(path).expanduser(), fmt)

        self.app.push_screen(PathPrompt(title, default), chosen)  # type: ignore[attr-defined]

    @work(thread=True, group="export")
    def _write_export(self, path: Path, fmt: str) -> None:
        state = self.state  # type: ignore[attr-defined]
        if state is None:
            return
        try:
            text = markdown_report(state, now=self.app.clock()) if fmt == "markdown" else conversation_json(state)  # type: ignore[attr-defined]
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            message = f"Could not write {one_line(str(path), 120)}: {one_line(exc.strerror or str(exc), 120)}"
            self.app.call_from_thread(self.notify, message, severity="error")  # type: ignore[attr-defined]
            return
        what = "Markdown report" if fmt == "markdown" else f"JSON ({state.step_count:,} steps)"
        self.app.call_from_thread(self.notify, f"Exported {what} to {one_line(str(path), 120)}")  # type: ignore[attr-defined]

    def action_copy(self, what: str) -> None:
        state = self.state  # type: ignore[attr-defined]
        if state is None:
            self.notify("Open a session first: nothing to copy.", severity="warning")  # type: ignore[attr-defined]
            return
        if what == "run":
            text, label = state.run_id, "run id"
        elif what == "session":
            text, label = state.session.id, "session id"
        else:
            item = self._current_step()
            if item is None:
                self.notify("No step selected.", severity="warning")  # type: ignore[attr-defined]
                return
            text, label = pretty_json(item.content, max_chars=1_000_000), f"step #{item.ordinal} content"
        # OSC 52: works over SSH when the terminal allows it.
        self.app.copy_to_clipboard(text)  # type: ignore[attr-defined]
        self.notify(f"Copied the {label} to the clipboard.")  # type: ignore[attr-defined]

    def action_pager(self, editor: bool = False) -> None:
        item = self._current_step()
        if item is None:
            self.notify("No step selected.", severity="warning")  # type: ignore[attr-defined]
            return
        variable = "EDITOR" if editor else "PAGER"
        command = os.environ.get(variable) or ("vi" if editor else "less")
        argv = shlex.split(command)
        if not argv or shutil.which(argv[0]) is None:
            self.notify(f"${variable} ({one_line(command, 60)}) was not found.", severity="error")  # type: ignore[attr-defined]
            return
        text = pretty_json(item.content, max_chars=PAGER_LIMIT) + "\n"
        # A private temporary file (0600), removed afterwards: editors need a path.
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="phrony-step-", delete=False) as handle:
            handle.write(text)
            name = handle.name
        try:
            with self.app.suspend():  # type: ignore[attr-defined]
                subprocess.run([*argv, name], check=False)
        except Exception as exc:  # SuspendNotSupported (web, tests) and OSError
            self.notify(f"Cannot open {variable.lower()} here: {one_line(str(exc) or type(exc).__name__, 120)}",  # type: ignore[attr-defined]
                        severity="error")  # fmt: skip
        finally:
            Path(name).unlink(missing_ok=True)

    def _current_step(self):
        from phrony_tui.ui.widgets.timeline_pane import TimelinePane

        state = self.state  # type: ignore[attr-defined]
        if state is None:
            return None
        return self.query_one(TimelinePane).current_item()  # type: ignore[attr-defined]
