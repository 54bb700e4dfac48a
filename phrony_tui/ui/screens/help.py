"""`?`: every key binding of the app, read from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_rows_by_id(keymap: dict[str, str] | None = None) -> dict[str, str]:
    """binding id -> the keys it has (as shown), for the command palette."""
    return {binding_id: keys for keys, _, _, binding_id in _rows(keymap or {}) if binding_id}


def binding_rows(keymap: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(keys, where, what) for every binding, with the user's remaps applied."""
    return [(keys, where, what) for keys, where, what, _ in _rows(keymap or {})] + EXTRA_ROWS


def _rows(keymap: dict[str, str]) -> list[tuple[str, str, str, str | None]]:
    from phrony_tui.ui.app import PhronyApp
    from phrony_tui.ui.dialogs.answer import AnswerDialog
    from phrony_tui.ui.dialogs.attempts import AttemptsScreen, PayloadScreen
    from phrony_tui.ui.dialogs.common import ActionDialog, ChoiceList, SendInput
    from phrony_tui.ui.dialogs.files import RowInput
    from phrony_tui.ui.dialogs.message import AttachmentList, MessageDialog
    from phrony_tui.ui.dialogs.skip import SkipWaitDialog
    from phrony_tui.ui.dialogs.start import StartRunDialog
    from phrony_tui.ui.screens.main import MainScreen
    from phrony_tui.ui.widgets.live_log import LiveLog
    from phrony_tui.ui.widgets.run_tree import RunTree
    from phrony_tui.ui.widgets.sessions import SessionsPane, SessionsTable
    from phrony_tui.ui.widgets.timeline import TimelineView
    from phrony_tui.ui.widgets.timeline_pane import TimelinePane

    places = [
        ("anywhere", PhronyApp),
        ("main screen", MainScreen),
        ("sessions", SessionsPane),
        ("sessions", SessionsTable),
        ("run tree", RunTree),
        ("timeline", TimelineView),
        ("timeline", TimelinePane),
        ("live log", LiveLog),
        ("a dialog", ActionDialog),
        ("answer dialog", AnswerDialog),
        ("answer: text, number", SendInput),
        ("answer: options", ChoiceList),
        ("message dialog", MessageDialog),
        ("message: files", AttachmentList),
        ("attach row", RowInput),
        ("skip-wait dialog", SkipWaitDialog),
        ("start-run dialog", StartRunDialog),
        ("start attempts", AttemptsScreen),
        ("attempt payload", PayloadScreen),
    ]
    rows = []
    for where, owner in places:
        for binding in owner.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            remapped = keymap.get(binding.id) if binding.id else None
            if remapped:
                keys = ", ".join(_key_name(k) for k in remapped.split(","))
            else:
                keys = binding.key_display or ", ".join(_key_name(k) for k in binding.key.split(","))
            rows.append((keys, where, binding.description or binding.action, binding.id))
    return rows


# Keys handled by Textual's own widgets, listed so the help is complete.
EXTRA_ROWS = [
    ("↑ ↓ pgup pgdn", "lists", "move"),
    ("ctrl+p", "anywhere", "command palette"),
    ("escape", "a dialog, a search box", "close / cancel"),
]

_NAMES = {"question_mark": "?", "slash": "/", "full_stop": ".", "left_square_bracket": "[", "right_square_bracket": "]"}


def _key_name(key: str) -> str:
    return _NAMES.get(key.strip(), key.strip())


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        table = Table(title="phrony-tui keys", expand=True, show_edge=False)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("where")
        table.add_column("does")
        for keys, where, what in binding_rows(self.app.settings.keymap):
            table.add_row(Text(keys), Text(where), Text(what))
        with VerticalScroll():
            yield Static(table)
            yield Static(Text("escape closes this help", style="dim"))
