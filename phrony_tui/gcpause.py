"""Pause the cyclic garbage collector around bulk allocations.

Reading a 50,000-step session allocates a few hundred thousand objects and no
cycles; the collector's generation passes triggered meanwhile cost about a third
of the time. Used by the client's lazy decode and core's session build.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Below this many new rows a batch is left to the collector as usual.
FREEZE_AT = 1_000


def freeze_after_bulk(rows: int) -> None:
    """After a bulk build (a big conversation, a burst of live events), move every
    object alive now to the collector's permanent generation (``gc.freeze``).

    The session state is hundreds of thousands of long-lived, acyclic objects;
    without this, each full collection re-scans all of them (measured: 23 full
    collections, up to 0.9 s each, while 20,000 events/s arrive). The cost: cyclic
    garbage alive at that moment is kept; the session's own data has no cycles.
    """
    if rows >= FREEZE_AT:
        gc.freeze()


def tune_for_interactive() -> None:
    """Fewer, cheaper collections for a long-running UI holding a big, acyclic state.

    Young collections every 10,000 allocations instead of 700; a full collection
    is considered 50x less often. Together with ``freeze_after_bulk`` this keeps
    the collector out of frames (measured: full collections of 27 ms while paging
    through 50,000 steps with the defaults)."""
    gc.set_threshold(10_000, 50, 500)


def release_frozen() -> None:
    """A session was closed: its objects are freed already (none sit in a cycle), but
    cyclic garbage that other code left and a freeze caught (Textual's messages, say)
    is only freed by a collection of the unfrozen heap. Cheap at this moment: the
    heap holds no session."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()


YOUNG_ENOUGH = 2_000  # young objects below which a collection is not worth a call


def collect_young() -> None:
    """Collect the youngest generation now, if it holds enough to be worth it. Called
    right after a frame that answered a key: the pass (a few ms when the threshold
    is reached) then runs between frames, not inside the next one."""
    if gc.isenabled() and gc.get_count()[0] >= YOUNG_ENOUGH:
        gc.collect(0)

