"""Input first: what a long job on the UI's event loop awaits between two of its slices.

A key travels to its widget in hops, one turn of the loop each: the terminal's input
thread schedules it (a turn), the coroutine that posts it to the app runs (a turn), the
app takes it from its queue and forwards it to the focused widget (a turn), the widget
runs its binding (a turn). A job that yields a single turn (``asyncio.sleep(0)``) between
its slices lets a key move one hop per slice, so a burst's slices come first and the key
after them. ``yield_to_input`` turns the loop until ``QUIET_TURNS`` turns in a row showed
no key on its way: posted to the app and not yet forwarded by it (``InputTally``, which the
app keeps: its handling of a key takes turns of its own), or queued for the focused widget
(whose binding then runs within a few turns: five for the timeline's cursor keys in
Textual 8, tests/ui/test_input_first.py counts them); at most ``MAX_TURNS`` (input that
never arrives must not stall the job). An idle turn costs microseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from textual import events
from textual.message import Message

QUIET_TURNS = 8  # a key's hops from the input thread to the app, or from a queue to its action
MAX_TURNS = 48


class InputTally:
    """Input events (keys, clicks) posted to the app, and those its ``on_event`` is done
    with (handled, or forwarded to the focused widget's queue): the app calls ``posted``
    from ``post_message`` and runs its ``on_event`` inside ``taking(event)``."""

    def __init__(self) -> None:
        self.posted_count = 0
        self.reached_count = 0

    def posted(self, message: Message) -> None:
        if isinstance(message, events.InputEvent) and not message.is_forwarded:
            self.posted_count += 1

    @contextmanager
    def taking(self, event: Message) -> Iterator[None]:
        counted = isinstance(event, events.InputEvent) and not event.is_forwarded  # forwarding marks it
        try:
            yield
        finally:
            if counted:
                self.reached_count += 1

    @property
    def on_the_way(self) -> bool:
        return self.posted_count > self.reached_count


def _queued(pump: Any) -> bool:
    queue = getattr(pump, "_message_queue", None)  # Textual's MessagePump (internal)
    return queue is not None and not queue.empty()


def input_pending(app: Any) -> bool:
    """A key posted to the app and not taken yet, or queued for the focused widget."""
    tally = getattr(app, "input_tally", None)
    return (tally is not None and tally.on_the_way) or _queued(app.focused)


async def yield_to_input(app: Any) -> int:
    """Let a key (or a click) that arrived during the last slice reach its widget and run;
    returns the turns given (for tests)."""
    turns = quiet = 0
    while quiet < QUIET_TURNS and turns < MAX_TURNS:
        await asyncio.sleep(0)
        turns += 1
        quiet = 0 if input_pending(app) else quiet + 1
    return turns
