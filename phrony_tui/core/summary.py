"""One safe line per timeline step, by step type.

``summarize`` is pure and bounded (it never serializes more of a content than
the line shows); the timeline caches its result per step, so it runs when a
row is first drawn, not when 50,000 steps arrive. A content may be an object,
a string, a list or null: every type handles all four.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from phrony_tui.client.models import ConversationItem
from phrony_tui.core.safe_text import one_line, preview_json
from phrony_tui.core.steps import (
    TYPE_LLM_REQUEST,
    TYPE_OUTPUT,
    TYPE_REASONING,
    TYPE_RUN_COMPLETED,
    TYPE_SESSION_COMPLETED,
    TYPE_TOOL_CALL,
    TYPE_TOOL_RESULT,
    TYPE_USER_TASK_REQ,
    as_mapping,
    pick,
    step_type,
    tool_result_of,
)
from phrony_tui.core.tasks import parse_task

__all__ = ["SUMMARY_LIMIT", "first_line", "summarize"]

SUMMARY_LIMIT = 200
_ARGS_LIMIT = 120
# A tool's ``arguments`` often arrive as a JSON string; parse it only when small.
_PARSE_LIMIT = 20_000


def first_line(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """The first non-blank line of ``text``, one safe line. Bounded: looks at
    no more than the first ``8 * limit`` characters and 100 lines."""
    window = text[: max(limit, 1) * 8]
    for line in window.split("\n", 100)[:100]:
        shown = one_line(line, limit)
        if shown:
            return shown
    return ""


def _value_text(value: Any, limit: int) -> str:
    """A value shown plainly when it is text, as a JSON preview otherwise."""
    if value is None:
        return ""
    if isinstance(value, str):
        return one_line(value, limit)
    return preview_json(value, limit)


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and len(value) <= _PARSE_LIMIT and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _llm_request(content: Any, limit: int) -> str:
    model = pick(content, "model", "llm_model", "llmModel")
    if model is None and isinstance(content, str):
        model = content
    if model is None:
        return _join("model", _value_text(content, limit) or "?")
    return f"model {one_line(str(model), limit)}"


def _reasoning(content: Any, limit: int) -> str:
    text = pick(content, "preview", "message", "text", "content")
    if text is None and isinstance(content, str):
        text = content
    if isinstance(text, str):
        return first_line(text, limit)
    return _value_text(text if text is not None else content, limit)


def _tool_call(content: Any, limit: int) -> str:
    mapping = as_mapping(content)
    if mapping is None:
        return _join("call", _value_text(content, limit))
    name = pick(mapping, "name", "tool_name", "toolName", "tool")
    operation = pick(mapping, "operation_name", "operationName", "operation")
    label = one_line(str(name), 80) if name is not None else "?"
    if operation is not None:
        label += "." + one_line(str(operation), 80)
    if "arguments" in mapping or "args" in mapping:
        args = _maybe_json(pick(mapping, "arguments", "args"))
        return f"{label} ({preview_json(args, min(_ARGS_LIMIT, limit))})"
    return label


def _tool_result(item: ConversationItem, limit: int) -> str:
    result = tool_result_of(item)
    if result is None:
        content = item.content
        if item.error:
            return _join("error:", _value_text(item.error, limit))
        return _join("ok", _value_text(content, limit))
    data = result.get("data")
    successful = result.get("successful")
    error = result.get("error")
    failed = successful is False or (successful is not True and error not in (None, "", {}, []))
    if failed or item.error:
        message = _value_text(error if error not in (None, "", {}, []) else item.error, limit) or "failed"
        return _join("error:", message, _value_text(data, limit) if data is not None else "")
    return _join("ok", _value_text(data, limit) if data is not None else "")


def _output(item: ConversationItem, limit: int) -> str:
    content = item.content
    tokens = pick(content, "tokens_used", "tokensUsed")
    if tokens is None:
        tokens = item.tokens_used
    total = pick(content, "total_tokens_used", "totalTokensUsed")
    parts = []
    if tokens is not None:
        parts.append(f"tokens {_value_text(tokens, 30)}")
    if total is not None:
        parts.append(f"total {_value_text(total, 30)}")
    text = pick(content, "output", "text", "message", "preview")
    if text is None and isinstance(content, (str, list)):
        text = content
    if text is not None:
        parts.append(_value_text(text, limit))
    return " · ".join(parts) if parts else "output"


def _user_task(item: ConversationItem, limit: int) -> str:
    task = parse_task(item)
    if task.question:
        return f"{task.kind}: {first_line(task.question, limit)}"
    content = item.content
    if isinstance(content, Mapping):
        shown = {key: value for key, value in content.items() if key not in _ID_KEYS}
        return f"{task.kind}: {preview_json(shown, limit)}"
    text = _value_text(content, limit)
    return f"{task.kind}: {text}" if text else task.kind


def _completed(item: ConversationItem, limit: int) -> str:
    content = item.content
    status = pick(content, "status")
    if status is None and isinstance(content, str):
        status = content
    error = pick(content, "error")
    if error is None:
        error = item.error
    head = one_line(str(status), 60) if status is not None else "completed"
    if error not in (None, "", {}, []):
        return f"{head}: {_value_text(error, limit)}"
    output = pick(content, "output")
    if output is not None:
        return f"{head} · output {_value_text(output, limit)}"
    return head


# Keys every full-mode content carries; not worth a summary's room.
_ID_KEYS = frozenset(
    {"run_id", "session_id", "tenant_id", "agent_id", "agent_version_id", "event_id", "sequence", "step_kind"}
)


def _unknown(item: ConversationItem, limit: int) -> str:
    content = item.content
    if isinstance(content, Mapping):
        content = {key: value for key, value in content.items() if key not in _ID_KEYS}
    text = _value_text(content, limit) if content not in (None, {}) else ""
    return f"{item.type or 'step'}: {text}" if text else (item.type or "step")


def summarize(item: ConversationItem, limit: int = SUMMARY_LIMIT) -> str:
    """One safe line (at most ``limit`` characters) saying what the step is."""
    kind = step_type(item.type)
    try:
        if kind == TYPE_LLM_REQUEST:
            text = _llm_request(item.content, limit)
        elif kind == TYPE_REASONING:
            text = _reasoning(item.content, limit)
        elif kind == TYPE_TOOL_CALL:
            text = _tool_call(item.content, limit)
        elif kind == TYPE_TOOL_RESULT:
            text = _tool_result(item, limit)
        elif kind == TYPE_OUTPUT:
            text = _output(item, limit)
        elif kind == TYPE_USER_TASK_REQ:
            text = _user_task(item, limit)
        elif kind in (TYPE_RUN_COMPLETED, TYPE_SESSION_COMPLETED):
            text = _completed(item, limit)
        else:
            text = _unknown(item, limit)
    except Exception:
        text = _unknown(item, limit)
    if item.error not in (None, "", {}, []) and kind not in (
        TYPE_TOOL_RESULT,
        TYPE_RUN_COMPLETED,
        TYPE_SESSION_COMPLETED,
    ):
        text = f"{text} · error: {_value_text(item.error, limit)}"
    return one_line(text, limit)
