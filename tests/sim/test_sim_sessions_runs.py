"""Listing sessions, polling runs and reading conversations (full / slim), on a shared simulator."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import SLIM_KEYS, conversation

from phrony_tui.sim import Simulator

LIST_FIELDS = ["id", "tenantId", "agentId", "agentVersionId", "llmModel", "triggerType", "triggeredBy", "triggerId",
               "triggerName", "status", "totalTokensUsed", "output", "error", "input", "startContext", "rootRunId",
               "startedAt", "finishedAt", "runCount", "entryRunId"]  # fmt: skip
RUN_FIELDS = ["id", "sessionId", "agentId", "agentVersionId", "parentRunId", "depth", "status", "totalTokensUsed",
              "output", "error", "startedAt", "finishedAt", "triggerType", "triggeredBy", "triggerId", "triggerName",
              "agentName", "versionLabel", "llmModel", "input"]  # fmt: skip
ITEM_FIELDS = ["runId", "id", "sequence", "ordinal", "type", "content", "tokensUsed", "error", "startedAt",
               "finishedAt"]  # fmt: skip


def test_session_list_pages_newest_first(shared: httpx.Client, shared_sim: Simulator) -> None:
    agent = shared_sim.agents["hitl"]
    seen: list[dict] = []
    skip, total = 0, None
    while True:
        page = shared.get(f"/v1/agents/{agent}/sessions", params={"skip": skip, "take": 50}).json()
        total = page["total"]
        seen += page["items"]
        if len(page["items"]) < 50:
            break
        skip += 50
    assert total == len(seen) > 120
    assert len({s["id"] for s in seen}) == len(seen)
    started = [s["startedAt"] for s in seen]
    assert started == sorted(started, reverse=True)
    assert list(seen[0]) == LIST_FIELDS
    statuses = {s["status"] for s in seen}
    assert {"Completed", "Failed", "WaitingForHITL"} <= statuses
    assert all(s["agentId"] == agent and s["entryRunId"] == s["rootRunId"] for s in seen)
    assert seen[0]["status"] == "WaitingForHITL" and seen[0]["finishedAt"] is None
    done = next(s for s in seen if s["status"] == "Completed")
    assert done["finishedAt"] > done["startedAt"] and done["runCount"] == 1 and done["totalTokensUsed"] > 0
    assert set(done["startContext"]) >= {"version", "llmModel", "maxIterations", "agentExecutionMode", "maxDepth"}


def test_session_list_filters(shared: httpx.Client, shared_sim: Simulator) -> None:
    agent = shared_sim.agents["chat"]
    everything = shared.get(f"/v1/agents/{agent}/sessions", params={"take": 500}).json()
    assert everything["total"] >= 120
    waiting = shared.get(f"/v1/agents/{agent}/sessions", params={"status": "WaitingForResponse", "take": 2}).json()
    expected = [s for s in everything["items"] if s["status"] == "WaitingForResponse"]
    assert waiting["total"] == len(expected) >= 2
    assert [s["id"] for s in waiting["items"]] == [s["id"] for s in expected[:2]]
    version = everything["items"][3]["agentVersionId"]
    by_version = shared.get(f"/v1/agents/{agent}/sessions", params={"versionId": version, "take": 500}).json()
    assert 0 < by_version["total"] < everything["total"]
    assert all(s["agentVersionId"] == version for s in by_version["items"])
    assert shared.get(f"/v1/agents/{agent}/sessions", params={"status": "Nope"}).json() == {"items": [], "total": 0}
    beyond = shared.get(f"/v1/agents/{agent}/sessions", params={"skip": 10_000}).json()
    assert beyond == {"items": [], "total": everything["total"]}


@pytest.mark.parametrize(
    ("params", "word"),
    [({"skip": -1}, "skip"), ({"skip": "x"}, "skip"), ({"take": 0}, "take"), ({"take": 100_000}, "take"),
     ({"versionId": "v1"}, "versionId")],
)
def test_session_list_validation(shared: httpx.Client, shared_sim: Simulator, params: dict, word: str) -> None:
    response = shared.get(f"/v1/agents/{shared_sim.agents['hitl']}/sessions", params=params)
    assert response.status_code == 400
    assert word in response.json()["message"]


def test_poll_a_run(shared: httpx.Client, shared_sim: Simulator) -> None:
    session_id, run_id = shared_sim.find_sessions("hitl", "Completed")[0]
    body = shared.get(f"/v1/runs/{run_id}").json()
    assert body["runId"] == run_id and body["sessionId"] == session_id
    assert body["status"] == "Completed" and body["output"]["refundId"].startswith("re_")
    assert "error" in body


def test_conversation_shape_and_order(shared: httpx.Client, shared_sim: Simulator) -> None:
    _, run_id = shared_sim.find_sessions("multi", "Completed")[0]
    conv = conversation(shared, run_id)
    assert list(conv) == ["session", "runs", "items"]
    session = conv["session"]
    assert "rootRunId" not in session and "entryRunId" not in session and "runCount" not in session
    assert session["status"] == "Completed" and session["input"] is not None
    runs = conv["runs"]
    assert list(runs[0]) == RUN_FIELDS
    by_id = {run["id"]: run for run in runs}
    root = runs[0]
    assert root["parentRunId"] is None and root["depth"] == 0 and root["agentName"] == "Research Orchestrator"
    for run in runs[1:]:
        parent = by_id[run["parentRunId"]]
        assert run["depth"] == parent["depth"] + 1
        assert run["agentId"] != root["agentId"] and run["agentName"] and run["versionLabel"]
    assert max(run["depth"] for run in runs) == 3
    items = conv["items"]
    assert list(items[0]) == ITEM_FIELDS
    assert [item["ordinal"] for item in items] == list(range(1, len(items) + 1))
    for run in runs:
        sequences = [item["sequence"] for item in items if item["runId"] == run["id"]]
        assert sequences == list(range(1, len(sequences) + 1))
    assert items[-1]["type"] == "SessionCompleted"
    assert sum(item["type"] == "RunCompleted" for item in items) == len(runs)


def test_full_and_slim_content(shared: httpx.Client, shared_sim: Simulator) -> None:
    _, run_id = shared_sim.find_sessions("hitl", "Completed")[0]
    full = conversation(shared, run_id)
    assert conversation(shared, run_id, "full") == full
    slim = conversation(shared, run_id, "slim")
    assert slim["session"] == full["session"] and slim["runs"] == full["runs"]
    assert len(slim["items"]) == len(full["items"])
    for f, s in zip(full["items"], slim["items"], strict=True):
        assert {k: v for k, v in f.items() if k != "content"} == {k: v for k, v in s.items() if k != "content"}
        assert s["content"] == {k: v for k, v in f["content"].items() if k not in SLIM_KEYS}
    step = next(item for item in full["items"] if item["type"] == "reasoning")
    assert SLIM_KEYS | {"sequence", "step_kind", "iteration", "message", "preview", "tokens_used"} <= set(step["content"])
    assert step["content"]["run_id"] == step["runId"]
    slim_step = next(item for item in slim["items"] if item["type"] == "reasoning")
    assert not SLIM_KEYS & set(slim_step["content"]) and "step_kind" in slim_step["content"]
    response = shared.get(f"/v1/runs/{run_id}/conversation", params={"stepContent": "tiny"})
    assert response.status_code == 400 and "stepContent" in response.json()["message"]


def test_step_content_by_type(shared: httpx.Client, shared_sim: Simulator) -> None:
    _, run_id = shared_sim.find_sessions("hitl", "Completed")[0]
    items = {item["type"]: item for item in conversation(shared, run_id)["items"]}
    assert items["llm_request_prepared"]["content"]["model"] == "gpt-4.1-mini"
    call = items["ToolCall"]["content"]
    assert {"name", "arguments", "tool_call_id", "operation_name"} <= set(call)
    result = items["ToolResult"]["content"]
    assert result["tool_call_id"] == call["tool_call_id"]
    assert set(result["result"]) == {"data", "error", "log_id", "successful"}
    assert {"tokens_used", "total_tokens_used"} <= set(items["output"]["content"])
    task = items["UserTaskReq"]["content"]
    assert task["kind"] == "approval" and task["status"] == "Completed"
    assert task["tool_call"]["name"] == "issue_refund" and "amount" in task["tool_call"]["arguments"]
    run_done = items["RunCompleted"]["content"]
    assert set(run_done) == {"run_id", "status", "output", "error", "total_tokens_used"}
    assert set(items["SessionCompleted"]["content"]) == {"session_id", "status", "output", "error", "total_tokens_used"}


def test_hostile_strings_are_served_verbatim(shared: httpx.Client, shared_sim: Simulator) -> None:
    found = []
    for key in ("hitl", "failing"):
        for _, run_id in shared_sim.find_sessions(key)[:8]:
            text = shared.get(f"/v1/runs/{run_id}/conversation").text
            if "\\u001b]0;pwned\\u0007" in text:
                found.append(key)
                conv = conversation(shared, run_id)
                dumped = repr(conv)
                assert "[bold red]" in dumped and "\\x1b[31m" in dumped
    assert set(found) == {"hitl", "failing"}
