"""The merged session timeline: conversation back-fills and live steps, in order.

Built for 50,000+ steps and 200,000 live events.

How rows are stored: every step has one entry in a dict by step id (which
de-duplicates) and a sort key in a sorted list, with the step items in a
parallel list, so the i-th row is a list index. The key is ``(0, ordinal,
id)`` for a step whose ordinal is known and ``(1, arrival, id)`` for a live
step that came without one: those sort after every known step, in arrival
order, until a back-fill brings their real ordinal and moves them. Each run
has the same structure for its own rows (a live :meth:`filter_run` view), and
each structure keeps the sorted keys of its error rows and its user-task rows,
so "next error" / "next waiting step" are a bisect away.

Costs (n rows): adding a step is a bisect plus a list insert: O(log n) and
amortized O(1) when it lands at the end, as live steps do, O(n) memmove in
the worst case; ``merge`` of k steps inserts one by one when k is small and
rebuilds with one sort, O((n + k) log(n + k)), when k is large; index access
and ``len`` are O(1); ``index_of_id`` / ``index_of_run`` are O(log n);
``next_index`` is O(log n + flagged rows skipped); ``find`` walks from the
start row and caches each row's search text.

A busy stream's batches taken whole (``_add_bulk``) are in the rows at once; their
entries by step id and ``(run, sequence)`` keys are made when first looked up
(``_Live``, ``_make_live``), as a fresh load's are (``_Unmade``).

Identity: steps are the same when their ids are. A later version of a step
replaces the earlier one (fields it lacks are kept from the earlier one, and
a version without an ordinal keeps the earlier place). A live step without an
id is matched by ``(run id, sequence)`` when it has them; one with neither
stays as an anonymous live row until a ``merge(..., snapshot=True)`` (a full
conversation back-fill, which holds it under its real id) drops it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, islice, repeat
from operator import attrgetter, itemgetter, lt
from typing import TYPE_CHECKING, Literal, overload

from phrony_tui.core.redaction import looks_redacted
from phrony_tui.core.safe_text import one_line, preview_json
from phrony_tui.core.steps import (
    StepBatch,
    has_ordinal,
    is_error_step,
    is_task_type,
    is_user_task_req,
    step_from_event,
    user_task_id_of,
)
from phrony_tui.core.summary import summarize

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, ConversationItem, RunEvent

__all__ = [
    "Change",
    "Timeline",
    "TimelineView",
    "looks_redacted",
]

Key = tuple[int, int, str]
JumpKind = Literal["waiting", "error", "task"]

_KNOWN = 0
_LIVE = 1
_SEARCH_PREVIEW = 300
# Above this many items (and a quarter of the rows), a merge rebuilds with one sort.
_REBUILD_AT = 64
_MERGED_FIELDS = ("run_id", "sequence", "content", "tokens_used", "error", "started_at", "finished_at")
_IDS = attrgetter("id")
_ORDINALS = attrgetter("ordinal")
_TYPES = attrgetter("type")
_FIRST_CHAR = itemgetter(0)
_KEY_ID = itemgetter(2)
_SEQUENCES = attrgetter("sequence")
_GET_RUN_ID = attrgetter("run_id")
# A merge of at least this many steps tries the bulk append first (``_add_bulk``).
_BULK_AT = 16


@dataclass(frozen=True, slots=True)
class Change:
    """What a merge or an add did. ``first_index``: the first row (of the whole
    timeline) that changed, to redraw from; None when nothing changed."""

    added: int = 0
    replaced: int = 0
    removed: int = 0
    first_index: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


class _Entry:
    __slots__ = ("_error", "item", "key", "task")

    def __init__(self, key: Key, item: ConversationItem, task: bool | None = None) -> None:
        self.key = key
        self.item = item
        self.task = is_user_task_req(item) if task is None else task
        self._error: bool | None = None

    @property
    def error(self) -> bool:
        # Computed on first use: it may read the step's content, which big sessions
        # keep undecoded until needed (client/lazy.py).
        if self._error is None:
            self._error = is_error_step(self.item)
        return self._error


def _made_entry(key: Key, item: ConversationItem, task: bool) -> _Entry:
    """An entry whose task flag is known already (a fresh load asks once per step type)."""
    entry = _Entry.__new__(_Entry)
    entry.key, entry.item, entry.task, entry._error = key, item, task, None
    return entry


class _Unmade:
    """What a fresh load has not made yet: the entries by step id and the runs' rows,
    made from its rows when first needed (``Timeline._entries`` / ``_runs``)."""

    __slots__ = ("entries", "ids", "items", "keys", "runs", "tasks")

    def __init__(self, keys: list[Key], items: list[ConversationItem], tasks: list[bool]) -> None:
        self.keys = keys
        self.items = items
        self.tasks = tasks
        self.entries = True  # still to make
        self.runs = True
        self.ids: set[str] | None = None  # the step ids held, once more rows come (_load_more)


class _Live:
    """Rows a bulk add of live steps put in the timeline's rows and not yet in its maps:
    their entries by step id and, for steps that came without an id, their ``(run id,
    sequence)`` keys, made when something needs the maps whole (``Timeline._make_live``).
    A busy stream's steps are drawn, counted and searched by their rows; a map entry
    each was most of what applying them cost. ``sequenced``: the rows are id-less steps
    known by their run and sequence (``sequences``: each run's, increasing, to tell a
    repeat or answer a look-up by bisection); else steps with their ids (``ids``)."""

    __slots__ = ("ids", "items", "keys", "sequenced", "sequences")

    def __init__(self, *, sequenced: bool) -> None:
        self.keys: list[Key] = []
        self.items: list[ConversationItem] = []
        self.sequenced = sequenced
        self.sequences: dict[str | None, list[int]] = {}
        self.ids: set[str] = set()

    def holds(self, run_id: str | None, sequence: int | None) -> bool:
        """One of these rows is this run's step of this sequence."""
        sequences = self.sequences.get(run_id)
        if not sequences or sequence is None:
            return False
        index = bisect_left(sequences, sequence)
        return index < len(sequences) and sequences[index] == sequence

    def may_hold(self, item: ConversationItem) -> bool:
        """``item`` may be (a later version of) one of these rows, by id or by run and
        sequence: then the maps are needed whole. (Every row here has a ``~seq:`` id, or
        an id in ``ids``.)"""
        step_id = item.id
        if self.sequenced:
            return step_id[:1] == "~" or self.holds(item.run_id, item.sequence)
        return not step_id or step_id in self.ids

    def holds_id(self, step_id: object) -> bool | None:
        """Whether one of these rows has this id; None: perhaps (a stand-in id)."""
        if self.sequenced:
            return None if isinstance(step_id, str) and step_id[:1] == "~" else False
        return step_id in self.ids


def _insort(keys: list[Key], key: Key) -> int:
    if not keys or keys[-1] < key:
        keys.append(key)
        return len(keys) - 1
    index = bisect_left(keys, key)
    keys.insert(index, key)
    return index


def _discard(keys: list[Key], key: Key) -> None:
    index = bisect_left(keys, key)
    if index < len(keys) and keys[index] == key:
        del keys[index]


class _Rows:
    """Sorted rows: keys and items side by side, plus the keys of flagged rows.

    The error rows are indexed on first use ("next error"), not on load: finding
    them reads the content of result and completion steps."""

    __slots__ = ("_entries", "_errors", "items", "keys", "tasks")

    def __init__(self, entries: dict[str, _Entry]) -> None:
        self._entries = entries  # the timeline's entries by step id (key[2])
        self.keys: list[Key] = []
        self.items: list[ConversationItem] = []
        self._errors: list[Key] | None = None  # built on first use (see errors)
        self.tasks: list[Key] = []

    @property
    def errors(self) -> list[Key]:
        if self._errors is None:
            entries = self._entries
            self._errors = [key for key in self.keys if entries[key[2]].error]
        return self._errors

    def index(self, key: Key) -> int | None:
        index = bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            return index
        return None

    def insert(self, entry: _Entry) -> None:
        index = _insort(self.keys, entry.key)
        self.items.insert(index, entry.item)
        if self._errors is not None and entry.error:
            _insort(self._errors, entry.key)
        if entry.task:
            _insort(self.tasks, entry.key)

    def remove(self, entry: _Entry) -> None:
        index = self.index(entry.key)
        if index is not None:
            del self.keys[index]
            del self.items[index]
        if self._errors is not None and entry.error:
            _discard(self._errors, entry.key)
        if entry.task:
            _discard(self.tasks, entry.key)

    def replace(self, old: _Entry, new: _Entry) -> None:
        """Same key: swap the item in place and fix the flags."""
        index = self.index(new.key)
        if index is None:
            self.insert(new)
            return
        self.items[index] = new.item
        if self._errors is not None and old.error != new.error:
            (_insort if new.error else _discard)(self._errors, new.key)
        if old.task != new.task:
            (_insort if new.task else _discard)(self.tasks, new.key)

    def fill(self, entries: list[_Entry]) -> None:
        """Replace everything with ``entries`` (already sorted by key)."""
        self.keys = [entry.key for entry in entries]
        self.items = [entry.item for entry in entries]
        self._errors = None
        self.tasks = [entry.key for entry in entries if entry.task]


def _add_row(rows: _Rows, entry: _Entry) -> None:
    """``rows.insert(entry)``, with the usual case (past the last row) short."""
    key = entry.key
    keys = rows.keys
    if keys and keys[-1] >= key:
        rows.insert(entry)
        return
    keys.append(key)
    rows.items.append(entry.item)
    if entry.task:
        rows.tasks.append(key)
    if rows._errors is not None and entry.error:
        rows._errors.append(key)


class TimelineView:
    """Rows of the timeline (all of them, or one run's), kept live as steps arrive."""

    def __init__(self, timeline: Timeline, rows: _Rows) -> None:
        # The timeline is its own whole view: it keeps None here rather than a
        # reference to itself, so no cycle holds a session's rows (a cycle is freed
        # only by the collector, which never looks at gc.freeze()-d objects).
        self._parent = None if timeline is self else timeline
        self._rows = rows

    @property
    def _timeline(self) -> Timeline:
        return self._parent if self._parent is not None else self  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self._rows.keys)

    @overload
    def __getitem__(self, index: int) -> ConversationItem: ...
    @overload
    def __getitem__(self, index: slice) -> list[ConversationItem]: ...
    def __getitem__(self, index: int | slice) -> ConversationItem | list[ConversationItem]:
        return self._rows.items[index]

    def __iter__(self) -> Iterator[ConversationItem]:
        return iter(list(self._rows.items))

    def items(self) -> list[ConversationItem]:
        """A copy of the rows, in order."""
        return list(self._rows.items)

    def is_provisional(self, index: int) -> bool:
        """The row is a live step placed after the known ones until its ordinal comes."""
        return self._rows.keys[index][0] == _LIVE

    def summary(self, index: int) -> str:
        """The row's one-line summary (computed once per step version, then cached)."""
        return self._timeline._summary(self._rows.items[index])

    def index_of_id(self, step_id: str) -> int | None:
        entry = self._timeline._entries.get(step_id)
        return None if entry is None else self._rows.index(entry.key)

    def index_of_run(self, run_id: str | None) -> int | None:
        """The first row of a run (None when it has none here)."""
        run_rows = self._timeline._runs.get(run_id)
        if run_rows is None or not run_rows.keys:
            return None
        return self._rows.index(run_rows.keys[0])

    def _order(self, start: int, backwards: bool, wrap: bool) -> Iterable[int]:
        count = len(self)
        if count == 0:
            return ()
        start = min(max(start, 0), count - 1)
        if backwards:
            first = range(start, -1, -1)
            return (*first, *range(count - 1, start, -1)) if wrap else first
        first = range(start, count)
        return (*first, *range(start)) if wrap else first

    def find(self, text: str, start: int = 0, backwards: bool = False, *, wrap: bool = True) -> int | None:
        """The first row at or after ``start`` (at or before, backwards) whose
        type, summary or content preview holds ``text``, case-insensitively.
        Wraps around once unless ``wrap=False``. None when nothing matches."""
        needle = text.casefold()
        if not needle:
            return None
        haystack = self._timeline._haystack
        items = self._rows.items
        for index in self._order(start, backwards, wrap):
            if needle in haystack(items[index]):
                return index
        return None

    def next_index(
        self,
        kind: JumpKind | Callable[[ConversationItem], bool],
        start: int = 0,
        backwards: bool = False,
        *,
        wrap: bool = True,
    ) -> int | None:
        """The first row at or after ``start`` (at or before, backwards) of a kind:

        - ``"waiting"``: a ``UserTaskReq`` that is pending (its ``user_task_id``
          is in ``Timeline.pending_task_ids``; any ``UserTaskReq`` while that
          is None);
        - ``"task"``: any ``UserTaskReq``;
        - ``"error"``: a step error, an unsuccessful ``ToolResult`` or a failed
          ``RunCompleted`` / ``SessionCompleted``;
        - a callable: rows it accepts (a linear walk).

        Wraps around once unless ``wrap=False``.
        """
        if callable(kind):
            items = self._rows.items
            for index in self._order(start, backwards, wrap):
                if kind(items[index]):
                    return index
            return None
        count = len(self)
        if count == 0:
            return None
        start = min(max(start, 0), count - 1)
        if kind == "error":
            self._timeline._entries  # noqa: B018 - made, if a fresh load left them: the flags are theirs
        flagged = self._rows.errors if kind == "error" else self._rows.tasks
        if not flagged:
            return None
        accept: Callable[[ConversationItem], bool] | None = None
        pending = self._timeline.pending_task_ids
        if kind == "waiting" and pending is not None:

            def accept(item: ConversationItem) -> bool:
                task_id = user_task_id_of(item)
                return task_id is not None and task_id in pending

        pivot = self._rows.keys[start]
        if backwards:
            split = bisect_right(flagged, pivot)
            order = [*range(split - 1, -1, -1), *(range(len(flagged) - 1, split - 1, -1) if wrap else ())]
        else:
            split = bisect_left(flagged, pivot)
            order = [*range(split, len(flagged)), *(range(split) if wrap else ())]
        for position in order:
            found = self._rows.index(flagged[position])
            if found is None:
                continue
            if accept is None or accept(self._rows.items[found]):
                return found
        return None


class Timeline(TimelineView):
    """The session's steps in ``ordinal`` order, one row per step id."""

    def __init__(self, items: Iterable[ConversationItem] = ()) -> None:
        # By step id (``_entries``) and by run (``_runs``): made late after a fresh load.
        self._entry_map: dict[str, _Entry] = {}
        self._run_map: dict[str | None, _Rows] = {}
        self._unmade: _Unmade | None = None
        # (run id, sequence) -> step id, to match a live step that came without an id.
        # Built when the first such step comes (most sessions never see one), then kept.
        self._by_sequence: dict[tuple[str, int], str] | None = None
        # Live rows whose entries and sequence keys are still to make (``_Live``).
        self._live: _Live | None = None
        self._arrivals = 0
        self._anonymous = 0
        self._anonymous_ids: set[str] = set()
        self._summaries: dict[str, str] = {}
        self._haystacks: dict[str, str] = {}
        self.version = 0
        """Goes up on every change: a cheap "redraw?" check for the UI."""
        self.pending_task_ids: set[str] | None = None
        """Pending task ids (from ``TaskBook.pending_ids()``) for ``next_index("waiting")``."""
        super().__init__(self, _Rows(self._entry_map))
        if items:
            self.merge(items)

    @property
    def _entries(self) -> dict[str, _Entry]:
        """The entries by step id (the rows hold this dict too), every row's."""
        if self._live is not None:
            self._make_live()
        return self._made_entries()

    def _made_entries(self) -> dict[str, _Entry]:
        """The entries by step id, but for the live rows still to make (``_live``)."""
        unmade = self._unmade
        if unmade is not None and unmade.entries:
            unmade.entries = False
            unmade.ids = None  # the entries answer that now
            made = map(_made_entry, unmade.keys, unmade.items, unmade.tasks)
            self._entry_map.update(zip(map(_KEY_ID, unmade.keys), made, strict=True))
            self._forget_unmade(unmade)
        return self._entry_map

    @property
    def _runs(self) -> dict[str | None, _Rows]:
        """Each run's rows, by run id."""
        unmade = self._unmade
        if unmade is not None and unmade.runs:
            unmade.runs = False
            per_run: dict[str | None, _Rows] = {}
            for key, item, task in zip(unmade.keys, unmade.items, unmade.tasks, strict=True):
                rows = per_run.get(item.run_id)
                if rows is None:
                    rows = per_run[item.run_id] = _Rows(self._entry_map)
                rows.keys.append(key)
                rows.items.append(item)
                if task:
                    rows.tasks.append(key)
            for run_id, rows in self._run_map.items():  # keep the objects: views hold them
                made = per_run.pop(run_id, None)
                if made is not None:
                    rows.keys, rows.items, rows.tasks, rows._errors = made.keys, made.items, made.tasks, None
            self._run_map.update(per_run)
            self._forget_unmade(unmade)
        return self._run_map

    def _forget_unmade(self, unmade: _Unmade) -> None:
        if not unmade.entries and not unmade.runs:
            self._unmade = None

    # -- reading --------------------------------------------------------------------

    def get(self, step_id: str) -> ConversationItem | None:
        entry = self._entries.get(step_id)
        return None if entry is None else entry.item

    def __contains__(self, step_id: object) -> bool:
        live = self._live
        if live is not None:
            held = live.holds_id(step_id)
            if held:
                return True
            if held is None:
                self._make_live()
        return step_id in self._made_entries()

    def holds_sequence(self, run_id: str, sequence: int) -> bool:
        """A row holds this run's step of this sequence (how a step without an id is matched)."""
        live = self._live
        if live is not None and live.sequenced and live.holds(run_id, sequence):
            return True
        return (run_id, sequence) in self._sequence_map()

    def _count(self) -> int:
        """How many entries there are (made or not)."""
        live = self._live
        return len(self._made_entries()) + (len(live.keys) if live is not None else 0)

    def filter_run(self, run_id: str | None) -> TimelineView:
        """A live view of one run's rows; ``None`` gives the whole timeline."""
        if run_id is None:
            return self
        return TimelineView(self, self._runs.setdefault(run_id, _Rows(self._entry_map)))

    def run_ids(self) -> list[str | None]:
        """Runs that have rows, in the order of their first row."""
        firsts = [(rows.keys[0], run_id) for run_id, rows in self._runs.items() if rows.keys]
        return [run_id for _, run_id in sorted(firsts, key=lambda pair: pair[0])]

    @property
    def provisional_count(self) -> int:
        """Rows placed provisionally (live steps still without an ordinal)."""
        return len(self._rows.keys) - bisect_left(self._rows.keys, (_LIVE, -1, ""))

    def _summary(self, item: ConversationItem) -> str:
        cached = self._summaries.get(item.id)
        if cached is None:
            cached = summarize(item)
            self._summaries[item.id] = cached
        return cached

    def _haystack(self, item: ConversationItem) -> str:
        cached = self._haystacks.get(item.id)
        if cached is None:
            content = item.content
            preview = (
                one_line(content, _SEARCH_PREVIEW)
                if isinstance(content, str)
                else preview_json(content, _SEARCH_PREVIEW)
            )
            cached = f"{item.type}\n{self._summary(item)}\n{preview}".casefold()
            self._haystacks[item.id] = cached
        return cached

    # -- writing --------------------------------------------------------------------

    def load(self, conversation: Conversation) -> Change:
        """Merge a full ``/conversation`` back-fill (a snapshot)."""
        return self.merge(conversation.items, snapshot=True)

    def add(self, item: ConversationItem) -> Change:
        """Add or update one step."""
        return self.merge((item,))

    def add_live_step(self, event: RunEvent) -> Change:
        """Add the step a ``step`` event carries (nothing when it carries none)."""
        item = step_from_event(event)
        if item is None:
            return Change()
        return self.merge((item,))

    def merge(
        self, items: Iterable[ConversationItem], *, snapshot: bool = False, read: StepBatch | None = None
    ) -> Change:
        """Add steps in any order, with repeats and overlaps.

        ``snapshot=True`` says the items are a whole ``/conversation``: live
        rows that came without any id are then dropped, as the snapshot holds
        them under their real ids.
        """
        batch = list(items)
        unmade = self._unmade
        if unmade is not None and unmade.entries and unmade.runs and not snapshot:
            more = self._load_more(batch, unmade)  # before ``_entries``: it would make them all
            if more is not None:
                return more
        if len(batch) > _REBUILD_AT and self._live is None and not self._made_entries():
            loaded = self._load_fresh(batch)
            if loaded is not None:
                return loaded
        touched: list[Key] = []
        added = replaced = removed = 0
        if not snapshot and len(batch) >= _BULK_AT and self._add_bulk(
            StepBatch(batch) if read is None or read.items is not items or len(read.ids) != len(batch) else read,
            batch,
            touched,
        ):
            added, batch = len(batch), []
        elif not snapshot:
            # The quick path for what it takes, one step by the general path when it stops,
            # and back (a later version in a stream of new steps leaves the rest quick),
            # until what is left is big enough for one rebuild.
            start = 0
            while True:
                start += (quick := self._add_new(batch, touched, start))
                added += quick
                left = len(batch) - start
                if not left or (left > _REBUILD_AT and left * 4 > self._count()):
                    break
                one = self._merge_one(batch[start], touched, rebuild=False)
                added, replaced, removed = added + one[0], replaced + one[1], removed + one[2]
                start += 1
            if start:
                batch = batch[start:]
        rebuild = len(batch) > _REBUILD_AT and len(batch) * 4 > self._count()
        for item in batch:
            one = self._merge_one(item, touched, rebuild=rebuild)
            added, replaced, removed = added + one[0], replaced + one[1], removed + one[2]
        if snapshot:
            for step_id in list(self._anonymous_ids):
                gone = self._forget(step_id)
                removed += 1
                touched.append(gone.key)
                if not rebuild:
                    self._unplace(gone)
        if rebuild and (added or replaced or removed):
            self._rebuild()
        if not (added or replaced or removed):
            return Change()
        self.version += 1
        first = bisect_left(self._rows.keys, min(touched)) if touched else None
        return Change(added=added, replaced=replaced, removed=removed, first_index=first)

    def _merge_one(
        self, item: ConversationItem, touched: list[Key], *, rebuild: bool
    ) -> tuple[int, int, int]:
        """One step by the general path: (added, replaced, removed). With ``rebuild`` the
        id maps are updated and the rows are left for one ``_rebuild``."""
        old, new, dropped = self._resolve(item)
        for gone in dropped:
            touched.append(gone.key)
            if not rebuild:
                self._unplace(gone)
        if new is None:
            return 0, 0, len(dropped)  # an exact repeat
        if old is not None:
            touched.append(old.key)
        touched.append(new.key)
        if not rebuild:
            self._place(old, new)
        return int(old is None), int(old is not None), len(dropped)

    def _add_new(self, batch: list[ConversationItem], touched: list[Key], start: int = 0) -> int:
        """The live common case made cheap: steps new to the timeline and no stand-in to
        reconcile, placed by their key: appended when past every row, as live steps
        nearly always are, else inserted (a back-fill's completion rows may already sit
        at the end). A step with an id needs its ordinal here; one without an id (the
        docs promise none on stream events) gets the stand-in id the general path would
        give it (``~seq:`` for a new run and sequence, ``~live:`` without them) and, with
        no ordinal, the next arrival. Stops at the first step that is anything else: the
        general path takes it from there, so the batch's order is kept. Returns how
        many it added."""
        entries = self._made_entries()
        by_sequence = self._by_sequence
        # Live rows still to make (``_Live``): a step that may be one of them takes the
        # general path (which makes them); the others need only the maps as they are.
        live = self._live
        rows = self._rows
        runs = self._runs
        first: Key | None = None
        count = 0
        for item in islice(batch, start, None):
            step_id = item.id
            ordinal = item.ordinal
            run_id = item.run_id
            sequence = item.sequence
            if not step_id:
                if run_id is not None and sequence is not None:
                    if by_sequence is None:
                        by_sequence = self._sequence_map()  # (made of every row)
                        live = self._live
                    sequence_key = (run_id, sequence)
                    if sequence_key in by_sequence or (live is not None and live.holds(run_id, sequence)):
                        break  # a later version of a step we hold: the general path
                    step_id = f"~seq:{run_id}#{sequence}"
                    if step_id in entries:
                        break
                    by_sequence[sequence_key] = step_id
                else:
                    step_id = f"~live:{self._anonymous + 1}"
                    if step_id in entries:
                        break
                    self._anonymous += 1
                    self._anonymous_ids.add(step_id)
                # No cached summary to drop: an id has one only while the timeline holds it.
                item = item.model_copy(update={"id": step_id})  # noqa: PLW2901 (the row is the copy)
                if ordinal > 0:
                    key: Key = (_KNOWN, ordinal, step_id)
                else:
                    self._arrivals += 1
                    key = (_LIVE, self._arrivals, step_id)
            else:
                if ordinal <= 0 or step_id in entries or step_id[0] == "~":
                    break
                if live is not None and (live.holds_id(step_id) or live.holds(run_id, sequence)):
                    break
                if by_sequence is not None and run_id is not None and sequence is not None:
                    sequence_key = (run_id, sequence)
                    if sequence_key in by_sequence:
                        break  # a stand-in or an earlier step to reconcile: the general path
                    by_sequence[sequence_key] = step_id
                key = (_KNOWN, ordinal, step_id)
            entry = _Entry(key, item)
            entries[step_id] = entry
            run_rows = runs.get(run_id)
            if run_rows is None:
                run_rows = runs[run_id] = _Rows(entries)
            for to in (rows, run_rows):  # _add_row(to, entry), inline: thousands a second
                keys = to.keys
                if (keys and keys[-1] >= key) or entry.task or to._errors is not None:
                    _add_row(to, entry)
                else:
                    keys.append(key)
                    to.items.append(item)
            if first is None or key < first:
                first = key
            count += 1
        if first is not None:
            touched.append(first)
        return count

    def _add_bulk(self, read: StepBatch, batch: list[ConversationItem], touched: list[Key]) -> bool:
        """A busy stream's usual batch in one go: steps of one run, new to the timeline,
        none a task, none with an error index to keep, that all land past every row, either
        all with an id and increasing ordinals, or all without an id, with a sequence and
        no ordinal (the docs' shape: each gets the ``~seq:`` stand-in id and the next
        arrival, as ``_add_new`` gives them). The same rows ``_add_new`` would make, put
        in the rows by the list at once rather than a step at a time; their entries (and
        sequence keys) are made when first looked up (``_Live``), unless a map of sequence
        keys of rows with ids must be kept now. False (nothing changed) when the batch is
        anything else: the per-step paths take it."""
        rows = self._rows
        if rows._errors is not None:
            return False
        runs = read.runs
        if len(runs) != 1:
            return False
        (run_id,) = runs
        run_rows = self._runs.get(run_id)
        if run_rows is not None and run_rows._errors is not None:
            return False
        if read.has_task_type:
            return False
        kinds = read.kinds
        give_ids = getattr(next(iter(kinds)), "give_ids", None) if len(kinds) == 1 else None
        entries = self._made_entries()  # not the live rows' (still to make: see the checks)
        live = self._live
        count = len(batch)
        step_ids = read.ids
        sequences: list[int] = list(map(_SEQUENCES, batch))  # (None checked for below)
        ordinals = read.ordinals
        by_sequence = self._by_sequence
        sequence_keys: list[tuple[str, int]] | None = None
        new_ids: set[str] | None = None
        ids_to: Callable[[list[ConversationItem], list[str]], list[ConversationItem]] | None = None
        if not any(step_ids):
            if run_id is None or None in sequences or max(ordinals) > 0 or give_ids is None:
                return False
            if by_sequence is None or (live is not None and not live.sequenced):
                self._make_live()
                by_sequence = self._sequence_map()
                live = None
            # In increasing order (so no repeat), past the run's live rows still to make (so
            # none of theirs): else those are made, and the batch checked against every row.
            increasing = all(map(lt, sequences, islice(sequences, 1, None)))
            held = live.sequences.get(run_id) if live is not None else None
            last = held[-1] if held else None
            if last is not None and (not increasing or sequences[0] <= last):
                self._make_live()
                live = None
            if (not increasing and len(set(sequences)) != count) or (
                by_sequence and not by_sequence.keys().isdisjoint(zip(repeat(run_id), sequences))
            ):
                return False
            prefix = f"~seq:{run_id}#"
            step_ids = list(map(prefix.__add__, map(str, sequences)))
            arrival = self._arrivals
            keys: list[Key] = list(zip(repeat(_LIVE), range(arrival + 1, arrival + count + 1), step_ids))
            ids_to = give_ids  # given below, once every check has passed
            # One stand-in id per run and sequence: none repeats a live row's (by sequence).
            if not entries.keys().isdisjoint(step_ids):
                return False
        elif all(step_ids):
            if min(ordinals) <= 0 or "~" in set(map(_FIRST_CHAR, step_ids)):
                return False
            if not all(map(lt, ordinals, islice(ordinals, 1, None))):
                return False  # not in order (or a repeat of an ordinal): placed one by one
            if by_sequence is not None:  # its sequence keys are kept now, with the entries
                if run_id is None or None in sequences:
                    return False
                self._make_live()
                live = None
                sequence_keys = list(zip(repeat(run_id), sequences))
                if len(set(sequences)) != count or not by_sequence.keys().isdisjoint(sequence_keys):
                    return False
            new_ids = set(step_ids)
            if (
                len(new_ids) != count
                or not entries.keys().isdisjoint(new_ids)
                or (live is not None and not live.ids.isdisjoint(new_ids))
            ):
                return False
            keys = list(zip(repeat(_KNOWN), ordinals, step_ids))
        else:
            return False
        first = keys[0]
        for to in (rows, run_rows):
            if to is not None and to.keys and to.keys[-1] >= first:
                return False
        # Every check passed: from here on the batch goes in whole.
        items = batch
        if ids_to is not None:
            items = ids_to(batch, step_ids)  # the rows are the steps, given their stand-in ids in place
            self._arrivals += count
        if sequence_keys is not None:
            assert by_sequence is not None
            by_sequence.update(zip(sequence_keys, step_ids, strict=True))
            entries.update(zip(step_ids, map(_Entry, keys, items, repeat(False)), strict=True))
        else:
            if live is None:
                live = self._live = _Live(sequenced=new_ids is None)
            live.keys.extend(keys)
            live.items.extend(items)
            if new_ids is None:
                held = live.sequences.get(run_id)
                if held is None:
                    held = live.sequences[run_id] = []
                held.extend(sequences if increasing else sorted(sequences))
            else:
                live.ids |= new_ids
        if run_rows is None:
            run_rows = self._runs[run_id] = _Rows(entries)
        for to in (rows, run_rows):
            to.keys.extend(keys)
            to.items.extend(items)
        touched.append(first)
        return True

    def _make_live(self) -> None:
        """The entries (and sequence keys) of the live rows a bulk add left to make."""
        live, self._live = self._live, None
        if live is None:
            return
        keys, items = live.keys, live.items
        step_ids = list(map(_KEY_ID, keys))
        self._made_entries().update(zip(step_ids, map(_Entry, keys, items, repeat(False)), strict=True))
        by_sequence = self._by_sequence
        if live.sequenced and by_sequence is not None:  # (else built from the entries when needed)
            sequence_keys = zip(map(_GET_RUN_ID, items), map(_SEQUENCES, items), strict=True)
            by_sequence.update(zip(sequence_keys, step_ids, strict=True))

    def _sequence_map(self) -> dict[tuple[str, int], str]:
        """The step ids by run and sequence: of every row when built now; an id-less live
        row still to make (``_Live.sequenced``) is not in it (``_Live.holds`` answers)."""
        if self._by_sequence is None:
            if self._live is not None:
                self._make_live()
            self._by_sequence = {
                (entry.item.run_id, entry.item.sequence): step_id
                for step_id, entry in self._entries.items()
                if entry.item.run_id is not None and entry.item.sequence is not None
            }
        return self._by_sequence

    def _resolve(self, item: ConversationItem) -> tuple[_Entry | None, _Entry | None, list[_Entry]]:
        """Decide what ``item`` becomes; update the id maps (not the rows).
        Returns the entry it replaces, the new entry (None when the item repeats
        the known version exactly) and stand-in entries it makes obsolete."""
        live = self._live
        if live is not None and live.may_hold(item):
            self._make_live()  # else the maps without those rows answer for it
        entries = self._made_entries()
        dropped: list[_Entry] = []
        sequence_key = (
            (item.run_id, item.sequence) if item.run_id is not None and item.sequence is not None else None
        )
        if not item.id:
            known_id = self._sequence_map().get(sequence_key) if sequence_key else None
            if known_id is None:
                if sequence_key is not None:
                    known_id = f"~seq:{item.run_id}#{item.sequence}"
                else:
                    self._anonymous += 1
                    known_id = f"~live:{self._anonymous}"
                    self._anonymous_ids.add(known_id)
            item = item.model_copy(update={"id": known_id})
        elif sequence_key is not None:
            stand_in = self._by_sequence.get(sequence_key) if self._by_sequence is not None else None
            if stand_in is not None and stand_in != item.id and stand_in.startswith("~seq:"):
                dropped.append(self._forget(stand_in))
        old = entries.get(item.id)
        if old is not None:
            update = {
                name: getattr(old.item, name)
                for name in _MERGED_FIELDS
                if getattr(item, name) is None and getattr(old.item, name) is not None
            }
            if not item.type and old.item.type:
                update["type"] = old.item.type
            if not has_ordinal(item) and has_ordinal(old.item):
                update["ordinal"] = old.item.ordinal
            if update:
                item = item.model_copy(update=update)
        if has_ordinal(item):
            key: Key = (_KNOWN, item.ordinal, item.id)
        elif old is not None:
            key = old.key
        else:
            self._arrivals += 1
            key = (_LIVE, self._arrivals, item.id)
        if old is not None and old.key == key and not dropped and old.item == item:
            return old, None, dropped
        new = _Entry(key, item)
        entries[item.id] = new
        by_sequence = self._by_sequence
        if sequence_key is not None and by_sequence is not None:
            by_sequence[sequence_key] = item.id
        if (
            old is not None
            and by_sequence is not None
            and old.item.run_id is not None
            and old.item.sequence is not None
            and (old.item.run_id, old.item.sequence) != sequence_key
        ):
            by_sequence.pop((old.item.run_id, old.item.sequence), None)
        self._summaries.pop(item.id, None)
        self._haystacks.pop(item.id, None)
        return old, new, dropped

    def _forget(self, step_id: str) -> _Entry:
        entry = self._made_entries().pop(step_id)  # (never one of the live rows still to make)
        self._anonymous_ids.discard(step_id)
        item = entry.item
        by_sequence = self._by_sequence
        if (
            item.run_id is not None
            and item.sequence is not None
            and by_sequence is not None
            and by_sequence.get((item.run_id, item.sequence)) == step_id
        ):
            del by_sequence[(item.run_id, item.sequence)]
        self._summaries.pop(step_id, None)
        self._haystacks.pop(step_id, None)
        return entry

    def _place(self, old: _Entry | None, new: _Entry) -> None:
        run_rows = self._runs.setdefault(new.item.run_id, _Rows(self._entry_map))
        if old is not None and old.key == new.key:
            self._rows.replace(old, new)
            if old.item.run_id == new.item.run_id:
                run_rows.replace(old, new)
                return
            self._runs[old.item.run_id].remove(old)
            run_rows.insert(new)
            return
        if old is not None:
            self._unplace(old)
        self._rows.insert(new)
        run_rows.insert(new)

    def _unplace(self, entry: _Entry) -> None:
        self._rows.remove(entry)
        run_rows = self._runs.get(entry.item.run_id)
        if run_rows is not None:
            run_rows.remove(entry)

    def _load_fresh(self, batch: list[ConversationItem]) -> Change | None:
        """The first load of a big conversation, the common case made cheap: every
        step has its id and ordinal, once. Anything else (None) takes the general
        path, and nothing has been changed. Rows in order of ordinal (as the API sends
        them) are the batch as it is, and their entries and the runs' rows are made
        when first needed, not before the first frame (50,000 entries were most of the
        load); else the entries now and one sort."""
        step_ids = list(map(_IDS, batch))
        ordinals = list(map(_ORDINALS, batch))
        if not all(step_ids) or min(ordinals) <= 0 or "~" in set(map(_FIRST_CHAR, step_ids)):
            return None  # no id, no ordinal, or a stand-in id
        if len(set(step_ids)) != len(step_ids):
            return None  # a step twice: the general path keeps the later version
        keys: list[Key] = list(zip(repeat(_KNOWN), ordinals, step_ids))
        types = list(map(_TYPES, batch))
        one_of_each = dict(zip(types, batch, strict=True))  # the answer is the same for every step of a type
        raises = {type_: is_user_task_req(item) for type_, item in one_of_each.items()}
        tasks = list(map(raises.__getitem__, types))
        self._by_sequence = None  # built again if ever needed
        self.version += 1
        if all(map(lt, ordinals, islice(ordinals, 1, None))):
            rows = self._rows
            rows.keys, rows.items, rows._errors, rows.tasks = list(keys), list(batch), None, list(compress(keys, tasks))
            self._unmade = _Unmade(keys, batch, tasks)  # its own lists: the rows' change
            if self._run_map:
                self._runs  # noqa: B018 - views of runs are held: their rows now
        else:
            self._entry_map.update(zip(step_ids, map(_made_entry, keys, batch, tasks), strict=True))
            self._rebuild()
        return Change(added=len(step_ids), first_index=0)

    def _load_more(self, batch: list[ConversationItem], unmade: _Unmade) -> Change | None:
        """More rows of a conversation read in parts, after its fresh load and before
        anything needed its entries: taken as the fresh load takes its rows, when they
        continue it (every step with its id, once, in order of ordinal past the last row),
        their entries made with the others when first needed. Step by step (``_add_new``)
        they were most of a 200,000-step open: each part after the first frame made its
        entries one at a time. None: the general path, nothing changed."""
        rows = self._rows
        if not batch or rows._errors is not None or self._by_sequence is not None:
            return None
        step_ids = list(map(_IDS, batch))
        ordinals = list(map(_ORDINALS, batch))
        if not all(step_ids) or "~" in set(map(_FIRST_CHAR, step_ids)):
            return None  # no id, or a stand-in id
        last = rows.keys[-1][1] if rows.keys else 0
        if ordinals[0] <= last or not all(map(lt, ordinals, islice(ordinals, 1, None))):
            return None  # not past the last row, or not in order
        held = unmade.ids
        if held is None:
            held = unmade.ids = set(map(_KEY_ID, unmade.keys))
        new = set(step_ids)
        if len(new) != len(step_ids) or not held.isdisjoint(new):
            return None  # a step twice, or a later version of one held: the general path
        held |= new
        keys: list[Key] = list(zip(repeat(_KNOWN), ordinals, step_ids))
        types = list(map(_TYPES, batch))
        raises = {type_: is_task_type(type_) for type_ in set(types)}  # is_user_task_req, by type
        tasks = list(map(raises.__getitem__, types))
        first = len(rows.keys)
        rows.keys.extend(keys)
        rows.items.extend(batch)
        rows.tasks.extend(compress(keys, tasks))
        unmade.keys.extend(keys)
        unmade.items.extend(batch)
        unmade.tasks.extend(tasks)
        self.version += 1
        return Change(added=len(keys), first_index=first)

    def _rebuild(self) -> None:
        entries = sorted(self._entries.values(), key=lambda entry: entry.key)
        self._rows.fill(entries)
        per_run: dict[str | None, list[_Entry]] = {}
        for entry in entries:
            per_run.setdefault(entry.item.run_id, []).append(entry)
        for run_id, rows in self._runs.items():  # keep the objects: views hold them
            rows.fill(per_run.pop(run_id, []))
        for run_id, run_entries in per_run.items():
            rows = _Rows(self._entry_map)
            rows.fill(run_entries)
            self._runs[run_id] = rows
