"""A last-resort JSON reader for bodies the fast parsers refuse.

pydantic-core's and msgspec's parsers stop at a nesting depth (a few hundred
levels) and pydantic-core refuses a lone UTF-16 surrogate escape (``\\ud800``).
The wire contract says content is "any JSON", and one such step must not make a
whole session unreadable, so on those errors the client reads the body with the
standard library (which accepts both) under a raised recursion limit.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

# Deep enough for any real payload; the limit goes back to what it was after.
DEEP_LIMIT = 20_000
_lock = threading.Lock()


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """``json.loads`` that survives deep nesting (raises ValueError on bad JSON)."""
    text = data if isinstance(data, str) else bytes(data).decode("utf-8", errors="replace")
    with _lock:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, DEEP_LIMIT))
        try:
            return json.loads(text)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply to read") from exc
        finally:
            sys.setrecursionlimit(previous)
