"""Public facts from the official SDK's and CLI's own tests, restated as tests of OUR client.

The official TypeScript SDK (``@phrony/sdk`` 0.1.2) tests five small cases, and the
official CLI's gateway-error formatter eight error bodies. The facts carry over
(routes, headers, bodies, what a person reads); no code is copied.
"""

from __future__ import annotations

import json

import httpx
import pytest
from client_helpers import Recorder

from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    file_ref_from_object_key,
    leaf_name_from_object_key,
)

SDK_KEY = "phk_test"
BASE = "https://api.example"


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(rec: Recorder):
    async with PhronyClient(BASE, SDK_KEY, transport=rec.transport()) as api:
        yield api


# -- the SDK's five --------------------------------------------------------------------------


async def test_sdk_skip_agent_wait_is_a_bodiless_post_and_reads_the_202(client, rec):
    rec.on("POST", "/v1/runs/r1/skip-agent-wait", 202, {"status": "Running"})
    result = await client.skip_agent_wait_timer("r1")
    request = rec.last
    assert (request.method, request.url.path) == ("POST", "/v1/runs/r1/skip-agent-wait")
    assert request.headers["x-api-key"] == SDK_KEY and request.content == b""
    assert result.status == "Running"


async def test_sdk_start_run_posts_the_input_with_the_key_and_reads_the_202(client, rec):
    body = {"sessionId": "s1", "runId": "r1", "status": "Running", "totalTokensUsed": 0, "output": None}
    rec.on("POST", "/v1/agents/agent-1/runs", 202, body)
    result = await client.start_run("agent-1", {"x": 1})
    request = rec.last
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/v1/agents/agent-1/runs")
    assert request.headers["x-api-key"] == SDK_KEY
    assert json.loads(request.content) == {"input": {"x": 1}}
    assert (result.run_id, result.session_id, result.status, result.total_tokens_used, result.output) == (
        "r1", "s1", "Running", 0, None)  # fmt: skip


async def test_sdk_a_401_with_a_text_body_is_an_api_error(rec):
    rec.routes[("GET", "/v1/runs/r1")] = lambda request: httpx.Response(401, text="nope")
    async with PhronyClient(BASE, "phk_x", transport=rec.transport()) as api:
        with pytest.raises(PhronyAPIError) as info:
            await api.get_run("r1")
    assert isinstance(info.value, Exception)
    assert (info.value.status, info.value.path, info.value.body, info.value.server_message) == (
        401, "/v1/runs/r1", "nope", "nope")  # fmt: skip


async def test_sdk_a_one_event_stream_yields_that_event(rec):
    data = b'data: {"ts":"1","kind":"run","subject":"x","data":{}}\n\n'
    rec.routes[("GET", "/v1/runs/r1/stream")] = lambda request: httpx.Response(
        200, content=data, headers={"content-type": "text/event-stream"})  # fmt: skip
    async with PhronyClient(BASE, SDK_KEY, transport=rec.transport()) as api:
        events = [event async for event in api.stream_run_events("r1")]
    assert [(e.ts, e.kind, e.subject, e.data) for e in events] == [("1", "run", "x", {})]


def test_sdk_leaf_name_and_file_reference_helpers():
    assert leaf_name_from_object_key("tenant/x/file.pdf") == "file.pdf"
    assert file_ref_from_object_key("a/b/c.doc", "application/msword") == {
        "phronyFile": True, "filename": "c.doc", "mediaType": "application/msword"}  # fmt: skip


# -- the CLI's eight error bodies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"statusCode": 400, "message": "Agent not found", "error": "Bad Request"}, "Agent not found"),
        ({"statusCode": 400, "message": ["a is required", "b must be a string"], "error": "Bad Request"},
         "a is required; b must be a string"),
        ({"statusCode": 400, "message": [{"property": "email", "constraints": {"isEmail": "email must be an email"}}],
          "error": "Bad Request"}, "email: email must be an email"),
        ({"message": {"message": "Inner failure"}}, "Inner failure"),
        ({"statusCode": 401, "error": "Unauthorized"}, "Unauthorized"),
        ({"type": "about:blank", "title": "Conflict", "detail": "Name already taken"}, "Name already taken"),
        ("Something went wrong.\n\nPlease retry.", "Something went wrong. Please retry."),
    ],
)
async def test_cli_error_bodies_read_as_the_cli_reads_them(client, rec, body, said):
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    rec.on("POST", "/v1/runs/r1/messages", 400, content=content)
    with pytest.raises(PhronyAPIError) as info:
        await client.send_run_message("r1", text="hi")
    assert info.value.server_message == said
    assert str(info.value).endswith(f"Server said: {said}")


@pytest.mark.parametrize("content", [b"", b"  \n  "])
async def test_cli_an_empty_error_body_says_no_details_were_returned(client, rec, content):
    rec.on("POST", "/v1/runs/r1/messages", 400, content=content)
    with pytest.raises(PhronyAPIError) as info:
        await client.send_run_message("r1", text="hi")
    assert info.value.server_message == ""
    assert str(info.value).endswith("No error details were returned.")


def test_class_validator_children_and_several_constraints():
    body = {"message": [{"property": "input", "children": [
        {"property": "email", "constraints": {"isEmail": "email must be an email", "isNotEmpty": "email is empty"}}]}]}
    error = PhronyAPIError(400, "/v1/agents/a/runs", json.dumps(body))
    assert error.server_message == "input.email: email must be an email, email is empty"


# -- what the service's statuses mean -------------------------------------------------------


async def test_409_on_a_run_start_says_the_start_was_blocked_not_refresh(client, rec):
    rec.on("POST", "/v1/agents/agent-1/runs", 409, {"statusCode": 409, "message": "Agent blocked by firewall"})
    with pytest.raises(PhronyAPIError) as info:
        await client.start_run("agent-1", {})
    text = str(info.value)
    assert "not started" in text and "blocked" in text and "refresh" not in text
    assert text.endswith("Server said: Agent blocked by firewall")


async def test_409_on_a_message_still_says_refresh(client, rec):
    rec.on("POST", "/v1/runs/r1/messages", 409, {"message": "already answered"})
    with pytest.raises(PhronyAPIError) as info:
        await client.send_run_message("r1", text="hi")
    assert "refresh" in str(info.value) and "not started" not in str(info.value)


async def test_401_with_a_workspace_access_token_says_a_phk_key_is_needed(rec):
    token = "pwt_workspace_SECRET_0123456789"
    rec.on("GET", "/v1/runs/r1", 401, {"statusCode": 401, "message": "Unauthorized"})
    async with PhronyClient(BASE, token, transport=rec.transport()) as api:
        with pytest.raises(PhronyAPIError) as info:
            await api.get_run("r1")
    text = str(info.value)
    assert "workspace access token" in text and "phk_" in text and "other routes" in text
    assert token not in text and token not in repr(info.value)
    assert info.value.workspace_token is True


async def test_401_with_a_phk_key_keeps_the_usual_advice(client, rec):
    rec.on("GET", "/v1/runs/r1", 401, {"message": "Unauthorized"})
    with pytest.raises(PhronyAPIError) as info:
        await client.get_run("r1")
    assert "missing or invalid" in str(info.value) and "workspace" not in str(info.value)
