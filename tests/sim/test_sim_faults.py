"""Every fault, and that request-level faults are deterministic."""

from __future__ import annotations

import time

import httpx
import pytest
from sim_helpers import read_sse, start, stream

from phrony_tui.sim import Faults, FixedClock, SimServer, Simulator


def statuses(http: httpx.Client, sim: Simulator, n: int) -> list[int]:
    path = f"/v1/agents/{sim.agents['text']}/sessions"
    return [http.get(path, params={"take": 1}).status_code for _ in range(n)]


def test_faults_are_off_by_default() -> None:
    faults = Faults()
    assert not faults.any_stream_fault and faults.latency_ms == 0
    assert [faults.next_request() for _ in range(50)] == [None] * 50


def test_rate_limit_share_with_retry_after(http: httpx.Client, sim: Simulator) -> None:
    sim.faults = Faults(rate_limit_share=0.5, retry_after=2)
    codes = statuses(http, sim, 6)
    assert codes == [200, 429, 200, 429, 200, 429]
    sim.faults = Faults(rate_limit_share=1.0, retry_after=0.25)
    response = http.get(f"/v1/agents/{sim.agents['text']}/sessions")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "0.25"
    assert "rate limit" in response.json()["message"]
    sim.faults = Faults(rate_limit_share=1.0, retry_after=2)
    assert http.get(f"/v1/agents/{sim.agents['text']}/sessions").headers["retry-after"] == "2"


def test_error_share(http: httpx.Client, sim: Simulator) -> None:
    sim.faults = Faults(error_share=0.25)
    assert statuses(http, sim, 8) == [200, 200, 200, 500] * 2
    sim.faults = Faults(error_share=1.0)
    response = http.post(f"/v1/agents/{sim.agents['hitl']}/runs", json={"input": {}})
    assert response.status_code == 500 and "simulated" in response.json()["message"]
    assert sim.received[-1] == ("POST", f"/v1/agents/{sim.agents['hitl']}/runs", {"input": {}})


def test_request_faults_are_repeatable_across_simulators() -> None:
    patterns = []
    for _ in range(2):
        sim = Simulator(seed=3, clock=FixedClock("2026-03-01T12:00:00Z"),
                        faults=Faults(rate_limit_share=0.3, error_share=0.2))  # fmt: skip
        with SimServer(sim) as server, httpx.Client(base_url=server.base_url,
                                                    headers={"X-API-Key": sim.keys.admin}) as http:  # fmt: skip
            patterns.append(statuses(http, sim, 20))
    assert patterns[0] == patterns[1]
    assert patterns[0].count(429) == 6 and 500 in patterns[0] and 200 in patterns[0]


def test_latency(http: httpx.Client, sim: Simulator) -> None:
    sim.faults = Faults(latency_ms=150)
    began = time.monotonic()
    assert statuses(http, sim, 2) == [200, 200]
    assert time.monotonic() - began >= 0.3


def test_cut_after_events(http: httpx.Client, sim: Simulator) -> None:
    sim.faults = Faults(cut_after_events=3)
    run_id = start(http, sim, "hitl")["runId"]
    with stream(http, run_id) as response:
        sim.advance(60)
        got = read_sse(response)
    assert got.closed and len(got.events) == 3
    assert http.get(f"/v1/runs/{run_id}").json()["status"] == "WaitingForHITL"  # the session goes on


def test_stall_after_events(http: httpx.Client, sim: Simulator) -> None:
    sim.heartbeat_seconds = 0.05
    sim.faults = Faults(stall_after_events=2, stall_seconds=0.6)
    run_id = start(http, sim, "hitl")["runId"]
    with stream(http, run_id) as response:
        sim.advance(60)
        first = read_sse(response, limit=2)
        second = read_sse(response, limit=1)
    gap = second.times[0] - first.times[-1]
    assert gap >= 0.55, gap
    # Silent while stalled: no heartbeat either. (Before the first events a heartbeat may
    # come, on a loaded machine: the stream opens before the session is moved along.)
    assert second.comments == []
    assert first.subjects == ["engine.session.started", "engine.run.started"]
    assert second.subjects == ["engine.step.llm_request_prepared"]


def test_malformed_every(http: httpx.Client, sim: Simulator) -> None:
    sim.faults = Faults(malformed_every=2)
    run_id = start(http, sim, "failing")["runId"]
    with stream(http, run_id) as response:
        sim.advance(60)
        got = read_sse(response)
    assert got.closed
    assert len(got.malformed) == len(got.events) // 2 >= 5
    assert got.subjects[-1] == "engine.session.completed"


def test_faults_apply_to_the_firehose(http: httpx.Client, sim: Simulator) -> None:
    sim.firehose_events = 1_000
    sim.faults = Faults(cut_after_events=100)
    with stream(http, sim.find_sessions("firehose")[0][1]) as response:
        got = read_sse(response)
    assert got.closed and len(got.events) == 100


@pytest.mark.parametrize("bad", [{"rate_limit_share": 1.5}, {"error_share": -0.1}, {"cut_after_events": 0}])
def test_fault_validation(bad: dict) -> None:
    with pytest.raises(ValueError):
        Faults(**bad)


def test_faults_from_cli_pairs() -> None:
    faults = Faults.from_pairs(["latency_ms=20", "rate-limit-share=0.5", "stall_seconds=1.5"])
    assert (faults.latency_ms, faults.rate_limit_share, faults.stall_seconds) == (20, 0.5, 1.5)
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.from_pairs(["nope=1"])
    with pytest.raises(ValueError, match="number"):
        Faults.from_pairs(["latency_ms=fast"])
