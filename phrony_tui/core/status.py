"""Run and session status classes (phrony-api.md, "Statuses").

Statuses are open strings. ``Running`` and anything starting with ``Waiting``
are live; a ``Waiting*`` status is a pause that a person or a timer ends;
every other non-empty status is terminal. Comparisons ignore case, spaces,
``_`` and ``-`` so ``waiting_for_hitl`` reads like ``WaitingForHITL``; the
labels shown keep the server's spelling.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "Action",
    "StatusClass",
    "ending_action",
    "is_failed",
    "is_live",
    "is_running",
    "is_terminal",
    "is_waiting",
    "status_class",
    "waiting_label",
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
_ACTIONS: dict[str, Action] = {
    "waitingforhitl": "answer",
    "waitingforaitl": "answer",
    "waitingforresponse": "message",
    "waitingfortimer": "skip",
}


def _norm(status: str | None) -> str:
    if not status:
        return ""
    return status.strip().replace("_", "").replace("-", "").replace(" ", "").lower()


def is_waiting(status: str | None) -> bool:
    """A pause (``Waiting*``) that a person or a timer ends."""
    return _norm(status).startswith("waiting")


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
    ``None`` (not a pause, or a pause the API does not say how to end)."""
    return _ACTIONS.get(_norm(status))
