"""A timeline search done a slice at a time: the UI scans some rows, draws, reads keys, goes on.

Searching reads each row's search text (its type, summary and a preview of its content:
``Timeline._haystack``, cached per step). The first search of a big session builds all
of them: ~45 µs a row, 2 s for 50,000 rows, ~15 s for 331,000 seen live, far too long
for one turn of the UI's loop. :class:`TimelineSearch` finds the same rows, in row order,
``advance(n)`` rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from phrony_tui.core.timeline import TimelineView


class TimelineSearch:
    """The rows of ``view`` whose search text holds ``text`` (case-insensitively), or that
    belong to one of ``runs`` (the runs of the agents whose name matches). Rows appended
    while it runs are scanned too (it ends at the view's length when it gets there)."""

    __slots__ = ("_needle", "_runs", "found", "scanned", "text", "view")

    def __init__(self, view: TimelineView, text: str, runs: Iterable[str | None] = ()) -> None:
        self.view = view
        self.text = text
        self._needle = text.casefold()
        self._runs = frozenset(runs)
        self.scanned = 0  # rows looked at so far: the next one to look at
        self.found: list[int] = []  # in row order

    @property
    def total(self) -> int:
        return len(self.view)

    @property
    def done(self) -> bool:
        return self.scanned >= len(self.view)

    def advance(self, rows: int) -> bool:
        """Look at the next ``rows`` rows at most; True once every row was looked at."""
        view, needle, runs, found = self.view, self._needle, self._runs, self.found
        start = self.scanned
        stop = min(start + rows, len(view))
        if needle:
            haystack = view._timeline._haystack
            items = view[start:stop]
            for offset, item in enumerate(items):
                if needle in haystack(item) or (runs and item.run_id in runs):
                    found.append(start + offset)
        self.scanned = stop if needle else len(view)
        return self.done
