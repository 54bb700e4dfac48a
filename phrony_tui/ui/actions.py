"""Acting on the open session from the main screen: the base class of MainScreen that
opens the dialogs (answer, message, skip a wait, start a run) and the attempts screen.

Each action is offered only where it applies: ``check_action`` hides it when it
cannot apply at all (no session open) and greys it out in the footer when the
session is not in the pause it ends; pressing a greyed-out key says why
("This session is Running: nothing to answer"). The answer, the message and
the skip go to the run the person opened (``SessionState.run_id``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.binding import Binding
from textual.screen import Screen

from phrony_tui.core.redaction import REDACTED_TASK_HINT
from phrony_tui.core.safe_text import one_line, preview_json
from phrony_tui.core.status import ending_action, is_terminal
from phrony_tui.core.steps import as_mapping
from phrony_tui.ui.text import short_id

# The dialogs are imported when first opened: they (and TextArea's syntax machinery)
# are not needed to draw the first screen, and cost ~40 ms of every start.
if TYPE_CHECKING:
    from phrony_tui.core.session_state import SessionState
    from phrony_tui.ui.app import PhronyApp
    from phrony_tui.ui.dialogs.attempts import AttemptLog
    from phrony_tui.ui.dialogs.common import Done

# The actions this class gates, and the pause each one ends.
RUN_ACTIONS = ("answer", "message", "skip_wait", "start_run", "attempts")
_PAUSE = {"answer": "answer", "message": "message", "skip_wait": "skip"}
_NEXT_KEY = {"answer": "a answers its user task", "message": "m sends a message", "skip": "w skips the wait"}
# How often the footer re-checks which actions apply (the session changes with the stream).
# How far back the dialogs look in the timeline for context (the agent's last words, the timer).
CONTEXT_SCAN = 500


def pause_actions(state: SessionState) -> set[str]:
    """What ends the session's pauses: ``answer``, ``message``, ``skip`` (from the session's
    status and every run's)."""
    found = {ending_action(state.status)}
    found.update(ending_action(run.status) for run in state.runs.values())
    found.discard(None)
    return found  # type: ignore[return-value]


class RunActions(Screen[None]):
    """MainScreen's base: ``self.state`` is the open session (or None)."""

    app: PhronyApp
    state: SessionState | None

    BINDINGS: ClassVar = [Binding("A", "attempts", "Attempts", id="run.attempts")]

    _attempt_log: AttemptLog | None = None
    _action_signature: Any = None

    # -- which actions apply ---------------------------------------------------------
    def why_not(self, action: str) -> tuple[str | None, bool]:
        """``(None, False)`` when ``action`` applies now, else ``(reason, hide)``: ``hide``
        when it cannot apply at all here (the footer leaves it out rather than greying it)."""
        if action == "start_run":
            if not self._agents():
                return "No agent to start: set PHRONY_AGENT_ID or pass --agent ID.", True
            return None, False
        if action not in _PAUSE:
            return None, False
        state = self.state
        if state is None:
            return "Open a session first (enter on the sessions list).", True
        status = one_line(state.status or "of unknown status", 40)
        pauses = pause_actions(state)
        if action == "answer":
            if state.pending_tasks():
                return None, False
            if "answer" in pauses:
                return (
                    f"This session is {status}, but its timeline shows no pending user task "
                    f"({REDACTED_TASK_HINT}): answer it in the Phrony dashboard."
                ), False
            return self._not_paused(status, "nothing to answer", pauses), False
        if _PAUSE[action] in pauses:
            return None, False
        what = "it is not waiting for a message" if action == "message" else "no timer to skip"
        return self._not_paused(status, what, pauses), False

    @staticmethod
    def _not_paused(status: str, what: str, pauses: set[str]) -> str:
        hint = "; ".join(_NEXT_KEY[p] for p in sorted(pauses) if p in _NEXT_KEY)
        ended = " (it has ended)" if is_terminal(status) else ""
        return f"This session is {status}{ended}: {what}" + (f" — {hint}." if hint else ".")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in RUN_ACTIONS:
            reason, hide = self.why_not(action)
            if reason is None:
                return True
            return False if hide else None
        return super().check_action(action, parameters)

    def _recheck_actions(self) -> None:
        """The session changes with the stream: MainScreen calls this after each redraw,
        and the footer's keys are refreshed when what applies has changed."""
        state = self.state
        if state is None:
            signature: Any = None
        else:
            signature = (id(state), state.status, frozenset(pause_actions(state)), len(state.pending_tasks()))
        if signature != self._action_signature:
            self._action_signature = signature
            self.refresh_bindings()

    def on_key(self, event: events.Key) -> None:
        """A key of an action that does not apply here says why (instead of doing nothing)."""
        active = self.active_bindings.get(event.key)
        if active is not None and (active.node is not self or active.enabled):
            return  # a widget's own key, or an action that runs
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.action in RUN_ACTIONS:
                reason, _hide = self.why_not(binding.action)
                if reason is not None:
                    event.stop()
                    self.notify(reason, severity="warning", markup=False)
                return

    # -- the dialogs -------------------------------------------------------------------
    def action_answer(self) -> None:
        state = self.state
        if state is None:
            return
        pending = state.pending_tasks()
        if not pending:
            return
        from phrony_tui.ui.dialogs.answer import AnswerDialog, pick_task

        index = pick_task(pending, self._selected_run())
        dialog = AnswerDialog(
            self.app.client,
            state.run_id,
            pending,
            index,
            agent_label=state.agent_label,
            on_stale=self._refresh_after(state.run_id),
        )
        self.app.push_screen(dialog, self._dialog_done)

    def action_message(self) -> None:
        state = self.state
        if state is None:
            return
        from phrony_tui.ui.dialogs.message import MessageDialog

        waiting = self._waiting_run(state, "message")
        dialog = MessageDialog(
            self.app.client,
            state.run_id,
            agent=state.agent_label(waiting),
            status=state.status,
            context=self._last_agent_message(state, waiting),
            on_stale=self._refresh_after(state.run_id),
        )
        self.app.push_screen(dialog, self._dialog_done)

    def action_skip_wait(self) -> None:
        state = self.state
        if state is None:
            return
        from phrony_tui.ui.dialogs.skip import SkipWaitDialog

        waiting = self._waiting_run(state, "skip")
        dialog = SkipWaitDialog(
            self.app.client,
            state.run_id,
            agent=state.agent_label(waiting),
            timer=self._timer_arguments(state, waiting),
            on_stale=self._refresh_after(state.run_id),
        )
        self.app.push_screen(dialog, self._dialog_done)

    def action_start_run(self) -> None:
        agents = self._agents()
        if not agents:
            return
        from phrony_tui.ui.dialogs.start import StartRunDialog

        names = self.app.settings.agent_names
        choices = [(agent_id, names.get(agent_id) or short_id(agent_id)) for agent_id in agents]
        dialog = StartRunDialog(self.app.client, self.attempt_log, choices, self._preferred_agent())
        self.app.push_screen(dialog, self._dialog_done)

    def action_attempts(self) -> None:
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
        self.notify(done.message, markup=False)
        if done.open_run is not None:
            self.open_run(done.open_run)  # type: ignore[attr-defined]
            feed = getattr(self, "feed", None)
            if feed is not None and self.app.settings.agent_ids:
                self.load_sessions(feed.first_page_requests())  # type: ignore[attr-defined]
            return
        follower = getattr(self, "follower", None)
        if self.state is not None and (follower is None or follower.status.closed):
            # Nothing follows the session any more: reload it to show its new state.
            self.open_run(self.state.run_id)  # type: ignore[attr-defined]

    def _refresh_after(self, run_id: str):
        def refresh() -> None:
            self.open_run(run_id)  # type: ignore[attr-defined]

        return refresh

    # -- what the dialogs need to know ---------------------------------------------------
    def _agents(self) -> list[str]:
        agents = list(self.app.settings.agent_ids)
        state = self.state
        if state is not None and state.session.agent_id and state.session.agent_id not in agents:
            agents.append(state.session.agent_id)
        return agents

    def _preferred_agent(self) -> str | None:
        """The agent of the session selected in the sessions pane (when it has focus), else
        the open session's, else the selected session's."""
        from phrony_tui.ui.widgets.sessions import SessionsPane

        pane = self.query_one(SessionsPane)
        current = pane.current
        if current is not None and pane.has_focus_within and current.agent_id:
            return current.agent_id
        if self.state is not None and self.state.session.agent_id:
            return self.state.session.agent_id
        return current.agent_id if current is not None else None

    def _selected_run(self) -> str | None:
        from phrony_tui.ui.widgets.run_tree import RunTree

        node = self.query_one(RunTree).cursor_node
        return node.data if node is not None else None

    @staticmethod
    def _waiting_run(state: SessionState, pause: str) -> str | None:
        for run in state.runs.values():
            if ending_action(run.status) == pause:
                return run.id
        return state.root_run_id

    @staticmethod
    def _last_agent_message(state: SessionState, run_id: str | None) -> str | None:
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

    @staticmethod
    def _timer_arguments(state: SessionState, run_id: str | None) -> Any:
        timeline = state.timeline
        for index in range(len(timeline) - 1, max(-1, len(timeline) - 1 - CONTEXT_SCAN), -1):
            item = timeline[index]
            if item.type != "ToolCall" or (run_id and item.run_id and item.run_id != run_id):
                continue
            content = as_mapping(item.content)
            if content is not None and content.get("name") == "phrony_wait":
                return content.get("arguments")
        return None
