"""The run tree of a session, built from each run's ``parentRunId``.

Tolerant of what the server sends: a run whose parent is not in the list (an
orphan) becomes an extra root, marked ``orphan``; runs that form a parent
cycle (no root above them) are cut at their earliest run, which becomes a
root marked ``cycle``; a repeated run id keeps its last version. Children are
sorted by ``startedAt`` then id. Depth for drawing comes from the tree; the
server's ``depth`` is kept on the run for display, and ``RunRow.server_depth``
says whether it was sent. Every walk is iterative: a 10,000-deep chain costs
no recursion.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from phrony_tui.core.format import parse_ts as parse_timestamp
from phrony_tui.core.status import is_live, is_waiting

if TYPE_CHECKING:
    from phrony_tui.client.models import Run

__all__ = [
    "RunRow",
    "RunTree",
    "run_duration",
]


@dataclass(frozen=True, slots=True)
class RunRow:
    """One line of the drawn tree (pre-order)."""

    run: Run
    depth: int  # from the tree: use it to indent
    is_last: bool  # the last child of its parent (or the last root)
    guides: tuple[bool, ...]  # per ancestor level: does a sibling follow there ("│" vs " ")
    orphan: bool = False  # parentRunId names a run that is not in the session
    cycle: bool = False  # its parentRunId chain loops: drawn as a root
    server_depth: int | None = None  # the depth the server sent, None when it sent none

    @property
    def prefix(self) -> str:
        """Tree guides for a text view: ``"│  ├─ "``; empty for a root."""
        if self.depth == 0:
            return ""
        parts = ["│  " if more else "   " for more in self.guides[1:]]
        parts.append("└─ " if self.is_last else "├─ ")
        return "".join(parts)


def _sort_key(run: Run) -> tuple[bool, float, str]:
    stamp = parse_timestamp(run.started_at)
    return (stamp is None, stamp.timestamp() if stamp else 0.0, run.id)


class RunTree:
    """Runs arranged by parent. Build it again when the runs change (it is cheap)."""

    def __init__(self, runs: Iterable[Run]) -> None:
        by_id: dict[str, Run] = {}
        for run in runs:
            by_id[run.id] = run  # a repeated id: the later version wins
        self._runs = by_id
        self._children: dict[str, list[Run]] = {}
        roots: list[Run] = []
        self._orphans: set[str] = set()
        for run in by_id.values():
            parent = run.parent_run_id
            if not parent:
                roots.append(run)
            elif parent not in by_id:
                self._orphans.add(run.id)
            else:
                self._children.setdefault(parent, []).append(run)
        for children in self._children.values():
            children.sort(key=_sort_key)
        roots.sort(key=_sort_key)
        orphans = sorted((by_id[run_id] for run_id in self._orphans), key=_sort_key)

        self._rows: list[RunRow] = []
        self._depth: dict[str, int] = {}
        self._cycles: set[str] = set()
        tops = roots + orphans
        self._walk(tops, is_orphan=self._orphans)
        # What is left hangs off a parent cycle: cut each loop at its earliest run.
        rest = [run for run in by_id.values() if run.id not in self._depth]
        while rest:
            rest.sort(key=_sort_key)
            cut = rest[0]
            self._cycles.add(cut.id)
            self._walk([cut], is_orphan=set(), last_override=False)
            rest = [run for run in rest if run.id not in self._depth]
        self._fix_last_roots()
        self._roots = [row.run for row in self._rows if row.depth == 0]

    def _walk(self, tops: list[Run], *, is_orphan: set[str], last_override: bool | None = None) -> None:
        # Stack of (run, depth, is_last, guides); children pushed in reverse.
        stack: list[tuple[Run, int, bool, tuple[bool, ...]]] = []
        for index in range(len(tops) - 1, -1, -1):
            last = index == len(tops) - 1 if last_override is None else last_override
            stack.append((tops[index], 0, last, ()))
        while stack:
            run, depth, is_last, guides = stack.pop()
            if run.id in self._depth:
                continue  # already drawn (a cycle back-edge)
            self._depth[run.id] = depth
            self._rows.append(
                RunRow(
                    run=run,
                    depth=depth,
                    is_last=is_last,
                    guides=guides,
                    orphan=run.id in is_orphan,
                    cycle=run.id in self._cycles,
                    server_depth=run.depth if "depth" in run.model_fields_set else None,
                )
            )
            children = [child for child in self._children.get(run.id, ()) if child.id not in self._depth]
            child_guides = (*guides, not is_last)
            for index in range(len(children) - 1, -1, -1):
                stack.append((children[index], depth + 1, index == len(children) - 1, child_guides))

    def _fix_last_roots(self) -> None:
        root_positions = [index for index, row in enumerate(self._rows) if row.depth == 0]
        for position in root_positions:
            row = self._rows[position]
            should = position == root_positions[-1]
            if row.is_last != should:
                self._rows[position] = RunRow(
                    run=row.run,
                    depth=0,
                    is_last=should,
                    guides=(),
                    orphan=row.orphan,
                    cycle=row.cycle,
                    server_depth=row.server_depth,
                )
        # Guides below a root record whether another root follows it.
        if len(root_positions) > 1:
            bounds = [*root_positions, len(self._rows)]
            for number, start in enumerate(root_positions):
                more = number < len(root_positions) - 1
                for index in range(start + 1, bounds[number + 1]):
                    row = self._rows[index]
                    if row.guides and row.guides[0] != more:
                        self._rows[index] = RunRow(
                            run=row.run,
                            depth=row.depth,
                            is_last=row.is_last,
                            guides=(more, *row.guides[1:]),
                            orphan=row.orphan,
                            cycle=row.cycle,
                            server_depth=row.server_depth,
                        )

    # queries

    def __len__(self) -> int:
        return len(self._runs)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._runs

    def __iter__(self) -> Iterator[Run]:
        return (row.run for row in self._rows)

    def get(self, run_id: str | None) -> Run | None:
        return self._runs.get(run_id) if run_id else None

    @property
    def roots(self) -> list[Run]:
        """Top-level runs: true roots first, then orphans and cut cycles."""
        return list(self._roots)

    @property
    def root(self) -> Run | None:
        """The session's root run (the earliest run without a parent), if any."""
        for row in self._rows:
            if row.depth == 0 and not row.orphan and not row.cycle:
                return row.run
        return self._rows[0].run if self._rows else None

    def children(self, run_id: str) -> list[Run]:
        return list(self._children.get(run_id, ()))

    def parent(self, run_id: str) -> Run | None:
        run = self._runs.get(run_id)
        if run is None or not run.parent_run_id or run_id in self._cycles:
            return None
        return self._runs.get(run.parent_run_id)

    def depth(self, run_id: str) -> int | None:
        """Tree depth (0 for tops), None for an unknown run."""
        return self._depth.get(run_id)

    def is_orphan(self, run_id: str) -> bool:
        return run_id in self._orphans

    def rows(self) -> list[RunRow]:
        """Every run once, pre-order, with what drawing needs."""
        return list(self._rows)

    def index_of(self, run_id: str) -> int | None:
        for index, row in enumerate(self._rows):
            if row.run.id == run_id:
                return index
        return None

    def waiting(self) -> list[Run]:
        """Runs paused (``Waiting*``), in tree order."""
        return [row.run for row in self._rows if is_waiting(row.run.status)]

    def needs_attention(self, pending_task_run_ids: Iterable[str | None] = ()) -> list[Run]:
        """Runs that are waiting or hold a pending user task, in tree order."""
        holders = {run_id for run_id in pending_task_run_ids if run_id}
        return [row.run for row in self._rows if is_waiting(row.run.status) or row.run.id in holders]


def run_duration(run: Run, now: datetime | None = None) -> timedelta | None:
    """How long the run took (finished - started); for a live run without an
    end, how long it has been running against ``now``. None when unknown."""
    started = parse_timestamp(run.started_at)
    if started is None:
        return None
    finished = parse_timestamp(run.finished_at)
    if finished is None:
        if now is None or not is_live(run.status):
            return None
        finished = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return max(finished - started, timedelta(0))
