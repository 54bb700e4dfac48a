"""Acting on the open session: the dialogs (answer, message, skip a wait, start a run)
and the attempts screen, opened by a helper the main screen owns.

Whether an action applies is ``core.gating``'s to say. The answer, the message and
the skip go to the run the person opened (``SessionState.run_id``). What a dialog
changes goes back to the screen as a message (``Acted``, ``Reopen``): the helper
never calls into the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.message import Message
from textual.screen import Screen

from phrony_tui.core.gating import startable_agents
from phrony_tui.core.safe_text import preview_json
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.status import ending_action
from phrony_tui.core.steps import as_mapping
from phrony_tui.ui.text import notify, short_id

# The dialogs are imported when first opened: they (and TextArea's syntax machinery)
# are not needed to draw the first screen, and cost ~40 ms of every start.
if TYPE_CHECKING:
    from phrony_tui.ui.dialogs.attempts import AttemptLog
    from phrony_tui.ui.dialogs.common import Done
    from phrony_tui.ui.host import AppHost

# How far back the dialogs look in the timeline for context (the agent's last words, the timer).
CONTEXT_SCAN = 500


class Acted(Message):
    """A dialog did what it was opened for. ``open_run``: a run it started, to open."""

    def __init__(self, open_run: str | None) -> None:
        self.open_run = open_run
        super().__init__()


class Reopen(Message):
    """The server says the session moved on under a dialog: read this run again."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__()


class RunActions:
    """Opens the dialogs on ``screen`` for the session ``state()`` returns (or None).
    ``selected_run()``: the run selected in the run tree; ``preferred_agent()``: the
    agent a new run starts for unless the person picks another."""

    def __init__(
        self,
        screen: Screen[Any],
        state: Callable[[], SessionState | None],
        *,
        selected_run: Callable[[], str | None],
        preferred_agent: Callable[[], str | None],
    ) -> None:
        self.screen = screen
        self.state = state
        self.selected_run = selected_run
        self.preferred_agent = preferred_agent
        self._attempt_log: AttemptLog | None = None

    @property
    def app(self) -> AppHost:
        return cast("AppHost", self.screen.app)

    def agents(self) -> list[str]:
        return startable_agents(self.app.settings.agent_ids, self.state())

    # -- the dialogs -------------------------------------------------------------------
    def answer(self) -> None:
        state = self.state()
        if state is None:
            return
        pending = state.pending_tasks()
        if not pending:
            return
        from phrony_tui.ui.dialogs.answer import AnswerDialog, pick_task

        index = pick_task(pending, self.selected_run())
        dialog = AnswerDialog(
            self.app.client,
            state.run_id,
            pending,
            index,
            agent_label=state.agent_label,
            on_stale=self._reopen(state.run_id),
        )
        self.app.push_screen(dialog, self._dialog_done)

    def message(self) -> None:
        state = self.state()
        if state is None:
            return
        from phrony_tui.ui.dialogs.message import MessageDialog

        waiting = waiting_run(state, "message")
        dialog = MessageDialog(
            self.app.client,
            state.run_id,
            agent=state.agent_label(waiting),
            status=state.status,
            context=last_agent_message(state, waiting),
            on_stale=self._reopen(state.run_id),
        )
        self.app.push_screen(dialog, self._dialog_done)

    def skip_wait(self) -> None:
        state = self.state()
        if state is None:
            return
        from phrony_tui.ui.dialogs.skip import SkipWaitDialog

        waiting = waiting_run(state, "skip")
        dialog = SkipWaitDialog(
            self.app.client,
            state.run_id,
            agent=state.agent_label(waiting),
            timer=timer_arguments(state, waiting),
            on_stale=self._reopen(state.run_id),
        )
        self.app.push_screen(dialog, self._dialog_done)

    def start_run(self) -> None:
        agents = self.agents()
        if not agents:
            return
        from phrony_tui.ui.dialogs.start import StartRunDialog

        names = self.app.settings.agent_names
        choices = [(agent_id, names.get(agent_id) or short_id(agent_id)) for agent_id in agents]
        dialog = StartRunDialog(self.app.client, self.attempt_log, choices, self.preferred_agent())
        self.app.push_screen(dialog, self._dialog_done)

    def attempts(self) -> None:
        from phrony_tui.ui.dialogs.attempts import AttemptsScreen

        self.app.push_screen(AttemptsScreen(self.attempt_log, self.app.client), self._dialog_done)

    @property
    def attempt_log(self) -> AttemptLog:
        if self._attempt_log is None:
            from phrony_tui.ui.dialogs.attempts import AttemptLog
            from phrony_tui.ui.dialogs.attempts_store import AttemptStore, default_path

            self._attempt_log = AttemptLog(
                AttemptStore(default_path()),
                self.app.client.base_url,
                self.app.clock,
                self.app.settings.agent_names,
            )
        return self._attempt_log

    def _dialog_done(self, done: Done | None) -> None:
        if done is None:
            return  # cancelled: nothing was sent
        notify(self.screen, done.message)
        self.screen.post_message(Acted(done.open_run))

    def _reopen(self, run_id: str) -> Callable[[], None]:
        def reopen() -> None:
            self.screen.post_message(Reopen(run_id))

        return reopen


# -- what the dialogs need to know -------------------------------------------------------
def waiting_run(state: SessionState, pause: str) -> str | None:
    """The run in the pause (``pause``: an ending action), else the root run."""
    for run in state.runs.values():
        if ending_action(run.status) == pause:
            return run.id
    return state.root_run_id


def last_agent_message(state: SessionState, run_id: str | None) -> str | None:
    """What the agent said last (its latest ``output`` step), for the message dialog."""
    timeline = state.timeline
    for index in range(len(timeline) - 1, max(-1, len(timeline) - 1 - CONTEXT_SCAN), -1):
        item = timeline[index]
        if item.type != "output" or (run_id and item.run_id and item.run_id != run_id):
            continue
        content = as_mapping(item.content)
        said = item.content if content is None else content.get("message", content.get("output", content))
        inner = as_mapping(said)
        if inner is not None and isinstance(inner.get("message"), str):
            said = inner["message"]
        if isinstance(said, str) and said.strip():
            return said
        return preview_json(said, 500)
    return None


def timer_arguments(state: SessionState, run_id: str | None) -> Any:
    """The arguments of the run's latest ``phrony_wait`` call, for the skip dialog."""
    timeline = state.timeline
    for index in range(len(timeline) - 1, max(-1, len(timeline) - 1 - CONTEXT_SCAN), -1):
        item = timeline[index]
        if item.type != "ToolCall" or (run_id and item.run_id and item.run_id != run_id):
            continue
        content = as_mapping(item.content)
        if content is not None and content.get("name") == "phrony_wait":
            return content.get("arguments")
    return None
