"""The step-kind registry: one entry per kind of timeline step.

Every fact that depends on a step's kind lives in its :class:`StepKind`: the
canonical name and the spellings it is known by, the tone the timeline draws
it in, its one-line summariser (``core.step_summaries``), its failure rule, and
whether it raises, answers or ends something. The summary, the tones, the
error index, the export and the task rules read these entries; a new step
type is one entry in :data:`KINDS`.

Lookup is tolerant (:func:`lookup`, :func:`kind_of`): by the step's ``type``
and, when that is unknown, by its ``content.step_kind`` (``stepKind``...),
ignoring case and separators: ``ToolCall``, ``tool_call``, ``tool-call`` and
``TOOL CALL`` are one kind. The multi-agent and conversational kinds the real
dashboard shows have no published wire spelling: their entries list the likely
ones. A type no entry knows is :data:`UNKNOWN`: it keeps its type and a preview.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from phrony_tui.core import step_summaries as lines
from phrony_tui.core.fields import as_mapping, pick, scalar_text
from phrony_tui.core.status import is_failed

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem

__all__ = [
    "KINDS",
    "UNKNOWN",
    "StepKind",
    "Tone",
    "answers_task",
    "is_kind",
    "kind_key",
    "kind_of",
    "linked_run_id",
    "lookup",
]

# The tones the timeline draws rows in (ui/widgets/timeline.py TONES).
Tone = Literal["normal", "muted", "error", "waiting", "ok", "model", "tool"]
Summariser = Callable[["ConversationItem", int], str]
ErrorRule = Callable[["ConversationItem"], bool]

_CONTENT_KIND_KEYS = ("step_kind", "stepKind", "stepType", "step_type")


@dataclass(frozen=True, slots=True)
class StepKind:
    """One kind of step and everything that depends on it."""

    name: str  # the canonical spelling (what ``steps.step_type`` answers)
    label: str  # in words
    aliases: tuple[str, ...] = ()  # other spellings; compared by :func:`kind_key`
    tone: Tone = "normal"
    summarise: Summariser = lines.unknown
    # The kind's own failure rule (the step's ``error`` field counts for every kind);
    # None: the type's name says it ("...Error", "...Failed").
    error: ErrorRule | None = None
    shows_error: bool = False  # the summary already says the step's error: not appended again
    raises_task: bool = False  # a user task for a person (UserTaskReq)
    answers_task: bool = False  # closes the user task it names (a person's answer)
    completes: bool = False  # the end of a run or the session (a redacted timeline holds only these)


@lru_cache(maxsize=4096)
def kind_key(text: str) -> str:
    """The spelling-blind key of a kind: no case, no ``_ - . /`` or spaces."""
    return "".join(ch for ch in text.lower() if ch not in "_-./ \t")


# --- the kinds' own failure rules ---------------------------------------------------


def _tool_result_failed(item: ConversationItem) -> bool:
    result = lines.tool_result_of(item)
    if result is None:
        return False
    successful = result.get("successful")
    if successful is False:
        return True
    if successful is True:
        return False
    return lines.present(result.get("error"))


def _completion_failed(item: ConversationItem) -> bool:
    content = as_mapping(item.content)
    status = pick(content, "status")
    return (isinstance(status, str) and is_failed(status)) or lines.present(pick(content, "error"))


def _child_failed(item: ConversationItem) -> bool:
    content = as_mapping(item.content)
    if content is None:
        return False
    status = pick(content, "status", "state")
    if pick(content, "successful", "success") is False:
        return True
    return (isinstance(status, str) and is_failed(status)) or lines.present(pick(content, "error"))


def _never(item: ConversationItem) -> bool:
    return False


# --- the table ----------------------------------------------------------------------

KINDS: tuple[StepKind, ...] = (
    StepKind("llm_request_prepared", "model request", ("llm_request", "LLMRequest"), "model", lines.llm_request),
    StepKind("reasoning", "reasoning", ("thinking", "thought"), "muted", lines.reasoning),
    StepKind("ToolCall", "tool call", ("tool_use", "tool_invocation"), "tool", lines.tool_call, error=_never),
    StepKind(
        "ToolResult",
        "tool result",
        ("tool_response", "tool_output"),
        "tool",
        lines.tool_result,
        error=_tool_result_failed,
        shows_error=True,
    ),
    StepKind("output", "output", ("final_output", "agent_output"), "normal", lines.output),
    StepKind(
        "UserTaskReq",
        "user task request",
        ("user_task_request", "user_task_req", "hitl_request"),
        "muted",  # "waiting" while the task is pending (SessionState.tone)
        lines.user_task,
        raises_task=True,
    ),
    StepKind(
        "RunCompleted", "run completed", (), "ok", lines.completed, _completion_failed, shows_error=True, completes=True
    ),
    StepKind(
        "SessionCompleted",
        "session completed",
        (),
        "ok",
        lines.completed,
        _completion_failed,
        shows_error=True,
        completes=True,
    ),
    # Kinds the real dashboard shows (phrony-api.md "What the real service shows"):
    StepKind(
        "SubAgentCall",
        "sub-agent call",
        (
            "sub_agent_call",
            "sub_agent_invocation",
            "sub_agent_invoke",
            "sub_agent_request",
            "sub_agent_spawn",
            "sub_agent_spawned",
            "sub_agent_started",
            "call_sub_agent",
            "invoke_sub_agent",
            "spawn_sub_agent",
            "agent_call",
            "delegation",
            "delegate",
            "delegate_to_agent",
        ),
        "tool",
        lines.sub_agent_call,
        error=_child_failed,
    ),
    StepKind(
        "SubAgentResult",
        "sub-agent result",
        (
            "sub_agent_result",
            "sub_agent_response",
            "sub_agent_resp",
            "sub_agent_output",
            "sub_agent_completed",
            "sub_agent_returned",
            "agent_result",
            "delegation_result",
        ),
        "tool",
        lines.sub_agent_result,
        error=_child_failed,
        shows_error=True,
    ),
    StepKind(
        "AITLRequest",
        "AITL request",
        ("aitl_request", "aitl_req", "aitl_question", "agent_in_the_loop_request", "ask_parent", "ask_parent_agent"),
        "model",
        lines.aitl_request,
    ),
    StepKind(
        "AITLResponse",
        "AITL response",
        ("aitl_response", "aitl_resp", "aitl_answer", "aitl_reply", "agent_in_the_loop_response", "parent_response"),
        "model",
        lines.aitl_response,
    ),
    StepKind(
        "AITLReceived",
        "AITL received",
        ("aitl_received", "aitl_request_received", "aitl_question_received"),
        "muted",
        lines.aitl_received,
    ),
    StepKind(
        "AITLResolved",
        "AITL resolved",
        ("aitl_resolved", "aitl_resolution", "aitl_completed", "aitl_done"),
        "muted",
        lines.aitl_resolved,
    ),
    StepKind(
        "UserResponded",
        "user responded",
        (
            "user_responded",
            "user_response",
            "user_reply",
            "user_replied",
            "user_message",
            "conversational_reply",
            "conversation_reply",
        ),
        "normal",
        lines.user_responded,
    ),
    StepKind(
        "EscalationAnswer",
        "escalation answer",
        (
            "escalation_answer",
            "escalation_answered",
            "escalation_response",
            "escalation_resolved",
            "escalation_declined",
            "aitl_escalation_answer",
            "aitl_escalation_response",
            "human_escalation_answer",
        ),
        "ok",
        lines.escalation_answer,
        answers_task=True,
    ),
)

UNKNOWN = StepKind("", "step")

_BY_KEY: dict[str, StepKind] = {}
for _kind in KINDS:
    for _spelling in (_kind.name, _kind.label, *_kind.aliases):
        _key = kind_key(_spelling)
        assert _BY_KEY.get(_key, _kind) is _kind, f"{_spelling!r} names two step kinds"
        _BY_KEY[_key] = _kind
del _kind, _spelling, _key


@lru_cache(maxsize=4096)
def lookup(type_: str | None) -> StepKind | None:
    """The kind a type (or ``step_kind``) names, in any spelling; None when unknown."""
    if not type_:
        return None
    return _BY_KEY.get(kind_key(type_))


def kind_of(item: ConversationItem) -> StepKind:
    """The step's kind: by its type, else by its content's ``step_kind``, else :data:`UNKNOWN`."""
    found = lookup(item.type)
    if found is not None:
        return found
    if not item.content_contains(b"tep"):  # every key of _CONTENT_KIND_KEYS: skip the decode
        return UNKNOWN
    named = pick(as_mapping(item.content), *_CONTENT_KIND_KEYS)
    return (lookup(named) if isinstance(named, str) else None) or UNKNOWN


def is_kind(item: ConversationItem, name: str) -> bool:
    """Whether the step is of the kind ``name`` names, in any spelling (``is_kind(item,
    "ToolCall")`` is true for a ``tool_call`` step): for code that looks for one kind."""
    wanted = lookup(name)
    return wanted is not None and kind_of(item) is wanted


def answers_task(item: ConversationItem, kind: StepKind | None = None) -> bool:
    """A step that closes the user task it names: a kind marked so, or a type naming
    a user task that is not the request (``UserTaskResp``, ``UserTaskCompleted``...)."""
    kind = kind or kind_of(item)
    if kind.answers_task:
        return True
    return not kind.raises_task and "usertask" in kind_key(item.type or "")


def linked_run_id(item: ConversationItem) -> str | None:
    """The child run a step names in its content (``child_run_id`` / ``childRunId`` and
    similar), for the UI to link into the run tree; None when it names none (or names
    its own run)."""
    if not item.content_contains(b"un"):  # every key of CHILD_RUN_KEYS holds "un"/"Run"
        return None
    content: Any = as_mapping(item.content)
    found = scalar_text(pick(content, *lines.CHILD_RUN_KEYS))
    if found is None:
        for nest in ("child_run", "childRun", "sub_run", "subRun"):
            found = scalar_text(pick(as_mapping(pick(content, nest)), "id", "run_id", "runId"))
            if found is not None:
                break
    return found if found is not None and found != item.run_id else None
