"""The client against a hostile server on loopback (issue 15, the client's part).

Each case is a real HTTP exchange with :class:`HostileServer`. Hang guards only
(``asyncio.wait_for`` of many seconds); nothing here times the client.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import tracemalloc

import pytest

from hostile.server import HostileServer, gzip_zeros, head_only, raw, reset, trickle, writes
from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    PhronyConnectionError,
    PhronyProtocolError,
    PhronyTimeoutError,
)
from phrony_tui.client.decoding import UNREADABLE

KEY = "phk_hostile_SECRET_0123456789abcdef"
RUN = "r1"
AGENT = "a1"
GUARD = 60.0  # seconds: a hang guard, never a measure
BIG = "9" * 5000  # past Python's 4,300-digit int conversion limit

SESSION = {"id": "s1", "status": "Running", "startedAt": "2026-01-01T00:00:00Z"}
RUN_ROW = {"id": RUN, "sessionId": "s1", "status": "Running", "depth": 0}


def step(n: int, content: str = '{"message": "hi"}') -> str:
    return f'{{"id": "st{n}", "runId": "{RUN}", "ordinal": {n}, "type": "reasoning", "content": {content}}}'


def conversation(*items: str, session: str | None = None, runs: str | None = None) -> bytes:
    return (
        f'{{"session": {session or json.dumps(SESSION)}, "runs": {runs or json.dumps([RUN_ROW])}, '
        f'"items": [{", ".join(items)}]}}'
    ).encode()


async def guarded(coro):
    return await asyncio.wait_for(coro, GUARD)


def client(server: HostileServer, **kwargs) -> PhronyClient:
    return PhronyClient(server.base_url, KEY, **kwargs)


# -- no crash from server data ------------------------------------------------------------


@pytest.mark.parametrize("charset", ["utf-16", "rot13", "hex", "base64", "idna", "punycode", "undefined"])
@pytest.mark.parametrize("route", ["sessions", "conversation"])
async def test_error_body_in_an_odd_charset_is_an_api_error_naming_the_route(hostile, charset, route):
    body = b'{"statusCode": 500, "message": "the database is down", "error": "Internal Server Error"}'
    answer = raw(500, body, {"content-type": f"text/html; charset={charset}"})
    hostile.route("GET", f"/v1/agents/{AGENT}/sessions", answer)
    hostile.route("GET", f"/v1/runs/{RUN}/conversation", answer)
    async with client(hostile) as api:
        call = api.list_sessions(AGENT) if route == "sessions" else api.get_conversation(RUN)
        with pytest.raises(PhronyAPIError) as info:
            await guarded(call)
    error = info.value
    assert error.status == 500
    assert error.server_message == "the database is down"
    assert (f"/v1/agents/{AGENT}/sessions" if route == "sessions" else f"/v1/runs/{RUN}/conversation") in str(error)


async def test_stream_error_body_in_an_odd_charset(hostile):
    hostile.route("GET", f"/v1/runs/{RUN}/stream", raw(403, b"not yours", {"content-type": "text/plain; charset=rot13"}))
    async with client(hostile) as api:
        with pytest.raises(PhronyAPIError) as info:
            async with api.stream_run_events(RUN):
                pass
    assert info.value.status == 403 and info.value.server_message == "not yours"


@pytest.mark.parametrize("lazy", [False, True])
async def test_a_huge_integer_in_step_content_costs_nothing_but_shows_as_text(hostile, lazy):
    body = conversation(step(1), step(2, f'{{"count": {BIG}, "note": "ok"}}'), step(3))
    hostile.route("GET", f"/v1/runs/{RUN}/conversation", raw(200, body))
    async with client(hostile) as api:
        conv = await guarded(api.get_conversation(RUN, lazy=lazy))
    assert [item.id for item in conv.items] == ["st1", "st2", "st3"]
    content = conv.items[1].content
    assert content["count"] == BIG and content["note"] == "ok"
    assert str(content)  # printable: no int-to-str limit waiting downstream
    assert conv.items[0].content == {"message": "hi"}


async def test_a_huge_integer_in_a_session_or_run_field_costs_only_that_field(hostile):
    session = json.dumps(SESSION)[:-1] + f', "totalTokensUsed": {BIG}}}'
    runs = json.dumps([{**RUN_ROW, "status": "Running"}])[:-2] + f', "totalTokensUsed": {BIG}}}]'
    hostile.route("GET", f"/v1/runs/{RUN}/conversation", raw(200, conversation(step(1), session=session, runs=runs)))
    async with client(hostile) as api:
        for lazy in (False, True):
            conv = await guarded(api.get_conversation(RUN, lazy=lazy))
            assert conv.session.id == "s1" and conv.session.status == "Running"
            assert conv.session.total_tokens_used is None  # unreadable: left out, never inf
            assert conv.runs[0].id == RUN and conv.runs[0].total_tokens_used is None
            assert [item.id for item in conv.items] == ["st1"]


async def test_sessions_list_with_a_401_digit_and_a_5000_digit_token_count(hostile):
    rows = [
        f'{{"id": "s1", "status": "Completed", "totalTokensUsed": {"9" * 401}}}',
        f'{{"id": "s2", "status": "Completed", "totalTokensUsed": {BIG}}}',
        '{"id": "s3", "status": "Completed", "totalTokensUsed": 12}',
    ]
    body = f'{{"items": [{", ".join(rows)}], "total": 3}}'.encode()
    hostile.route("GET", f"/v1/agents/{AGENT}/sessions", raw(200, body))
    async with client(hostile) as api:
        page = await guarded(api.list_sessions(AGENT))
    assert [row.id for row in page.items] == ["s1", "s2", "s3"]
    assert page.items[0].total_tokens_used == 10**401 - 1  # long, but an int Python can print
    assert page.items[1].total_tokens_used is None  # the one unreadable field
    assert page.items[2].total_tokens_used == 12


@pytest.mark.parametrize("lazy", [False, True])
async def test_one_step_nested_100000_deep_costs_only_that_step(hostile, lazy):
    deep = "[" * 100_000 + "]" * 100_000
    deep_object = f'{{"message": "kept", "payload": {deep}}}'
    body = conversation(step(1), step(2, deep), step(3, deep_object), step(4))
    hostile.route("GET", f"/v1/runs/{RUN}/conversation", raw(200, body))
    async with client(hostile) as api:
        conv = await guarded(api.get_conversation(RUN, lazy=lazy))
    assert [item.id for item in conv.items] == ["st1", "st2", "st3", "st4"]
    assert conv.items[1].content == UNREADABLE
    assert conv.items[2].content == {"message": "kept", "payload": UNREADABLE}
    assert conv.items[3].content == {"message": "hi"}


async def test_live_events_with_a_huge_integer_or_deep_nesting_are_kept(hostile):
    huge = {"ts": "t", "kind": "step", "subject": "engine.step.x"}
    one = json.dumps({**huge, "data": {"id": "st1", "ordinal": 1, "type": "ToolResult", "content": {"n": 0}}})
    one = one.replace('"n": 0', f'"n": {BIG}')
    two = '{"ts": "t", "kind": "run", "subject": "engine.run.x", "data": {"deep": ' + "[" * 100_000 + "]" * 100_000 + ', "status": "Running"}}'
    sse = b"".join(b"data: " + d.encode() + b"\n\n" for d in (one, two))
    hostile.route("GET", f"/v1/runs/{RUN}/stream", raw(200, sse, {"content-type": "text/event-stream"}))
    async with client(hostile) as api:
        for lazy in (False, True):
            stream = api.stream_run_events(RUN, lazy=lazy)
            events = await guarded(_collect(stream))
            assert [e.kind for e in events] == ["step", "run"], lazy
            assert events[0].data["content"]["n"] == BIG
            assert events[1].data == {"deep": UNREADABLE, "status": "Running"}
            assert stream.stats.skipped == 0


async def _collect(stream):
    return [event async for event in stream]


# -- bounded work ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "applied"), [("GET", False), ("POST", True)])
async def test_a_reply_trickled_a_byte_a_second_ends_at_the_deadline(hostile, method, applied):
    body = b'{"status": "Running", "runId": "r1", "output": null}'
    prefix = raw(202, b"", {"content-length": str(len(body))})
    hostile.route("GET", f"/v1/runs/{RUN}", trickle(prefix, body, every=0.5))
    hostile.route("POST", f"/v1/runs/{RUN}/messages", trickle(prefix, body, every=0.5))
    async with client(hostile, request_deadline=1.5, timeout=30.0) as api:
        call = api.get_run(RUN) if method == "GET" else api.send_run_message(RUN, text="hello")
        with pytest.raises(PhronyTimeoutError) as info:
            await guarded(call)
    assert "within 1.5 s" in str(info.value)
    assert info.value.maybe_applied is applied


async def test_streams_are_exempt_from_the_overall_deadline(hostile):
    event = b'data: {"ts": "t", "kind": "run", "subject": "s", "data": {}}\n\n'
    head = head_only(200, {"content-type": "text/event-stream"})
    hostile.route("GET", f"/v1/runs/{RUN}/stream", writes(head, event, 0.8, event, 0.8, event))
    async with client(hostile, request_deadline=0.5) as api:
        events = await guarded(_collect(api.stream_run_events(RUN)))
    assert len(events) == 3  # 1.6 s of stream, past a 0.5 s request deadline


async def test_a_gzip_bomb_is_refused_at_the_cap_without_holding_more(hostile):
    bomb = gzip_zeros(256 * 1024 * 1024)  # 256 MiB of zeros in ~250 KB
    cap = 8 * 1024 * 1024
    hostile.route("GET", f"/v1/runs/{RUN}/conversation", raw(200, bomb, {"content-encoding": "gzip"}))
    async with client(hostile, max_body_bytes=cap) as api:
        tracemalloc.start()
        try:
            with pytest.raises(PhronyProtocolError) as info:
                await guarded(api.get_conversation(RUN))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "larger than 8,388,608 bytes" in str(info.value) and "max_body_bytes" in str(info.value)
    assert peak < cap * 2 + 4 * 1024 * 1024  # the parts and their join: about twice the cap, never the bomb


async def test_a_gzipped_body_within_the_cap_is_read(hostile):
    import gzip

    body = gzip.compress(json.dumps({"runId": RUN, "status": "Completed", "output": {"x": 1}}).encode())
    hostile.route("GET", f"/v1/runs/{RUN}", raw(200, body, {"content-encoding": "gzip"}))
    async with client(hostile) as api:
        state = await guarded(api.get_run(RUN))
    assert state.status == "Completed" and state.output == {"x": 1}


async def test_an_error_body_is_read_only_as_far_as_the_message_needs(hostile):
    total = 64 * 1024 * 1024
    written = 0
    block = b'{"message": "' + b"x" * (1024 * 1024 - 13)

    async def huge_error(writer: asyncio.StreamWriter) -> None:
        nonlocal written
        writer.write(raw(500, b"", {"content-length": str(total)}))
        while written < total:
            writer.write(block)
            await writer.drain()
            written += len(block)

    hostile.route("GET", f"/v1/runs/{RUN}", huge_error)
    async with client(hostile) as api:
        with pytest.raises(PhronyAPIError) as info:
            await guarded(api.get_run(RUN))
    assert info.value.status == 500
    assert len(info.value.body) <= 64 * 1024
    await asyncio.sleep(0.2)  # let the server notice the closed connection
    assert written < total // 2  # the client hung up long before the end


async def test_a_long_sse_line_is_refused_at_the_limit_and_the_stream_goes_on(hostile):
    limit = 1024 * 1024
    good = b'data: {"ts": "t", "kind": "run", "subject": "after", "data": {}}\n\n'
    chunk = b"x" * 65536

    async def long_line(writer: asyncio.StreamWriter) -> None:
        writer.write(head_only(200, {"content-type": "text/event-stream"}) + b"data: ")
        for _ in range(320):  # 20 MiB with no newline
            writer.write(chunk)
            await writer.drain()
        writer.write(b"\n\n" + good)
        await writer.drain()

    hostile.route("GET", f"/v1/runs/{RUN}/stream", long_line)
    async with client(hostile) as api:
        stream = api.stream_run_events(RUN, max_event_bytes=limit)
        events = await guarded(_collect(stream))
    assert [e.subject for e in events] == ["after"]
    assert stream.stats.skipped == 1 and stream.stats.bytes > 20 * 1024 * 1024


# -- presign replies -------------------------------------------------------------------------


def presign_reply(url: str, headers: dict | None = None) -> bytes:
    body = {"objectKey": "t/k/file.txt", "uploadUrl": url, "httpMethod": "PUT",
            "requiredHeaders": headers if headers is not None else {"Content-Type": "text/plain"},
            "expiresInSeconds": 60}  # fmt: skip
    return raw(200, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("url", "headers", "needle"),
    [
        ("http://127.0.0.1:99999/up", None, "not a valid URL"),
        ("http://[::1/x", None, "not a valid URL"),
        ("http://127.0.0.1:port/up", None, "not a valid URL"),
        ("ftp://127.0.0.1/up", None, "must be http(s)"),
        ("file:///etc/passwd", None, "must be http(s)"),
        ("http:///no-host", None, "no host"),
        ("{base}/up", {"Content-Type": "text/plain", "X-Note": "caf\u00e9"}, "non-ASCII"),
        ("{base}/up", {"X-Note": "a\r\nX-Injected: 1"}, "control characters"),
        ("{base}/up", {"Content-Length": "1"}, "Content-Length, which the client must own"),
        ("{base}/up", {"Transfer-Encoding": "chunked"}, "Transfer-Encoding"),
        ("{base}/up", {"Host": "evil.example"}, "Host"),
        ("{base}/up", {"Connection": "upgrade"}, "Connection"),
        ("{base}/up", {"X-API-Key": "phk_other"}, "X-API-Key"),
        ("{base}/up", {"bad name": "x"}, "not a valid token"),
    ],
)
async def test_a_presign_reply_the_client_cannot_use_is_refused(hostile, url, headers, needle):
    hostile.route("POST", "/v1/file-library/presign", presign_reply(url.format(base=hostile.base_url), headers))
    async with client(hostile) as api:
        with pytest.raises(PhronyProtocolError) as info:
            await guarded(api.upload_file(b"hello", filename="file.txt"))
    assert needle in str(info.value) and "presign" in str(info.value)
    assert [(m, p) for m, p, _ in hostile.requests] == [("POST", "/v1/file-library/presign")]  # nothing PUT


# -- the key, after decoding -----------------------------------------------------------------


@pytest.mark.parametrize(
    "echo",
    [
        KEY.replace("_", "\\u005f"),  # JSON-escaped underscores
        "".join(f"\\u{ord(ch):04x}" for ch in KEY),  # every character escaped
        "".join(f"%{ord(ch):02X}" for ch in KEY),  # percent-encoded
        KEY.encode().hex(),
    ],
)
async def test_the_key_never_shows_however_the_server_encodes_it(hostile, echo):
    body = ('{"statusCode": 401, "message": "invalid key ' + echo + '", "error": "Unauthorized"}').encode()
    hostile.route("GET", f"/v1/runs/{RUN}", raw(401, body))
    async with client(hostile) as api:
        with pytest.raises(PhronyAPIError) as info:
            await guarded(api.get_run(RUN))
    error = info.value
    for text in (str(error), error.server_message, error.body, repr(error)):
        assert KEY not in text and echo not in text
        decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        assert KEY not in decoded
    assert "invalid key phk_***" in error.server_message


# -- ambiguous failures ----------------------------------------------------------------------


async def test_a_reset_after_the_request_was_sent_may_have_been_applied(hostile):
    hostile.route("POST", f"/v1/runs/{RUN}/messages", reset())
    hostile.route("GET", f"/v1/runs/{RUN}", reset())
    async with client(hostile) as api:
        with pytest.raises(PhronyConnectionError) as sent:
            await guarded(api.send_run_message(RUN, text="hello"))
        with pytest.raises(PhronyConnectionError) as read:
            await guarded(api.get_run(RUN))
    assert sent.value.maybe_applied is True and "may have been applied" in str(sent.value)
    assert read.value.maybe_applied is False  # a GET changes nothing
    assert hostile.requests[0][0] == "POST" and json.loads(hostile.requests[0][2])["text"] == "hello"


async def test_a_refused_connection_was_surely_not_applied():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nothing listens there
    async with PhronyClient(f"http://127.0.0.1:{port}", KEY) as api:
        with pytest.raises(PhronyConnectionError) as info:
            await guarded(api.send_run_message(RUN, text="hello"))
    assert info.value.maybe_applied is False and "may have been applied" not in str(info.value)


async def test_a_start_whose_answer_never_comes_may_have_been_applied(hostile):
    async def silent(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(GUARD)

    hostile.route("POST", f"/v1/agents/{AGENT}/runs", silent)
    async with client(hostile, timeout=0.5) as api:
        with pytest.raises(PhronyTimeoutError) as info:
            await guarded(api.start_run(AGENT, {"x": 1}))
    assert info.value.maybe_applied is True


async def test_an_error_body_in_an_encoding_not_asked_for_still_gives_the_status(hostile):
    hostile.route("GET", f"/v1/runs/{RUN}", raw(503, b"\x00\x01garbage", {"content-encoding": "br"}))
    async with client(hostile) as api:
        with pytest.raises(PhronyAPIError) as info:
            await guarded(api.get_run(RUN))
    assert info.value.status == 503 and str(info.value).endswith("No error details were returned.")


async def test_a_success_body_in_an_encoding_not_asked_for_is_a_protocol_error(hostile):
    hostile.route("GET", f"/v1/runs/{RUN}", raw(200, b"\x00\x01garbage", {"content-encoding": "br"}))
    async with client(hostile) as api:
        with pytest.raises(PhronyProtocolError, match="Content-Encoding 'br'"):
            await guarded(api.get_run(RUN))
