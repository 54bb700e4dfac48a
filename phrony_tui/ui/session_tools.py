"""Export, copy and pager for the open session: a helper the main screen owns.

Exports are written in a thread (a 40 MB JSON must not stall the UI) to
``~/phrony-exports`` (or the config's ``export_dir``), under a name made from a
safe slug of the session id. A file is created ``0600`` and never overwritten:
when the name is taken, ``name-2.json`` (and so on) is used, and the toast says
the whole path. A failed write keeps the prompt open with the path and the error.
The pager and editor run with the app suspended and return to the same place.
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

from phrony_tui.core.export import conversation_json, export_dir, export_file_name, markdown_report, numbered
from phrony_tui.core.gating import why_not
from phrony_tui.core.safe_text import one_line, pretty_json
from phrony_tui.core.session_state import SessionState
from phrony_tui.ui.text import notify

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem
    from phrony_tui.ui.host import AppHost

# The pager's copy of a step is cut here; the JSON export has everything.
PAGER_LIMIT = 20_000_000
# name-2 ... name-999, then the export says the folder is full of them.
MAX_NUMBERED = 999


def write_new(path: Path, text: str) -> Path:
    """Create a file ``0600`` at ``path``, or at ``name-2.ext`` ... when it exists
    (``O_EXCL``: never overwritten, even by a race); the path written."""
    for n in range(1, MAX_NUMBERED + 1):
        target = numbered(path, n)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        except BaseException:
            target.unlink(missing_ok=True)  # no half-written export left behind
            raise
        return target
    raise FileExistsError(17, f"{path.name} and {MAX_NUMBERED - 1} numbered copies exist already")


class PathPrompt(ModalScreen[Path | None]):
    """Ask for a file path (enter: ``write(path)`` in a thread, escape: cancel). It stays
    open with the path and the error when writing fails; it closes with the path written."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical { width: 80; max-width: 100%; height: auto; border: thick $accent; background: $panel; padding: 1 2; }
    PathPrompt #path-error { color: $error; text-style: bold; height: auto; display: none; }
    PathPrompt #path-error.-shown { display: block; }
    """

    def __init__(self, title: str, default: str, write: Callable[[Path], Path] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.default = default
        self.write = write
        self.error: str | None = None
        self.writing = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, markup=False)
            yield Input(value=self.default, id="path")
            yield Label("", id="path-error", markup=False)
            yield Label("enter writes the file (a new one: an existing file is kept) · escape cancels",
                        classes="dim", markup=False)  # fmt: skip

    def on_input_submitted(self, event: Input.Submitted) -> None:
        raw = event.value.strip()
        if not raw or self.writing:
            return
        path = Path(raw).expanduser()
        if self.write is None:
            self.dismiss(path)
            return
        self.writing = True
        self.run_worker(partial(self._write, path), thread=True, group="export")

    def _write(self, path: Path) -> None:
        """In a thread; the outcome is handed back to the UI."""
        assert self.write is not None
        try:
            written = self.write(path)
        except OSError as exc:
            reason = one_line(exc.strerror or str(exc) or type(exc).__name__, 160)
            self.app.call_from_thread(self._failed, f"Could not write {one_line(str(path), 200)}: {reason}")
            return
        self.app.call_from_thread(self.dismiss, written)

    def _failed(self, message: str) -> None:
        self.writing = False
        self.error = message
        slot = self.query_one("#path-error", Label)
        slot.update(message + " — fix the path and press enter again, or escape.")
        slot.add_class("-shown")


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
    def app(self) -> AppHost:
        return cast("AppHost", self.screen.app)

    def export(self, fmt: str = "json") -> None:
        state = self.state()
        if state is None:
            notify(self.screen, why_not(state, "export") or "", severity="warning")
            return
        suffix = "md" if fmt == "markdown" else "json"
        folder = export_dir(getattr(self.app.settings, "export_dir", None), Path.home())
        default = folder / export_file_name(state.session.id, suffix)
        title = "Export the session as Markdown to:" if suffix == "md" else "Export the conversation as JSON to:"
        what = "Markdown report" if fmt == "markdown" else f"JSON ({state.step_count:,} steps)"

        def write(path: Path) -> Path:
            """In a thread: a 40 MB JSON must not stall the UI."""
            if path.parent == folder:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # the export folder, made when first used
            text = markdown_report(state, now=self.app.clock()) if fmt == "markdown" else conversation_json(state)
            return write_new(path, text)

        def chosen(written: Path | None) -> None:
            if written is not None:
                notify(self.screen, f"Exported {what} to {written}", timeout=12)

        self.app.push_screen(PathPrompt(title, str(default), write), chosen)

    def copy(self, what: str) -> None:
        state = self.state()
        if state is None:
            notify(self.screen, why_not(state, "copy") or "", severity="warning")
            return
        if what == "run":
            text, label = state.run_id, "run id"
        elif what == "session":
            text, label = state.session.id, "session id"
        else:
            item = self.current_step()
            if item is None:
                notify(self.screen, "No step selected.", severity="warning")
                return
            text, label = pretty_json(item.content, max_chars=1_000_000), f"step #{item.ordinal} content"
        # OSC 52: works over SSH when the terminal allows it.
        self.app.copy_to_clipboard(text)
        notify(self.screen, f"Copied the {label} to the clipboard.")

    def pager(self, editor: bool = False) -> None:
        item = self.current_step() if self.state() is not None else None
        if item is None:
            notify(self.screen, "No step selected.", severity="warning")
            return
        variable = "EDITOR" if editor else "PAGER"
        command = os.environ.get(variable) or ("vi" if editor else "less")
        argv = shlex.split(command)
        if not argv or shutil.which(argv[0]) is None:
            notify(self.screen, f"${variable} ({one_line(command, 60)}) was not found.", severity="error")
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
            notify(
                self.screen,
                f"Cannot open {variable.lower()} here: {one_line(str(exc) or type(exc).__name__, 120)}",
                severity="error",
            )
        finally:
            Path(name).unlink(missing_ok=True)
