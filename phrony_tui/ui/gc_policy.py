"""The app's garbage-collector policy: one object, owned by the App, that undoes what it did.

A big session is hundreds of thousands of long-lived, acyclic objects. Left to its
defaults the cyclic collector rescans them all (measured: 23 full collections, up
to 0.9 s each, while 20,000 events/s arrive; full collections of 27 ms while
paging through 50,000 steps). So the app, and only the app (the client and core
change nothing process-wide):

- ``pause_start()`` / ``start_done()``: no collection through the start (the imports,
  the App, its first frame: objects that live as long as the process), then those
  frozen (the launcher's: ``entry/launch.py``);
- ``install()``: fewer, cheaper collections for a long-running UI;
- ``paused()``: no collection through a bulk build (a decode, a state build, a
  burst of live events: allocations, no cycles; the passes otherwise cost about a
  third of the time);
- ``freeze_after_bulk(n)``: after such a build, move what is alive to the
  permanent generation, never rescanned;
- ``release_frozen()``: a session closed, collect what a freeze caught;
- ``collect_young()``: the young pass a cursor key makes due, between frames;
- ``restore()``: on exit, put back exactly what it changed (the launcher's policy
  leaves what it froze to the process's end: see the class).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

# Young collections every 10,000 allocations instead of 700; a full collection is
# considered 50x less often.
INTERACTIVE_THRESHOLDS = (10_000, 50, 500)
# Below this many new rows a batch is left to the collector as usual.
FREEZE_AT = 1_000
YOUNG_ENOUGH = 2_000  # young objects below which a collection is not worth a call


class GCPolicy:
    """``unfreeze_on_restore=False``: ``restore`` leaves frozen what it froze, for a
    process that ends with the App (the launcher's): unfreezing would make the
    interpreter's last collection scan and free a big session object by object
    (measured: 0.6-0.8 s more to quit with a 50,000-step session open)."""

    def __init__(self, *, unfreeze_on_restore: bool = True) -> None:
        self.unfreeze_on_restore = unfreeze_on_restore
        self._saved_thresholds: tuple[int, int, int] | None = None
        self._froze = False  # whether a freeze of ours may be in effect
        # Pauses may overlap (the --run prefetch thread and the UI; two awaits of one
        # loop), and need not end in the order they began: the collector is enabled
        # again when the last one ends, and only if it was enabled when the first began.
        self._lock = threading.Lock()
        self._pauses = 0
        self._was_enabled = False
        self._start: AbstractContextManager[None] | None = None  # the start's pause, while open

    # -- the start ---------------------------------------------------------
    def pause_start(self) -> None:
        """No collection from now until ``start_done``: the start allocates (modules,
        classes, styles, widgets) and frees next to nothing, and the collector's passes
        rescan all of it again and again."""
        if self._start is None:
            self._start = self.paused()
            self._start.__enter__()

    def start_done(self) -> None:
        """The first frame is drawn: the collector runs again, and what the start built is
        frozen (``gc.freeze``: never rescanned). Nothing when no start pause is open."""
        start, self._start = self._start, None
        if start is None:
            return
        # Frozen first: enabled first, the next allocation set off a collection of all
        # the start had allocated (tens of milliseconds); the freeze empties the young
        # generation and resets its count.
        gc.freeze()
        self._froze = True
        start.__exit__(None, None, None)

    # -- the whole run -----------------------------------------------------
    def install(self) -> None:
        """The interactive thresholds; the ones in effect before are kept for ``restore``."""
        if self._saved_thresholds is None:
            self._saved_thresholds = gc.get_threshold()
        gc.set_threshold(*INTERACTIVE_THRESHOLDS)

    def restore(self) -> None:
        """Undo what this policy did: the thresholds before ``install``, the collector
        enabled if a pause of ours disabled it, objects a freeze of ours kept unfrozen
        (unless ``unfreeze_on_restore`` is false)."""
        self._start = None
        with self._lock:
            if self._pauses:
                self._pauses = 0
                if self._was_enabled:
                    gc.enable()
        if self._saved_thresholds is not None:
            gc.set_threshold(*self._saved_thresholds)
            self._saved_thresholds = None
        if self._froze and self.unfreeze_on_restore:
            gc.unfreeze()
            self._froze = False

    # -- bulk builds -------------------------------------------------------
    @contextmanager
    def paused(self) -> Iterator[None]:
        """No collection inside (the collector's state before is put back after)."""
        with self._lock:
            if self._pauses == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._pauses += 1
        try:
            yield
        finally:
            with self._lock:
                if self._pauses:  # 0: restore() ran meanwhile and put the collector back
                    self._pauses -= 1
                    if self._pauses == 0 and self._was_enabled:
                        gc.enable()

    def freeze_after_bulk(self, rows: int) -> None:
        """After a bulk build of ``rows`` new rows (a big conversation, a burst of live
        events), move every object alive now to the permanent generation (``gc.freeze``).
        The cost: cyclic garbage alive at that moment is kept; the session's own data
        has no cycles (tested)."""
        if rows >= FREEZE_AT:
            gc.freeze()
            self._froze = True

    def release_frozen(self) -> None:
        """A session was closed: its objects are freed already (none sit in a cycle), but
        cyclic garbage that other code left and a freeze caught (Textual's messages, say)
        is only freed by a collection of the unfrozen heap. Cheap at this moment: the
        heap holds no session."""
        if gc.get_freeze_count():
            gc.unfreeze()
            gc.collect()
        self._froze = False

    # -- frames ------------------------------------------------------------
    def collect_young(self) -> None:
        """Collect the youngest generation now, if it holds enough to be worth it. Called
        right after a frame that answered a key: the pass (a few ms when the threshold
        is reached) then runs between frames, not inside the next one."""
        if gc.isenabled() and gc.get_count()[0] >= YOUNG_ENOUGH:
            gc.collect(0)
