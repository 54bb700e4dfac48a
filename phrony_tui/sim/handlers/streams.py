"""``GET /v1/runs/{runId}/stream``: Server-Sent Events from the moment it opens (no replay).

A source is an async iterator of batches of encoded events; ``with_faults`` applies
the stream faults on the way out. The root run's stream covers the session; a
sub-agent run's covers that run, its descendants and the session-level events.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.responses import Response, StreamingResponse

from phrony_tui.sim.bulk import firehose_chunks
from phrony_tui.sim.endpoint import Call, find_run
from phrony_tui.sim.engine import Engine
from phrony_tui.sim.faults import Faults
from phrony_tui.sim.world import Run, Session

if TYPE_CHECKING:
    from phrony_tui.sim.simulator import Simulator

HEARTBEAT = b": ping\n\n"
MALFORMED = b"data: {this is not json\n\n"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Source = AsyncIterator[list[bytes]]


async def stream(call: Call) -> Response:
    sim = call.sim
    faults = sim.faults
    with sim.lock:
        run = find_run(sim, call.key, call.path("run_id"))
        session = run.session
        cursor = len(session.events)
        firehose = session.special == "firehose" and not session.terminal
        closed = session.terminal
        scope = None if run.parent is None else run
    generation = sim.stream_generation
    source: Source
    if firehose:
        source = firehose_source(sim, session, generation)
    elif closed:
        source = empty()
    else:
        source = live_source(sim, session, cursor, scope, generation)
    if sim.trace_streams:
        source = traced(source, run.id)
    return StreamingResponse(with_faults(source, faults), media_type="text/event-stream", headers=SSE_HEADERS)


def in_scope(engine: Engine, run_id: str | None, scope: Run) -> bool:
    """Events of a sub-agent run's stream: its own, its descendants', and the session's."""
    if run_id is None or run_id == scope.id:
        return True
    run = engine.runs.get(run_id)
    return run is not None and scope in run.ancestors()


async def live_source(sim: Simulator, session: Session, cursor: int, scope: Run | None, generation: int) -> Source:
    waiter = sim.add_waiter()
    loop_event = waiter[1]
    engine = sim.engine
    try:
        while sim.stream_generation == generation:
            loop_event.clear()
            with sim.lock:
                fresh = session.events[cursor:]
                cursor += len(fresh)
                end = session.terminal_event_index
                batch = [ev.encoded for ev in fresh if scope is None or in_scope(engine, ev.run_id, scope)]
            if batch:
                yield batch
            if end is not None and cursor >= end:
                return
            if not sim.dialect.heartbeats:  # docs-minimal: silence until something happens
                await loop_event.wait()
                continue
            try:
                await asyncio.wait_for(loop_event.wait(), sim.heartbeat_seconds)
            except TimeoutError:
                yield [HEARTBEAT]
    finally:
        sim.remove_waiter(waiter)


async def firehose_source(sim: Simulator, session: Session, generation: int) -> Source:
    engine = sim.engine
    if sim.dialect.heartbeats:
        yield [HEARTBEAT]
    rate = sim.firehose_rate  # events per second; None: as fast as it can
    # rate-limited: about 100 batches a second, each sent when it is due
    size = 2000 if not rate else max(1, min(2000, int(rate / 100)))
    loop = asyncio.get_running_loop()
    started, sent = loop.time(), 0
    for chunk in firehose_chunks(engine, session, sim.firehose_events, size, step_ids=sim.firehose_step_ids):
        if sim.stream_generation != generation:
            return
        if rate:
            delay = started + sent / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        yield chunk
        sent += len(chunk)
        await asyncio.sleep(0)
    with sim.lock:
        cursor = len(session.events)
        # The streamed steps are not kept (200,000 dicts); what follows numbers after them.
        session.unkept += sim.firehose_events
        session.root.seq += sim.firehose_events
        engine.finish_run(session.root, "Completed", {"events": sim.firehose_events})
        engine.finish_session(session, "Completed", {"events": sim.firehose_events})
        engine.changed = False
        tail = [ev.encoded for ev in session.events[cursor:]]
    sim.notify()
    yield tail


async def empty() -> Source:
    return
    yield  # pragma: no cover


async def traced(source: Source, run_id: str) -> Source:
    """The source, noting on stderr when its first batch leaves (benchmarks time from there)."""
    first = True
    try:
        async for batch in source:
            if first:
                print(f"stream-first-byte {run_id} {time.monotonic():.6f}", file=sys.stderr, flush=True)
                first = False
            yield batch
    finally:
        await _aclose(source)


async def with_faults(source: Source, faults: Faults) -> AsyncIterator[bytes]:
    """Apply the stream faults to batches of encoded events; heartbeats are not counted."""
    cut, stall, bad = faults.cut_after_events, faults.stall_after_events, faults.malformed_every
    sent = 0
    try:
        async for batch in source:
            if not (cut or stall or bad):
                if batch:
                    yield b"".join(batch)
                continue
            out: list[bytes] = []
            for chunk in batch:
                out.append(chunk)
                if chunk is HEARTBEAT:
                    continue
                sent += 1
                if bad and sent % bad == 0:
                    out.append(MALFORMED)
                if cut and sent >= cut:
                    yield b"".join(out)
                    return
                if stall and sent == stall:
                    yield b"".join(out)
                    out = []
                    await asyncio.sleep(faults.stall_seconds)
            if out:
                yield b"".join(out)
    finally:
        await _aclose(source)


async def _aclose(source: Any) -> None:
    close = getattr(source, "aclose", None)
    if close is not None:
        await close()
