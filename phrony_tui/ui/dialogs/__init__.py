"""Modal dialogs that act on a run: answer a task, send a message, skip a wait, start a run,
and the start-attempts screen. Each sends at most one request at a time and keeps its input
on failure (see common.py)."""

from phrony_tui.ui.dialogs.answer import AnswerDialog
from phrony_tui.ui.dialogs.attempts import AttemptLog, AttemptsScreen, PayloadScreen
from phrony_tui.ui.dialogs.common import ActionDialog, Done
from phrony_tui.ui.dialogs.message import MessageDialog
from phrony_tui.ui.dialogs.skip import SkipWaitDialog
from phrony_tui.ui.dialogs.start import StartRunDialog

__all__ = [
    "ActionDialog",
    "AnswerDialog",
    "AttemptLog",
    "AttemptsScreen",
    "Done",
    "MessageDialog",
    "PayloadScreen",
    "SkipWaitDialog",
    "StartRunDialog",
]
