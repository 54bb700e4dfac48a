"""The SSE stream: framing, subjects, heartbeats, multi-line data, end of stream, redaction, firehose."""

from __future__ import annotations

import json

import httpx
from sim_helpers import conversation, message, pending_task, read_sse, start, stream

from phrony_tui.sim import Simulator


def test_stream_of_a_hitl_session_until_it_ends(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "hitl")["runId"]
    with stream(http, run_id) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        sim.advance(60)
        first = read_sse(response, until=lambda e: e["subject"] == "engine.session.paused")
        task = pending_task(conversation(http, run_id))
        assert message(http, run_id, {"userTaskId": task["user_task_id"], "approved": True}).status_code == 202
        sim.advance(60)
        rest = read_sse(response)
    assert rest.closed, "the stream ends once the session is terminal"
    events = first.events + rest.events
    for event in events:
        assert list(event) == ["ts", "kind", "subject", "data"]
        assert event["kind"] in {"session", "run", "step", "user_task", "aitl"}
    subjects = [e["subject"] for e in events]
    assert subjects[:3] == ["engine.session.started", "engine.run.started", "engine.step.llm_request_prepared"]
    for subject in ("engine.user_task.created", "engine.run.paused", "engine.session.paused",
                    "engine.user_task.completed", "engine.session.resumed", "engine.step.ToolCall",
                    "engine.step.UserTaskReq", "engine.run.completed"):  # fmt: skip
        assert subject in subjects, subject
    assert subjects[-1] == "engine.session.completed"
    assert events[-1]["data"]["status"] == "Completed"
    # step events carry the conversation item (same id/ordinal), so a client can de-duplicate
    conv_items = {item["id"]: item for item in conversation(http, run_id)["items"]}
    steps = [e["data"] for e in events if e["kind"] == "step"]
    assert steps and all(conv_items[s["id"]]["ordinal"] == s["ordinal"] for s in steps)
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    created = next(e for e in events if e["subject"] == "engine.user_task.created")
    assert created["data"]["userTaskId"] == task["user_task_id"] and created["data"]["kind"] == "approval"
    assert first.multiline >= 1 and rest.multiline >= 1  # some data fields span several lines


def test_raw_framing_has_multiline_data(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "options")["runId"]
    with stream(http, run_id) as response:
        sim.advance(60)
        raw = b""
        for chunk in response.iter_bytes():
            raw += chunk
            if raw.count(b"\n\n") >= 8:
                break
    blocks = raw.split(b"\n\n")[:8]
    multi = [block for block in blocks if block.count(b"\ndata:") >= 1]
    assert multi, blocks
    joined = "\n".join(line[len("data: "):] for line in multi[0].decode().split("\n"))
    assert json.loads(joined)["kind"]
    singles = [block for block in blocks if b"\n" not in block]
    assert singles and all(block.startswith(b"data: {") for block in singles)


def test_heartbeat_comments(http: httpx.Client, sim: Simulator) -> None:
    sim.heartbeat_seconds = 0.05
    run_id = sim.find_sessions("hitl", "WaitingForHITL")[0][1]
    with stream(http, run_id) as response:
        got = read_sse(response, comments_wanted=3)
    assert got.comments[:3] == ["ping"] * 3 and got.events == []


def test_a_terminal_session_stream_closes_at_once(http: httpx.Client, sim: Simulator) -> None:
    run_id = sim.find_sessions("hitl", "Completed")[0][1]
    with stream(http, run_id, read_timeout=2) as response:
        got = read_sse(response)
    assert response.status_code == 200 and got.closed and got.events == []


def test_multi_stream_spawns_and_aitl(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "multi")["runId"]
    with stream(http, run_id) as response:
        sim.advance(120)
        got = read_sse(response, until=lambda e: e["subject"] == "engine.session.paused")
    kinds = {e["kind"] for e in got.events}
    assert kinds == {"session", "run", "step", "user_task", "aitl"}
    spawned = [e["data"] for e in got.events if e["subject"] == "engine.subagent.spawned"]
    assert [s["depth"] for s in spawned] == [1, 2, 3]
    assert all(s["parentRunId"] and s["agentName"] for s in spawned)
    assert "engine.aitl.escalated" in got.subjects
    assert got.events[-1]["data"]["status"] == "WaitingForAITL"


def test_sub_run_stream_covers_its_subtree(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "multi")["runId"]
    sim.advance(4)
    conv = conversation(http, run_id)
    researcher = conv["runs"][1]["id"]
    with stream(http, researcher) as response:
        sim.advance(120)
        got = read_sse(response, until=lambda e: e["subject"] == "engine.session.paused")
    run_ids = {e["data"].get("runId") for e in got.events if e["kind"] != "session"}
    assert run_id not in run_ids
    sub_tree = {run["id"] for run in conversation(http, run_id)["runs"][1:]}
    assert run_ids <= sub_tree and len(run_ids) == 3


def test_redacted_stream_drops_timeline_events(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "redacted")["runId"]
    with stream(http, run_id) as response:
        sim.advance(60)
        got = read_sse(response)
    assert got.closed
    assert {e["kind"] for e in got.events} == {"session", "run"}
    assert "engine.subagent.spawned" not in got.subjects
    assert got.subjects.count("engine.run.started") == 2 and got.subjects[-1] == "engine.session.completed"


def test_stream_sees_a_reply_and_resume(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "chat")["runId"]
    sim.advance(5)
    with stream(http, run_id) as response:
        assert message(http, run_id, {"text": "hi there"}).status_code == 202
        got = read_sse(response, until=lambda e: e["subject"] == "engine.session.resumed")
        sim.advance(10)
        more = read_sse(response, until=lambda e: e["subject"] == "engine.step.user_message")
    assert got.subjects == ["engine.run.resumed", "engine.session.resumed"]
    assert more.events[-1]["data"]["content"]["text"] == "hi there"


def test_firehose(http: httpx.Client, sim: Simulator) -> None:
    sim.firehose_events = 20_000
    run_id = sim.find_sessions("firehose")[0][1]
    with stream(http, run_id) as response:  # each read times out after 10 s: the hang guard
        got = read_sse(response)
    assert got.closed and len(got.events) == 20_002
    steps = got.events[:-2]
    assert all(e["kind"] == "step" for e in steps)
    assert [e["data"]["ordinal"] for e in steps[:3]] == [3, 4, 5]
    assert len({e["data"]["id"] for e in steps}) == 20_000
    assert got.subjects[-2:] == ["engine.run.completed", "engine.session.completed"]
    assert http.get(f"/v1/runs/{run_id}").json()["status"] == "Completed"
    # a new run on the firehose agent is a fresh firehose
    fresh = start(http, sim, "firehose")["runId"]
    with stream(http, fresh) as response:
        assert len(read_sse(response, limit=10).events) == 10


def test_the_firehose_s_completion_rows_number_after_its_streamed_steps():
    """The firehose keeps none of its streamed steps, but what comes after them (the
    completion rows) is numbered after them, as a real server's would be."""
    import json as _json

    import httpx

    from phrony_tui.sim import SimServer, Simulator

    sim = Simulator(big_steps=10, firehose_events=50)
    with SimServer(sim) as server:
        _, run_id = sim.start_session("firehose")
        headers = {"X-API-Key": sim.keys.admin}
        with httpx.Client(base_url=server.base_url, headers=headers, trust_env=False, timeout=10) as client:
            with client.stream("GET", f"/v1/runs/{run_id}/stream") as response:
                steps = [_json.loads(line[6:])["data"] for line in response.iter_lines()
                         if line.startswith("data: ") and '"kind":"step"' in line]  # fmt: skip
            items = client.get(f"/v1/runs/{run_id}/conversation").json()["items"]
    last_streamed = max(step["ordinal"] for step in steps)
    completions = [item for item in items if item["type"] in ("RunCompleted", "SessionCompleted")]
    assert len(steps) == 50 and completions
    assert min(item["ordinal"] for item in completions) > last_streamed
    assert min(item["sequence"] for item in completions if item["type"] == "RunCompleted") > max(s["sequence"] for s in steps)
