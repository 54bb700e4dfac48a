"""Input first: what a long job on the UI's event loop awaits between two of its slices.

A key travels to its widget in hops, one turn of the loop each: the terminal's input
thread schedules it (a turn), the coroutine that posts it to the app runs (a turn), the
app takes it from its queue and forwards it to the focused widget (a turn), the widget
runs its binding (a turn). A job that yields a single turn (``asyncio.sleep(0)``) between
its slices lets a key move one hop per slice, so a burst's slices come first and the key
after them. ``yield_to_input`` gives the loop ``TURNS`` turns, and more while a message
waits in the app's, the screen's or the focused widget's queue, up to ``MAX_TURNS`` (a
queue that never empties must not stall the job). Each idle turn costs microseconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

TURNS = 3  # the hops a key takes before it reaches the app's queue, and one more
MAX_TURNS = 24


def _queued(pump: Any) -> bool:
    queue = getattr(pump, "_message_queue", None)  # Textual's MessagePump (internal)
    return queue is not None and not queue.empty()


def input_pending(app: Any) -> bool:
    """A message waits for the app, its screen or the focused widget: a key on its way."""
    try:
        screen = app.screen
    except Exception:  # no screen yet (or the app is closing)
        screen = None
    return _queued(app) or _queued(screen) or _queued(app.focused)


async def yield_to_input(app: Any) -> int:
    """Let a key (or a click) that arrived during the last slice reach its widget and run;
    returns the turns given (for tests)."""
    turns = 0
    while turns < TURNS or (turns < MAX_TURNS and input_pending(app)):
        await asyncio.sleep(0)
        turns += 1
    return turns
