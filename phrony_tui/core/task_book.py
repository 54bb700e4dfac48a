"""Which user tasks are pending: the task book of one session.

Whether a task is still pending is not stated anywhere. :class:`TaskBook`
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

What an event says is read once, by ``core.events.effect_of``; the book takes
that effect (:meth:`TaskBook.apply_effect`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phrony_tui.core.events import EventEffect, effect_of, step_task_change
from phrony_tui.core.fields import norm_key
from phrony_tui.core.status import is_terminal, is_waiting
from phrony_tui.core.steps import StepBatch, has_ordinal, is_user_task_req
from phrony_tui.core.task_parse import TASK_NEEDLE as _TASK_NEEDLE
from phrony_tui.core.task_parse import UserTask, may_name_task, parse_task, user_task_id_of

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, ConversationItem, Run, RunEvent

__all__ = ["TaskBook", "is_pending_status", "pending_tasks"]

_PENDING_WORDS = frozenset({"pending", "open", "created", "new", "waiting", "active", "inprogress", "requested"})
_LIVE_BASE = 10**15  # positions of rows without an ordinal: after every real one
_BULK_AT = 16  # add_items of at least this many steps tries the batch at once first

#: kinds that do not pause their run: pending until answered, whatever the run does meanwhile
NON_BLOCKING_KINDS = frozenset({"anomaly_alert"})


def is_pending_status(status: str | None) -> bool:
    """Task statuses that mean "not answered yet" (``Pending`` and the like)."""
    return bool(status) and norm_key(status) in _PENDING_WORDS


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
    # The last live step without an id: it is never reconciled (nothing names it), so
    # a number, not an entry of ``live`` per step (a stream of them brings 200,000).
    anonymous_max: int = 0

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
        return max(self.real_max, self.live_max, self.anonymous_max)


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
        # Every input below moves the version; ``pending()`` is kept for the version it was
        # worked out for (a key asks which actions apply several times: one walk of 5,000
        # tasks each time was most of a big session's key-to-frame time).
        self._version = 0
        self._pending: tuple[int, list[UserTask]] | None = None

    # inputs

    def set_runs(self, runs: Iterable[Run]) -> None:
        self._version += 1
        for run in runs:
            self._run_status[run.id] = run.status

    def set_run_status(self, run_id: str | None, status: str) -> None:
        self._version += 1
        if status:
            self._run_status[run_id] = status

    def set_session_status(self, status: str) -> None:
        """A finished session has no pending task, whatever else was seen."""
        self._version += 1
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

    def add_items(self, items: Iterable[ConversationItem], *, read: StepBatch | None = None) -> None:
        """Steps from a back-fill or live events, in any order, repeats allowed (``read``:
        what was read of this very list already, for its bulk add)."""
        self._version += 1
        if isinstance(items, list) and len(items) >= _BULK_AT and self._add_bulk(StepBatch.of(items, read)):
            return
        steps_of = self._steps
        run_id: object = _NO_RUN
        steps = _RunSteps()
        for item in items:
            # The common case inline (a step with its ordinal that is no task and
            # names none): add_step's effect is then only to move the run's last step.
            # So is a live step without an id or ordinal (the docs' stream shape).
            ordinal = item.ordinal
            if (ordinal <= 0 and item.id) or is_user_task_req(item) or may_name_task(item):
                self.add_step(item)
                run_id = _NO_RUN  # add_step may have made the run's entry
                continue
            if item.run_id is not run_id:
                run_id = item.run_id
                found = steps_of.get(item.run_id)
                if found is None:
                    found = steps_of[item.run_id] = _RunSteps()
                steps = found
            if ordinal <= 0:
                self._arrivals += 1  # self._position(item), inline: a stream brings thousands a second
                steps.anonymous_max = _LIVE_BASE + self._arrivals
            elif steps.live:
                steps.reconcile(item.id, ordinal)
            elif ordinal > steps.real_max:
                steps.real_max = ordinal

    def _add_bulk(self, read: StepBatch) -> bool:
        """A busy stream's usual batch at once: steps of one run, no task among them and
        none that names one, either all without an id and an ordinal (the docs' stream
        shape) or all with their ordinals, into a run with no live steps to reconcile.
        What the per-step loop would do (only the run's last step moves); False, nothing
        changed, for anything else."""
        items = read.items
        runs = read.runs
        if len(runs) != 1 or read.has_task_type:
            return False
        kinds = read.kinds
        any_contains = getattr(next(iter(kinds)), "any_contains", None) if len(kinds) == 1 else None
        if any_contains is not None:
            if any_contains(items, _TASK_NEEDLE):
                return False
        elif any(map(may_name_task, items)):
            return False
        ordinals = read.ordinals
        (run_id,) = runs
        if max(ordinals) <= 0:
            if any(read.ids):
                return False  # live steps with ids: each one's place is kept (add_step)
            steps = self._steps.get(run_id)
            if steps is None:
                steps = self._steps[run_id] = _RunSteps()
            self._arrivals += len(items)
            steps.anonymous_max = _LIVE_BASE + self._arrivals
            return True
        if min(ordinals) <= 0:
            return False
        steps = self._steps.get(run_id)
        if steps is None:
            steps = self._steps[run_id] = _RunSteps()
        elif steps.live:
            return False  # live steps an ordinal may reconcile: one by one
        steps.real_max = max(steps.real_max, *ordinals)
        return True

    def add_step(self, item: ConversationItem) -> None:
        self._version += 1
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
        elif not item.id:
            steps.anonymous_max = self._position(item)  # positions only grow
        elif item.id not in steps.live:
            steps.add_live(item.id, self._position(item))
        # A later step that names a task (e.g. UserTaskResp) may close it.
        if may_name_task(item):
            change = step_task_change(item)
            if change is not None and change.status:
                self._statuses[change.user_task_id] = change.status

    def apply_event(self, event: RunEvent, root_run_id: str | None = None) -> bool:
        """Take what a live event says about tasks and runs. True when it said something.
        A ``run`` event that names no run is taken to be about ``root_run_id``. (The
        session state reads the effect it already has: :meth:`apply_effect`.)"""
        return self.apply_effect(effect_of(event, root_run_id), root_run_id)

    def apply_effect(self, effect: EventEffect, root_run_id: str | None = None) -> bool:
        """Take an event's effect (``core.events.effect_of``, the one interpreter of
        live events). True when it said something about tasks or runs."""
        self._version += 1
        if effect.step is not None:
            self.add_step(effect.step)  # the step's own task change is read there
            return True
        said = False
        change = effect.status
        if change is not None:
            if change.scope == "session":
                self._session_status = change.status
                said = True
            elif (change.id or root_run_id) is not None:
                self.set_run_status(change.id or root_run_id, change.status)
                said = True
        task = effect.task
        if task is not None:
            if task.status:
                self._statuses[task.user_task_id] = task.status
            body = task.task or task.parsed
            wanted = task.task is not None or is_pending_status(task.status)
            if body is not None and wanted and task.user_task_id not in self._tasks:
                self._arrivals += 1
                self._tasks[task.user_task_id] = _Entry(body, _LIVE_BASE + self._arrivals)
            said = True
        return said

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
        if task.kind in NON_BLOCKING_KINDS:
            # An alert does not pause its run: the run going on says nothing about it (a
            # server whose pauses do not climb to the root keeps the root Running).
            return not is_terminal(run_status)
        if run_status and not is_waiting(run_status):
            return False
        steps = self._steps.get(task.run_id)
        return steps is None or steps.last() < entry.position

    def tasks(self) -> list[UserTask]:
        """Every task seen, in timeline order."""
        return [entry.task for entry in sorted(self._tasks.values(), key=lambda entry: entry.position)]

    def pending(self) -> list[UserTask]:
        """The tasks still waiting for an answer, in timeline order (oldest first)."""
        kept = self._pending
        if kept is None or kept[0] != self._version:
            entries = sorted(self._tasks.values(), key=lambda entry: entry.position)
            kept = self._pending = (self._version, [entry.task for entry in entries if self._is_pending(entry)])
        return list(kept[1])

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
