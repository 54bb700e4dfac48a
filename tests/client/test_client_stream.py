"""stream_run_events over real loopback sockets: chunking, stalls, bad data, errors, stats."""

from __future__ import annotations

import asyncio
import itertools
import json

import httpx
import pytest
from client_helpers import KEY, SSE_HEAD, RawServer, event

from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    PhronyConnectionError,
    PhronyProtocolError,
    PhronyTimeoutError,
    RunEvent,
)

RUN = "run-1"


def writes(*parts: bytes | float):
    """A server script: bytes are written and flushed, floats are pauses."""

    async def script(writer: asyncio.StreamWriter) -> None:
        for part in parts:
            if isinstance(part, float):
                await asyncio.sleep(part)
            else:
                writer.write(part)
                await writer.drain()

    return script


async def collect(base_url: str, **client_kwargs) -> tuple[list[RunEvent], object]:
    async with PhronyClient(base_url, KEY, **client_kwargs) as client:
        stream = client.stream_run_events(RUN)
        events = [e async for e in stream]
    return events, stream


async def test_events_and_stats_with_half_written_chunks():
    one = event("run", "engine.run.started", 1)
    two = event("step", "engine.step.tool_call", 2)
    script = writes(SSE_HEAD, b": connected\n\n", one[:10], 0.02, one[10:] + two[:-1], 0.02, two[-1:],
                    b'data: {"kind":\ndata: "aitl","subject":"x","data":{},"ts":"t"}\n\n',
                    b"data: not json\n\n", b"data: [1,2]\n\n", b"data: null\n\n", b'data: {"kind": {}}\n\n',
                    b"event: ping\ndata:\n\n", b": hb\n\n",
                    b'data: {"kind":"user_task","subject":"s","data":{"t":"\xff"},"ts":"t"}\n\n')
    async with RawServer(script) as server:
        events, stream = await collect(server.base_url)
    assert [(e.kind, e.subject) for e in events] == [
        ("run", "engine.run.started"), ("step", "engine.step.tool_call"), ("aitl", "x"), ("user_task", "s")]
    assert events[0].data == {"n": 1} and events[0].ts == "2025-01-01T00:00:00Z"
    assert events[3].data == {"t": "\ufffd"}
    stats = stream.stats
    assert (stats.events, stats.skipped, stats.empty, stats.heartbeats) == (4, 4, 1, 2)
    assert stats.last_skipped == '{"kind": {}}'
    assert stats.closed and not stats.connected and stats.bytes > 300
    # The request: GET, the key, Accept text/event-stream.
    head = server.requests[0].decode().lower()
    assert head.startswith(f"get /v1/runs/{RUN}/stream ") and "accept: text/event-stream" in head
    assert f"x-api-key: {KEY.lower()}" in head


async def test_unknown_kinds_are_kept():
    data = b'data: {"ts":"t","kind":"galaxy","subject":"engine.new.thing","data":{"x":1},"extra":5}\n\n'
    async with RawServer(writes(SSE_HEAD, data)) as server:
        events, _ = await collect(server.base_url)
    assert events[0].kind == "galaxy" and events[0].model_extra == {"extra": 5}


async def test_silent_stream_times_out_with_connection_error():
    script = writes(SSE_HEAD, event(n=1), 5.0)
    async with RawServer(script) as server:
        async with PhronyClient(server.base_url, KEY, stream_read_timeout=0.3) as client:
            received = []
            with pytest.raises(PhronyTimeoutError) as info:
                async for e in client.stream_run_events(RUN):
                    received.append(e)
    assert len(received) == 1
    assert isinstance(info.value, PhronyConnectionError)
    assert "sent nothing for 0.3 s" in str(info.value) and "127.0.0.1" in str(info.value)


async def test_heartbeats_keep_a_quiet_stream_alive():
    beats = [b": ping\n\n", 0.15] * 5
    script = writes(SSE_HEAD, *beats, event(n=9))
    async with RawServer(script) as server:
        events, stream = await collect(server.base_url, stream_read_timeout=0.5)
    assert [e.data for e in events] == [{"n": 9}] and stream.stats.heartbeats == 5


async def test_dropped_connection_mid_body_is_a_connection_error():
    head = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n")
    body = event(n=1)
    script = writes(head, b"%x\r\n" % len(body) + body + b"\r\n", b"40\r\ndata: {\"kind\":\"run\"")
    async with RawServer(script) as server:
        async with PhronyClient(server.base_url, KEY) as client:
            stream = client.stream_run_events(RUN)
            got = []
            with pytest.raises(PhronyConnectionError, match="broke"):
                async for e in stream:
                    got.append(e)
    assert len(got) == 1 and stream.stats.closed


async def test_server_ending_the_stream_ends_iteration_and_drops_half_event():
    script = writes(SSE_HEAD, event(n=1), b'data: {"kind":"run","subject":"half"}\n')
    async with RawServer(script) as server:
        events, stream = await collect(server.base_url)
    assert len(events) == 1 and stream.stats.events == 1


async def test_http_error_raises_on_enter():
    body = json.dumps({"message": "run is outside this key's scope"}).encode()
    head = (b"HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % len(body))
    async with RawServer(writes(head, body)) as server:
        async with PhronyClient(server.base_url, KEY) as client:
            with pytest.raises(PhronyAPIError) as info:
                async with client.stream_run_events(RUN):
                    pytest.fail("must not enter")
    assert info.value.status == 403 and info.value.path == f"/v1/runs/{RUN}/stream"
    assert "outside this key's scope" in str(info.value)


async def test_wrong_content_type_is_a_protocol_error():
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi"
    async with RawServer(writes(head)) as server:
        async with PhronyClient(server.base_url, KEY) as client:
            with pytest.raises(PhronyProtocolError, match="text/event-stream"):
                async for _ in client.stream_run_events(RUN):
                    pass


async def test_async_with_connects_first_and_aclose_closes():
    script = writes(SSE_HEAD, event(n=1), event(n=2), 5.0)
    async with RawServer(script) as server:
        async with PhronyClient(server.base_url, KEY) as client:
            async with client.stream_run_events(RUN) as stream:
                assert stream.stats.connected
                first = await stream.__anext__()
                assert first.data == {"n": 1}
            assert stream.stats.closed and not stream.stats.connected
            await stream.aclose()  # idempotent


async def test_one_connection_per_call_and_no_reconnect():
    async with RawServer(writes(SSE_HEAD, event(n=1))) as server:
        async with PhronyClient(server.base_url, KEY) as client:
            first = [e async for e in client.stream_run_events(RUN)]
            await asyncio.sleep(0.05)
            assert len(server.requests) == 1
            second = [e async for e in client.stream_run_events(RUN)]
    assert len(first) == len(second) == 1 and len(server.requests) == 2


async def test_refused_connection():
    async with RawServer(writes(SSE_HEAD)) as server:
        url = server.base_url
    await asyncio.sleep(0.05)
    async with PhronyClient(url, KEY) as client:
        with pytest.raises(PhronyConnectionError, match=r"cannot connect to 127\.0\.0\.1"):
            async for _ in client.stream_run_events(RUN):
                pass


async def test_mock_transport_stream_with_oversized_event():
    big = b'data: {"kind":"step","subject":"s","data":"' + b"x" * 4000 + b'"}\n\n'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream; charset=utf-8"},
                              content=big + event(n=1))

    async with PhronyClient("https://api.example.test", KEY, transport=httpx.MockTransport(handler)) as client:
        stream = client.stream_run_events(RUN, max_event_bytes=1000)
        events = [e async for e in stream]
    assert [e.data for e in events] == [{"n": 1}] and stream.stats.skipped == 1


async def test_batches_give_the_same_events_as_iteration_one_list_per_chunk():
    """``batches()`` yields the events of each chunk read as one non-empty list; the
    events, in order, are the ones ``async for`` gives, and the two can be mixed."""
    ones = [event("step", "engine.step.x", n) for n in range(6)]
    script = writes(SSE_HEAD, ones[0] + ones[1], 0.05, b": hb\n\n", 0.05, ones[2] + ones[3][:7], 0.05,
                    ones[3][7:] + ones[4] + ones[5])  # fmt: skip
    async with RawServer(script) as server:
        async with PhronyClient(server.base_url, KEY) as client:
            stream = client.stream_run_events(RUN, lazy=True)
            async with stream:
                first = await stream.__anext__()
                batches = [batch async for batch in stream.batches()]
    assert all(batches) and len(batches) >= 3
    got = [first, *(e for batch in batches for e in batch)]
    assert [e.data for e in got] == [{"n": n} for n in range(6)]
    assert stream.stats.events == 6 and stream.stats.closed


def step(n: int) -> bytes:
    data = {"id": f"step-{n}", "runId": RUN, "sequence": n, "ordinal": n, "type": "reasoning",
            "content": {"message": f"step {n} " + "x" * 40}, "startedAt": "2025-01-01T00:00:00Z"}  # fmt: skip
    obj = {"ts": "2025-01-01T00:00:00Z", "kind": "step", "subject": "engine.step.reasoning", "data": data}
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


@pytest.mark.parametrize("lazy", [False, True])
async def test_parsed_off_the_loop_the_events_and_counters_are_the_same_in_order(lazy):
    # Big writes (parsed in the stream's thread), cut inside events, with small ones between
    # (parsed on the spot), bad data and heartbeats: the same events in the same order.
    body = b"".join(step(n) for n in range(1, 401))
    cuts = [0, 5_000, 5_003, 19_000, 19_001, 40_000, len(body)]
    parts: list[bytes | float] = [SSE_HEAD]
    for start, end in itertools.pairwise(cuts):
        parts += [body[start:end], 0.01]
    parts += [b"data: not json\n\n", b": hb\n\n", event("run", "engine.run.completed", 1)]
    results = {}
    for off_loop in (False, True):
        async with RawServer(writes(*parts)) as server, PhronyClient(server.base_url, KEY) as client:
            stream = client.stream_run_events(RUN, lazy=lazy, parse_off_loop=off_loop)
            events = [e async for e in stream]
        results[off_loop] = ([(e.kind, e.subject, (e.data or {}).get("id")) for e in events], stream)
    (inline, inline_stream), (threaded, threaded_stream) = results[False], results[True]
    assert threaded == inline
    assert [step_id for _, _, step_id in threaded[:-1]] == [f"step-{n}" for n in range(1, 401)]  # each once, in order
    assert threaded[-1][:2] == ("run", "engine.run.completed")
    a, b = inline_stream.stats, threaded_stream.stats
    assert (a.events, a.skipped, a.heartbeats, a.bytes) == (b.events, b.skipped, b.heartbeats, b.bytes) == (401, 1, 1, a.bytes)
    assert inline_stream.parsed_off_loop == 0 and threaded_stream.parsed_off_loop >= 2
