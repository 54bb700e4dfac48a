"""Facts about timeline steps, read tolerantly.

Step contents are open JSON: keys may come snake_case or camelCase, a content
may be an object, a string, a list or null. The helpers here never raise on
an unexpected shape; they answer ``None`` / ``False`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from phrony_tui.client.models import ConversationItem, RunEvent
from phrony_tui.core.status import is_failed

__all__ = [
    "COMPLETED_TYPES",
    "TYPE_LLM_REQUEST",
    "TYPE_OUTPUT",
    "TYPE_REASONING",
    "TYPE_RUN_COMPLETED",
    "TYPE_SESSION_COMPLETED",
    "TYPE_TOOL_CALL",
    "TYPE_TOOL_RESULT",
    "TYPE_USER_TASK_REQ",
    "as_mapping",
    "has_ordinal",
    "is_error_step",
    "is_user_task_req",
    "norm_key",
    "pick",
    "step_from_event",
    "step_type",
    "to_int",
    "tool_result_of",
    "user_task_id_of",
]

TYPE_LLM_REQUEST = "llm_request_prepared"
TYPE_REASONING = "reasoning"
TYPE_TOOL_CALL = "ToolCall"
TYPE_TOOL_RESULT = "ToolResult"
TYPE_OUTPUT = "output"
TYPE_USER_TASK_REQ = "UserTaskReq"
TYPE_RUN_COMPLETED = "RunCompleted"
TYPE_SESSION_COMPLETED = "SessionCompleted"
COMPLETED_TYPES = frozenset({TYPE_RUN_COMPLETED, TYPE_SESSION_COMPLETED})


@lru_cache(maxsize=4096)
def norm_key(text: str) -> str:
    """``"toolCall"``, ``"tool_call"``, ``"Tool-Call"`` all give ``"toolcall"``."""
    return text.replace("_", "").replace("-", "").replace(" ", "").lower()


# Normalized step types, for the comparisons below.
_TYPE_KEYS = {
    "llmrequestprepared": TYPE_LLM_REQUEST,
    "reasoning": TYPE_REASONING,
    "toolcall": TYPE_TOOL_CALL,
    "toolresult": TYPE_TOOL_RESULT,
    "output": TYPE_OUTPUT,
    "usertaskreq": TYPE_USER_TASK_REQ,
    "usertaskrequest": TYPE_USER_TASK_REQ,
    "runcompleted": TYPE_RUN_COMPLETED,
    "sessioncompleted": TYPE_SESSION_COMPLETED,
}


@lru_cache(maxsize=4096)
def step_type(type_: str | None) -> str:
    """The canonical spelling of a known step type (``Reasoning`` -> ``reasoning``);
    an unknown type is returned as it is."""
    if not type_:
        return ""
    return _TYPE_KEYS.get(norm_key(type_), type_)


def as_mapping(value: Any) -> Mapping[str, Any] | None:
    # type() first: isinstance against the Mapping ABC is slow, and JSON gives dicts.
    if type(value) is dict:
        return value
    if value is None or type(value) in (str, list, int, float, bool):
        return None
    return value if isinstance(value, Mapping) else None


def pick(data: Any, *keys: str, default: Any = None) -> Any:
    """The first of ``keys`` present in ``data`` with a value other than None."""
    if type(data) is not dict and not isinstance(data, Mapping):
        return default
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return default


def to_int(value: Any) -> int | None:
    """An int from an int, an integral float or a decimal string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "+-":
            sign, digits = text[:1], text[1:]
        else:
            sign, digits = "", text
        if digits.isascii() and digits.isdigit() and len(digits) <= 30:
            return int(sign + digits)
    return None


def has_ordinal(item: ConversationItem) -> bool:
    """Whether the item carries its real timeline position (ordinals are 1-based)."""
    return item.ordinal > 0


_TASK_REQ_TYPES: dict[str, bool] = {}


def is_user_task_req(item: ConversationItem) -> bool:
    type_ = item.type
    known = _TASK_REQ_TYPES.get(type_)
    if known is None:
        known = step_type(type_) == TYPE_USER_TASK_REQ
        if len(_TASK_REQ_TYPES) < 1024:  # types are few; a server inventing many gets no cache
            _TASK_REQ_TYPES[type_] = known
    return known


_TASK_ID_KEYS = ("user_task_id", "userTaskId", "userTaskID", "task_id", "taskId")


def may_name_task(item: ConversationItem) -> bool:
    """False only when the step surely names no user task. Items read by the fast
    path (client.lazy.LazyItem) keep their content raw until read: one byte search
    ("ask" is in every key of _TASK_ID_KEYS and the nests) spares decoding the
    content of every step of a 50,000-step session."""
    return item.content_contains(b"ask")


def user_task_id_of(item: ConversationItem) -> str | None:
    """The ``user_task_id`` a ``UserTaskReq`` step asks to be answered with."""
    if not may_name_task(item):
        return None
    content = as_mapping(item.content)
    if content is None:
        return None
    if not any("ask" in key for key in content if type(key) is str):
        return None  # every key below holds "ask" (task_id, userTask, "task", ...)
    found = pick(content, *_TASK_ID_KEYS)
    if found is None:
        for nest in ("user_task", "userTask", "task"):
            inner = as_mapping(content.get(nest))
            if inner is not None:
                found = pick(inner, *_TASK_ID_KEYS, "id")
                if found is not None:
                    break
    return None if found is None or isinstance(found, (Mapping, list)) else str(found)


def _present(value: Any) -> bool:
    """An error value that says something (not None, "", {} or [])."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, Mapping, list, tuple)):
        return len(value) > 0
    return True


def tool_result_of(item: ConversationItem) -> Mapping[str, Any] | None:
    """The ``result`` object of a ``ToolResult`` (or the content itself when flat)."""
    content = as_mapping(item.content)
    if content is None:
        return None
    result = as_mapping(content.get("result"))
    return result if result is not None else content


def is_error_step(item: ConversationItem) -> bool:
    """A step that reports a failure: a step ``error``, a ``ToolResult`` that is
    not successful, a ``RunCompleted`` / ``SessionCompleted`` that failed, or a
    step whose type names an error."""
    if _present(item.error):
        return True
    kind = step_type(item.type)
    if kind == TYPE_TOOL_RESULT:
        result = tool_result_of(item)
        if result is None:
            return False
        successful = result.get("successful")
        if successful is False:
            return True
        if successful is True:
            return False
        return _present(result.get("error"))
    if kind in COMPLETED_TYPES:
        content = as_mapping(item.content)
        status = pick(content, "status")
        return (isinstance(status, str) and is_failed(status)) or _present(pick(content, "error"))
    return "error" in norm_key(kind) or "failed" in norm_key(kind)


# --- live steps -------------------------------------------------------------------

_ITEM_TYPE_KEYS = ("type", "stepType", "step_type", "step_kind", "stepKind")
_CONTENT_TYPE_KEYS = ("step_kind", "stepKind", "stepType", "step_type", "type")


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    return to_int(value)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (Mapping, list)):
        return None
    return str(value)


def _item_as_sent(data: dict, ts: str | None) -> ConversationItem | None:
    """The common shape, made cheap (live streams bring thousands a second): the
    data is a conversation item with an id, an ordinal and a type, validated in
    one call. Anything else returns None and takes the tolerant path below."""
    if "id" not in data or "ordinal" not in data or "type" not in data or "content" not in data:
        return None
    try:
        item = ConversationItem.model_validate(data)
    except ValueError:  # pydantic's ValidationError (core does not import pydantic itself)
        return None
    if not item.id or item.ordinal <= 0 or not item.type:
        return None
    if item.started_at is None:
        item.started_at = ts
    return item


def step_from_event(event: RunEvent) -> ConversationItem | None:
    """The timeline step a ``step`` event carries, or None when it carries none.

    Tolerant of the shape: ``data`` may be a conversation item (``id``,
    ``runId``, ``ordinal``, ``type``, ``content``...), hold one under ``step``
    or ``item``, or be the step's content itself (with ``step_kind``,
    ``run_id``...). Keys are read in camelCase or snake_case. The result has
    ``ordinal == 0`` when the event gave no ordinal, and ``id == ""`` when it
    gave no step id (the timeline then keys it by run and sequence, or keeps
    it as an anonymous live row).
    """
    pre = event.step_item  # a lazily decoded stream event brings its step ready-made
    if pre is not None:
        return pre
    data = as_mapping(event.data)
    if data is None:
        return None
    fast = _item_as_sent(data, event.ts)
    if fast is not None:
        return fast
    for nest in ("step", "item"):
        inner = as_mapping(data.get(nest))
        if inner is not None:
            data = inner
            break
    if "content" in data:
        content = data.get("content")
        type_ = pick(data, *_ITEM_TYPE_KEYS) or pick(content, *_CONTENT_TYPE_KEYS)
    else:
        content = dict(data)
        type_ = pick(data, *_CONTENT_TYPE_KEYS)
    inner_content = as_mapping(content)
    if not isinstance(type_, str) or not type_:
        subject = event.subject or ""
        marker = subject.rfind("step.")
        type_ = subject[marker + 5 :] if marker >= 0 and subject[marker + 5 :] else "step"
    step_id = pick(data, "id", "stepId", "step_id", "stepID")
    run_id = pick(data, "runId", "run_id") or pick(inner_content, "run_id", "runId")
    sequence = to_int(pick(data, "sequence")) if "sequence" in data else to_int(pick(inner_content, "sequence"))
    ordinal = to_int(pick(data, "ordinal"))
    return ConversationItem(
        id=_text(step_id) or "",
        run_id=_text(run_id),
        sequence=sequence,
        ordinal=ordinal if ordinal is not None and ordinal > 0 else 0,
        type=type_,
        content=content,
        tokens_used=_number(pick(data, "tokensUsed", "tokens_used")),
        error=pick(data, "error"),
        started_at=_text(pick(data, "startedAt", "started_at")) or event.ts,
        finished_at=_text(pick(data, "finishedAt", "finished_at")),
    )
