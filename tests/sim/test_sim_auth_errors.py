"""Auth, scope and error paths of every route (401, 403, 404, 400), read-only on a shared simulator."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import client

from phrony_tui.sim import Simulator

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def routes(sim: Simulator, run_id: str) -> list[tuple[str, str, dict | None]]:
    agent = sim.agents["hitl"]
    return [
        ("POST", f"/v1/agents/{agent}/runs", {"input": {}}),
        ("GET", f"/v1/agents/{agent}/sessions", None),
        ("GET", f"/v1/runs/{run_id}", None),
        ("GET", f"/v1/runs/{run_id}/conversation", None),
        ("GET", f"/v1/runs/{run_id}/stream", None),
        ("POST", f"/v1/runs/{run_id}/messages", {"runId": run_id, "text": "hi"}),
        ("POST", f"/v1/runs/{run_id}/input", {"runId": run_id, "text": "hi"}),
        ("POST", f"/v1/runs/{run_id}/skip-agent-wait", None),
        ("POST", "/v1/file-library/presign", {"filename": "a.txt", "mediaType": "text/plain", "maxContentLength": 3}),
        ("POST", "/v1/file-library/finalize", {"objectKey": "x", "maxContentLength": 3}),
    ]


@pytest.mark.parametrize("key", [None, "phk_not_a_real_key", "Bearer nope"])
def test_every_route_needs_a_valid_key(shared_sim: Simulator, shared_url: str, key: str | None) -> None:
    run_id = shared_sim.find_sessions("hitl")[0][1]
    with client(shared_url, key) as http:
        for method, path, body in routes(shared_sim, run_id):
            response = http.request(method, path, json=body)
            assert response.status_code == 401, (method, path, response.text)
            assert "key" in response.json()["message"].lower()


def test_error_bodies_are_json_with_a_message(shared: httpx.Client, shared_sim: Simulator) -> None:
    response = shared.get(f"/v1/runs/{UNKNOWN}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["statusCode"] == 404 and UNKNOWN in body["message"]


def test_unknown_ids_are_404(shared: httpx.Client) -> None:
    assert shared.get(f"/v1/agents/{UNKNOWN}/sessions").status_code == 404
    assert shared.post(f"/v1/agents/{UNKNOWN}/runs", json={"input": {}}).status_code == 404
    for suffix in ("", "/conversation", "/stream"):
        assert shared.get(f"/v1/runs/{UNKNOWN}{suffix}").status_code == 404
    response = shared.post(f"/v1/runs/{UNKNOWN}/messages", json={"runId": UNKNOWN, "text": "x"})
    assert response.status_code == 404
    assert shared.post(f"/v1/runs/{UNKNOWN}/skip-agent-wait").status_code == 404


def test_malformed_ids_are_400(shared: httpx.Client) -> None:
    response = shared.get("/v1/runs/not-a-uuid")
    assert response.status_code == 400
    assert "UUID" in response.json()["message"]
    assert shared.get("/v1/agents/nope/sessions").status_code == 400


def test_root_only_key_scope(shared_sim: Simulator, shared_url: str) -> None:
    sim = shared_sim
    _multi_session, multi_root = sim.find_sessions("multi", "WaitingForAITL")[0]
    with client(shared_url, sim.keys.admin) as admin:
        runs = admin.get(f"/v1/runs/{multi_root}/conversation").json()["runs"]
    sub_runs = [run for run in runs if run["parentRunId"] is not None]
    assert sub_runs and all(run["agentId"] != sim.agents["multi"] for run in sub_runs)
    hitl_run = sim.find_sessions("hitl")[0][1]
    with client(shared_url, sim.keys.root_only) as http:
        # the root agent and the session's root run: allowed
        assert http.get(f"/v1/agents/{sim.agents['multi']}/sessions").status_code == 200
        assert http.get(f"/v1/runs/{multi_root}").status_code == 200
        conv = http.get(f"/v1/runs/{multi_root}/conversation")
        assert conv.status_code == 200 and len(conv.json()["runs"]) == len(runs)
        # other agents and their runs: 403
        for key in ("hitl", "multi.researcher"):
            response = http.get(f"/v1/agents/{sim.agents[key]}/sessions")
            assert response.status_code == 403, key
        assert http.post(f"/v1/agents/{sim.agents['hitl']}/runs", json={}).status_code == 403
        assert http.get(f"/v1/runs/{hitl_run}").status_code == 403
        # sub-agent runs of the multi session belong to other agents: 403
        for run in sub_runs:
            response = http.get(f"/v1/runs/{run['id']}/conversation")
            assert response.status_code == 403
            assert "not allowed" in response.json()["message"]
            assert http.get(f"/v1/runs/{run['id']}/stream").status_code == 403
    with client(shared_url, sim.keys.admin) as admin:
        assert admin.get(f"/v1/runs/{sub_runs[0]['id']}").status_code == 200


def test_no_uploads_key_gets_403_on_file_routes_only(shared_sim: Simulator, shared_url: str) -> None:
    sim = shared_sim
    with client(shared_url, sim.keys.no_uploads) as http:
        response = http.post("/v1/file-library/presign",
                             json={"filename": "a.txt", "mediaType": "text/plain", "maxContentLength": 3})  # fmt: skip
        assert response.status_code == 403
        assert "file uploads" in response.json()["message"]
        assert http.post("/v1/file-library/finalize", json={"objectKey": "k", "maxContentLength": 3}).status_code == 403
        assert http.get(f"/v1/agents/{sim.agents['hitl']}/sessions").status_code == 200
    with client(shared_url, sim.keys.root_only) as http:
        response = http.post("/v1/file-library/presign",
                             json={"filename": "a.txt", "mediaType": "text/plain", "maxContentLength": 3})  # fmt: skip
        assert response.status_code == 403


def test_body_must_be_json(shared: httpx.Client, shared_sim: Simulator) -> None:
    agent = shared_sim.agents["hitl"]
    response = shared.post(f"/v1/agents/{agent}/runs", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]
    assert shared.post(f"/v1/agents/{agent}/runs", json=[1, 2]).status_code == 400
    response = shared.post(f"/v1/agents/{agent}/runs", json={"input": "text"})
    assert response.status_code == 400 and "input" in response.json()["message"]
    response = shared.post(f"/v1/agents/{agent}/runs", json={"input": {"amount": "lots"}})
    assert response.status_code == 400 and "amount" in response.json()["message"]


def test_received_records_refused_requests_too(shared: httpx.Client, shared_sim: Simulator) -> None:
    before = len(shared_sim.received)
    run_id = shared_sim.find_sessions("hitl")[0][1]
    shared.post(f"/v1/runs/{run_id}/messages", json={"runId": "wrong", "completedByEmail": "a@b.c"})
    with client(str(shared.base_url), None) as anonymous:
        anonymous.post(f"/v1/runs/{run_id}/input", json={"runId": run_id, "skipAgentWait": True})
    recorded = shared_sim.received[before:]
    assert recorded == [
        ("POST", f"/v1/runs/{run_id}/messages", {"runId": "wrong", "completedByEmail": "a@b.c"}),
        ("POST", f"/v1/runs/{run_id}/input", {"runId": run_id, "skipAgentWait": True}),
    ]
