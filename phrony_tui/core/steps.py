"""Facts about timeline steps, read tolerantly.

Step contents are open JSON: keys may come snake_case or camelCase, a content
may be an object, a string, a list or null. The helpers here never raise on
an unexpected shape; they answer ``None`` / ``False`` instead. What depends on
a step's kind is in the registry (``core.step_kinds``); the tolerant readers
are in ``core.fields`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from phrony_tui.core.fields import as_mapping, norm_key, pick, to_int
from phrony_tui.core.step_kinds import UNKNOWN, kind_key, kind_of, lookup
from phrony_tui.core.step_summaries import present, tool_result_of
from phrony_tui.core.task_parse import may_name_task, user_task_id_of

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem, RunEvent

_ConversationItem: Any = None


def _item_model() -> type[ConversationItem]:
    """The client's pydantic model of a step, imported on first use: the app's start
    (the sessions list) does without pydantic."""
    global _ConversationItem
    if _ConversationItem is None:
        from phrony_tui.client.models import ConversationItem

        _ConversationItem = ConversationItem
    return _ConversationItem

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
    "StepBatch",
    "as_mapping",
    "has_ordinal",
    "is_error_step",
    "is_task_type",
    "is_user_task_req",
    "may_name_task",
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
def step_type(type_: str | None) -> str:
    """The canonical spelling of a known step type (``Reasoning`` -> ``reasoning``,
    ``tool-call`` -> ``ToolCall``); an unknown type is returned as it is."""
    if not type_:
        return ""
    kind = lookup(type_)
    return kind.name if kind is not None else type_


def has_ordinal(item: ConversationItem) -> bool:
    """Whether the item carries its real timeline position (ordinals are 1-based)."""
    return item.ordinal > 0


_TASK_REQ_TYPES: dict[str, bool] = {}


def is_user_task_req(item: ConversationItem) -> bool:
    """A step raising a user task (by its type; the registry's ``raises_task``)."""
    known = _TASK_REQ_TYPES.get(item.type)  # is_task_type's cache, inline: called per step
    return is_task_type(item.type) if known is None else known


def is_task_type(type_: str) -> bool:
    """Steps of this type raise a user task (``is_user_task_req`` by type alone: a batch
    of live steps asks once per distinct type)."""
    known = _TASK_REQ_TYPES.get(type_)
    if known is None:
        kind = lookup(type_)
        known = kind is not None and kind.raises_task
        if len(_TASK_REQ_TYPES) < 1024:  # types are few; a server inventing many gets no cache
            _TASK_REQ_TYPES[type_] = known
    return known


def is_error_step(item: ConversationItem) -> bool:
    """A step that reports a failure: a step ``error``, else its kind's rule (a
    ``ToolResult`` that is not successful, a completion that failed...), else, for
    a type no entry knows, a type that names an error (``...Error``, ``...Failed``)."""
    error = item.error
    if error is not None and present(error):
        return True
    kind = lookup(item.type) or kind_of(item)  # lookup first: the common case, cached
    if kind.error is not None:
        return kind.error(item)
    if kind is not UNKNOWN:
        return False
    key = kind_key(item.type or "")
    return "error" in key or "failed" in key


# --- live steps -------------------------------------------------------------------

_GET_ID = attrgetter("id")
_GET_RUN_ID = attrgetter("run_id")
_GET_TYPE = attrgetter("type")
_GET_ORDINAL = attrgetter("ordinal")


class StepBatch:
    """What the bulk adds of the task book and the timeline read of one batch of steps
    (its runs, types, item classes, ids and ordinals), read once for both: each is a pass
    over the batch, a busy stream's cost per step. For the list ``items`` as it is now."""

    __slots__ = ("ids", "items", "kinds", "ordinals", "runs", "types")

    def __init__(self, items: list[ConversationItem]) -> None:
        self.items = items
        self.runs = set(map(_GET_RUN_ID, items))
        self.types = set(map(_GET_TYPE, items))
        self.kinds = set(map(type, items))
        self.ids: list[str] = list(map(_GET_ID, items))
        self.ordinals: list[int] = list(map(_GET_ORDINAL, items))

    @classmethod
    def of(cls, items: list[ConversationItem], known: StepBatch | None) -> StepBatch:
        """``known`` when it was read of these very items, else read now."""
        if known is not None and known.items is items and len(known.ids) == len(items):
            return known
        return cls(items)

    @property
    def has_task_type(self) -> bool:
        return any(map(is_task_type, self.types))


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


def _item_as_sent(data: Mapping[str, Any], ts: str | None) -> ConversationItem | None:
    """The common shape, made cheap (live streams bring thousands a second): the
    data is a conversation item with an id, an ordinal and a type, validated in
    one call. Anything else returns None and takes the tolerant path below."""
    if "id" not in data or "ordinal" not in data or "type" not in data or "content" not in data:
        return None
    try:
        item = _item_model().model_validate(data)
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
    return _item_model()(
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
