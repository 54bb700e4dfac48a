"""Live events (``/v1/runs/{runId}/stream``) turned into what the UI needs.

Each :class:`~phrony_tui.client.models.RunEvent` gets a one-line description
for the live log (:func:`describe`) and its effect on the session
(:func:`effect_of`): a status change of a run or the session, a new step for
the timeline, a new run (a sub-agent spawned), a task created or closed.
This is the one place a live event is interpreted: the task book
(``TaskBook.apply_effect``) and the session state both read the effect.
Subjects and data keys are engine details: everything is read tolerantly
(``status``; ``runId`` / ``run_id``; ``sessionId`` / ``session_id``...), and an
event that says nothing usable has no effect rather than an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any, Literal

from phrony_tui.core.format import parse_ts as parse_timestamp
from phrony_tui.core.safe_text import one_line, preview_json
from phrony_tui.core.status import is_terminal
from phrony_tui.core.step_kinds import answers_task
from phrony_tui.core.steps import as_mapping, is_user_task_req, pick, step_from_event
from phrony_tui.core.summary import summarize
from phrony_tui.core.task_parse import (
    UserTask,
    parse_task,
    task_from_data,
    user_task_id_in,
    user_task_id_of,
)

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem, Run, RunEvent

__all__ = [
    "EventEffect",
    "StatusChange",
    "TaskChange",
    "describe",
    "effect_of",
    "event_time",
    "is_terminal_event",
    "step_task_change",
    "task_status_from_subject",
]

_TERMINAL_WORDS = frozenset({"completed", "failed", "cancelled", "canceled", "terminated", "ended", "finished"})
_RUN_ID_KEYS = ("runId", "run_id")
_SESSION_ID_KEYS = ("sessionId", "session_id")
_CHILD_ID_KEYS = ("childRunId", "child_run_id", "subRunId", "sub_run_id", "subAgentRunId", "sub_agent_run_id")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A run's or the session's new status. ``id`` is None when the event did not say."""

    scope: Literal["run", "session"]
    id: str | None
    status: str
    error: Any = None


@dataclass(frozen=True, slots=True)
class TaskChange:
    """A task created or closed. ``task`` is set when the event carries its body;
    ``parsed`` is what was read either way (the id, run and status at least)."""

    user_task_id: str
    status: str | None
    run_id: str | None = None
    task: UserTask | None = None
    parsed: UserTask | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EventEffect:
    status: StatusChange | None = None
    step: ConversationItem | None = None
    new_run: Run | None = None
    task: TaskChange | None = None
    terminal: bool = False  # the session is over: the stream will end


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (Mapping, list, bool)):
        return None
    return str(value)


def event_time(event: RunEvent) -> str:
    """``HH:MM:SS.mmm`` of the event's timestamp in UTC (as every time the
    panes show); the raw text, made safe, when it does not parse."""
    stamp = parse_timestamp(event.ts)
    if stamp is None:
        return one_line(event.ts or "", 32)
    stamp = stamp.astimezone(UTC)
    return stamp.strftime("%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


def _subject_word(event: RunEvent) -> str:
    return (event.subject or "").rsplit(".", 1)[-1].lower()


def _status_change(event: RunEvent, data: Mapping[str, Any], new_run: Run | None) -> StatusChange | None:
    kind = event.kind.lower()
    if kind not in ("run", "session"):
        return None
    status = _text(pick(data, "status", "state"))
    if status is None and _subject_word(event) == "started":
        status = "Running"
    if not status:
        return None
    if kind == "session":
        ident = _text(pick(data, *_SESSION_ID_KEYS, "id"))
        return StatusChange("session", ident, status, pick(data, "error"))
    ident = new_run.id if new_run is not None else _text(pick(data, *_RUN_ID_KEYS, "id"))
    return StatusChange("run", ident, status, pick(data, "error"))


def _new_run(event: RunEvent, data: Mapping[str, Any]) -> Run | None:
    if event.kind.lower() != "run":
        return None
    subject = (event.subject or "").lower()
    nested = as_mapping(pick(data, "run", "childRun", "child_run", "subRun"))
    body = nested if nested is not None else data
    spawned = "spawn" in subject or nested is not None
    has_parent = pick(body, "parentRunId", "parent_run_id") is not None
    if not (spawned or has_parent or _subject_word(event) == "started"):
        return None
    ident = _text(pick(data, *_CHILD_ID_KEYS)) or _text(pick(body, *_CHILD_ID_KEYS, "id"))
    if ident is None and (nested is not None or not spawned):
        ident = _text(pick(body, *_RUN_ID_KEYS))
    if ident is None:
        return None
    parent = _text(pick(body, "parentRunId", "parent_run_id"))
    if parent is None and spawned:
        outer = _text(pick(data, *_RUN_ID_KEYS, "parentRunId", "parent_run_id"))
        parent = outer if outer != ident else None
    dropped = {"id", "parentRunId", "parent_run_id", *_CHILD_ID_KEYS, *_RUN_ID_KEYS}
    fields = {key: value for key, value in body.items() if key not in dropped}
    from phrony_tui.client.models import Run  # on first use: not on the app's start

    try:
        return Run.model_validate({**fields, "id": ident, "parentRunId": parent})
    except ValueError:  # a field of an unexpected type: keep what identifies the run
        return Run(id=ident, parent_run_id=parent, status=_text(pick(body, "status")) or "")


def task_status_from_subject(subject: str) -> str | None:
    """A task status read from an event subject's last word (``...created`` -> Pending)."""
    tail = subject.rsplit(".", 1)[-1].lower() if subject else ""
    if tail in {"created", "requested", "pending", "opened"}:
        return "Pending"
    if tail in {"completed", "answered", "resolved", "approved", "rejected", "done", "declined"}:
        return "Completed"
    if tail in {"cancelled", "canceled", "expired", "dismissed"}:
        return "Cancelled"
    return None


def step_task_change(step: ConversationItem) -> TaskChange | None:
    """What a step says about a user task: a request raises one (``Pending`` unless its
    content says otherwise); a later step naming a task gives its status, or closes
    it when its kind answers tasks (``UserTaskResp``, a person's escalation answer)."""
    if is_user_task_req(step):  # by type, as the task book and the timeline decide it
        task = parse_task(step)
        if task.user_task_id is None:
            return None
        return TaskChange(task.user_task_id, task.status or "Pending", task.run_id, task, task)
    task_id = user_task_id_of(step)
    if task_id is None:
        return None
    status = _text(pick(step.content, "status", "state"))
    if not status and answers_task(step):
        status = "Completed"
    return TaskChange(task_id, status, step.run_id) if status else None


def _task_change(event: RunEvent, data: Mapping[str, Any], step: ConversationItem | None) -> TaskChange | None:
    if step is not None:
        return step_task_change(step)
    if event.kind.lower() not in ("user_task", "aitl"):
        return None
    fallback = None if user_task_id_in(data) else _text(pick(data, "id"))
    task = task_from_data(data, user_task_id=fallback)
    if task.user_task_id is None:
        return None
    status = task.status or task_status_from_subject(event.subject)
    has_body = task.shown_question is not None or task.raw_kind is not None or bool(task.options)
    return TaskChange(task.user_task_id, status, task.run_id, task if has_body else None, task)


def effect_of(event: RunEvent, root_run_id: str | None = None) -> EventEffect:
    """What the event changes. Never raises on an odd event: it has no effect.
    ``root_run_id`` lets the end of the root run count as the end (see
    :func:`is_terminal_event`)."""
    data = as_mapping(event.data) or {}
    step = step_from_event(event) if event.kind.lower() == "step" else None
    new_run = _new_run(event, data)
    return EventEffect(
        status=_status_change(event, data, new_run),
        step=step,
        new_run=new_run,
        task=_task_change(event, data, step),
        terminal=is_terminal_event(event, root_run_id),
    )


def is_terminal_event(event: RunEvent, root_run_id: str | None = None) -> bool:
    """The session is over: a ``session`` event with a terminal status (or a
    subject ending in completed / failed / cancelled...), or, when
    ``root_run_id`` is given, a ``run`` event ending that run."""
    kind = event.kind.lower()
    data = as_mapping(event.data) or {}
    status = _text(pick(data, "status", "state"))
    if kind == "session":
        if status:
            return is_terminal(status)
        return _subject_word(event) in _TERMINAL_WORDS
    if kind == "run" and root_run_id:
        if _text(pick(data, *_RUN_ID_KEYS, "id")) != root_run_id:
            return False
        if status:
            return is_terminal(status)
        return _subject_word(event) in _TERMINAL_WORDS
    return False


def describe(event: RunEvent, limit: int = 200) -> str:
    """One safe line for the live log: time, kind, subject, a short data preview."""
    kind = event.kind.lower()
    step = step_from_event(event) if kind == "step" else None  # (a live step's data is not decoded for it)
    data = None if step is not None else as_mapping(event.data)
    if kind == "step":
        short = summarize(step, limit) if step is not None else preview_json(event.data, limit)
    elif data is not None and kind in ("run", "session"):
        status = _text(pick(data, "status", "state"))
        ident = _text(pick(data, *_CHILD_ID_KEYS, *_RUN_ID_KEYS, *_SESSION_ID_KEYS, "id"))
        error = pick(data, "error")
        short = " ".join(
            part
            for part in (
                status or "",
                ident[:8] if ident else "",
                f"error: {preview_json(error, limit) if not isinstance(error, str) else error}"
                if error not in (None, "")
                else "",
            )
            if part
        ) or preview_json(event.data, limit)
    else:
        short = preview_json(event.data, limit) if event.data is not None else ""
    parts = [event_time(event), one_line(event.kind or "?", 16), one_line(event.subject, 80), short]
    return one_line("  ".join(part for part in parts if part), limit)
