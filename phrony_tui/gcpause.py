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
