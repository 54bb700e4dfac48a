"""The one way tests wait: for a condition, with a generous hang guard.

Never for a time: a loaded machine makes everything slower, so a test waits until what
it needs holds, and ``timeout`` only stops a test that would otherwise hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

# A hang guard, not a speed check: an order of magnitude above the slowest wait seen
# on a loaded 2-core machine.
WAIT_TIMEOUT = 30.0
_POLL = 0.01


async def wait_for(
    condition: Callable[[], Any],
    *,
    pilot: Any = None,
    timeout: float = WAIT_TIMEOUT,
    what: str | None = None,
) -> None:
    """Return once ``condition()`` is true; fail after ``timeout`` seconds.

    It polls with ``asyncio.sleep`` (the app runs meanwhile); with a Textual ``pilot`` it
    then lets the app settle once (``pilot.pause``: a refresh that the condition's change
    asked for), so what the test reads next from the screen is drawn. Not ``pilot.pause``
    at each poll: that asks every widget for a callback and forces a screen update, and
    polling that way was a sixth of the whole suite's CPU time.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what or 'condition'} not met within {timeout:g} s (a hang guard)")
        await asyncio.sleep(_POLL)
    if pilot is not None:
        await pilot.pause()


def wait_for_sync(condition: Callable[[], Any], *, timeout: float = WAIT_TIMEOUT, what: str | None = None) -> None:
    """:func:`wait_for` for a test without an event loop (a subprocess, a thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or 'condition'} not met within {timeout:g} s (a hang guard)")
        time.sleep(_POLL)
