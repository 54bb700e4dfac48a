"""Each scenario's progression over simulated time (sim.advance), answered over HTTP."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import conversation, message, pending_task, start, types

from phrony_tui.sim import Simulator


def run_status(http: httpx.Client, run_id: str) -> str:
    return http.get(f"/v1/runs/{run_id}").json()["status"]


def test_start_run_creates_a_listed_session(http: httpx.Client, sim: Simulator) -> None:
    agent = sim.agents["hitl"]
    total = http.get(f"/v1/agents/{agent}/sessions").json()["total"]
    started = start(http, sim, "hitl", {"customer": "Test Person", "amount": 120})
    assert set(started) == {"sessionId", "runId", "status", "totalTokensUsed", "output", "agentId", "triggerId",
                            "duplicateDelivery"}  # fmt: skip
    assert started["status"] == "Running" and started["agentId"] == agent and started["output"] is None
    assert started["duplicateDelivery"] is False and started["triggerId"]
    page = http.get(f"/v1/agents/{agent}/sessions", params={"take": 1}).json()
    assert page["total"] == total + 1
    newest = page["items"][0]
    assert newest["id"] == started["sessionId"] and newest["entryRunId"] == started["runId"]
    assert newest["input"] == {"customer": "Test Person", "amount": 120} and newest["triggerType"] == "api"
    assert newest["startedAt"] == "2026-03-01T12:00:00.000Z"
    # nothing moves until time does
    assert conversation(http, started["runId"])["items"] == []
    sim.advance(3)
    assert len(conversation(http, started["runId"])["items"]) >= 2


def test_hitl_approve(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "hitl", {"customer": "Ada", "amount": 99.5})["runId"]
    sim.advance(60)
    assert run_status(http, run_id) == "WaitingForHITL"
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "WaitingForHITL"
    task = pending_task(conv, "approval")
    assert "99.50 EUR" in task["question"] and task["tool_call"]["name"] == "issue_refund"
    assert task["tool_call"]["arguments"]["amount"] == 99.5
    response = message(http, run_id, {"userTaskId": task["user_task_id"], "approved": True})
    assert response.status_code == 202 and response.json() == {"status": "Running"}
    sim.advance(60)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Completed" and run_status(http, run_id) == "Completed"
    tail = types(conv)[types(conv).index("UserTaskReq") + 1 :]
    assert tail == ["ToolCall", "ToolResult", "output", "RunCompleted", "SessionCompleted"]
    call = conv["items"][-5]["content"]
    assert call["tool_call_id"] == task["tool_call"]["tool_call_id"] and call["name"] == "issue_refund"
    assert conv["items"][-1]["content"]["status"] == "Completed"
    assert conv["session"]["output"]["amount"] == 99.5
    # the task is done: answering again is refused
    again = message(http, run_id, {"userTaskId": task["user_task_id"], "approved": True})
    assert again.status_code == 409
    assert again.json()["message"] == f"user task {task['user_task_id']} is no longer pending (Completed)"


def test_hitl_reject_fails_the_run(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "hitl")["runId"]
    sim.advance(60)
    task = pending_task(conversation(http, run_id))
    response = message(http, run_id, {"userTaskId": task["user_task_id"], "approved": False}, route="input")
    assert response.status_code == 202
    sim.advance(10)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Failed" and "rejected" in conv["session"]["error"]
    assert "ToolCall" not in types(conv)[types(conv).index("UserTaskReq") :]


@pytest.mark.parametrize(
    ("scenario", "kind", "bad", "good", "check"),
    [
        ("options", "multi_option", [{"selectedOptionId": "opt_nope"}, {"approved": True}, {"textValue": "x"}],
         {"selectedOptionId": "opt_train"}, lambda out: "ICE" in out["trip"]),
        ("text", "text", [{"textValue": ""}, {"textValue": 5}, {"numberValue": 1}, {}],
         {"textValue": "Offline mode is here"}, lambda out: out["title"] == "Offline mode is here"),
        ("number", "number", [{"numberValue": "5000"}, {"numberValue": True}, {"textValue": "5000"}],
         {"numberValue": 4500.5}, lambda out: out["cap"] == 4500.5 and out["overCap"] is True),
    ],
)
def test_typed_tasks(http: httpx.Client, sim: Simulator, scenario, kind, bad, good, check) -> None:
    run_id = start(http, sim, scenario)["runId"]
    sim.advance(60)
    assert run_status(http, run_id) == "WaitingForHITL"
    task = pending_task(conversation(http, run_id), kind)
    assert task["question"].endswith("?")
    if kind == "multi_option":
        assert [set(option) for option in task["options"]] == [{"id", "label"}] * 4
    for body in bad:
        response = message(http, run_id, {"userTaskId": task["user_task_id"], **body})
        assert response.status_code == 400, body
        assert response.json()["message"]
    assert run_status(http, run_id) == "WaitingForHITL"
    assert message(http, run_id, {"userTaskId": task["user_task_id"], **good}).status_code == 202
    sim.advance(30)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Completed"
    assert check(conv["session"]["output"])


def multi_running(http: httpx.Client, sim: Simulator, variant: str | None = None) -> tuple[str, dict]:
    run_id = start(http, sim, "multi", {"variant": variant} if variant else {})["runId"]
    sim.advance(120)
    return run_id, conversation(http, run_id)


def test_multi_depth_and_aitl_through_the_root_run(http: httpx.Client, sim: Simulator) -> None:
    run_id, conv = multi_running(http, sim)
    assert conv["session"]["status"] == "WaitingForAITL"
    runs = {run["id"]: run for run in conv["runs"]}
    assert [run["depth"] for run in conv["runs"]] == [0, 1, 2, 3]
    assert [run["agentName"] for run in conv["runs"]] == ["Research Orchestrator", "Web Researcher", "Data Analyst",
                                                         "Fact Checker"]  # fmt: skip
    task = pending_task(conv, "aitl_escalation")
    task_run = next(item["runId"] for item in conv["items"] if item["content"].get("user_task_id") == task["user_task_id"])
    assert runs[task_run]["depth"] == 3 and runs[task_run]["status"] == "WaitingForAITL"
    assert runs[task_run]["agentId"] == sim.agents["multi.verifier"]
    bad = message(http, run_id, {"userTaskId": task["user_task_id"], "approved": True})
    assert bad.status_code == 400 and "textValue" in bad.json()["message"]
    response = message(http, run_id, {"userTaskId": task["user_task_id"], "textValue": "Use EHPA"})
    assert response.status_code == 202
    sim.advance(60)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Completed"
    assert len(conv["runs"]) == 5 and all(run["status"] == "Completed" for run in conv["runs"])
    assert any("Use EHPA" in str(item["content"]) for item in conv["items"] if item["type"] == "reasoning")


def test_multi_aitl_through_the_sub_agent_run(http: httpx.Client, sim: Simulator) -> None:
    _run_id, conv = multi_running(http, sim)
    task = pending_task(conv, "aitl_escalation")
    sub_run = conv["runs"][3]["id"]
    researcher = conv["runs"][1]["id"]
    # another session's run does not know the task
    other = sim.find_sessions("hitl")[0][1]
    response = message(http, other, {"userTaskId": task["user_task_id"], "textValue": "IEA"})
    assert response.status_code == 404 and "not found" in response.json()["message"]
    response = message(http, sub_run, {"userTaskId": task["user_task_id"], "textValue": "IEA"})
    assert response.status_code == 202
    sim.advance(60)
    # any run id of the session reads the whole session
    assert conversation(http, researcher)["session"]["status"] == "Completed"


def test_root_only_key_answers_a_sub_agent_task_through_the_root(sim: Simulator, sim_base_url: str) -> None:
    with httpx.Client(base_url=sim_base_url, headers={"X-API-Key": sim.keys.root_only}) as http:
        run_id, conv = multi_running(http, sim)
        task = pending_task(conv, "aitl_escalation")
        sub_run = conv["runs"][3]["id"]
        refused = message(http, sub_run, {"userTaskId": task["user_task_id"], "textValue": "x"})
        assert refused.status_code == 403
        assert message(http, run_id, {"userTaskId": task["user_task_id"], "textValue": "x"}).status_code == 202


def test_dashboard_only_tasks_are_refused(http: httpx.Client, sim: Simulator) -> None:
    run_id, conv = multi_running(http, sim, "anomaly")
    assert conv["session"]["status"] == "WaitingForHITL"
    review = pending_task(conv, "anomaly_review")
    alert = pending_task(conv, "anomaly_alert")
    for task in (review, alert):
        response = message(http, run_id, {"userTaskId": task["user_task_id"], "approved": True})
        assert response.status_code == 400
        assert "only be completed in the Phrony dashboard" in response.json()["message"]
    sim.advance(600)
    assert run_status(http, run_id) == "WaitingForHITL"
    sim.dashboard_complete(review["user_task_id"], approved=True)
    sim.advance(120)
    assert pending_task(conversation(http, run_id), "aitl_escalation")


def test_chat_turns_with_text_message_alias_and_files(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "chat")["runId"]
    sim.advance(5)
    assert run_status(http, run_id) == "WaitingForResponse"
    assert message(http, run_id, {}).status_code == 400
    assert message(http, run_id, {"text": "   "}).status_code == 400
    bogus = message(http, run_id, {"files": [{"phronyFile": True, "objectKey": "workspace/x/y.txt"}]})
    assert bogus.status_code == 400 and "finalized" in bogus.json()["message"]
    assert message(http, run_id, {"text": "hello"}).status_code == 202
    assert message(http, run_id, {"text": "again"}).status_code == 409  # not waiting until the agent replies
    sim.advance(10)
    assert run_status(http, run_id) == "WaitingForResponse"
    assert message(http, run_id, {"message": "via the alias"}, route="input").status_code == 202
    sim.advance(10)
    presigned = http.post("/v1/file-library/presign",
                          json={"filename": "notes.txt", "mediaType": "text/plain", "maxContentLength": 64}).json()  # fmt: skip
    put = httpx.put(presigned["uploadUrl"], content=b"line one\n", headers=presigned["requiredHeaders"])
    assert put.status_code == 200
    half = {"phronyFile": True, "objectKey": presigned["objectKey"], "filename": "notes.txt", "mediaType": "text/plain"}
    assert message(http, run_id, {"files": [half]}).status_code == 400  # uploaded, not finalized
    http.post("/v1/file-library/finalize", json={"objectKey": presigned["objectKey"], "maxContentLength": 64})
    assert message(http, run_id, {"files": [half]}).status_code == 202
    sim.advance(20)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Completed"
    turns = [item["content"] for item in conv["items"] if item["type"] == "user_message"]
    assert [turn["text"] for turn in turns] == ["hello", "via the alias", None]
    assert turns[2]["files"][0]["objectKey"] == presigned["objectKey"] and turns[2]["files"][0]["sizeBytes"] == 9
    assert any(item["type"] == "ToolCall" and item["content"]["name"] == "read_file" for item in conv["items"])
    assert message(http, run_id, {"text": "late"}).status_code == 409


def test_timer_skip_and_expiry(http: httpx.Client, sim: Simulator) -> None:
    skipped = start(http, sim, "timer", {"waitSeconds": 300})["runId"]
    expires = start(http, sim, "timer", {"waitSeconds": 300})["runId"]
    early = http.post(f"/v1/runs/{skipped}/skip-agent-wait")
    assert early.status_code == 400 and "not waiting on a timer" in early.json()["message"]
    sim.advance(10)
    assert run_status(http, skipped) == run_status(http, expires) == "WaitingForTimer"
    response = http.post(f"/v1/runs/{skipped}/skip-agent-wait")
    assert response.status_code == 202 and response.json() == {"status": "Running"}
    assert http.post(f"/v1/runs/{skipped}/skip-agent-wait").status_code == 400
    sim.advance(20)
    assert run_status(http, skipped) == "Completed"
    assert run_status(http, expires) == "WaitingForTimer"
    assert conversation(http, skipped)["session"]["output"]["timerSkipped"] is True
    sim.advance(300)
    assert run_status(http, expires) == "Completed"
    assert conversation(http, expires)["session"]["output"]["timerSkipped"] is False
    assert http.post(f"/v1/runs/{expires}/skip-agent-wait").status_code == 400


@pytest.mark.full_world
def test_failing_tool(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "failing")["runId"]
    sim.advance(60)
    conv = conversation(http, run_id)
    assert conv["session"]["status"] == "Failed" and "fetch_invoice" in conv["session"]["error"]
    results = [item for item in conv["items"] if item["type"] == "ToolResult"]
    assert results and all(item["content"]["result"]["successful"] is False for item in results)
    assert all("502" in item["content"]["result"]["error"] and "502" in item["error"] for item in results)
    assert conv["items"][-1]["content"]["status"] == "Failed"
    statuses = {s["status"] for s in http.get(f"/v1/agents/{sim.agents['failing']}/sessions",
                                              params={"take": 100}).json()["items"]}  # fmt: skip
    assert {"Failed", "Completed"} <= statuses


def test_redacted_conversation(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "redacted", {"month": "2026-02"})["runId"]
    sim.advance(60)
    conv = conversation(http, run_id)
    assert types(conv) == ["RunCompleted", "SessionCompleted"]
    assert conv["items"][0]["runId"] == run_id
    assert conv["session"]["input"] is None and conv["session"]["startContext"] is None
    assert conv["session"]["status"] == "Completed" and conv["session"]["output"]["exported"] == 214
    assert len(conv["runs"]) == 2
    assert all(run["input"] is None and run["output"] is None and run["error"] is None for run in conv["runs"])
    listed = http.get(f"/v1/agents/{sim.agents['redacted']}/sessions", params={"take": 1}).json()["items"][0]
    assert listed["input"] is None and listed["startContext"] is None and listed["runCount"] == 2


def test_the_showcase_world(http: httpx.Client, sim: Simulator) -> None:
    """What a fresh simulator holds at time 0 (the demo, and tests that need a waiting session)."""
    newest = {}
    for key in ("hitl", "options", "text", "number", "multi", "chat", "timer", "failing", "redacted", "firehose"):
        page = http.get(f"/v1/agents/{sim.agents[key]}/sessions", params={"take": 200}).json()
        newest[key] = page["items"][0]["status"]
        assert page["total"] >= 1
    assert newest["hitl"] == newest["options"] == newest["text"] == newest["number"] == "WaitingForHITL"
    assert newest["chat"] == "WaitingForResponse" and newest["timer"] == "WaitingForTimer"
    assert newest["multi"] == newest["redacted"] == newest["firehose"] == "Running"
    assert sim.find_sessions("multi", "WaitingForAITL") and sim.find_sessions("multi", "WaitingForHITL")
    assert newest["failing"] == "Failed"
    # live sessions move on with time
    sim.advance(300)
    assert run_status(http, sim.find_sessions("redacted")[0][1]) == "Completed"
    assert run_status(http, sim.find_sessions("multi")[0][1]) == "WaitingForAITL"


@pytest.mark.slow
def test_big_session(http: httpx.Client, sim: Simulator) -> None:
    small = Simulator(seed=7, big_steps=1_000)
    assert small.big_conversation(False).count(b'"ordinal":') == 1_000
    sessions = http.get(f"/v1/agents/{sim.agents['big']}/sessions").json()["items"]
    big = next(s for s in sessions if s["runCount"] == 4)
    assert big["status"] == "Completed" and big["totalTokensUsed"] > 1_000_000
    response = http.get(f"/v1/runs/{big['entryRunId']}/conversation", timeout=60)
    assert response.status_code == 200
    assert 30_000_000 < len(response.content) < 45_000_000
    conv = response.json()
    items = conv["items"]
    assert len(items) == 50_000
    assert [item["ordinal"] for item in items[:3]] == [1, 2, 3] and items[-1]["type"] == "SessionCompleted"
    assert {"llm_request_prepared", "reasoning", "Reasoning", "ToolCall", "ToolResult", "output", "UserTaskReq",
            "RunCompleted", "SessionCompleted"} == {item["type"] for item in items}  # fmt: skip
    assert any(item["content"].get("result", {}).get("successful") is False for item in items if item["type"] == "ToolResult")
    assert sum(item["tokensUsed"] or 0 for item in items) == big["totalTokensUsed"]
    assert [run["depth"] for run in conv["runs"]] == [0, 1, 1, 2]
    # cached: the second read is the same bytes
    assert http.get(f"/v1/runs/{big['entryRunId']}/conversation", timeout=60).content == response.content
    slim = http.get(f"/v1/runs/{big['entryRunId']}/conversation", params={"stepContent": "slim"}, timeout=60)
    assert len(slim.content) < len(response.content) * 0.75 and b'"event_id"' not in slim.content
