"""User tasks: which ones are pending, what they ask, and how each kind is answered.

A task is raised by a ``UserTaskReq`` step whose content holds the
``user_task_id`` to answer with. Its kind, question and options are not
documented: they are read when present, under several spellings, and the raw
content is always kept for the UI to show.

Whether a task is still pending is not stated anywhere either. :class:`TaskBook`
decides from what it has seen, strongest signal first:

1. the latest status a ``user_task`` / ``aitl`` event (or a later step naming
   the task, e.g. a ``UserTaskResp``) gave for the task id: ``Pending`` (and
   the like) is pending unless its run is over; anything else is closed;
2. a closed status in the request's own content;
3. the status of the run that raised it: a run that is not ``Waiting*`` has
   no pending task;
4. when in doubt, a ``Waiting*`` run's (or an unknown run's) trailing
   ``UserTaskReq`` steps (those no other step of that run follows) are
   pending. This includes the latest one, and several parallel requests.

The strings in :class:`UserTask` (question, option labels) are raw server
text: show them through :func:`phrony_tui.core.safe_text.safe_text`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from phrony_tui.client.models import (
    Conversation,
    ConversationItem,
    Run,
    RunEvent,
    Session,
    SessionSummary,
)
from phrony_tui.core.status import is_terminal, is_waiting
from phrony_tui.core.steps import (
    as_mapping,
    has_ordinal,
    is_user_task_req,
    may_name_task,
    norm_key,
    pick,
    step_from_event,
    user_task_id_of,
)

__all__ = [
    "APPROVE_KINDS",
    "AnswerStyle",
    "TaskBook",
    "TaskOption",
    "UserTask",
    "answer_fields",
    "answer_run_id",
    "is_pending_status",
    "normalize_kind",
    "parse_approval",
    "parse_number",
    "parse_task",
    "pending_tasks",
    "task_from_data",
    "task_status_from_subject",
    "user_task_id_in",
]

AnswerStyle = Literal["approve", "choose", "text", "number", "acknowledge"]

APPROVE_KINDS = frozenset({"approval", "hitl", "anomaly_review"})
TEXT_KINDS = frozenset({"text", "aitl_escalation"})

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
_OPTION_KEYS = ("options", "choices")
_OPTION_ID_KEYS = ("id", "value", "key")
_OPTION_LABEL_KEYS = ("label", "text", "title", "name")
_NESTS = ("user_task", "userTask", "task")


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

    @property
    def answer_style(self) -> AnswerStyle | None:
        """How the dialog answers it; None when the kind is unknown."""
        return _STYLES.get(self.kind)


# --- parsing ----------------------------------------------------------------------

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


# --- answering --------------------------------------------------------------------

_YES = frozenset({"true", "yes", "y", "approve", "approved", "accept", "ok"})
_NO = frozenset({"false", "no", "n", "reject", "rejected", "deny", "denied"})
# ASCII digits only: "\d" would accept other scripts' digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_approval(value: Any) -> bool:
    """``True`` / ``False``, or a clear word for them (``"approve"``, ``"no"``...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    raise ValueError(f"not an approval answer: {value!r} (expected approve or reject)")


def parse_number(value: Any) -> int | float:
    """A finite number from an int, a float or a strict decimal string.

    ``"42"`` -> 42, ``"-3.5"`` -> -3.5, ``"1e3"`` -> 1000.0. Refuses booleans,
    NaN and infinities, empty text, and anything else (``"1,5"``, ``"0x10"``,
    ``"1_000"``, ``"12abc"``) with a ValueError saying what was wrong.
    """
    if isinstance(value, bool):
        raise ValueError("a number is needed, not a yes/no value")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"the number must be finite, not {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"a number is needed, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValueError("a number is needed: the answer is empty")
    if _NUMBER.fullmatch(text) is None:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise ValueError(f"not a number: {shown!r} (use digits, an optional sign, '.' and exponent)")
    if _INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError as error:  # more digits than Python converts
            raise ValueError("the number has too many digits") from error
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("the number is too large")
    return number


def _choose(task: UserTask, value: Any) -> Any:
    if isinstance(value, TaskOption):
        return value.id
    if not task.options:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("pick an option")
        return value
    for option in task.options:
        if option.id == value or str(option.id) == str(value):
            return option.id
    choices = ", ".join(str(option.id) for option in task.options[:10])
    raise ValueError(f"{value!r} is not one of the task's options ({choices})")


def _text_value(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a text answer is needed, not {type(value).__name__}")
    if not value.strip():
        raise ValueError("the answer is empty")
    return value


def answer_fields(task: UserTask, value: Any = None) -> dict[str, Any]:
    """Keyword arguments for the client's ``send_run_message`` answering ``task``.

    By kind: ``approval`` / ``hitl`` / ``anomaly_review`` -> ``approved`` (a bool,
    or a word such as "approve"/"reject"); ``multi_option`` ->
    ``selected_option_id`` (an option id, or a :class:`TaskOption`);
    ``text`` / ``aitl_escalation`` -> ``text_value`` (non-empty); ``number`` ->
    ``number_value`` (see :func:`parse_number`); ``anomaly_alert`` ->
    ``approved=True`` (acknowledge; ``value`` is ignored). For an unknown kind
    the value's type decides: bool -> approved, int/float -> number, an option
    id -> selected option, other text -> text. Raises ValueError for a value
    that does not fit, or a task without a ``user_task_id``.
    """
    if not task.user_task_id:
        raise ValueError("this task has no user_task_id to answer with")
    fields: dict[str, Any] = {"user_task_id": task.user_task_id}
    style = task.answer_style
    if style is None:
        if isinstance(value, bool):
            style = "approve"
        elif isinstance(value, (int, float)):
            style = "number"
        elif isinstance(value, TaskOption) or (
            task.options and any(str(option.id) == str(value) for option in task.options)
        ):
            style = "choose"
        else:
            style = "text"
    if style == "approve":
        fields["approved"] = parse_approval(value)
    elif style == "acknowledge":
        fields["approved"] = True
    elif style == "choose":
        fields["selected_option_id"] = _choose(task, value)
    elif style == "number":
        fields["number_value"] = parse_number(value)
    else:
        fields["text_value"] = _text_value(value)
    return fields


def _extra(model: Any, *names: str) -> str | None:
    extra = getattr(model, "model_extra", None) or {}
    for name in names:
        value = extra.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def answer_run_id(
    source: Conversation | SessionSummary | Session | Iterable[Run] | None,
    opened_run_id: str | None,
) -> str | None:
    """The run id to send an answer, message or skip to.

    Always the run the person opened (a session's entry/root run, or
    ``--run``), never the sub-agent run that raised the task: a key scoped
    to the root agent may not reach sub-agent runs, and the root run's routes
    cover the whole session. Without an opened run: the session's entry/root
    run, else the conversation's root run (no parent, earliest).
    """
    if opened_run_id:
        return opened_run_id
    if isinstance(source, SessionSummary):
        return source.open_run_id
    if isinstance(source, Session):
        return _extra(source, "entryRunId", "entry_run_id", "rootRunId", "root_run_id")
    runs: list[Run]
    if isinstance(source, Conversation):
        found = _extra(source.session, "entryRunId", "entry_run_id", "rootRunId", "root_run_id")
        if found:
            return found
        runs = source.runs
    elif source is None:
        return None
    else:
        runs = [run for run in source if isinstance(run, Run)]
    roots = [run for run in runs if not run.parent_run_id] or runs
    if not roots:
        return None
    return min(roots, key=lambda run: (run.started_at is None, run.started_at or "", run.depth)).id


# --- which tasks are pending --------------------------------------------------------

_PENDING_WORDS = frozenset({"pending", "open", "created", "new", "waiting", "active", "inprogress", "requested"})
_LIVE_BASE = 10**15  # positions of rows without an ordinal: after every real one


def is_pending_status(status: str | None) -> bool:
    """Task statuses that mean "not answered yet" (``Pending`` and the like)."""
    return bool(status) and norm_key(status) in _PENDING_WORDS


def task_status_from_subject(subject: str) -> str | None:
    """A task status read from an event subject's last word (``...created`` -> Pending)."""
    tail = subject.rsplit(".", 1)[-1].lower() if subject else ""
    if tail in {"created", "requested", "pending", "opened"}:
        return "Pending"
    if tail in {"completed", "answered", "resolved", "approved", "rejected", "done"}:
        return "Completed"
    if tail in {"cancelled", "canceled", "expired", "dismissed"}:
        return "Cancelled"
    return None


class _Entry:
    """A task and its place. A ``UserTaskReq`` step is parsed into its task only
    when someone asks: a 50,000-step session holds thousands of finished tasks."""

    __slots__ = ("_item", "_task", "position")

    def __init__(self, task: UserTask | None, position: int, item: ConversationItem | None = None) -> None:
        self._task = task
        self._item = item
        self.position = position

    @property
    def task(self) -> UserTask:
        if self._task is None:
            assert self._item is not None
            self._task = parse_task(self._item)
            self._item = None
        return self._task


@dataclass(slots=True)
class _RunSteps:
    """Where a run's last non-task step is, for the "trailing task" rule."""

    real_max: int = 0
    live: dict[str, int] = field(default_factory=dict)  # step id -> live position
    live_max: int = 0  # max(live.values()), recomputed only after the max left
    stale: bool = False

    def add_live(self, step_id: str, position: int) -> None:
        self.live[step_id] = position
        self.live_max = max(self.live_max, position)

    def reconcile(self, step_id: str, ordinal: int) -> None:
        position = self.live.pop(step_id, None)
        if position is not None and position >= self.live_max:
            self.stale = True
        self.real_max = max(self.real_max, ordinal)

    def last(self) -> int:
        if self.stale:
            self.live_max = max(self.live.values(), default=0)
            self.stale = False
        return max(self.real_max, self.live_max)


_NO_RUN = object()


class TaskBook:
    """The user tasks of one session, kept up to date from back-fills and events."""

    def __init__(self) -> None:
        self._tasks: dict[str, _Entry] = {}  # by user_task_id (or step id when missing)
        self._statuses: dict[str, str] = {}  # latest explicit status per user_task_id
        self._run_status: dict[str | None, str] = {}
        self._steps: dict[str | None, _RunSteps] = {}
        self._arrivals = 0
        self._session_status = ""

    # inputs

    def set_runs(self, runs: Iterable[Run]) -> None:
        for run in runs:
            self._run_status[run.id] = run.status

    def set_run_status(self, run_id: str | None, status: str) -> None:
        if status:
            self._run_status[run_id] = status

    def set_session_status(self, status: str) -> None:
        """A finished session has no pending task, whatever else was seen."""
        if status:
            self._session_status = status

    def add_conversation(self, conversation: Conversation) -> None:
        self.set_session_status(conversation.session.status)
        self.set_runs(conversation.runs)
        self.add_items(conversation.items)

    def _position(self, item: ConversationItem) -> int:
        if has_ordinal(item):
            return item.ordinal
        self._arrivals += 1
        return _LIVE_BASE + self._arrivals

    def add_items(self, items: Iterable[ConversationItem]) -> None:
        """Steps from a back-fill or live events, in any order, repeats allowed."""
        steps_of = self._steps
        run_id: object = _NO_RUN
        steps = _RunSteps()
        for item in items:
            # The common case inline (a step with its ordinal that is no task and
            # names none): add_step's effect is then only to move the run's last step.
            ordinal = item.ordinal
            if ordinal <= 0 or is_user_task_req(item) or may_name_task(item):
                self.add_step(item)
                run_id = _NO_RUN  # add_step may have made the run's entry
                continue
            if item.run_id is not run_id:
                run_id = item.run_id
                steps = steps_of.get(run_id)  # type: ignore[arg-type]
                if steps is None:
                    steps = steps_of[run_id] = _RunSteps()  # type: ignore[index]
            if steps.live:
                steps.reconcile(item.id, ordinal)
            elif ordinal > steps.real_max:
                steps.real_max = ordinal

    def add_step(self, item: ConversationItem) -> None:
        if is_user_task_req(item):
            key = user_task_id_of(item) or f"step:{item.id}"
            known = self._tasks.get(key)
            if known is not None and not has_ordinal(item):
                position = known.position  # a repeat without ordinal keeps its place
            else:
                position = self._position(item)
            self._tasks[key] = _Entry(None, position, item)
            return
        steps = self._steps.setdefault(item.run_id, _RunSteps())
        if has_ordinal(item):
            steps.reconcile(item.id, item.ordinal)
        elif not item.id or item.id not in steps.live:
            position = self._position(item)
            steps.add_live(item.id or f"anon:{position}", position)
        # A later step that names a task (e.g. UserTaskResp) may close it.
        task_id = user_task_id_of(item)
        if task_id is not None:
            status = pick(item.content, "status", "state")
            if isinstance(status, str) and status:
                self._statuses[task_id] = status
            elif "usertask" in norm_key(item.type):
                self._statuses[task_id] = "Completed"

    def apply_event(self, event: RunEvent, root_run_id: str | None = None) -> bool:
        """Take what a live event says about tasks and runs. True when it said something.
        A ``run`` event that names no run is taken to be about ``root_run_id``."""
        kind = event.kind.lower()
        data = as_mapping(event.data) or {}
        if kind == "step":
            item = step_from_event(event)
            if item is None:
                return False
            self.add_step(item)
            return True
        if kind in ("run", "session"):
            status = pick(data, "status")
            run_id = pick(data, "runId", "run_id") if kind == "run" else None
            if kind == "run" and run_id is None:
                run_id = pick(data, "id") or root_run_id
            if not isinstance(status, str) or not status:
                return False
            if kind == "session":
                self._session_status = status
                return True
            if run_id is None:
                return False
            self.set_run_status(str(run_id), status)
            return True
        if kind not in ("user_task", "aitl"):
            return False
        fallback_id = pick(data, "id")
        task = task_from_data(
            data,
            user_task_id=None if user_task_id_in(data) or fallback_id is None else str(fallback_id),
        )
        if task.user_task_id is None:
            return False
        status = task.status or task_status_from_subject(event.subject)
        if status:
            self._statuses[task.user_task_id] = status
        known = self._tasks.get(task.user_task_id)
        has_body = task.question is not None or task.raw_kind is not None or task.options
        if known is None and (has_body or is_pending_status(status)):
            self._arrivals += 1
            self._tasks[task.user_task_id] = _Entry(task, _LIVE_BASE + self._arrivals)
        return True

    # answers

    def _is_pending(self, entry: _Entry) -> bool:
        if is_terminal(self._session_status):
            return False
        task = entry.task
        run_status = self._run_status.get(task.run_id)
        explicit = self._statuses.get(task.user_task_id) if task.user_task_id else None
        if explicit is not None:
            return is_pending_status(explicit) and not is_terminal(run_status)
        if task.status and not is_pending_status(task.status):
            return False
        if run_status and not is_waiting(run_status):
            return False
        steps = self._steps.get(task.run_id)
        return steps is None or steps.last() < entry.position

    def tasks(self) -> list[UserTask]:
        """Every task seen, in timeline order."""
        return [entry.task for entry in sorted(self._tasks.values(), key=lambda entry: entry.position)]

    def pending(self) -> list[UserTask]:
        """The tasks still waiting for an answer, in timeline order (oldest first)."""
        entries = sorted(self._tasks.values(), key=lambda entry: entry.position)
        return [entry.task for entry in entries if self._is_pending(entry)]

    def pending_ids(self) -> set[str]:
        return {task.user_task_id for task in self.pending() if task.user_task_id}

    def is_pending(self, user_task_id: str) -> bool:
        entry = self._tasks.get(user_task_id)
        return entry is not None and self._is_pending(entry)

    def status_of(self, user_task_id: str) -> str | None:
        """The latest explicit status seen for a task (None when none was said)."""
        return self._statuses.get(user_task_id)

    def get(self, user_task_id: str) -> UserTask | None:
        entry = self._tasks.get(user_task_id)
        return None if entry is None else entry.task


def pending_tasks(conversation: Conversation, events: Iterable[RunEvent] = ()) -> list[UserTask]:
    """The pending tasks of a conversation and the live events seen after it."""
    book = TaskBook()
    book.add_conversation(conversation)
    for event in events:
        book.apply_event(event)
    return book.pending()
