"""What a user task is: its kind, question, options, and how it is read.

A task is raised by a ``UserTaskReq`` step whose content holds the
``user_task_id`` to answer with (or arrives as a ``user_task`` / ``aitl``
event). Its kind, question and options are not documented: they are read when
present, under several spellings, and the raw content is always kept for the
UI to show.

An escalation (``aitl_escalation``: a sub-agent's question that its parent
agent handed to a person) may carry a separate question for the person
(``question_for_user`` / ``questionForUser``): :attr:`UserTask.shown_question`
puts it first. It can be declined as well as answered
(:attr:`UserTask.can_decline`; the body is ``core.task_answer.decline_fields``).

The strings in :class:`UserTask` (question, option labels) are raw server
text: show them through :func:`phrony_tui.core.safe_text.safe_text`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from phrony_tui.core.fields import as_mapping, pick

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem

__all__ = [
    "APPROVE_KINDS",
    "DECLINE_KINDS",
    "TASK_NEEDLE",
    "TEXT_KINDS",
    "AnswerStyle",
    "TaskOption",
    "UserTask",
    "may_name_task",
    "normalize_kind",
    "parse_task",
    "task_from_data",
    "user_task_id_in",
    "user_task_id_of",
]

AnswerStyle = Literal["approve", "choose", "text", "number", "acknowledge"]

APPROVE_KINDS = frozenset({"approval", "hitl", "anomaly_review"})
TEXT_KINDS = frozenset({"text", "aitl_escalation"})
# Kinds a person may decline rather than answer (the dashboard's Decline button).
DECLINE_KINDS = frozenset({"aitl_escalation"})

_KIND_ALIASES = {
    "approve": "approval",
    "approval_request": "approval",
    "tool_approval": "approval",
    "human_approval": "approval",
    "hitl_approval": "approval",
    "multioption": "multi_option",
    "multi_options": "multi_option",
    "multiple_option": "multi_option",
    "multi_choice": "multi_option",
    "multiple_choice": "multi_option",
    "single_choice": "multi_option",
    "choice": "multi_option",
    "select": "multi_option",
    "free_text": "text",
    "text_input": "text",
    "numeric": "number",
    "number_input": "number",
    "aitl": "aitl_escalation",
    "escalation": "aitl_escalation",
    "human_escalation": "aitl_escalation",
    "aitl_human_escalation": "aitl_escalation",
}
_STYLES: dict[str, AnswerStyle] = {
    **{kind: "approve" for kind in APPROVE_KINDS},
    "multi_option": "choose",
    "text": "text",
    "aitl_escalation": "text",
    "number": "number",
    "anomaly_alert": "acknowledge",
}

_KIND_KEYS = ("kind", "task_kind", "taskKind", "type")
_QUESTION_KEYS = ("question", "prompt", "title", "message", "description")
_USER_QUESTION_KEYS = (
    "question_for_user",
    "questionForUser",
    "user_question",
    "userQuestion",
    "question_for_human",
    "questionForHuman",
)
_DECLINE_KEYS = ("can_decline", "canDecline", "declinable", "allow_decline", "allowDecline")
_OPTION_KEYS = ("options", "choices")
_OPTION_ID_KEYS = ("id", "value", "key")
_OPTION_LABEL_KEYS = ("label", "text", "title", "name")
_NESTS = ("user_task", "userTask", "task")
_TASK_ID_KEYS = ("user_task_id", "userTaskId", "userTaskID", "task_id", "taskId")


class TaskOption(NamedTuple):
    """One choice of a multi-option task: the id to send and the label to show."""

    id: Any
    label: str


@dataclass(frozen=True, slots=True)
class UserTask:
    """A user task as read from a ``UserTaskReq`` step (or a ``user_task`` event)."""

    user_task_id: str | None
    run_id: str | None
    kind: str  # normalized: "approval", "multi_option", ..., or "unknown"
    question: str | None
    options: tuple[TaskOption, ...] = ()
    tool_call: Any = None
    content: Any = None
    raw_kind: str | None = None
    status: str | None = None  # a status the content or event carried, if any
    step_id: str | None = None
    ordinal: int = 0
    question_for_user: str | None = None  # an escalation's separate question for the person
    declinable: bool | None = None  # what the content said about declining, if it said

    @property
    def answer_style(self) -> AnswerStyle | None:
        """How the dialog answers it; None when the kind is unknown."""
        return _STYLES.get(self.kind)

    @property
    def shown_question(self) -> str | None:
        """What to show first: the question for the person when there is one, else the question."""
        return self.question_for_user or self.question

    @property
    def can_decline(self) -> bool:
        """Whether the dialog offers Decline: escalations, unless the content says not;
        any task whose content says it can be declined."""
        if self.declinable is not None:
            return self.declinable
        return self.kind in DECLINE_KINDS


# --- reading ------------------------------------------------------------------------

_CAMEL_1 = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CAMEL_2 = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s\-.]+")


def normalize_kind(raw: Any) -> str:
    """``"multiOption"``, ``"MULTI_OPTION"``, ``"multiple-choice"`` -> ``"multi_option"``.
    Unknown kinds come back snake_cased; missing ones as ``"unknown"``."""
    if not isinstance(raw, str) or not raw.strip():
        return "unknown"
    text = _CAMEL_2.sub("_", _CAMEL_1.sub("_", raw.strip()))
    text = _SEPARATORS.sub("_", text).lower().strip("_")
    return _KIND_ALIASES.get(text, text) or "unknown"


def user_task_id_in(data: Any) -> bool:
    """Whether a task's JSON names its id with a task-specific key."""
    return any(
        pick(mapping, "user_task_id", "userTaskId", "task_id", "taskId") is not None
        for mapping in _fields(data)
    )


def _fields(content: Any) -> list[Mapping[str, Any]]:
    """The content and the task objects nested in it, where task fields may live."""
    mapping = as_mapping(content)
    if mapping is None:
        return []
    found = [mapping]
    for nest in _NESTS:
        inner = as_mapping(mapping.get(nest))
        if inner is not None:
            found.append(inner)
    return found


def _first(maps: list[Mapping[str, Any]], keys: tuple[str, ...], want: type | tuple[type, ...]) -> Any:
    for mapping in maps:
        for key in keys:
            value = mapping.get(key)
            if isinstance(value, want) and not isinstance(value, bool):
                if isinstance(value, str) and not value.strip():
                    continue
                return value
    return None


def _first_bool(maps: list[Mapping[str, Any]], keys: tuple[str, ...]) -> bool | None:
    for mapping in maps:
        for key in keys:
            value = mapping.get(key)
            if isinstance(value, bool):
                return value
    return None


def _option(raw: Any, index: int) -> TaskOption | None:
    if isinstance(raw, str):
        return TaskOption(raw, raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return TaskOption(raw, str(raw))
    mapping = as_mapping(raw)
    if mapping is None:
        return None
    ident = pick(mapping, *_OPTION_ID_KEYS)
    label = pick(mapping, *_OPTION_LABEL_KEYS)
    if isinstance(ident, (Mapping, list)):
        ident = None
    if label is None or isinstance(label, (Mapping, list)):
        label = ident
    if ident is None:
        ident = label
    if ident is None:
        return None
    return TaskOption(ident if isinstance(ident, (str, int)) else str(ident), str(label))


def _options(maps: list[Mapping[str, Any]]) -> tuple[TaskOption, ...]:
    for mapping in maps:
        for key in _OPTION_KEYS:
            raw = mapping.get(key)
            if isinstance(raw, list):
                parsed = (_option(entry, index) for index, entry in enumerate(raw))
                return tuple(option for option in parsed if option is not None)
            if isinstance(raw, Mapping):  # {"id": "label", ...}
                return tuple(TaskOption(str(key_), str(label)) for key_, label in raw.items())
    return ()


def _tool_call(maps: list[Mapping[str, Any]]) -> Any:
    for mapping in maps:
        for key in ("tool_call", "toolCall"):
            if mapping.get(key) is not None:
                return mapping[key]
        tool = mapping.get("tool")
        arguments = mapping.get("arguments")
        if isinstance(tool, Mapping):
            return tool
        if tool is not None:
            return {"tool": tool, "arguments": arguments} if arguments is not None else {"tool": tool}
        if arguments is not None:
            return {"arguments": arguments}
    return None


def task_from_data(
    content: Any,
    *,
    user_task_id: str | None = None,
    run_id: str | None = None,
    step_id: str | None = None,
    ordinal: int = 0,
) -> UserTask:
    """A :class:`UserTask` from a task's JSON (a step content or event data)."""
    maps = _fields(content)
    if user_task_id is None:
        found = _first(maps, ("user_task_id", "userTaskId", "task_id", "taskId"), (str, int))
        if found is None and len(maps) > 1:
            found = _first(maps[1:], ("id",), (str, int))
        user_task_id = None if found is None else str(found)
    if run_id is None:
        found = _first(maps, ("run_id", "runId"), (str, int))
        run_id = None if found is None else str(found)
    raw_kind = _first(maps, _KIND_KEYS, str)
    question = _first(maps, _QUESTION_KEYS, str)
    if question is None and isinstance(content, str) and content.strip():
        question = content
    status = _first(maps, ("status", "state"), str)
    declinable = _first_bool(maps, _DECLINE_KEYS)
    return UserTask(
        user_task_id=user_task_id,
        run_id=run_id,
        kind=normalize_kind(raw_kind),
        question=question,
        options=_options(maps),
        tool_call=_tool_call(maps),
        content=content,
        raw_kind=raw_kind,
        status=status,
        step_id=step_id,
        ordinal=ordinal,
        question_for_user=_first(maps, _USER_QUESTION_KEYS, str),
        declinable=declinable,
    )


def parse_task(item: ConversationItem) -> UserTask:
    """The task a ``UserTaskReq`` step raises."""
    run_id = item.run_id or pick(item.content, "run_id", "runId")
    return task_from_data(
        item.content,
        user_task_id=user_task_id_of(item),
        run_id=None if run_id is None else str(run_id),
        step_id=item.id or None,
        ordinal=item.ordinal,
    )


TASK_NEEDLE = b"ask"  # see may_name_task


def may_name_task(item: ConversationItem) -> bool:
    """False only when the step surely names no user task. Items read by the fast
    path (client.lazy.LazyItem) keep their content raw until read: one byte search
    ("ask" is in every key of _TASK_ID_KEYS and the nests) spares decoding the
    content of every step of a 50,000-step session."""
    return item.content_contains(TASK_NEEDLE)


def user_task_id_of(item: ConversationItem) -> str | None:
    """The ``user_task_id`` a step names (the one a ``UserTaskReq`` asks to be answered with)."""
    if not may_name_task(item):
        return None
    content = as_mapping(item.content)
    if content is None:
        return None
    if not any("ask" in key for key in content if type(key) is str):
        return None  # every key below holds "ask" (task_id, userTask, "task", ...)
    found = pick(content, *_TASK_ID_KEYS)
    if found is None:
        for nest in _NESTS:
            inner = as_mapping(content.get(nest))
            if inner is not None:
                found = pick(inner, *_TASK_ID_KEYS, "id")
                if found is not None:
                    break
    return None if found is None or isinstance(found, (Mapping, list)) else str(found)
