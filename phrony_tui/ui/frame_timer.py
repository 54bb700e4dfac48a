"""The main screen's frame timer: a frame as soon as something is dirty, at most one per
period, the period counted from the last frame.

Textual's screen update timer ticks on a fixed grid (``start + n * period``). After a frame
longer than the period (a busy stream's redraw: 15-30 ms) it skips to the grid's *next but
one* point, and a paused timer sleeps to its grid point before it looks whether it was
resumed: a key handled just after such a frame waited 13-30 ms for its own (measured with
``tests/benchmarks/inproc.py --trace``), half the key-to-frame budget. The rate is the
same (``constants.MAX_FPS``); only the wait for a frame that is due goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import _time
from textual.timer import EventTargetGone, Timer


class FrameTimer(Timer):
    async def _run(self) -> None:
        interval = self._interval
        await self._active.wait()
        last: float | None = None
        count = 0
        while self._repeat is None or count <= self._repeat:
            if last is not None:
                wait = last + interval - _time.get_time()
                if wait > 0:
                    await _time.sleep(wait)
            await self._active.wait()
            self._reset = False  # a reset means "from now on": what this timer does anyway
            last = _time.get_time()
            count += 1
            try:
                await self._tick(next_timer=last, count=count)
            except EventTargetGone:
                break


def frame_timer(screen: Any, period: float, callback: Callable[[], object]) -> FrameTimer:
    """Started, paused, registered with ``screen`` (what ``set_interval`` does for its own)."""
    timer = FrameTimer(screen, period, name="screen_update", callback=callback, pause=True)
    timer._start()
    screen._timers.add(timer)
    return timer
