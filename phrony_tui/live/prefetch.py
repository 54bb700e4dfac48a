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
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext

from phrony_tui.client import PhronyClient
from phrony_tui.client.models import Conversation


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


class Handoff:
    """Holds the prefetch's future until the app takes it, once. The CLI's frames stay
    alive as long as the app runs: holding the future itself there would keep the
    first session's conversation (a 36 MB body, say) in memory after it is closed."""

    def __init__(self, future: Future[Conversation]) -> None:
        self._future: Future[Conversation] | None = future

    def take(self) -> Future[Conversation] | None:
        future, self._future = self._future, None
        return future

