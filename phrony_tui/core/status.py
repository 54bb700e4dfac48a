"""Run and session status classes (phrony-api.md, "Statuses").

Statuses are open strings. ``Running`` and anything starting with ``Waiting``
are live; a ``Waiting*`` status is a pause that a person, a timer or another
agent ends; every other non-empty status is terminal.

Who ends a pause: ``WaitingForHITL`` (a user task) and ``WaitingForResponse``
(a conversational reply) wait on a person; ``WaitingForTimer`` ends by itself
(or a skip); ``WaitingForAITL`` sits on a sub-agent's run while its parent
agent's model answers it: an agent-to-agent wait, not a person's, unless an
escalation task for a person exists (which only the session's tasks can
tell: ``SessionState.waits_on_person``). Comparisons ignore case, spaces,
``_`` and ``-`` so ``waiting_for_hitl`` reads like ``WaitingForHITL``; the
labels shown keep the server's spelling.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AGENT_WAIT_LABEL",
    "Action",
    "StatusClass",
    "ending_action",
    "is_agent_wait",
    "is_failed",
    "is_live",
    "is_running",
    "is_terminal",
    "is_waiting",
    "status_class",
    "waiting_label",
    "waits_on_person",
]

Action = Literal["answer", "message", "skip"]
StatusClass = Literal["running", "waiting", "completed", "failed", "stopped", "other", "unknown"]

_FAILED = frozenset({"failed", "failure", "error", "errored", "timedout", "timeout", "crashed"})
_STOPPED = frozenset({"cancelled", "canceled", "terminated", "aborted", "stopped", "killed", "expired"})
_COMPLETED = frozenset({"completed", "complete", "succeeded", "success", "done", "finished"})

_WAITING_LABELS = {
    "waitingforhitl": "approval / user task",
    "waitingforaitl": "agent-in-the-loop",
    "waitingforresponse": "a reply",
    "waitingfortimer": "a timer",
}
# No entry for WaitingForAITL: the parent agent ends it; an escalation to a person is
# answered as a user task (the "answer" action comes from the pending task).
_ACTIONS: dict[str, Action] = {
    "waitingforhitl": "answer",
    "waitingforresponse": "message",
    "waitingfortimer": "skip",
}
_PERSON_WAITS = frozenset({"waitingforhitl", "waitingforresponse"})
# What a sub-agent's run waiting on its parent agent shows (never "go to the dashboard").
AGENT_WAIT_LABEL = "waiting for its parent agent"


def _norm(status: str | None) -> str:
    if not status:
        return ""
    return status.strip().replace("_", "").replace("-", "").replace(" ", "").lower()


def is_waiting(status: str | None) -> bool:
    """A pause (``Waiting*``) that a person, a timer or another agent ends."""
    return _norm(status).startswith("waiting")


def waits_on_person(status: str | None) -> bool:
    """A pause that by its status alone waits on a person: ``WaitingForHITL``,
    ``WaitingForResponse``. Not timers, not ``WaitingForAITL`` (agent-to-agent
    unless an escalation task exists: ``SessionState.waits_on_person``)."""
    return _norm(status) in _PERSON_WAITS


def is_agent_wait(status: str | None) -> bool:
    """``WaitingForAITL``: a sub-agent waits for its parent agent's answer."""
    return _norm(status) == "waitingforaitl"


def is_running(status: str | None) -> bool:
    return _norm(status) == "running"


def is_live(status: str | None) -> bool:
    """``Running`` or ``Waiting*``: the run or session is not over."""
    norm = _norm(status)
    return norm == "running" or norm.startswith("waiting")


def is_terminal(status: str | None) -> bool:
    """Over: any non-empty status that is not live (``Completed``, ``Failed``, others)."""
    norm = _norm(status)
    return bool(norm) and not (norm == "running" or norm.startswith("waiting"))


def is_failed(status: str | None) -> bool:
    """A terminal status that means failure (``Failed`` and spellings like it)."""
    return _norm(status) in _FAILED


def status_class(status: str | None) -> StatusClass:
    """A class for colouring: running, waiting, completed, failed, stopped, other, unknown."""
    norm = _norm(status)
    if not norm:
        return "unknown"
    if norm == "running":
        return "running"
    if norm.startswith("waiting"):
        return "waiting"
    if norm in _COMPLETED:
        return "completed"
    if norm in _FAILED:
        return "failed"
    if norm in _STOPPED:
        return "stopped"
    return "other"


def waiting_label(status: str | None) -> str:
    """What a pause waits for, in words; the raw status for anything else."""
    return _WAITING_LABELS.get(_norm(status), status or "")


def ending_action(status: str | None) -> Action | None:
    """Which action of the API ends this pause: ``"answer"`` (a user task),
    ``"message"`` (a conversational reply), ``"skip"`` (skip-agent-wait), or
    ``None`` (not a pause, a pause the API does not say how to end, or
    ``WaitingForAITL``, which the parent agent ends: a person answers only an
    escalation task, and the pending task says so, not the status)."""
    return _ACTIONS.get(_norm(status))
