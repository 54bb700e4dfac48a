"""``RunEventStream``: what ``PhronyClient.stream_run_events`` returns.

One object per connection. It is an async iterator of :class:`RunEvent` and an
async context manager, and it carries the connection's counters in ``.stats``
(a :class:`StreamStats`: events, skipped, empty, heartbeats, bytes, ...)::

    async with client.stream_run_events(run_id) as stream:   # connects here
        async for event in stream:
            ...
    print(stream.stats.events, stream.stats.skipped)

``async for event in client.stream_run_events(run_id)`` also works (it
connects on the first iteration); use ``async with`` or ``aclose()`` when you
may stop early, so the connection is closed at once rather than at garbage
collection. To stop a stream another task is reading, cancel that task.

``parse_off_loop=True`` (``PhronyClient.stream_run_events``) parses each big chunk
(SSE framing and the JSON of its events) in a worker thread of the stream's own, one
chunk at a time and in order, while the event loop stays free for other work (a UI's
keys and frames): the loop only reads the socket and hands the bytes over. A chunk
smaller than ``OFF_LOOP_AT`` (a heartbeat, a lone event) is parsed on the spot, cheaper
than the hand-over. Events, counters and their order are the same either way.

No reconnecting here: when the server ends the stream, iteration stops; when
the connection breaks or stays silent longer than the read timeout,
``PhronyConnectionError`` (``PhronyTimeoutError``) is raised. A caller that
reconnects back-fills from ``/conversation`` (the API has no event ids).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

import httpx
from pydantic import ValidationError

from phrony_tui.client import decoding
from phrony_tui.client.errors import PhronyProtocolError
from phrony_tui.client.lazy import decode_events
from phrony_tui.client.models import RunEvent
from phrony_tui.client.sse import SSEParser, StreamStats
from phrony_tui.client.transfer import decoded_chunks

__all__ = ["RunEventStream"]

Connector = Callable[[], AbstractAsyncContextManager[httpx.Response]]
ErrorMapper = Callable[[httpx.HTTPError], Exception]

# With parse_off_loop, chunks of at least this many bytes are parsed in the stream's thread.
OFF_LOOP_AT = 4096


class RunEventStream:
    def __init__(
        self,
        run_id: str,
        connect: Connector,
        map_error: ErrorMapper,
        *,
        path: str,
        max_event_bytes: int | None = None,
        lazy: bool = False,
        parse_off_loop: bool = False,
    ) -> None:
        self.run_id = run_id
        self.parse_off_loop = parse_off_loop
        self.parsed_off_loop = 0  # chunks the worker thread parsed (for tests and a debug view)
        # lazy: events are client.lazy.LazyEvent (data decoded on first read).
        self.lazy = lazy
        self.path = path
        self.stats = StreamStats()
        self._connect = connect
        self._map_error = map_error
        self._parser = SSEParser() if max_event_bytes is None else SSEParser(max_event_bytes=max_event_bytes)
        self._gen: AsyncIterator[list[RunEvent]] | None = None
        self._pending: deque[RunEvent] = deque()
        self._entered = False
        self._oversized_seen = 0

    def __repr__(self) -> str:
        return f"RunEventStream(run_id={self.run_id!r}, stats={self.stats!r})"

    # -- iteration ---------------------------------------------------------
    def __aiter__(self) -> RunEventStream:
        return self

    async def __anext__(self) -> RunEvent:
        while not self._pending:
            self._pending = deque(await self._next_batch())
        return self._pending.popleft()

    async def batches(self) -> AsyncIterator[list[RunEvent]]:
        """The events in lists, as they came off the network (one list per chunk read,
        never empty): for readers of busy streams, which then pay per chunk, not per event."""
        if self._pending:
            pending, self._pending = list(self._pending), deque()
            yield pending
        while True:
            try:
                batch = await self._next_batch()
            except StopAsyncIteration:
                return
            yield batch

    async def _next_batch(self) -> list[RunEvent]:
        if self._gen is None:
            self._gen = self._batches()
        return await self._gen.__anext__()

    async def __aenter__(self) -> RunEventStream:
        # Connect now so an HTTP error (401, 403, 404) raises here, not at the first event.
        self._gen = self._batches()
        self._entered = True
        await self._gen.__anext__()  # runs up to the "connected" marker below
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection (idempotent)."""
        gen = self._gen
        if gen is not None:
            await gen.aclose()  # type: ignore[attr-defined]
        self.stats.connected = False
        self.stats.closed = True

    # -- the connection ----------------------------------------------------
    async def _batches(self) -> AsyncIterator[list[RunEvent]]:
        stats = self.stats
        try:
            async with self._connect() as response:
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" not in content_type.lower():
                    raise PhronyProtocolError(
                        f"GET {self.path} answered {content_type or 'no content type'!r}, "
                        "not text/event-stream",
                        path=self.path,
                    )
                stats.connected = True
                if self._entered:
                    self._entered = False
                    yield []  # consumed by __aenter__
                worker: ThreadPoolExecutor | None = None
                try:
                    async for chunk in decoded_chunks(response, self.path):
                        stats.bytes += len(chunk)
                        if self.parse_off_loop and len(chunk) >= OFF_LOOP_AT:
                            if worker is None:
                                worker = ThreadPoolExecutor(1, thread_name_prefix="phrony-stream")
                            # One chunk at a time: the parser's state is only ever touched by
                            # one thread, and each chunk's events come out before the next's.
                            events = await asyncio.get_running_loop().run_in_executor(worker, self._parse, chunk)
                            self.parsed_off_loop += 1
                        else:
                            events = self._parse(chunk)
                        if events:
                            yield events
                finally:
                    if worker is not None:
                        worker.shutdown(wait=False)  # a chunk being parsed is dropped with the stream
                events = self._decode([message.data for message in self._parser.close()])
                if events:
                    yield events
        except httpx.HTTPError as exc:
            raise self._map_error(exc) from None
        finally:
            stats.connected = False
            stats.closed = True

    def _parse(self, chunk: bytes) -> list[RunEvent]:
        return self._decode(self._parser.feed_data(chunk))

    def _decode(self, messages: list[str]) -> list[RunEvent]:
        stats = self.stats
        parser = self._parser
        stats.heartbeats = parser.comments
        stats.empty = parser.empty
        out: list[Any] = []
        if self.lazy:
            out, skipped = decode_events(messages)
            for data in skipped:
                stats.note_skipped(data)
            messages = []  # all read
        for data in messages:
            try:
                # Not JSON, or JSON that is not an object: ValidationError either way.
                # An event is kept whole or skipped (and counted): no repair.
                event = decoding.validate(RunEvent, data, repair=False)
            except ValidationError:
                stats.note_skipped(data)
                continue
            out.append(event)
        if parser.oversized != self._oversized_seen:  # too large to keep: skipped as well
            stats.skipped += parser.oversized - self._oversized_seen
            self._oversized_seen = parser.oversized
        stats.events += len(out)
        return out
