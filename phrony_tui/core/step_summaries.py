"""The one-line summary of each step kind: the functions the step-kind registry
(``core.step_kinds``) names in its entries.

Each takes the step and a limit and returns one line (``core.summary`` makes it
safe and bounded, and falls back to :func:`unknown` when one raises). None
serializes more of a content than the line shows. A content may be an
object, a string, a list or null: every function handles all four.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from phrony_tui.core.fields import as_mapping, pick, scalar_text
from phrony_tui.core.safe_text import one_line, preview_json
from phrony_tui.core.task_parse import parse_task

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem

__all__ = [
    "CHILD_RUN_KEYS",
    "ID_KEYS",
    "SUMMARY_LIMIT",
    "aitl_received",
    "aitl_request",
    "aitl_resolved",
    "aitl_response",
    "completed",
    "escalation_answer",
    "first_line",
    "llm_request",
    "output",
    "present",
    "reasoning",
    "sub_agent_call",
    "sub_agent_result",
    "tool_call",
    "tool_result",
    "tool_result_of",
    "unknown",
    "user_responded",
    "user_task",
    "value_text",
]

SUMMARY_LIMIT = 200
_ARGS_LIMIT = 120
# A tool's ``arguments`` often arrive as a JSON string; parse it only when small.
_PARSE_LIMIT = 20_000

# Keys every full-mode content carries; not worth a summary's room.
ID_KEYS = frozenset(
    {"run_id", "session_id", "tenant_id", "agent_id", "agent_version_id", "event_id", "sequence", "step_kind"}
)
# Where a step names the child run it started or waits on (older docs: child_run_id / childRunId).
CHILD_RUN_KEYS = (
    "child_run_id",
    "childRunId",
    "sub_run_id",
    "subRunId",
    "sub_agent_run_id",
    "subAgentRunId",
    "waiting_run_id",
    "waitingRunId",
)
_SUB_AGENT_KEYS = ("sub_agent_name", "subAgentName", "sub_agent", "subAgent", "agent_name", "agentName", "agent", "name")
_ARGUMENT_KEYS = ("arguments", "args", "input")
_CHILD_OUTPUT_KEYS = ("child_output", "childOutput", "output", "result")
_GROUP_KEYS = ("parallel_group_id", "parallelGroupId", "group_id", "groupId")
_QUESTION_KEYS = ("question", "prompt", "message", "text", "query")
_ANSWER_KEYS = ("answer", "response", "reply", "text", "message", "output", "value", "text_value")
_APPROVAL_KEYS = ("approval_state", "approvalState", "approval_status", "approvalStatus", "approval")


def first_line(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """The first non-blank line of ``text``, one safe line. Bounded: looks at
    no more than the first ``8 * limit`` characters and 100 lines."""
    window = text[: max(limit, 1) * 8]
    for line in window.split("\n", 100)[:100]:
        shown = one_line(line, limit)
        if shown:
            return shown
    return ""


def value_text(value: Any, limit: int) -> str:
    """A value shown plainly when it is text, as a JSON preview otherwise."""
    if value is None:
        return ""
    if isinstance(value, str):
        return one_line(value, limit)
    return preview_json(value, limit)


def present(value: Any) -> bool:
    """A value that says something (not None, False, "", {} or [])."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, Mapping, list, tuple)):
        return len(value) > 0
    return True


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and len(value) <= _PARSE_LIMIT and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _text_of(content: Any, keys: tuple[str, ...]) -> Any:
    """The first of ``keys`` in a mapping content; a bare string content itself."""
    found = pick(content, *keys)
    if found is None and isinstance(content, str):
        return content
    return found


def _short_id(value: Any) -> str:
    """The first 8 characters of an id, as the panes show run ids."""
    text = scalar_text(value)
    return one_line(text[:8], 8) if text else ""


def tool_result_of(item: ConversationItem) -> Mapping[str, Any] | None:
    """The ``result`` object of a ``ToolResult`` (or the content itself when flat)."""
    content = as_mapping(item.content)
    if content is None:
        return None
    result = as_mapping(content.get("result"))
    return result if result is not None else content


# --- the kinds of a single agent ----------------------------------------------------


def llm_request(item: ConversationItem, limit: int) -> str:
    content = item.content
    model = pick(content, "model", "llm_model", "llmModel")
    if model is None and isinstance(content, str):
        model = content
    if model is None:
        return _join("model", value_text(content, limit) or "?")
    return f"model {one_line(str(model), limit)}"


def reasoning(item: ConversationItem, limit: int) -> str:
    """The reasoning's first line; "(no text)" when the step carries none (the
    real service sends reasoning steps without any)."""
    content = item.content
    text = _text_of(content, ("preview", "message", "text", "content"))
    if isinstance(text, str):
        return first_line(text, limit) or "(no text)"
    if text is None:
        mapping = as_mapping(content)
        if mapping is not None:
            rest = {key: value for key, value in mapping.items() if key not in ID_KEYS}
            return preview_json(rest, limit) if rest else "(no text)"
        if content is None:
            return "(no text)"
    return value_text(text if text is not None else content, limit)


def _approval_state(mapping: Mapping[str, Any]) -> str:
    state = pick(mapping, *_APPROVAL_KEYS)
    if isinstance(state, Mapping):
        state = pick(state, "state", "status", "approved")
    if state is None:
        state = mapping.get("approved")
    if isinstance(state, bool):
        return "approved" if state else "rejected"
    return one_line(state, 30).lower() if isinstance(state, str) else ""


def tool_call(item: ConversationItem, limit: int) -> str:
    """``name.operation (arguments)``, and the approval state when the call carries one."""
    mapping = as_mapping(item.content)
    if mapping is None:
        return _join("call", value_text(item.content, limit))
    name = pick(mapping, "name", "tool_name", "toolName", "tool")
    operation = pick(mapping, "operation_name", "operationName", "operation")
    label = one_line(str(name), 80) if name is not None else "?"
    if operation is not None:
        label += "." + one_line(str(operation), 80)
    if "arguments" in mapping or "args" in mapping:
        args = _maybe_json(pick(mapping, "arguments", "args"))
        label = f"{label} ({preview_json(args, min(_ARGS_LIMIT, limit))})"
    approval = _approval_state(mapping)
    return f"{label} · {approval}" if approval else label


def tool_result(item: ConversationItem, limit: int) -> str:
    result = tool_result_of(item)
    if result is None:
        if item.error:
            return _join("error:", value_text(item.error, limit))
        return _join("ok", value_text(item.content, limit))
    data = result.get("data")
    successful = result.get("successful")
    error = result.get("error")
    failed = successful is False or (successful is not True and present(error))
    if failed or item.error:
        message = value_text(error if present(error) else item.error, limit) or "failed"
        return _join("error:", message, value_text(data, limit) if data is not None else "")
    return _join("ok", value_text(data, limit) if data is not None else "")


def output(item: ConversationItem, limit: int) -> str:
    content = item.content
    tokens = pick(content, "tokens_used", "tokensUsed")
    if tokens is None:
        tokens = item.tokens_used
    total = pick(content, "total_tokens_used", "totalTokensUsed")
    parts = []
    if tokens is not None:
        parts.append(f"tokens {value_text(tokens, 30)}")
    if total is not None:
        parts.append(f"total {value_text(total, 30)}")
    text = pick(content, "output", "text", "message", "preview")
    if text is None and isinstance(content, (str, list)):
        text = content
    if text is not None:
        parts.append(value_text(text, limit))
    return " · ".join(parts) if parts else "output"


def user_task(item: ConversationItem, limit: int) -> str:
    task = parse_task(item)
    question = task.shown_question
    if question:
        return f"{task.kind}: {first_line(question, limit)}"
    content = item.content
    if isinstance(content, Mapping):
        shown = {key: value for key, value in content.items() if key not in ID_KEYS}
        return f"{task.kind}: {preview_json(shown, limit)}"
    text = value_text(content, limit)
    return f"{task.kind}: {text}" if text else task.kind


def completed(item: ConversationItem, limit: int) -> str:
    content = item.content
    status = pick(content, "status")
    if status is None and isinstance(content, str):
        status = content
    error = pick(content, "error")
    if error is None:
        error = item.error
    head = one_line(str(status), 60) if status is not None else "completed"
    if present(error):
        return f"{head}: {value_text(error, limit)}"
    found = pick(content, "output")
    if found is not None:
        return f"{head} · output {value_text(found, limit)}"
    return head


def unknown(item: ConversationItem, limit: int) -> str:
    """A step of a type no entry knows: its type and a preview of its content."""
    content = item.content
    if isinstance(content, Mapping):
        content = {key: value for key, value in content.items() if key not in ID_KEYS}
    text = value_text(content, limit) if content not in (None, {}) else ""
    return f"{item.type or 'step'}: {text}" if text else (item.type or "step")


# --- multi-agent and conversational kinds (dashboard kinds, wire spellings unpublished) ---


def _child(mapping: Mapping[str, Any] | None) -> str:
    ident = _short_id(pick(mapping, *CHILD_RUN_KEYS))
    return f"child {ident}" if ident else ""


def _parts(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def sub_agent_call(item: ConversationItem, limit: int) -> str:
    """``→ Researcher ({"q": …}) · child 1a2b3c4d · group g1 · = output``."""
    mapping = as_mapping(item.content)
    if mapping is None:
        return _join("→", value_text(item.content, limit) or "sub-agent")
    name = pick(mapping, *_SUB_AGENT_KEYS)
    if isinstance(name, Mapping):
        name = pick(name, "name", "agent_name", "agentName", "id")
    head = "→ " + (one_line(str(name), 60) if name is not None and not isinstance(name, list) else "sub-agent")
    args = pick(mapping, *_ARGUMENT_KEYS)
    if args is not None:
        head += f" ({preview_json(_maybe_json(args), min(_ARGS_LIMIT, limit))})"
    group = _short_id(pick(mapping, *_GROUP_KEYS))
    child_output = pick(mapping, *_CHILD_OUTPUT_KEYS)
    return _parts(
        head,
        _child(mapping),
        f"group {group}" if group else "",
        f"= {value_text(child_output, limit)}" if child_output is not None else "",
    )


def sub_agent_result(item: ConversationItem, limit: int) -> str:
    """``← Researcher: output`` (``error: …`` when the child failed)."""
    mapping = as_mapping(item.content)
    if mapping is None:
        return _join("←", value_text(item.content, limit) or "sub-agent result")
    name = pick(mapping, *_SUB_AGENT_KEYS)
    who = one_line(str(name), 60) if scalar_text(name) else "sub-agent"
    error = pick(mapping, "error")
    if present(error):
        said = "error: " + value_text(error, limit)
    else:
        said = value_text(pick(mapping, *_CHILD_OUTPUT_KEYS, "data", "text", "message"), limit)
    return _parts(f"← {who}" + (f": {said}" if said else ""), _child(mapping))


def aitl_request(item: ConversationItem, limit: int) -> str:
    """In the child: ``asks its parent agent: question · context … · child id``."""
    content = item.content
    question = _text_of(content, _QUESTION_KEYS)
    context = pick(content, "context")
    return _parts(
        "asks its parent agent: " + (value_text(question, limit) if question is not None else "?"),
        f"context {value_text(context, 80)}" if context is not None else "",
        _child(as_mapping(content)),
    )


def aitl_received(item: ConversationItem, limit: int) -> str:
    """In the parent: a child's question arrived."""
    content = item.content
    question = _text_of(content, _QUESTION_KEYS)
    return _parts(
        "question from a sub-agent" + (f": {value_text(question, limit)}" if question is not None else ""),
        _child(as_mapping(content)),
    )


def aitl_response(item: ConversationItem, limit: int) -> str:
    """The parent agent's answer to a child's question."""
    answer = _text_of(item.content, _ANSWER_KEYS)
    return _parts(
        "parent agent answered" + (f": {value_text(answer, limit)}" if answer is not None else ""),
        _child(as_mapping(item.content)),
    )


def aitl_resolved(item: ConversationItem, limit: int) -> str:
    """In the parent: the child's question is settled (answered, or escalated and answered)."""
    content = item.content
    answer = _text_of(content, _ANSWER_KEYS)
    how = pick(content, "resolution", "resolved_by", "resolvedBy", "status")
    head = "resolved" + (f" ({one_line(str(how), 40)})" if scalar_text(how) else "")
    return _parts(head + (f": {value_text(answer, limit)}" if answer is not None else ""), _child(as_mapping(content)))


def user_responded(item: ConversationItem, limit: int) -> str:
    """The person's conversational reply (``user responded``)."""
    content = item.content
    text = _text_of(content, ("message", "text", "response", "reply", "content", "value"))
    said = first_line(text, limit) if isinstance(text, str) else value_text(text, limit)
    files = pick(content, "files", "attachments")
    count = f"{len(files)} file{'s' if len(files) != 1 else ''}" if isinstance(files, list) and files else ""
    return _parts("user: " + (said or ("(files)" if count else "(empty)")), count)


def escalation_answer(item: ConversationItem, limit: int) -> str:
    """A person's answer to an escalation, or ``person declined``."""
    content = item.content
    approved = pick(content, "approved", "accepted")
    declined = pick(content, "declined", "rejected")
    if approved is False or declined is True:
        return "person declined"
    answer = _text_of(content, _ANSWER_KEYS)
    return "person answered" + (f": {value_text(answer, limit)}" if answer is not None else "")
