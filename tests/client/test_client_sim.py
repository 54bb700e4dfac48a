"""Every client method against the simulator on a real loopback port (fixtures in tests/conftest.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    PhronyTimeoutError,
    PhronyUsageError,
    RunEvent,
)
from phrony_tui.sim import Faults, SimServer, Simulator

UNKNOWN_RUN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def client(sim, sim_base_url):
    async with PhronyClient(sim_base_url, sim.keys.admin) as c:
        yield c


def last_received(sim, method: str | None = None):
    entries = [r for r in sim.received if method is None or r[0] == method]
    return entries[-1]


def pending_run(sim, scenario: str, status: str) -> str:
    found = sim.find_sessions(scenario, status=status)
    assert found, f"the simulator has no {scenario} session in {status}"
    return found[0][1]


async def next_event(stream, predicate, timeout: float = 5.0) -> RunEvent:
    async def find():
        async for event in stream:
            if predicate(event):
                return event
        raise AssertionError("the stream ended first")

    return await asyncio.wait_for(find(), timeout)


# ---- agents ----------------------------------------------------------------------------------

@pytest.mark.full_world
async def test_list_sessions_paging_and_filters(client, sim):
    agent = sim.agents["hitl"]
    first = await client.list_sessions(agent, take=10)
    assert len(first.items) == 10 and first.total > 10
    second = await client.list_sessions(agent, skip=10, take=10)
    assert {s.id for s in first.items}.isdisjoint({s.id for s in second.items})
    assert second.total == first.total
    assert all(s.agent_id == agent and s.open_run_id for s in first.items)
    waiting = await client.list_sessions(agent, take=100, status="WaitingForHITL")
    assert waiting.total >= 1 and all(s.status == "WaitingForHITL" for s in waiting.items)
    assert waiting.total < first.total
    assert ("GET", f"/v1/agents/{agent}/sessions?skip=0&take=100&status=WaitingForHITL", 200) in sim.requests


async def test_start_run_sends_the_input(client, sim):
    agent = sim.agents["hitl"]
    result = await client.start_run(agent, input={"customer": "Ada", "amount": 120.5})
    assert result.status == "Running" and result.run_id and result.session_id and result.agent_id == agent
    assert last_received(sim) == ("POST", f"/v1/agents/{agent}/runs", {"input": {"customer": "Ada", "amount": 120.5}})
    assert sim.status(result.run_id) == "Running"
    await client.start_run(sim.agents["timer"])
    assert last_received(sim)[2] == {"input": {}}


async def test_start_run_400_on_bad_input(client, sim):
    with pytest.raises(PhronyAPIError) as info:
        await client.start_run(sim.agents["hitl"], input={"amount": "lots"})
    assert info.value.status == 400 and "input.amount must be a number" in str(info.value)


# ---- runs ------------------------------------------------------------------------------------

async def test_get_run_and_conversation(client, sim):
    run_id = pending_run(sim, "hitl", "WaitingForHITL")
    state = await client.get_run(run_id)
    assert state.run_id == run_id and state.status == "WaitingForHITL"
    conv = await client.get_conversation(run_id)
    assert conv.session.status == "WaitingForHITL" and conv.runs[0].id == run_id
    ordinals = [item.ordinal for item in conv.items]
    assert ordinals == sorted(ordinals) and len(ordinals) == len(set(ordinals))
    tasks = [i for i in conv.items if i.type == "UserTaskReq"]
    assert tasks and tasks[-1].content["user_task_id"] == sim.pending_tasks(run_id)[0]["id"]
    full_keys = set(tasks[-1].content)
    slim = await client.get_conversation(run_id, step_content="slim")
    slim_keys = set(slim.items[conv.items.index(tasks[-1])].content)
    assert {"run_id", "session_id"} <= full_keys and not ({"run_id", "session_id"} & slim_keys)
    assert ("GET", f"/v1/runs/{run_id}/conversation?stepContent=slim", 200) in sim.requests


@pytest.mark.full_world
async def test_redacted_conversation_parses(client, sim):
    _session_id, run_id = sim.find_sessions("redacted", status="Completed")[0]
    conv = await client.get_conversation(run_id)
    assert {i.type for i in conv.items} == {"SessionCompleted", "RunCompleted"}
    assert conv.session.input is None


async def test_unknown_and_malformed_ids(client, sim):
    with pytest.raises(PhronyAPIError) as info:
        await client.get_run(UNKNOWN_RUN)
    assert info.value.status == 404 and "no such run" in str(info.value)
    with pytest.raises(PhronyAPIError) as info:
        await client.get_run("not-a-uuid")
    assert info.value.status == 400 and "must be a UUID" in str(info.value)
    with pytest.raises(PhronyAPIError) as info:
        await client.list_sessions(sim.agents["hitl"], take=100_000)
    assert info.value.status == 400 and "take" in info.value.body


async def test_approve_hitl_task_exact_body_then_completes(client, sim):
    run_id = pending_run(sim, "hitl", "WaitingForHITL")
    task = sim.pending_tasks(run_id)[0]
    assert task["kind"] == "approval"
    result = await client.send_run_message(run_id, user_task_id=task["id"], approved=True)
    assert result.status == "Running"
    assert last_received(sim) == ("POST", f"/v1/runs/{run_id}/messages",
                                  {"runId": run_id, "userTaskId": task["id"], "approved": True})
    sim.advance(60)
    assert (await client.get_run(run_id)).status == "Completed"
    # Answering again: 409 with the server's words.
    with pytest.raises(PhronyAPIError) as info:
        await client.send_run_message(run_id, user_task_id=task["id"], approved=False)
    assert info.value.status == 409 and "no longer pending" in str(info.value)


async def test_reject_via_input_path(client, sim):
    run_id = pending_run(sim, "hitl", "WaitingForHITL")
    task = sim.pending_tasks(run_id)[0]
    await client.send_run_message(run_id, user_task_id=task["id"], approved=False, path="input")
    assert last_received(sim) == ("POST", f"/v1/runs/{run_id}/input",
                                  {"runId": run_id, "userTaskId": task["id"], "approved": False})
    sim.advance(60)
    assert (await client.get_run(run_id)).status == "Failed"


async def test_multi_option_text_and_number_tasks(client, sim):
    run_id = pending_run(sim, "options", "WaitingForHITL")
    task = sim.pending_tasks(run_id)[0]
    await client.send_run_message(run_id, user_task_id=task["id"], selected_option_id=task["options"][2]["id"])
    assert last_received(sim)[2] == {"runId": run_id, "userTaskId": task["id"], "selectedOptionId": "opt_evening"}

    run_id = pending_run(sim, "text", "WaitingForHITL")
    task = sim.pending_tasks(run_id)[0]
    await client.send_run_message(run_id, user_task_id=task["id"], text_value="Offline mode is here",
                                  metadata={"via": "phrony-tui"})
    assert last_received(sim)[2] == {"runId": run_id, "userTaskId": task["id"], "textValue": "Offline mode is here",
                                     "metadata": {"via": "phrony-tui"}}

    run_id = pending_run(sim, "number", "WaitingForHITL")
    task = sim.pending_tasks(run_id)[0]
    await client.send_run_message(run_id, user_task_id=task["id"], number_value=4500)
    assert last_received(sim)[2] == {"runId": run_id, "userTaskId": task["id"], "numberValue": 4500}
    sim.advance(60)
    assert (await client.get_run(run_id)).status == "Completed"


async def test_wrong_answer_field_is_a_400_with_the_server_message(client, sim):
    run_id = pending_run(sim, "hitl", "WaitingForHITL")
    task = sim.pending_tasks(run_id)[0]
    with pytest.raises(PhronyAPIError) as info:
        await client.send_run_message(run_id, user_task_id=task["id"], text_value="yes please")
    assert info.value.status == 400 and "send approved" in str(info.value)


async def test_dashboard_only_task_error_is_shown(client, sim):
    run_id = next(rid for _, rid in sim.find_sessions("multi", status="WaitingForHITL")
                  if any(t["kind"] == "anomaly_review" for t in sim.pending_tasks(rid)))
    task = next(t for t in sim.pending_tasks(run_id) if t["kind"] == "anomaly_review")
    with pytest.raises(PhronyAPIError) as info:
        await client.send_run_message(run_id, user_task_id=task["id"], approved=True)
    assert info.value.status == 400 and "dashboard" in str(info.value)


async def test_root_only_key_root_run_ok_sub_agent_run_403(sim, sim_base_url):
    run_id = pending_run(sim, "multi", "WaitingForAITL")
    async with PhronyClient(sim_base_url, sim.keys.root_only) as client:
        conv = await client.get_conversation(run_id)
        subs = [r for r in conv.runs if r.depth > 0]
        assert subs and max(r.depth for r in conv.runs) >= 2
        with pytest.raises(PhronyAPIError) as info:
            await client.get_run(subs[0].id)
        assert info.value.status == 403 and "scope" in str(info.value)
        with pytest.raises(PhronyAPIError) as info:
            async with client.stream_run_events(subs[0].id):
                pass
        assert info.value.status == 403
        with pytest.raises(PhronyAPIError) as info:
            await client.list_sessions(sim.agents["hitl"])
        assert info.value.status == 403
        # The escalation raised by a sub-agent is answered through the root run.
        task = next(t for t in sim.pending_tasks(run_id) if t["kind"] == "aitl_escalation")
        await client.send_run_message(run_id, user_task_id=task["id"], text_value="Use the EHPA figure.")
    assert last_received(sim)[2] == {"runId": run_id, "userTaskId": task["id"], "textValue": "Use the EHPA figure."}


@pytest.mark.parametrize("key", ["phk_wrong_key_00000000000000000000", None])
async def test_401(sim, sim_base_url, key):
    async with PhronyClient(sim_base_url, key) as client:
        with pytest.raises(PhronyAPIError) as info:
            await client.list_sessions(sim.agents["hitl"])
    err = info.value
    assert err.status == 401 and "PHRONY_API_KEY" in str(err)
    assert ("invalid API key" if key else "missing X-API-Key") in str(err)


async def test_chat_reply_text(client, sim):
    run_id = pending_run(sim, "chat", "WaitingForResponse")
    result = await client.send_run_message(run_id, text="My invoice never arrived.")
    assert result.status == "Running"
    assert last_received(sim)[2] == {"runId": run_id, "text": "My invoice never arrived."}
    with pytest.raises(PhronyUsageError):
        await client.send_run_message(run_id, text="  ")
    assert last_received(sim)[2] == {"runId": run_id, "text": "My invoice never arrived."}


async def test_skip_agent_wait(client, sim):
    run_id = pending_run(sim, "timer", "WaitingForTimer")
    received = len(sim.received)
    result = await client.skip_agent_wait(run_id)
    assert result.status == "Running"
    assert sim.received[received:] == [("POST", f"/v1/runs/{run_id}/skip-agent-wait", None)]
    with pytest.raises(PhronyAPIError) as info:
        await client.skip_agent_wait(run_id)
    assert info.value.status == 400 and "not waiting on a timer" in str(info.value)


# ---- files -----------------------------------------------------------------------------------

async def test_upload_round_trip_and_attach(client, sim, tmp_path):
    path = tmp_path / "invoice-march.pdf"
    data = b"%PDF-1.7 not really a pdf \x00\xff"
    path.write_bytes(data)
    start = len(sim.received)
    uploaded = await client.upload_file(path)
    presign, put, finalize = sim.received[start:]
    assert presign == ("POST", "/v1/file-library/presign",
                       {"filename": "invoice-march.pdf", "mediaType": "application/pdf", "maxContentLength": len(data)})
    assert put[0] == "PUT" and put[1].startswith("/_uploads/")
    assert finalize == ("POST", "/v1/file-library/finalize",
                        {"objectKey": uploaded.object_key, "maxContentLength": len(data),
                         "filename": "invoice-march.pdf", "mediaType": "application/pdf"})
    assert sim.objects[uploaded.object_key].data == data and sim.objects[uploaded.object_key].finalized
    assert uploaded.size == len(data) and uploaded.leaf_name == "invoice-march.pdf"
    assert uploaded.already_finalized is False
    # finalize is idempotent
    again = await client.finalize_file(uploaded.object_key, len(data))
    assert again.already_finalized is True and again.size_bytes == str(len(data))

    run_id = pending_run(sim, "chat", "WaitingForResponse")
    await client.send_run_message(run_id, text="here it is", files=[uploaded])
    assert last_received(sim)[2] == {"runId": run_id, "text": "here it is", "files": [uploaded.as_attachment()]}
    sim.advance(30)
    conv = await client.get_conversation(run_id)
    assert any(i.type == "ToolCall" and i.content.get("arguments", {}).get("objectKey") == uploaded.object_key
               for i in conv.items)

    # and as a run input reference
    result = await client.start_run(sim.agents["hitl"], input={"receipt": uploaded.as_input_reference()})
    assert result.run_id


async def test_upload_bytes_files_only_message(client, sim):
    uploaded = await client.upload_file(b"col_a,col_b\n1,2\n", filename="table.csv")
    assert uploaded.media_type == "text/csv"
    run_id = pending_run(sim, "chat", "WaitingForResponse")
    await client.send_run_message(run_id, files=[{"phronyFile": True, "objectKey": uploaded.object_key}])
    assert last_received(sim)[2] == {"runId": run_id, "files": [{"phronyFile": True, "objectKey": uploaded.object_key}]}


async def test_uploads_403_without_permission(sim, sim_base_url):
    start = len(sim.received)
    async with PhronyClient(sim_base_url, sim.keys.no_uploads) as client:
        with pytest.raises(PhronyAPIError) as info:
            await client.upload_file(b"hello", filename="a.txt")
    err = info.value
    assert err.status == 403 and err.path == "/v1/file-library/presign"
    assert "Allow file uploads" in str(err)
    assert [r[:2] for r in sim.received[start:]] == [("POST", "/v1/file-library/presign")]


async def test_presigned_put_carries_no_key(client, sim):
    # The simulator answers 400 to a PUT with X-API-Key; the upload works, so none was sent.
    await client.upload_file(b"x" * 10, filename="k.txt")
    put_path = last_received(sim, "PUT")[1]
    assert ("PUT", put_path, 200) in sim.requests


async def test_finalize_with_wrong_length_is_400(client, sim):
    presign = await client.presign_file("a.txt", "text/plain", 5)
    with pytest.raises(PhronyAPIError) as info:
        await client.finalize_file(presign.object_key, 6)
    assert info.value.status == 400 and "maxContentLength" in str(info.value)


# ---- faults ----------------------------------------------------------------------------------

async def test_rate_limited_429_retry_after(client, sim):
    sim.faults = Faults(rate_limit_share=1.0, retry_after=3)
    with pytest.raises(PhronyAPIError) as info:
        await client.get_run(UNKNOWN_RUN)
    err = info.value
    assert err.status == 429 and err.retry_after == 3.0 and "retry after 3 s" in str(err)


async def test_server_error_500(client, sim):
    sim.faults = Faults(error_share=1.0)
    with pytest.raises(PhronyAPIError) as info:
        await client.list_sessions(sim.agents["hitl"])
    assert info.value.status == 500 and "try again later" in str(info.value)


# ---- streams ---------------------------------------------------------------------------------

async def test_stream_follows_a_run_as_the_simulator_advances(client, sim):
    started = await client.start_run(sim.agents["hitl"], input={"customer": "Grace", "amount": 300})
    async with client.stream_run_events(started.run_id) as stream:
        assert stream.stats.connected
        sim.advance(30)
        created = await next_event(stream, lambda e: e.kind == "user_task")
        assert created.subject == "engine.user_task.created" and created.data["kind"] == "approval"
        await client.send_run_message(started.run_id, user_task_id=created.data["userTaskId"], approved=True)
        sim.advance(60)
        rest = await asyncio.wait_for(_drain(stream), 5)
    subjects = [e.subject for e in rest]
    assert subjects[-1] == "engine.session.completed" and rest[-1].data["status"] == "Completed"
    assert any(s.startswith("engine.step.") for s in subjects)
    stats = stream.stats
    assert stats.skipped == 0 and stats.events > 10 and stats.closed and not stats.connected


async def _drain(stream):
    return [event async for event in stream]


async def test_stream_counts_malformed_data_and_ends_on_cut(client, sim):
    started = await client.start_run(sim.agents["options"])
    sim.faults = Faults(malformed_every=2, cut_after_events=6)
    async with client.stream_run_events(started.run_id) as stream:  # connected before time moves
        sim.advance(30)
        events = await asyncio.wait_for(_drain(stream), 5)
    assert len(events) == 6 and stream.stats.events == 6
    assert stream.stats.skipped == 3 and stream.stats.last_skipped == "{this is not json"


async def test_stalled_stream_raises_timeout(sim, sim_base_url):
    async with PhronyClient(sim_base_url, sim.keys.admin, stream_read_timeout=0.5) as client:
        started = await client.start_run(sim.agents["options"])
        sim.faults = Faults(stall_after_events=2, stall_seconds=10)
        got = []
        with pytest.raises(PhronyTimeoutError):
            async with client.stream_run_events(started.run_id) as stream:
                sim.advance(30)
                async for event in stream:
                    got.append(event)
    assert len(got) == 2


async def test_stream_of_finished_session_ends(client, sim):
    _, run_id = sim.find_sessions("hitl", status="Completed")[0]
    events = await asyncio.wait_for(_drain(client.stream_run_events(run_id)), 5)
    assert events == []


async def test_redacted_stream_has_no_steps(client, sim):
    started = await client.start_run(sim.agents["redacted"])
    async with client.stream_run_events(started.run_id) as stream:
        sim.advance(30)
        events = await asyncio.wait_for(_drain(stream), 5)
    kinds = {e.kind for e in events}
    assert kinds <= {"session", "run"} and "engine.subagent.spawned" not in {e.subject for e in events}
    assert events[-1].subject == "engine.session.completed"


# ---- the big session --------------------------------------------------------------------------

async def test_big_conversation_parses_in_order():
    sim = Simulator(seed=7, big_steps=3000)
    with SimServer(sim) as server:
        async with PhronyClient(server.base_url, sim.keys.admin) as client:
            conv = await client.get_conversation(sim.big_session.root.id)
            slim = await client.get_conversation(sim.big_session.root.id, step_content="slim")
    assert len(conv.items) >= 3000 and len(slim.items) == len(conv.items)
    ordinals = [i.ordinal for i in conv.items]
    assert ordinals == list(range(1, len(ordinals) + 1))
    assert len(repr(conv)) < 200


# ---- the key stays secret -----------------------------------------------------------------------

async def test_key_nowhere_in_reprs_errors_or_logs(sim, sim_base_url, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "phrony_tui", "asyncio", "uvicorn"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    secrets = [sim.keys.admin, sim.keys.no_uploads, sim.keys.root_only]
    errors: list[BaseException] = []
    run_id = pending_run(sim, "multi", "WaitingForAITL")
    async with PhronyClient(sim_base_url, sim.keys.root_only, stream_read_timeout=0.3) as client:
        objects = [client, client._http, client._auth]
        conv = await client.get_conversation(run_id)
        sub = next(r.id for r in conv.runs if r.depth > 0)
        calls = [
            lambda: client.get_run(sub),
            lambda: client.get_conversation(UNKNOWN_RUN),
            lambda: client.send_run_message(run_id, user_task_id="nope", approved=True),
            lambda: client.upload_file(b"x", filename="a.txt"),
            lambda: client.list_sessions(sim.agents["hitl"]),
            lambda: client.send_run_message(run_id),
        ]
        for call in calls:
            try:
                await call()
            except Exception as exc:
                errors.append(exc)
        stream = client.stream_run_events(run_id)
        try:
            async with stream:
                async for _ in stream:
                    pass
        except Exception as exc:
            errors.append(exc)
        objects.append(stream)
    async with PhronyClient(sim_base_url, sim.keys.admin) as admin:
        uploaded = await admin.upload_file(b"abc", filename="f.txt")
        objects += [admin, uploaded]
    assert len(errors) == 7  # 5 API errors, 1 usage error, 1 stream timeout
    assert {type(e).__name__ for e in errors} == {"PhronyAPIError", "PhronyUsageError", "PhronyTimeoutError"}
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [repr(vars(e)) for e in errors]
    texts += [repr(o) for o in objects] + [str(o) for o in objects]
    texts.append(caplog.text)
    texts += [repr(r.args) for r in caplog.records]
    assert any("/v1/runs/" in r.getMessage() for r in caplog.records if r.name.startswith("phrony_tui"))
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    for secret in secrets:
        for text in texts:
            assert secret not in text
