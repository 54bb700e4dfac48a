"""Read a run's conversation while the app is still starting (``--run``).

Importing Textual and building the UI takes about as long as downloading a big
session, so the CLI starts this download first, in a thread, and the follower
takes the result as its first conversation. Correctness does not depend on it:
a live session is back-filled again once its stream is open.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

# The client (httpx) and its models (pydantic) are imported by the read that needs them:
# --run's early read (entry/early.py) hands its parts over without either.
if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation

PieceKind = Literal["head", "items", "whole", "error", "end"]


def start_prefetch(
    base_url: str,
    api_key,
    run_id: str,
    *,
    allow_insecure_http: bool = False,
    around_bulk_decode: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> Future[Conversation]:
    """A future of the lazy conversation (its exception when the read fails);
    ``around_bulk_decode`` as for ``PhronyClient``."""
    future: Future[Conversation] = Future()

    async def fetch() -> Conversation:
        from phrony_tui.client import PhronyClient

        async with PhronyClient(
            base_url, api_key, allow_insecure_http=allow_insecure_http, around_bulk_decode=around_bulk_decode
        ) as client:
            return await client.get_conversation(run_id, lazy=True)

    def work() -> None:
        try:
            future.set_result(asyncio.run(fetch()))
        except BaseException as exc:  # handed to the follower, which reports it its own way
            future.set_exception(exc)
        finally:
            sys.setswitchinterval(interval)

    # The main thread imports Textual meanwhile and holds the GIL for whole switch
    # intervals; this thread needs it for every 64 KB read. A short interval while
    # the download runs keeps it from waiting 5 ms per chunk.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.0005))
    threading.Thread(target=work, name="phrony-prefetch", daemon=True).start()
    return future


class ConversationParts:
    """A conversation handed over in parts while its body is read (the early read, see
    entry/launch.py): ``head`` (the session, its runs and the first items), then
    ``items`` (more rows), then ``end``. ``whole``: a complete conversation to merge over
    what came (a read that had to start again); ``error``: the read failed (a
    ``PhronyError`` for the follower's usual path). Filled from a thread, read from the
    event loop (``take``: every piece waiting, at least one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pieces: deque[tuple[PieceKind, Any]] = deque()
        self._waiter: Future[None] | None = None

    def put(self, kind: PieceKind, value: Any = None) -> None:
        with self._lock:
            self._pieces.append((kind, value))
            waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def take_nowait(self) -> list[tuple[PieceKind, Any]]:
        """Every piece waiting now (maybe none)."""
        with self._lock:
            taken = list(self._pieces)
            self._pieces.clear()
        return taken

    def put_back(self, pieces: list[tuple[PieceKind, Any]]) -> None:
        """Pieces taken and not used, back in front (in their order)."""
        if pieces:
            with self._lock:
                self._pieces.extendleft(reversed(pieces))
                waiter, self._waiter = self._waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    async def take(self) -> list[tuple[PieceKind, Any]]:
        while True:
            with self._lock:
                if self._pieces:
                    taken = list(self._pieces)
                    self._pieces.clear()
                    return taken
                waiter = self._waiter = Future()
            await asyncio.wrap_future(waiter)


Prefetched: TypeAlias = "Future[Conversation] | ConversationParts"


def as_initial(prefetched: Prefetched | None) -> Awaitable[Conversation] | ConversationParts | None:
    """What the follower takes as its ``initial`` (a future is wrapped for the loop)."""
    if prefetched is None or isinstance(prefetched, ConversationParts):
        return prefetched
    return asyncio.wrap_future(prefetched)


class Handoff:
    """Holds the prefetch (a future, or the parts of the early read) until the app takes
    it, once. The CLI's frames stay alive as long as the app runs: holding it there would
    keep the first session's conversation (a 36 MB body, say) after it is closed."""

    def __init__(self, future: Prefetched) -> None:
        self._future: Prefetched | None = future

    def take(self) -> Prefetched | None:
        future, self._future = self._future, None
        return future

