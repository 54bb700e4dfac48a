"""The requests phrony-api.md describes, made exactly as a curl user would make them.

Start a run, poll it, read the conversation, follow the stream, answer the pause with a
message, upload a file (presign -> PUT -> finalize) and attach it to a reply.
"""

from __future__ import annotations

import json

import httpx
from sim_helpers import read_sse

from phrony_tui.sim import Simulator


def test_the_documented_walkthrough(sim: Simulator, sim_base_url: str) -> None:
    key = sim.keys.admin
    json_headers = {"X-API-Key": key, "Content-Type": "application/json"}
    base = sim_base_url + "/"  # a configured base with a trailing slash: strip it
    base = base.rstrip("/")

    # POST /v1/agents/{agentId}/runs
    agent = sim.agents["hitl"]
    response = httpx.post(f"{base}/v1/agents/{agent}/runs", headers=json_headers,
                          content=json.dumps({"input": {"customer": "Ada Lovelace", "amount": 120}}))  # fmt: skip
    assert response.status_code == 202
    run = response.json()
    run_id, session_id = run["runId"], run["sessionId"]

    # GET /v1/runs/{runId}/stream, opened before time moves
    with httpx.stream("GET", f"{base}/v1/runs/{run_id}/stream", headers={"X-API-Key": key},
                      timeout=httpx.Timeout(10.0)) as events:  # fmt: skip
        assert events.headers["content-type"].startswith("text/event-stream")
        sim.advance(30)

        # GET /v1/runs/{runId}: poll
        polled = httpx.get(f"{base}/v1/runs/{run_id}", headers={"X-API-Key": key}).json()
        assert polled["runId"] == run_id and polled["status"] == "WaitingForHITL" and polled["output"] is None

        # GET /v1/agents/{agentId}/sessions
        sessions = httpx.get(f"{base}/v1/agents/{agent}/sessions", params={"skip": 0, "take": 50,
                             "status": "WaitingForHITL"}, headers={"X-API-Key": key}).json()  # fmt: skip
        row = next(s for s in sessions["items"] if s["id"] == session_id)
        assert row["entryRunId"] == run_id

        # GET /v1/runs/{runId}/conversation?stepContent=slim
        conv = httpx.get(f"{base}/v1/runs/{row['entryRunId']}/conversation", params={"stepContent": "slim"},
                         headers={"X-API-Key": key}).json()  # fmt: skip
        task = next(i for i in conv["items"] if i["type"] == "UserTaskReq")["content"]

        # POST /v1/runs/{runId}/messages: approve
        answer = {"runId": run_id, "userTaskId": task["user_task_id"], "approved": True}
        response = httpx.post(f"{base}/v1/runs/{run_id}/messages", headers=json_headers, content=json.dumps(answer))
        assert response.status_code == 202 and response.json()["status"] == "Running"
        sim.advance(30)
        streamed = read_sse(events)
    assert streamed.closed and streamed.events[-1]["subject"] == "engine.session.completed"
    assert httpx.get(f"{base}/v1/runs/{run_id}", headers={"X-API-Key": key}).json()["status"] == "Completed"
    assert sim.received[-1] == ("POST", f"/v1/runs/{run_id}/messages", answer)

    # the file library, then a conversational reply with the file
    chat = httpx.post(f"{base}/v1/agents/{sim.agents['chat']}/runs", headers=json_headers, content=b"{}").json()
    sim.advance(5)
    data = b"order,amount\nORD-1,120\n"
    presign = {"filename": "orders.csv", "mediaType": "text/csv", "maxContentLength": len(data)}
    signed = httpx.post(f"{base}/v1/file-library/presign", headers=json_headers, content=json.dumps(presign)).json()
    put = httpx.request(signed["httpMethod"], signed["uploadUrl"], content=data, headers=signed["requiredHeaders"])
    assert put.status_code == 200
    finalize = {"objectKey": signed["objectKey"], "maxContentLength": len(data), "filename": "orders.csv",
                "mediaType": "text/csv"}  # fmt: skip
    final = httpx.post(f"{base}/v1/file-library/finalize", headers=json_headers, content=json.dumps(finalize)).json()
    assert final == {"objectKey": signed["objectKey"], "sizeBytes": str(len(data)), "alreadyFinalized": False}
    reply = {"runId": chat["runId"], "text": "Here is the export",
             "files": [{"phronyFile": True, "objectKey": final["objectKey"], "filename": "orders.csv",
                        "mediaType": "text/csv"}]}  # fmt: skip
    response = httpx.post(f"{base}/v1/runs/{chat['runId']}/input", headers=json_headers, content=json.dumps(reply))
    assert response.status_code == 202
    sim.advance(10)
    conv = httpx.get(f"{base}/v1/runs/{chat['runId']}/conversation", headers={"X-API-Key": key}).json()
    said = [i["content"] for i in conv["items"] if i["type"] == "user_message"]
    assert said[0]["text"] == "Here is the export" and said[0]["files"][0]["objectKey"] == final["objectKey"]

    # POST /v1/runs/{runId}/skip-agent-wait, no body
    timer = httpx.post(f"{base}/v1/agents/{sim.agents['timer']}/runs", headers=json_headers, content=b"{}").json()
    sim.advance(10)
    skipped = httpx.post(f"{base}/v1/runs/{timer['runId']}/skip-agent-wait", headers={"X-API-Key": key})
    assert skipped.status_code == 202 and skipped.json() == {"status": "Running"}
