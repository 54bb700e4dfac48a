"""Every route against a recording MockTransport: method, path, query, headers, body, parsing."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from client_helpers import BASE, KEY, Recorder

from phrony_tui import __version__
from phrony_tui.client import (
    Conversation,
    PhronyAPIError,
    PhronyClient,
    PhronyConnectionError,
    PhronyProtocolError,
    PhronyTimeoutError,
    PhronyUsageError,
    UploadedFile,
)

RUN = "11111111-1111-4111-8111-111111111111"
AGENT = "22222222-2222-4222-8222-222222222222"


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(rec: Recorder):
    async with PhronyClient(BASE + "/", KEY, transport=rec.transport()) as c:
        yield c


def assert_auth_headers(request: httpx.Request) -> None:
    assert request.headers["x-api-key"] == KEY
    assert request.headers["user-agent"] == f"phrony-tui/{__version__}"


async def test_start_run(client, rec):
    rec.on("POST", f"/v1/agents/{AGENT}/runs", 202,
           {"sessionId": "s1", "runId": "r1", "status": "Running", "totalTokensUsed": 0, "output": None,
            "triggerId": None, "duplicateDelivery": False, "novel": {"kept": True}})
    result = await client.start_run(AGENT, input={"question": "hi"})
    assert (result.session_id, result.run_id, result.status) == ("s1", "r1", "Running")
    assert result.model_extra == {"novel": {"kept": True}}
    assert rec.body() == {"input": {"question": "hi"}}
    assert rec.last.headers["content-type"] == "application/json"
    assert_auth_headers(rec.last)
    assert str(rec.last.url) == f"{BASE}/v1/agents/{AGENT}/runs"
    await client.start_run(AGENT)
    assert rec.body() == {"input": {}}


async def test_start_run_refuses_non_object_input(client, rec):
    with pytest.raises(PhronyUsageError):
        await client.start_run(AGENT, input=[1, 2])  # type: ignore[arg-type]
    assert rec.requests == []


async def test_list_sessions_query(client, rec):
    rec.on("GET", f"/v1/agents/{AGENT}/sessions", 200,
           {"items": [{"id": "s1", "status": "WaitingForSomethingNew", "entryRunId": "r1", "rootRunId": "r0",
                       "triggerType": "carrier-pigeon"}], "total": 120})
    page = await client.list_sessions(AGENT)
    assert page.total == 120 and page.items[0].status == "WaitingForSomethingNew"
    assert page.items[0].open_run_id == "r1" and page.items[0].trigger_type == "carrier-pigeon"
    assert dict(rec.last.url.params) == {"skip": "0", "take": "50"}
    await client.list_sessions(AGENT, skip=50, take=25, version_id="v1", status="Running")
    assert dict(rec.last.url.params) == {"skip": "50", "take": "25", "versionId": "v1", "status": "Running"}
    assert_auth_headers(rec.last)


@pytest.mark.parametrize("kwargs", [{"skip": -1}, {"take": 0}, {"take": True}, {"skip": "1"}])
async def test_list_sessions_refuses_bad_paging(client, rec, kwargs):
    with pytest.raises(PhronyUsageError):
        await client.list_sessions(AGENT, **kwargs)
    assert rec.requests == []


async def test_get_run(client, rec):
    rec.on("GET", f"/v1/runs/{RUN}", 200, {"runId": RUN, "status": "Completed", "output": {"a": [1]}})
    state = await client.get_run(RUN)
    assert state.run_id == RUN and state.output == {"a": [1]} and state.error is None
    assert rec.last.method == "GET" and rec.last.content == b""


async def test_ids_are_one_path_segment(client, rec):
    rec.on("GET", "/v1/runs/a%2F..%2Fb", 200, {"runId": "x"})
    with pytest.raises(PhronyAPIError):
        await client.get_run("a/../b")
    assert rec.last.url.raw_path == b"/v1/runs/a%2F..%2Fb"
    for bad in ("", " ", "..", "."):
        with pytest.raises(PhronyUsageError):
            await client.get_run(bad)


def conversation_body(items):
    return {
        "session": {"id": "s1", "status": "Completed", "startContext": {"temperature": 0.2}},
        "runs": [{"id": "r1", "parentRunId": None, "depth": 0, "status": "Completed"},
                 {"id": "r2", "parentRunId": "r1", "depth": 1, "status": "Failed", "agentName": None}],
        "items": items,
    }


async def test_get_conversation_parses_bytes_directly(client, rec, monkeypatch):
    items = [
        {"id": "i2", "runId": "r1", "ordinal": 2, "sequence": 2, "type": "ToolCall",
         "content": {"name": "search", "arguments": {"q": "x"}}},
        {"id": "i1", "runId": "r1", "ordinal": 1, "sequence": 1, "type": "brand_new_type", "content": "a string"},
        {"id": "i3", "runId": "r2", "ordinal": 3, "type": "Reasoning", "content": None, "tokensUsed": 12.5},
    ]
    rec.on("GET", f"/v1/runs/{RUN}/conversation", 200, conversation_body(items))
    # get_conversation must not go through json.loads + model_validate.
    monkeypatch.setattr(Conversation, "model_validate", classmethod(lambda *a, **k: pytest.fail("validate")))
    conv = await client.get_conversation(RUN)
    assert [i.ordinal for i in conv.items] == [1, 2, 3]
    assert conv.items[0].type == "brand_new_type" and conv.items[0].content == "a string"
    assert conv.items[1].content["arguments"] == {"q": "x"}
    assert conv.session.start_context == {"temperature": 0.2}
    assert [r.parent_run_id for r in conv.runs] == [None, "r1"]
    assert dict(rec.last.url.params) == {"stepContent": "full"}
    await client.get_conversation(RUN, step_content="slim")
    assert dict(rec.last.url.params) == {"stepContent": "slim"}
    with pytest.raises(PhronyUsageError):
        await client.get_conversation(RUN, step_content="fat")  # type: ignore[arg-type]


async def test_success_with_a_body_off_the_contract(client, rec):
    rec.on("GET", f"/v1/runs/{RUN}/conversation", 200, content=b"<html>proxy login</html>")
    with pytest.raises(PhronyProtocolError) as info:
        await client.get_conversation(RUN)
    assert "does not match" in str(info.value) and "proxy login" not in str(info.value)
    rec.on("GET", f"/v1/runs/{RUN}", 200, {"status": "Running"})  # runId missing
    with pytest.raises(PhronyProtocolError) as info:
        await client.get_run(RUN)
    assert "runId" in str(info.value) or "run_id" in str(info.value)


MESSAGE_CASES = [
    ({"user_task_id": "t1", "approved": True}, {"runId": RUN, "userTaskId": "t1", "approved": True}),
    ({"user_task_id": "t1", "approved": False}, {"runId": RUN, "userTaskId": "t1", "approved": False}),
    ({"user_task_id": "t1", "selected_option_id": "o2"}, {"runId": RUN, "userTaskId": "t1", "selectedOptionId": "o2"}),
    ({"user_task_id": "t1", "text_value": ""}, {"runId": RUN, "userTaskId": "t1", "textValue": ""}),
    ({"user_task_id": "t1", "number_value": 0}, {"runId": RUN, "userTaskId": "t1", "numberValue": 0}),
    ({"user_task_id": "t1", "number_value": 2.5, "metadata": {"via": "tui"}},
     {"runId": RUN, "userTaskId": "t1", "numberValue": 2.5, "metadata": {"via": "tui"}}),
    ({"text": "hello"}, {"runId": RUN, "text": "hello"}),
    ({"text": "", "files": [{"phronyFile": True, "objectKey": "k/a.txt"}]},
     {"runId": RUN, "files": [{"phronyFile": True, "objectKey": "k/a.txt"}]}),
    ({"text": "see", "files": [{"objectKey": "k/b.png", "mediaType": "image/png"}]},
     {"runId": RUN, "text": "see", "files": [{"objectKey": "k/b.png", "mediaType": "image/png", "phronyFile": True}]}),
    ({"text": "hi", "files": []}, {"runId": RUN, "text": "hi"}),
]


@pytest.mark.parametrize(("kwargs", "expected"), MESSAGE_CASES)
@pytest.mark.parametrize("path", ["messages", "input"])
async def test_send_run_message_bodies_are_exact(client, rec, kwargs, expected, path):
    rec.on("POST", f"/v1/runs/{RUN}/{path}", 202, {"status": "Running"})
    result = await client.send_run_message(RUN, path=path, **kwargs)
    assert result.status == "Running"
    raw = json.loads(rec.last.content)
    assert raw == expected
    assert list(raw) == list(expected)  # runId first, nothing more
    assert "completedByEmail" not in raw and "skipAgentWait" not in raw
    assert rec.last.url.path == f"/v1/runs/{RUN}/{path}"


async def test_send_run_message_with_uploaded_file(client, rec):
    rec.on("POST", f"/v1/runs/{RUN}/messages", 202, {"status": "Running"})
    up = UploadedFile(object_key="ws/files/abc/report.pdf", size_bytes=10, media_type="application/pdf",
                      filename="report.pdf")
    await client.send_run_message(RUN, files=[up])
    assert rec.body()["files"] == [{"phronyFile": True, "objectKey": "ws/files/abc/report.pdf",
                                    "filename": "report.pdf", "mediaType": "application/pdf"}]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"text": ""},
        {"text": "   \n"},
        {"files": []},
        {"text": "", "files": []},
        {"approved": True},  # no user task
        {"selected_option_id": "o1"},
        {"user_task_id": ""},
        {"user_task_id": "t", "approved": "yes"},
        {"user_task_id": "t", "number_value": True},
        {"user_task_id": "t", "number_value": float("nan")},
        {"user_task_id": "t", "metadata": [1]},
        {"files": [{"filename": "no-key.txt"}]},
        {"files": "k/a.txt"},
        {"text": "x", "path": "skip-agent-wait"},
    ],
)
async def test_send_run_message_refused_locally(client, rec, kwargs):
    with pytest.raises(PhronyUsageError) as info:
        await client.send_run_message(RUN, **kwargs)
    assert isinstance(info.value, ValueError)
    assert rec.requests == []


async def test_empty_message_error_says_what_is_missing(client):
    with pytest.raises(PhronyUsageError, match=r"user_task_id.*text.*files"):
        await client.send_run_message(RUN)


async def test_skip_agent_wait_sends_no_body(client, rec):
    rec.on("POST", f"/v1/runs/{RUN}/skip-agent-wait", 202, {"status": "Running"})
    assert (await client.skip_agent_wait(RUN)).status == "Running"
    assert rec.last.content == b""
    assert "content-type" not in rec.last.headers
    assert client.skip_agent_wait_timer.__func__ is PhronyClient.skip_agent_wait


async def test_presign_and_finalize_bodies(client, rec):
    rec.on("POST", "/v1/file-library/presign", 200,
           {"objectKey": "k/a.txt", "uploadUrl": "https://store.test/put?sig=1", "httpMethod": "PUT",
            "requiredHeaders": {"Content-Type": "text/plain"}, "expiresInSeconds": 300})
    rec.on("POST", "/v1/file-library/finalize", 200,
           {"objectKey": "k/a.txt", "sizeBytes": "5", "alreadyFinalized": False})
    presign = await client.presign_file("a.txt", "text/plain", 5)
    assert presign.required_headers == {"Content-Type": "text/plain"} and presign.expires_in_seconds == 300
    assert rec.body() == {"filename": "a.txt", "mediaType": "text/plain", "maxContentLength": 5}
    final = await client.finalize_file("k/a.txt", 5)
    assert rec.body() == {"objectKey": "k/a.txt", "maxContentLength": 5}
    assert final.size_bytes == "5" and final.already_finalized is False
    await client.finalize_file("k/a.txt", 5, filename="a.txt", media_type="text/plain")
    assert rec.body() == {"objectKey": "k/a.txt", "maxContentLength": 5, "filename": "a.txt",
                          "mediaType": "text/plain"}


@pytest.mark.parametrize(("args", "method"), [
    (("", "text/plain", 1), "presign_file"), (("x" * 513, "text/plain", 1), "presign_file"),
    (("a", "text/plain", 0), "presign_file"), (("a", "", 1), "presign_file"),
    (("k", -1), "finalize_file"), (("", 1), "finalize_file"), (("k", True), "finalize_file"),
])
async def test_file_routes_refused_locally(client, rec, args, method):
    with pytest.raises(PhronyUsageError):
        await getattr(client, method)(*args)
    assert rec.requests == []


def upload_routes(rec: Recorder, upload_url="https://bucket.storage.test/up/obj?X-Sig=abc", put_status=200):
    rec.on("POST", "/v1/file-library/presign", 200,
           {"objectKey": "ws1/files/9f/notes.md", "uploadUrl": upload_url, "httpMethod": "PUT",
            "requiredHeaders": {"Content-Type": "text/markdown", "x-amz-meta-owner": "ws1"},
            "expiresInSeconds": 600})
    rec.routes[("PUT", "/up/obj")] = lambda r: httpx.Response(put_status, text="" if put_status < 300 else
                                                               "<Error>SignatureDoesNotMatch</Error>")
    rec.on("POST", "/v1/file-library/finalize", 200,
           {"objectKey": "ws1/files/9f/notes.md", "sizeBytes": "11", "alreadyFinalized": False})


async def test_upload_file_round_trip(client, rec, tmp_path):
    upload_routes(rec)
    path = tmp_path / "notes.md"
    path.write_bytes(b"hello world")
    uploaded = await client.upload_file(path)
    presign, put, finalize = rec.requests
    assert json.loads(presign.content) == {"filename": "notes.md", "mediaType": "text/markdown",
                                           "maxContentLength": 11}
    # The PUT: other host, exactly the required headers (+ Host, Content-Length), no key, no defaults.
    assert put.method == "PUT" and put.url.host == "bucket.storage.test" and put.url.params["X-Sig"] == "abc"
    assert put.content == b"hello world"
    assert {k.lower() for k in put.headers} == {"host", "content-length", "content-type", "x-amz-meta-owner"}
    assert put.headers["content-type"] == "text/markdown" and put.headers["x-amz-meta-owner"] == "ws1"
    assert KEY not in str(put.headers.raw)
    assert json.loads(finalize.content) == {"objectKey": "ws1/files/9f/notes.md", "maxContentLength": 11,
                                            "filename": "notes.md", "mediaType": "text/markdown"}
    assert_auth_headers(finalize)
    assert uploaded.object_key == "ws1/files/9f/notes.md" and uploaded.size == 11
    assert uploaded.leaf_name == "notes.md" and uploaded.media_type == "text/markdown"
    assert uploaded.as_attachment()["objectKey"] == "ws1/files/9f/notes.md"
    assert uploaded.as_attachment()["phronyFile"] is True
    assert uploaded.as_input_reference() == {"phronyFile": True, "filename": "notes.md", "mediaType": "text/markdown"}


async def test_upload_bytes_needs_a_name_and_guesses_type(client, rec):
    upload_routes(rec)
    with pytest.raises(PhronyUsageError):
        await client.upload_file(b"data")
    assert rec.requests == []
    await client.upload_file(b"\x00\x01", filename="blob.unknownext")
    assert json.loads(rec.requests[0].content)["mediaType"] == "application/octet-stream"
    assert json.loads(rec.requests[0].content)["maxContentLength"] == 2
    rec.requests.clear()
    await client.upload_file(b"x", filename="dir/sub/pic.png", media_type="image/x-custom")
    assert json.loads(rec.requests[0].content) == {"filename": "pic.png", "mediaType": "image/x-custom",
                                                   "maxContentLength": 1}


async def test_upload_missing_file(client, rec, tmp_path):
    with pytest.raises(PhronyUsageError, match="no such file"):
        await client.upload_file(tmp_path / "nope.txt")
    assert rec.requests == []


async def test_upload_put_failure_hides_signature(client, rec, tmp_path):
    upload_routes(rec, put_status=403)
    with pytest.raises(PhronyAPIError) as info:
        await client.upload_file(b"hello world", filename="notes.md")
    err = info.value
    assert err.status == 403 and "SignatureDoesNotMatch" in err.body
    assert "X-Sig" not in str(err) and "abc" not in err.path and err.path == "/up/obj"
    assert len(rec.requests) == 2  # no finalize after a failed PUT


async def test_upload_refuses_plain_http_upload_url(client, rec):
    upload_routes(rec, upload_url="http://bucket.storage.test/up/obj?X-Sig=abc")
    with pytest.raises(PhronyUsageError, match="loopback"):
        await client.upload_file(b"x", filename="a.txt")
    assert [r.method for r in rec.requests] == ["POST"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 502])
async def test_error_statuses(client, rec, status):
    rec.on("GET", f"/v1/runs/{RUN}", status, {"message": f"server says {status}"},
           headers={"Retry-After": "7"} if status == 429 else None)
    with pytest.raises(PhronyAPIError) as info:
        await client.get_run(RUN)
    err = info.value
    assert err.status == status and err.path == f"/v1/runs/{RUN}" and err.method == "GET"
    assert f"server says {status}" in str(err) and f"server says {status}" in err.body
    assert (err.retry_after == 7.0) if status == 429 else (err.retry_after is None)


async def test_redirects_are_not_followed(client, rec):
    rec.on("GET", f"/v1/runs/{RUN}", 302, {}, headers={"Location": "https://evil.test/steal"})
    with pytest.raises(PhronyAPIError) as info:
        await client.get_run(RUN)
    assert info.value.status == 302
    assert len(rec.requests) == 1


async def test_server_echoing_the_key_is_redacted(client, rec):
    rec.on("GET", f"/v1/runs/{RUN}", 401, {"message": f"invalid key {KEY}"})
    with pytest.raises(PhronyAPIError) as info:
        await client.get_run(RUN)
    assert KEY not in str(info.value) and KEY not in info.value.body and KEY not in repr(info.value)


@pytest.mark.parametrize(
    ("exc", "kind", "words"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), PhronyConnectionError, ["cannot connect", "Connection refused"]),
        (httpx.ConnectTimeout("timed out"), PhronyTimeoutError, ["timed out connecting"]),
        (httpx.ReadTimeout("timed out"), PhronyTimeoutError, ["sent nothing for 30 s"]),
        (httpx.RemoteProtocolError("peer closed connection"), PhronyConnectionError, ["broke", "peer closed"]),
        # a transport that put the key in its message: never passed on
        (httpx.ConnectError(f"refused while sending {KEY}"), PhronyConnectionError, ["cannot connect", "phk_***"]),
    ],
)
async def test_network_failures(exc, kind, words):
    def boom(request):
        raise exc

    async with PhronyClient(BASE, KEY, transport=httpx.MockTransport(boom)) as client:
        with pytest.raises(kind) as info:
            await client.get_run(RUN)
    err = info.value
    assert not isinstance(err, PhronyAPIError)
    assert err.host == "api.example.test" and "api.example.test" in str(err)
    for word in words:
        assert word in str(err)
    assert KEY not in str(err) and KEY not in repr(err)
    assert err.__cause__ is None and err.__suppress_context__


async def test_no_key_sends_no_header(rec):
    rec.on("GET", f"/v1/runs/{RUN}", 401, {"message": "missing key"})
    async with PhronyClient(BASE, None, transport=rec.transport()) as client:
        with pytest.raises(PhronyAPIError, match="PHRONY_API_KEY"):
            await client.get_run(RUN)
    assert "x-api-key" not in rec.last.headers


async def test_given_http_client_is_used_and_not_closed(rec):
    http = httpx.AsyncClient(transport=rec.transport(), headers={"X-Extra": "1"})
    rec.on("GET", f"/v1/runs/{RUN}", 200, {"runId": RUN})
    async with PhronyClient(BASE, KEY, http_client=http) as client:
        await client.get_run(RUN)
    assert not http.is_closed
    assert_auth_headers(rec.last)
    await http.aclose()
    with pytest.raises(PhronyUsageError):
        PhronyClient(BASE, KEY, http_client=http, transport=rec.transport())


async def test_key_never_logged_nor_in_errors(rec, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "phrony_tui", "hpack", "asyncio"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    upload_routes(rec)
    rec.on("GET", f"/v1/runs/{RUN}", 403, {"message": "out of scope"})
    rec.on("POST", f"/v1/runs/{RUN}/messages", 202, {"status": "Running"})
    errors = []
    async with PhronyClient(BASE, KEY, transport=rec.transport()) as client:
        await client.upload_file(b"hello world", filename="notes.md")
        await client.send_run_message(RUN, text="hi")
        for call in (lambda: client.get_run(RUN), lambda: client.send_run_message(RUN),
                     lambda: client.get_conversation("missing")):
            try:
                await call()
            except Exception as exc:
                errors.append(exc)
        assert KEY not in repr(client) and KEY not in str(vars(client))
    assert len(errors) == 3
    for err in errors:
        assert KEY not in str(err) and KEY not in repr(err) and KEY not in str(vars(err))
    assert caplog.records, "expected debug logging to be captured"
    assert any("GET /v1/runs/" in r.getMessage() for r in caplog.records)
    assert KEY not in caplog.text
    assert all(KEY not in str(r.args) for r in caplog.records)


async def test_odd_fields_and_items_are_left_out_not_the_whole_body(client, rec, caplog):
    """A server written from the same docs may send an optional field with another type,
    or an item without its id: the rest of the page (or conversation) is still read."""
    items = [
        {"id": "s1", "status": "Running", "runCount": "three", "totalTokensUsed": {"n": 1}, "rootRunId": "r1"},
        {"status": "Completed", "rootRunId": "r2"},  # no id: this row cannot be opened or told apart
        {"id": "s3", "status": "Failed", "runCount": 2, "startedAt": ["not", "a", "time"], "extra": 1},
    ]
    rec.on("GET", f"/v1/agents/{AGENT}/sessions", 200, {"items": items, "total": 3})
    with caplog.at_level("INFO", logger="phrony_tui.client"):
        page = await client.list_sessions(AGENT)
    assert [s.id for s in page.items] == ["s1", "s3"] and page.total == 3
    first, third = page.items
    assert first.run_count is None and first.total_tokens_used is None and first.root_run_id == "r1"
    assert third.run_count == 2 and third.started_at is None and third.wire()["extra"] == 1
    assert "left out" in caplog.text
    # the conversation, strict and lazy: an odd step field, a run without its id
    body = {
        "session": {"id": "s1", "status": "Completed"},
        "runs": [{"id": "r1", "status": "Completed", "depth": "deep"}, {"status": "Completed"}],
        "items": [{"id": "i1", "runId": "r1", "ordinal": 1, "type": "reasoning", "tokensUsed": "many"},
                  {"id": "i2", "runId": "r1", "ordinal": 2, "type": "output"}],
    }  # fmt: skip
    rec.on("GET", f"/v1/runs/{RUN}/conversation", 200, body)
    for lazy in (False, True):
        conversation = await client.get_conversation(RUN, lazy=lazy)
        assert [r.id for r in conversation.runs] == ["r1"] and conversation.runs[0].depth in (None, 0)
        assert [i.id for i in conversation.items] == ["i1", "i2"] and conversation.items[0].tokens_used is None


async def test_what_cannot_be_repaired_still_fails_with_the_first_problem(client, rec):
    rec.on("GET", f"/v1/agents/{AGENT}/sessions", 200, {"items": "not a list", "total": 1})
    page = await client.list_sessions(AGENT)  # an odd optional list: left out, the default stands
    assert page.items == [] and page.total == 1
    rec.on("GET", f"/v1/runs/{RUN}/conversation", 200, {"runs": [], "items": []})  # no session at all
    with pytest.raises(PhronyProtocolError, match="session"):
        await client.get_conversation(RUN)
