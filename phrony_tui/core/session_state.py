"""The open session: its conversation, runs, timeline and tasks, kept true by
back-fills and live events. Pure state; the UI draws it."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

from phrony_tui.core.events import describe, effect_of
from phrony_tui.core.format import fmt_time
from phrony_tui.core.redaction import is_redacted
from phrony_tui.core.run_tree import RunTree
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import (
    AGENT_WAIT_LABEL,
    is_agent_wait,
    is_terminal,
    is_waiting,
    waiting_label,
    waits_on_person,
)
from phrony_tui.core.step_kinds import kind_of
from phrony_tui.core.steps import StepBatch, is_error_step, step_from_event, user_task_id_of
from phrony_tui.core.tasks import TaskBook, UserTask
from phrony_tui.core.timeline import Timeline, TimelineView

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, ConversationItem, Run, RunEvent, Session


_GET_KIND = attrgetter("kind")
_GET_STEP_ITEM = attrgetter("step_item")
_READ_ONCE_AT = 16  # the task book's and the timeline's bulk adds try batches from this size


class _Read:
    """A session and its rows, for the checks that take a conversation."""

    __slots__ = ("items", "session")

    def __init__(self, session: Session, items: list[ConversationItem]) -> None:
        self.session = session
        self.items = items


class TimelineRows:
    """A view of the timeline as drawable rows: ``cells(i)`` is computed on demand."""

    def __init__(self, state: SessionState, view: TimelineView) -> None:
        # A weak reference: the state caches its rows objects, and a cycle would keep a
        # closed session alive until a full collection (never, once gc.freeze()-d).
        self._state = weakref.ref(state)
        self.view = view

    @property
    def state(self) -> SessionState:
        state = self._state()
        assert state is not None, "the rows of a session state that is gone"
        return state

    def __len__(self) -> int:
        return len(self.view)

    def item(self, index: int) -> ConversationItem:
        return self.view[index]

    def cells(self, index: int) -> tuple[Sequence[str], str]:
        item = self.view[index]
        return (
            (
                str(item.ordinal) if item.ordinal else "…",
                fmt_time(item.started_at or item.finished_at),
                self.state.agent_label(item.run_id),
                one_line(item.type or "?", 40),
                self.view.summary(index),
            ),
            self.state.tone(item),
        )

    def index_of(self, step_id: str) -> int | None:
        return self.view.index_of_id(step_id)

    def find(self, text: str, start: int, backwards: bool = False) -> int | None:
        return self.view.find(text, start, backwards)

    def next_index(self, kind: str, start: int, backwards: bool = False) -> int | None:
        # Start past the cursor so repeated presses move on.
        count = len(self.view)
        if count == 0:
            return None
        start = (start - 1) % count if backwards else (start + 1) % count
        return self.view.next_index(kind, start, backwards)  # type: ignore[arg-type]


class SessionState:
    def __init__(
        self,
        run_id: str,
        conversation: Conversation,
        *,
        agent_names: dict[str, str] | None = None,
    ) -> None:
        self.run_id = run_id  # the run the person opened: every run route uses it
        self.agent_names = dict(agent_names or {})
        self.timeline = Timeline()
        self._tasks = TaskBook()
        # Rows the task book has not read yet (see ``tasks``): a finished session's first
        # frame needs none of them.
        self._task_backlog: list[Sequence[ConversationItem]] = []
        self.runs: dict[str, Run] = {}
        self.session: Session = conversation.session
        self.redacted = False
        self.events_seen = 0
        # Answers to user tasks, as task events report them (the conversation does not hold them).
        self.answers: dict[str, object] = {}
        self._tree: RunTree | None = None
        # The first timeline row that changed since the UI last drew (None: only
        # rows appended), so the timeline keeps its cache of drawn rows before it.
        self._dirty_from: int | None = 0
        self._rows: dict[str | None, TimelineRows] = {}
        # The first conversation is still being read (in parts): its rows keep coming.
        self._loading = False
        self.merge_conversation(conversation)

    # -- inputs --------------------------------------------------------------
    def merge_conversation(self, conversation: Conversation) -> None:
        """A back-fill: the whole conversation as the server has it now."""
        self.session = conversation.session
        for run in conversation.runs:
            self.runs[run.id] = run
        self.timeline.load(conversation)
        tasks = self.tasks
        tasks.set_session_status(conversation.session.status)
        tasks.set_runs(conversation.runs)
        self._task_backlog.append(conversation.items)  # TaskBook.add_conversation, the items read on demand
        self._dirty_from = 0
        self.redacted = is_redacted(conversation)
        self._changed(runs=True)

    def add_items(self, items: Sequence[ConversationItem]) -> None:
        """More rows of the conversation being read (its session and runs came first)."""
        self._note(self.timeline.merge(items))
        self._task_backlog.append(items)  # read in order: anything else the book is told drains it first
        self._changed(runs=False)

    @property
    def loading(self) -> bool:
        """The conversation is still being read: more rows are to come."""
        return self._loading

    @loading.setter
    def loading(self, value: bool) -> None:
        if self._loading and not value:  # the whole of it is in: what reads every row
            self.redacted = is_redacted(_Read(self.session, self.timeline.items()))  # type: ignore[arg-type]
        self._loading = value

    def apply_events(self, events: Iterable[RunEvent]) -> None:
        """A batch of live events (in arrival order): one timeline merge per batch.
        (A bulk build, like the constructor and ``merge_conversation``: the app runs
        these with its garbage collector paused.)"""
        runs_changed = False
        steps: list[ConversationItem] = []
        events = events if isinstance(events, list) else list(events)
        self.events_seen += len(events)
        if set(map(_GET_KIND, events)) == {"step"}:
            # A busy stream's usual batch: steps only, each decoded with its event (client.lazy).
            steps = list(map(_GET_STEP_ITEM, events))
            if None not in steps:
                self._add_steps(steps)
                self._changed(runs=False)
                return
            steps = []
        root_run_id = self.root_run_id
        for event in events:
            if event.kind == "step":
                # The common case, kept short: a step is a timeline row and maybe a task.
                step = event.step_item  # decoded with the event (client.lazy), else from its data
                if step is not None or (step := step_from_event(event)) is not None:
                    steps.append(step)
                continue
            if steps:  # keep the order: steps before a status change land first
                self._add_steps(steps)
                steps = []
            effect = effect_of(event, root_run_id)
            if effect.new_run is not None and effect.new_run.id not in self.runs:
                self.runs[effect.new_run.id] = effect.new_run
                runs_changed = True
            if effect.step is not None:
                self._note(self.timeline.add(effect.step))
            change = effect.status
            if change is not None:
                if change.scope == "session":
                    self.session = self.session.model_copy(update={"status": change.status})
                else:
                    run_id = change.id or root_run_id
                    run = self.runs.get(run_id or "")
                    if run is not None and run.status != change.status:
                        update = {"status": change.status}
                        if change.error is not None:
                            update["error"] = change.error
                        self.runs[run.id] = run.model_copy(update=update)
                        runs_changed = True
                    if run_id == root_run_id and run_id is not None:
                        # The root run's end is the session's, whether or not a session event says so.
                        self.session = self.session.model_copy(update={"status": change.status})
            self.tasks.apply_effect(effect, root_run_id=root_run_id)
            if effect.task is not None and isinstance(event.data, dict) and "answer" in event.data:
                self.answers[effect.task.user_task_id] = event.data["answer"]
        if steps:
            self._add_steps(steps)
        self._changed(runs=runs_changed)

    def _add_steps(self, steps: list[ConversationItem]) -> None:
        # A big batch is read once (its runs, types, ids...) for both bulk adds.
        read = StepBatch(steps) if len(steps) >= _READ_ONCE_AT else None
        self.tasks.add_items(steps, read=read)
        self._note(self.timeline.merge(steps, read=read))

    def missing_steps(self, events: Sequence[RunEvent]) -> list[RunEvent]:
        """The step events among ``events`` (superseded by a back-fill) whose step the
        timeline does not hold (by id; an id-less step by its run and sequence): a
        conversation read while the stream runs may lag it.
        Their steps are safe to apply after it; their statuses and tasks are not."""
        timeline = self.timeline
        out = []
        for event in events:
            if event.kind == "step":
                step = step_from_event(event)
                if step is None:
                    continue
                if step.id:
                    if step.id not in timeline:
                        out.append(event)
                elif (
                    step.run_id is not None
                    and step.sequence is not None
                    and not timeline.holds_sequence(step.run_id, step.sequence)
                ):
                    # Without an id (the docs' stream shape) a step is known by its run and
                    # sequence, as the timeline matches it; one with neither cannot be told
                    # from the back-fill's rows (which hold it under its real id): dropped.
                    out.append(event)
        return out

    def _note(self, change) -> None:
        """Remember the first row a merge touched: rows before it are as drawn (an
        append touches rows from the old end on, which were never drawn)."""
        first = change.first_index
        if first is not None:
            self._dirty_from = first if self._dirty_from is None else min(self._dirty_from, first)

    def take_dirty_from(self) -> int | None:
        """For the UI: the first row that may differ from what it drew (None: none)."""
        dirty, self._dirty_from = self._dirty_from, None
        return dirty

    def _changed(self, *, runs: bool) -> None:
        if runs:
            self._tree = None
        pending = {task.user_task_id for task in self._pending() if task.user_task_id}  # TaskBook.pending_ids
        if pending != self.timeline.pending_task_ids:
            self._dirty_from = 0  # rows change tone when a task is answered
        self.timeline.pending_task_ids = pending

    # -- reading -------------------------------------------------------------
    @property
    def tasks(self) -> TaskBook:
        """The session's task book, with every row given so far read into it. Rows wait
        in a backlog until something asks (a finished session's pending tasks are none
        whatever its rows say: ``pending_tasks`` answers that without reading them)."""
        backlog = self._task_backlog
        if backlog:
            self._task_backlog = []
            for items in backlog:
                self._tasks.add_items(items)
        return self._tasks

    def _pending(self) -> list[UserTask]:
        if self._task_backlog and is_terminal(self.session.status):
            return []  # TaskBook: a finished session has no pending task, whatever else was seen
        return self.tasks.pending()

    @property
    def root_run_id(self) -> str | None:
        root = self.tree.root
        return root.id if root is not None else self.run_id

    @property
    def tree(self) -> RunTree:
        if self._tree is None:
            self._tree = RunTree(self.runs.values())
        return self._tree

    @property
    def status(self) -> str:
        """The session's status (the root run's when the session row has none)."""
        if self.session.status:
            return self.session.status
        root = self.tree.root
        return root.status if root is not None else ""

    @property
    def is_live(self) -> bool:
        return not is_terminal(self.status) if self.status else True

    @property
    def step_count(self) -> int:
        return len(self.timeline)

    @property
    def model(self) -> str | None:
        root = self.tree.root
        return self.session.llm_model or (root.llm_model if root is not None else None)

    def agent_label(self, run_id: str | None) -> str:
        run = self.runs.get(run_id or "")
        if run is None:
            return (run_id or "-")[:8]
        name = run.agent_name or self.agent_names.get(run.agent_id or "") or (run.agent_id or run.id)[:8]
        return one_line(name, 40)

    def pending_tasks(self) -> list[UserTask]:
        return self._pending()

    def pending_run_ids(self) -> set[str]:
        """Runs holding a pending task, or paused waiting (marked in the run tree); not
        a sub-agent waiting for its parent agent (:meth:`agent_wait_run_ids`)."""
        ids = {task.run_id for task in self._pending() if task.run_id}
        agent_waits = self.agent_wait_run_ids()
        ids.update(run.id for run in self.runs.values() if is_waiting(run.status) and run.id not in agent_waits)
        return ids

    # -- who the session waits on ------------------------------------------------------
    def agent_wait_run_ids(self) -> set[str]:
        """Runs in ``WaitingForAITL`` that wait for their parent agent's model, not for
        a person: no pending escalation (``aitl_escalation`` task) is tied to the run
        or to its parent run (the service ties one to the parent run and the sub-agent).
        An escalation that names no run may be any of them: then none is listed."""
        waiting = [run for run in self.runs.values() if is_agent_wait(run.status)]
        if not waiting:
            return set()
        tied = {task.run_id for task in self._pending() if task.kind == "aitl_escalation"}
        if None in tied:
            return set()
        return {run.id for run in waiting if run.id not in tied and run.parent_run_id not in tied}

    @property
    def waits_on_person(self) -> bool:
        """Whether the session waits on a person (the inbox's sense): a pending user
        task (an approval, an escalation to a person...), or the session or a run in
        ``WaitingForHITL`` / ``WaitingForResponse``. Not a timer, and not a sub-agent
        waiting for its parent agent (``WaitingForAITL`` without an escalation)."""
        if not self.is_live:
            return False
        if self._pending():
            return True
        if waits_on_person(self.status):
            return True
        return any(waits_on_person(run.status) for run in self.runs.values())

    def run_waits_on_person(self, run_id: str) -> bool:
        """Whether this run waits on a person: a pending user task of its own, or a
        ``WaitingForHITL`` / ``WaitingForResponse`` status, or a ``WaitingForAITL``
        that an escalation to a person holds (not its parent agent's answer)."""
        run = self.runs.get(run_id)
        if run is None or not is_waiting(run.status):
            return any(task.run_id == run_id for task in self._pending())
        if waits_on_person(run.status) or any(task.run_id == run_id for task in self._pending()):
            return True
        return is_agent_wait(run.status) and run_id not in self.agent_wait_run_ids()

    def run_wait_label(self, run_id: str) -> str | None:
        """What a paused run waits for, in words: ``"waiting for its parent agent"`` for
        an agent-to-agent wait, ``"waits for …"`` otherwise; None when it is not paused."""
        run = self.runs.get(run_id)
        if run is None or not is_waiting(run.status):
            return None
        if run.id in self.agent_wait_run_ids():
            return AGENT_WAIT_LABEL
        return f"waits for {waiting_label(run.status)}"

    def rows(self, run_filter: str | None = None) -> TimelineRows:
        rows = self._rows.get(run_filter)
        if rows is None:
            rows = self._rows[run_filter] = TimelineRows(self, self.timeline.filter_run(run_filter))
        return rows

    def first_row_of_run(self, run_id: str) -> int | None:
        return self.timeline.index_of_run(run_id)

    def describe_events(self, events: Sequence[RunEvent], limit: int | None = None) -> list[str]:
        """Log lines; only the last ``limit`` events (the log keeps no more than that)."""
        if limit is not None and len(events) > limit:
            events = events[-limit:]
        return [describe(event) for event in events]

    def tone(self, item: ConversationItem) -> str:
        """The tone the timeline draws the step in: ``error`` for a failed step, a task
        request ``waiting`` while pending, else its kind's tone (the registry's)."""
        if is_error_step(item):
            return "error"
        found = kind_of(item)
        if found.raises_task:
            task_id = user_task_id_of(item)
            pending = self.timeline.pending_task_ids or set()
            return "waiting" if task_id in pending else found.tone
        return found.tone
