"""The two dialects over HTTP on a loopback port: docs-minimal sends only what the docs promise,
friendly stays as it was. And the corrections both share (execution modes, maxDepth, step_kind,
dashboard test runs, agent-in-the-loop without a person, escalations that can be declined)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

import httpx
import pytest
from sim_helpers import conversation, message, pending_task, read_sse, start, stream, types

from phrony_tui.sim import DIALECTS, Faults, Simulator
from phrony_tui.sim.cli import build_parser
from tests.support.processes import phrony_tui_command
from tests.support.waiting import WAIT_TIMEOUT

both = pytest.mark.parametrize("sim_dialect", DIALECTS)
minimal = pytest.mark.parametrize("sim_dialect", ["docs-minimal"])
friendly = pytest.mark.parametrize("sim_dialect", ["friendly"])

NEW_STEPS = {
    "friendly": ["subagent_call", "aitl_request", "aitl_received", "aitl_response", "aitl_resolved",
                 "subagent_result"],
    "docs-minimal": ["SubAgentCall", "AitlRequest", "AITLReceived", "AITL-Response", "aitl-resolved",
                     "sub_agent_result"],
}  # fmt: skip
ESCALATION_ANSWER = {"friendly": "escalation_answer", "docs-minimal": "EscalationAnswered"}
USER_REPLY = {"friendly": "user_message", "docs-minimal": "UserResponded"}


def same_step(streamed: dict[str, Any], item: dict[str, Any]) -> bool:
    """The streamed step is the conversation item (a task's status may have moved on since)."""
    if streamed["type"] == "UserTaskReq":
        return streamed["content"]["user_task_id"] == item["content"]["user_task_id"] and list(streamed) == list(item)
    return streamed == item


def hitl_stream_events(http: httpx.Client, sim: Simulator) -> list[dict[str, Any]]:
    """Every event of a hitl session from start to end, approved on the way."""
    run_id = start(http, sim, "hitl")["runId"]
    with stream(http, run_id) as response:
        sim.advance(60)
        first = read_sse(response, until=lambda e: e["subject"] == "engine.step.UserTaskReq")
        task = pending_task(conversation(http, run_id))
        assert message(http, run_id, {"userTaskId": task["user_task_id"], "approved": True}).status_code == 202
        sim.advance(60)
        rest = read_sse(response)
    assert rest.closed
    return first.events + rest.events


@both
def test_event_data_status_and_task_ids(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    events = hitl_stream_events(http, sim)
    run_id = events[1]["data"]["runId"]
    items = {item["id"]: item for item in conversation(http, run_id)["items"]}
    others = [e["data"] for e in events if e["kind"] != "step"]
    steps = [e["data"] for e in events if e["kind"] == "step"]
    assert {e["kind"] for e in events} >= {"session", "run", "step", "user_task"}
    if sim_dialect == "docs-minimal":
        assert not [d for d in others if {"status", "userTaskId", "reason", "output", "kind"} & set(d)]
        assert all(same_step(step, items[step["id"]]) for step in steps)  # the step, nothing more
    else:
        assert all("status" in d for d in others)
        assert any("userTaskId" in d for d in others)
        assert all(step.pop("sessionId") and same_step(step, items[step["id"]]) for step in steps)


@both
def test_heartbeats(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    sim.heartbeat_seconds = 0.02
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    with stream(http, run_id) as response:
        if sim_dialect == "friendly":
            assert read_sse(response, comments_wanted=2).comments == ["ping", "ping"]
            return
        time.sleep(0.3)  # fifteen heartbeat periods of silence
        task = sim.pending_tasks(run_id)[0]
        assert message(http, run_id, {"userTaskId": task["id"], "approved": False}).status_code == 202
        got = read_sse(response, until=lambda e: e["subject"] == "engine.session.resumed")
    assert got.events and got.comments == []


@minimal
def test_minimal_raw_stream_has_no_comment_lines(http: httpx.Client, sim: Simulator) -> None:
    sim.heartbeat_seconds = 0.02
    sim.firehose_events = 30
    _, run_id = sim.find_sessions("firehose")[0]
    with stream(http, run_id) as response:
        raw = response.read()
    assert raw.count(b"data: ") >= 32 and not [line for line in raw.split(b"\n") if line.startswith(b":")]
    assert b'"sessionId"' not in raw.split(b"engine.run.completed")[0]


@both
def test_new_step_kinds_and_their_spellings(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    run_id = start(http, sim, "multi", {"variant": "ask_parent"})["runId"]
    sim.advance(200)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Completed"
    seen = [t for t in types(conv) if t in NEW_STEPS[sim_dialect]]
    assert seen == NEW_STEPS[sim_dialect]
    other = NEW_STEPS["friendly" if sim_dialect == "docs-minimal" else "docs-minimal"]
    assert not set(other) & set(types(conv))
    call = next(item for item in conv["items"] if item["type"] == NEW_STEPS[sim_dialect][0])
    assert call["content"]["child_run_id"] == conv["runs"][1]["id"] and call["content"]["sub_agent"] == "Web Researcher"
    chat_run = start(http, sim, "chat")["runId"]
    sim.advance(5)
    assert message(http, chat_run, {"text": "hello"}).status_code == 202
    sim.advance(5)
    assert USER_REPLY[sim_dialect] in types(conversation(http, chat_run))


def test_step_kind_equals_the_type(either: httpx.Client, either_sim: Simulator) -> None:
    checked = set()
    for scenario in ("hitl", "multi", "chat", "failing", "big"):
        for _, run_id in either_sim.find_sessions(scenario)[:4]:
            for item in conversation(either, run_id)["items"]:
                if item["type"] not in ("RunCompleted", "SessionCompleted"):
                    assert item["content"]["step_kind"] == item["type"], item
                    checked.add(item["type"])
    assert {"ToolCall", "ToolResult", "reasoning", "Reasoning", "UserTaskReq", "llm_request_prepared"} <= checked


@both
def test_a_sub_agent_asks_its_parent_agent(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    """Child WaitingForAITL, root and session Running, no task for anyone; it resolves by itself."""
    run_id = start(http, sim, "multi", {"variant": "ask_parent"})["runId"]
    sim.advance(12)
    conv = conversation(http, run_id)
    child = conv["runs"][1]["id"]
    assert http.get(f"/v1/runs/{child}").json()["status"] == "WaitingForAITL"
    assert http.get(f"/v1/runs/{run_id}").json()["status"] == "Running"
    assert conv["session"]["status"] == "Running"
    assert "UserTaskReq" not in types(conv) and sim.pending_tasks(run_id) == []
    listed = http.get(f"/v1/agents/{sim.agents['multi']}/sessions", params={"take": 500}).json()["items"]
    assert next(s for s in listed if s["rootRunId"] == run_id)["status"] == "Running"
    sim.advance(120)  # nobody answers
    assert http.get(f"/v1/runs/{child}").json()["status"] == "Completed"
    assert conversation(http, run_id)["session"]["status"] == "Completed"


@both
@pytest.mark.parametrize("answer", [{"textValue": "Use the newer figure."}, {"approved": False}])
def test_an_escalation_to_a_person(http: httpx.Client, sim: Simulator, sim_dialect: str, answer: dict) -> None:
    run_id = start(http, sim, "multi", {"variant": "escalate"})["runId"]
    sim.advance(30)
    conv = conversation(http, run_id)
    task = pending_task(conv, "aitl_escalation")
    assert task["question"] != task["question_for_user"] and task["question_for_user"]
    assert task["child_run_id"] == conv["runs"][1]["id"]
    raised_by = next(item["runId"] for item in conv["items"] if item["content"].get("user_task_id") == task["user_task_id"])
    assert raised_by == run_id  # the parent's task
    assert http.get(f"/v1/runs/{conv['runs'][1]['id']}").json()["status"] == "WaitingForAITL"
    bad = message(http, run_id, {"userTaskId": task["user_task_id"], "approved": True})
    assert bad.status_code == 400
    assert message(http, run_id, {"userTaskId": task["user_task_id"], **answer}).status_code == 202
    sim.advance(60)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Completed"
    answered = next(i["content"] for i in conv["items"] if i["type"] == ESCALATION_ANSWER[sim_dialect])
    assert answered["declined"] is (answer.get("approved") is False)


@both
@pytest.mark.full_world
def test_the_sessions_status_filter(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    agent = sim.agents["chat"]
    everything = http.get(f"/v1/agents/{agent}/sessions", params={"take": 500}).json()
    filtered = http.get(f"/v1/agents/{agent}/sessions", params={"take": 500, "status": "WaitingForResponse"}).json()
    statuses = {s["status"] for s in filtered["items"]}
    if sim_dialect == "docs-minimal":
        assert filtered == everything and len(statuses) > 1
    else:
        assert statuses == {"WaitingForResponse"} and filtered["total"] < everything["total"]


@both
@pytest.mark.full_world
def test_page_order(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    agent = sim.agents["hitl"]
    pages = [http.get(f"/v1/agents/{agent}/sessions", params={"skip": skip, "take": 40}).json()["items"]
             for skip in (0, 40, 80)]  # fmt: skip
    started = [s["startedAt"] for page in pages for s in page]
    assert len(started) == 120
    assert started == sorted(started, reverse=sim_dialect == "friendly")


@both
def test_error_bodies(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    _, run_id = sim.find_sessions("chat", "WaitingForResponse")[0]
    empty = message(http, run_id, {"text": ""})
    take = http.get(f"/v1/agents/{sim.agents['chat']}/sessions", params={"take": 0})
    unknown = http.get("/v1/runs/00000000-0000-4000-8000-000000000000")
    assert empty.status_code == take.status_code == 400 and unknown.status_code == 404
    if sim_dialect == "docs-minimal":
        assert empty.json() == {"statusCode": 400, "message": [{"property": "text",
                                "constraints": {"isNotEmpty": "text should not be empty"}}], "error": "Bad Request"}  # fmt: skip
        assert take.json() == {"statusCode": 400, "message": ["take must not be less than 1"], "error": "Bad Request"}
        assert http.get("/v1/runs/nope").json()["message"] == "Validation failed (uuid is expected)"
        assert http.get("/v1/nowhere").json() == {"statusCode": 404, "message": "Cannot GET /v1/nowhere",
                                                  "error": "Not Found"}  # fmt: skip
    else:
        assert isinstance(empty.json()["message"], str) and isinstance(take.json()["message"], str)
    assert isinstance(unknown.json()["message"], str) and unknown.json()["error"] == "Not Found"
    sim.faults = Faults(error_share=1.0)
    failed = http.get(f"/v1/runs/{run_id}").json()
    assert ("error" in failed) is (sim_dialect == "friendly") and isinstance(failed["message"], str)


@both
def test_start_context_modes_and_depth(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    modes = {}
    for key in ("hitl", "chat", "timer", "multi", "multi.analyst"):
        _, run_id = (sim.find_sessions(key) or [(None, start(http, sim, key)["runId"])])[0]
        context = conversation(http, run_id)["session"]["startContext"]
        modes[key] = context["agentExecutionMode"]
        assert context["maxDepth"] == 5 and context["rootAgentExecutionMode"] == context["agentExecutionMode"]
    assert modes == {"hitl": "hitl", "chat": "hitl", "timer": "request", "multi": "hitl", "multi.analyst": "sub_agent"}


@both
@pytest.mark.full_world
def test_dashboard_test_runs_name_a_person(http: httpx.Client, sim: Simulator, sim_dialect: str) -> None:
    rows = http.get(f"/v1/agents/{sim.agents['hitl']}/sessions", params={"take": 500}).json()["items"]
    manual = [row for row in rows if row["triggerType"] == "manual"]
    assert manual and all("@" in row["triggeredBy"] and row["triggerName"] == "Dashboard test run" for row in manual)
    assert all(row["triggeredBy"].startswith("apk_") for row in rows if row["triggerType"] == "api")


@both
def test_the_showcase_world_by_dialect(sim: Simulator, sim_dialect: str) -> None:
    asking = sim.find_sessions("multi", "WaitingForAITL", any_run=True)
    session_level = sim.find_sessions("multi", "WaitingForAITL")
    # fact checkers' escalations (showcase and history), an escalation on the root, a child asking its parent
    assert len(asking) >= 3
    # friendly: all but the child asking its parent; docs-minimal: only the escalation on the root
    assert len(session_level) == (len(asking) - 1 if sim_dialect == "friendly" else 1)
    anomaly = sim.find_sessions("multi", "WaitingForHITL", any_run=True)
    assert anomaly and len(sim.find_sessions("multi", "WaitingForHITL")) == (len(anomaly) if sim_dialect == "friendly" else 0)


def test_the_cli_flag() -> None:
    assert build_parser().parse_args([]).dialect == "friendly"
    assert build_parser().parse_args(["--dialect", "docs-minimal"]).dialect == "docs-minimal"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--dialect", "chatty"])
    with pytest.raises(ValueError, match="unknown simulator dialect"):
        Simulator(big_steps=10, dialect="chatty")


def test_phrony_tui_sim_serves_the_minimal_dialect() -> None:
    process = subprocess.Popen(
        phrony_tui_command("sim", "--port", "0", "--big-steps", "100", "--dialect", "docs-minimal"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        lines: list[str] = []
        while not any(line.startswith("export PHRONY_AGENT_ID=") for line in lines):
            line = process.stdout.readline() if process.stdout else ""
            assert line, process.stderr.read() if process.stderr else ""
            lines.append(line.strip())
        assert "docs-minimal dialect" in lines[0]
        values = dict(line[len("export "):].split("=", 1) for line in lines if line.startswith("export "))
        agent = values["PHRONY_AGENT_ID"].split(",")[0]
        response = httpx.get(f"{values['PHRONY_API_BASE']}/v1/agents/{agent}/sessions", params={"take": 0},
                             headers={"X-API-Key": values["PHRONY_API_KEY"]}, timeout=10)  # fmt: skip
        assert response.json() == {"statusCode": 400, "message": ["take must not be less than 1"], "error": "Bad Request"}
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(WAIT_TIMEOUT)  # a hang guard
    assert code == 0
