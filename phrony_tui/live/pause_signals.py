"""Which live events may mean that a run now waits on someone, without saying so.

The public docs promise no ``status`` in an event's ``data`` ("depends on kind and
subject"), so a pause can arrive as a bare ``UserTaskReq`` step, a ``user_task`` or
``aitl`` event, or a run/session event with no status. The follower confirms such
signals with ``GET /v1/runs/{id}`` (and a back-fill) instead of trusting fields the
server may never send. No IO here: just the reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import TYPE_CHECKING

from phrony_tui.core.status import is_waiting
from phrony_tui.core.steps import as_mapping, is_task_type, is_user_task_req, pick, step_from_event

if TYPE_CHECKING:
    from phrony_tui.client.models import RunEvent

__all__ = ["PauseSignals", "read_signals"]

_TASK_KINDS = frozenset({"user_task", "aitl"})
_TASK_ID_KEYS = ("userTaskId", "user_task_id", "taskId", "task_id")
_GET_KIND = attrgetter("kind")
_GET_STEP_ITEM = attrgetter("step_item")
_GET_TYPE = attrgetter("type")


class PauseSignals:
    """What one batch of events says about pauses.

    ``told``: an event said outright that a run or the session waits (a ``Waiting*``
    status), or named a task and its state. ``task``: a task may have appeared (a task-like step, a ``user_task`` or
    ``aitl`` event), so the conversation must be read to answer it. ``unsure``: a
    run/session event came with no status: a status call tells whether it moved.
    """

    __slots__ = ("task", "told", "unsure")

    def __init__(self) -> None:
        self.told = False
        self.task = False
        self.unsure = False

    @property
    def must_confirm(self) -> bool:
        """The batch may change what the person can do, and did not say how."""
        return (self.task or self.unsure) and not self.told


def read_signals(events: Iterable[RunEvent], signals: PauseSignals | None = None) -> PauseSignals:
    """Fold ``events`` into ``signals`` (a new one by default). Cheap on a firehose:
    a step costs a kind comparison and a cached type lookup."""
    signals = signals or PauseSignals()
    events = events if isinstance(events, list) else list(events)
    if set(map(_GET_KIND, events)) == {"step"}:
        # A busy stream's usual batch: steps only, decoded with their events (client.lazy).
        steps = list(map(_GET_STEP_ITEM, events))
        if None not in steps:
            if any(map(is_task_type, set(map(_GET_TYPE, steps)))):
                signals.task = True
            return signals
    for event in events:
        kind = event.kind
        if kind == "step":
            step = event.step_item if event.step_item is not None else step_from_event(event)
            if step is not None and is_user_task_req(step):
                signals.task = True
            continue
        kind = kind.lower()
        if kind in _TASK_KINDS:
            data = as_mapping(event.data) or {}
            # A task event that names its task and its state says what changed by itself.
            if pick(data, *_TASK_ID_KEYS) is None or pick(data, "status", "state") is None:
                signals.task = True
            else:
                signals.told = True
        elif kind in ("run", "session"):
            status = pick(as_mapping(event.data) or {}, "status", "state")
            if not isinstance(status, str) or not status:
                signals.unsure = True
            elif is_waiting(status):
                signals.told = True
    return signals
