"""How a user task is answered: the fields of the answer, checked per kind, and
the run that takes it.

The UI collects a value (a yes/no, an option, text, a number); these
functions turn it into the keyword arguments of the client's
``send_run_message`` or refuse it with a ValueError that says what was wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from phrony_tui.core.safe_text import one_line
from phrony_tui.core.task_parse import TaskOption, UserTask

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, Run, Session, SessionSummary

__all__ = [
    "answer_fields",
    "answer_run_id",
    "answer_verb",
    "decline_fields",
    "parse_approval",
    "parse_number",
]

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


def decline_fields(task: UserTask) -> dict[str, Any]:
    """Keyword arguments for ``send_run_message`` declining ``task`` (an escalation's
    Decline): ``{"user_task_id": <id>, "approved": False}`` and nothing else.

    The API documents no decline field; ``approved: false`` with the task id is
    the answer shape every task kind accepts, and the server defaults
    ``approved`` to true when it is left out, so it is always sent. If the
    server refuses it, the dialog shows the server's words and stays open.
    Raises ValueError for a task without a ``user_task_id`` or one that cannot be
    declined (:attr:`UserTask.can_decline`)."""
    if not task.user_task_id:
        raise ValueError("this task has no user_task_id to answer with")
    if not task.can_decline:
        raise ValueError(f"a {task.kind} task cannot be declined")
    return {"user_task_id": task.user_task_id, "approved": False}


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
    from phrony_tui.client.models import Conversation, Run, Session, SessionSummary

    if opened_run_id:
        return opened_run_id
    # The fast paths' stand-ins for the models, by name (client/session_rows.py, client/records.py).
    kind = type(source).__name__
    if isinstance(source, SessionSummary) or kind == "SessionRow":
        return source.open_run_id  # type: ignore[union-attr]
    if isinstance(source, Session) or kind == "SessionRecord":
        return _extra(source, "entryRunId", "entry_run_id", "rootRunId", "root_run_id")
    runs: list[Run]
    if isinstance(source, Conversation) or kind == "LazyConversation":
        conversation = cast("Conversation", source)
        found = _extra(conversation.session, "entryRunId", "entry_run_id", "rootRunId", "root_run_id")
        if found:
            return found
        runs = conversation.runs
    elif source is None:
        return None
    else:
        runs = [run for run in source if isinstance(run, Run) or type(run).__name__ == "RunRecord"]
    roots = [run for run in runs if not run.parent_run_id] or runs
    if not roots:
        return None
    return min(roots, key=lambda run: (run.started_at is None, run.started_at or "", run.depth)).id


def answer_verb(task: UserTask, fields: Mapping[str, Any]) -> str:
    """How an answer reads, before "<kind> task <id>": "Approved", "Chose 'Lisbon' for",
    "Sent 'headline' to"... The dialog and ``phrony-tui answer`` both say it."""
    if task.kind == "anomaly_alert":
        return "Acknowledged"
    if fields.get("approved") is False and task.can_decline and task.answer_style != "approve":
        return "Declined"
    if "approved" in fields:
        return "Approved" if fields["approved"] else "Rejected"
    if "selected_option_id" in fields:
        label = next((o.label for o in task.options if str(o.id) == str(fields["selected_option_id"])), None)
        return f"Chose {one_line(label or fields['selected_option_id'], 60)!r} for"
    if "number_value" in fields:
        return f"Sent {fields['number_value']} to"
    return f"Sent {one_line(fields.get('text_value', ''), 60)!r} to"
