"""Which actions on the open session apply now, and in words why not. No textual.

The main screen asks ``refusal`` for its footer (an action that cannot apply at all
here is left out, one that waits for another pause is greyed out), its palette (only
what applies) and its keys (a greyed-out key says why). Action names are the
screen's (its bindings' actions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from phrony_tui.core.redaction import REDACTED_TASK_HINT
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.status import Action, ending_action, is_terminal

# Actions on the run: pressing their key when they do not apply says why.
RUN_ACTIONS = ("answer", "message", "skip_wait", "start_run", "attempts")
# Export, copy and pager: they need an open session.
SESSION_TOOLS = ("export", "copy", "pager")
GATED = RUN_ACTIONS + SESSION_TOOLS

# The pause each action ends, and the key that ends each pause (for the hint).
_PAUSE: dict[str, Action] = {"answer": "answer", "message": "message", "skip_wait": "skip"}
_NEXT_KEY: dict[Action, str] = {"answer": "a answers its user task", "message": "m sends a message",
                                "skip": "w skips the wait"}  # fmt: skip
_NOTHING_TO = {"export": "nothing to export", "copy": "nothing to copy", "pager": "no step to open"}


class Refusal(NamedTuple):
    """Why an action does not apply; ``out_of_place``: it cannot apply at all here (no
    session open, no agent to start), rather than waiting for another pause."""

    reason: str
    out_of_place: bool = False


def pause_actions(state: SessionState) -> set[Action]:
    """What ends the session's pauses (from the session's status and every run's)."""
    found = {ending_action(state.status)}
    found.update(ending_action(run.status) for run in state.runs.values())
    return {action for action in found if action is not None}


def startable_agents(configured: Sequence[str], state: SessionState | None) -> list[str]:
    """The agents a run can be started for: the configured ones, and the open session's."""
    agents = list(configured)
    if state is not None and state.session.agent_id and state.session.agent_id not in agents:
        agents.append(state.session.agent_id)
    return agents


def refusal(state: SessionState | None, action: str, *, agents: Sequence[str] = ()) -> Refusal | None:
    """None when ``action`` applies now. ``agents``: the configured agent ids."""
    if action == "start_run":
        if not startable_agents(agents, state):
            return Refusal("No agent to start: set PHRONY_AGENT_ID or pass --agent ID.", True)
        return None
    if action in _NOTHING_TO:
        return Refusal(f"Open a session first: {_NOTHING_TO[action]}.", True) if state is None else None
    if action not in _PAUSE:
        return None  # attempts, and any action this module does not gate
    if state is None:
        return Refusal("Open a session first (enter on the sessions list).", True)
    status = one_line(state.status or "of unknown status", 40)
    pauses = pause_actions(state)
    if action == "answer":
        if state.pending_tasks():
            return None
        if "answer" in pauses:
            return Refusal(
                f"This session is {status}, but its timeline shows no pending user task "
                f"({REDACTED_TASK_HINT}): answer it in the Phrony dashboard."
            )
        return Refusal(_not_paused(status, "nothing to answer", pauses))
    if _PAUSE[action] in pauses:
        return None
    what = "it is not waiting for a message" if action == "message" else "no timer to skip"
    return Refusal(_not_paused(status, what, pauses))


def why_not(state: SessionState | None, action: str, *, agents: Sequence[str] = ()) -> str | None:
    """None when ``action`` applies now, else the reason, in a sentence."""
    refused = refusal(state, action, agents=agents)
    return refused.reason if refused is not None else None


def _not_paused(status: str, what: str, pauses: set[Action]) -> str:
    hint = "; ".join(_NEXT_KEY[p] for p in sorted(pauses))
    ended = " (it has ended)" if is_terminal(status) else ""
    return f"This session is {status}{ended}: {what}" + (f" — {hint}." if hint else ".")
