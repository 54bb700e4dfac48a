"""Live mode (real time drives the simulation), concurrency, and the odd corners of the HTTP surface."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sim_helpers import client, conversation, read_sse, start, stream

from phrony_tui.sim import SimServer, Simulator


def test_live_mode_moves_on_its_own() -> None:
    sim = Simulator(seed=7, live=True, big_steps=100, firehose_events=10)
    with SimServer(sim) as server, client(server.base_url, sim.keys.admin) as http:
        run_id = start(http, sim, "hitl")["runId"]
        with stream(http, run_id) as response:
            got = read_sse(response, limit=3)
        # Events come with nobody advancing the clock. (Which come first depends on when
        # the stream subscribed: a stream carries what happens after, and the ticker may
        # have started the run before it; a loaded machine saw a reasoning step first.)
        assert got.subjects and all(subject.startswith("engine.") for subject in got.subjects)
        deadline = time.monotonic() + 10
        while len(conversation(http, run_id)["items"]) < 2:
            assert time.monotonic() < deadline, "live mode did not advance"
            time.sleep(0.1)
    assert sim._ticker is None  # stopped with the server


def test_not_live_stands_still(http: httpx.Client, sim: Simulator) -> None:
    run_id = start(http, sim, "hitl")["runId"]
    time.sleep(0.3)
    assert conversation(http, run_id)["items"] == [] and sim.now_ms == 0


def test_advance_from_another_thread_while_serving(http: httpx.Client, sim: Simulator) -> None:
    runs = [start(http, sim, "chat")["runId"] for _ in range(5)]
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.001):
            sim.advance(0.25)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        for _ in range(15):
            for run_id in runs:
                assert http.get(f"/v1/runs/{run_id}/conversation").status_code == 200
            http.get(f"/v1/agents/{sim.agents['chat']}/sessions")
    finally:
        stop.set()
        ticker.join()
    assert all(http.get(f"/v1/runs/{r}").json()["status"] == "WaitingForResponse" for r in runs)


def test_unknown_routes_answer_json(http: httpx.Client) -> None:
    response = http.get("/v1/nothing-here")
    assert response.status_code == 404 and "no route" in response.json()["message"]
    response = http.delete(f"/v1/runs/{'0' * 8}-0000-4000-8000-{'0' * 12}")
    assert response.status_code == 405 and response.json()["statusCode"] == 405


def test_request_log(http: httpx.Client, sim: Simulator) -> None:
    run_id = sim.find_sessions("hitl")[0][1]
    http.get(f"/v1/runs/{run_id}/conversation", params={"stepContent": "slim"})
    assert sim.requests[-1] == ("GET", f"/v1/runs/{run_id}/conversation?stepContent=slim", 200)


@pytest.mark.full_world
def test_two_servers_for_one_simulator_in_turn(sim: Simulator) -> None:
    for _ in range(2):
        with SimServer(sim) as server, client(server.base_url, sim.keys.admin) as http:
            run_id = sim.find_sessions("chat", "WaitingForResponse")[0][1]
            with stream(http, run_id, read_timeout=5) as response:
                assert http.post(f"/v1/runs/{run_id}/messages", json={"runId": run_id, "text": "x"}).status_code == 202
                assert read_sse(response, limit=1).subjects == ["engine.run.resumed"]


def test_autostart_sessions_arrive_and_get_answered() -> None:
    sim = Simulator(seed=7, autostart_seconds=30, big_steps=100, firehose_events=10)
    before = {key: len(sim.find_sessions(key)) for key in ("hitl", "chat", "failing")}
    sim.advance(95)
    after = {key: len(sim.find_sessions(key)) for key in ("hitl", "chat", "failing")}
    assert after == {key: count + 1 for key, count in before.items()}
    newest_hitl = sim.find_sessions("hitl")[0][0]
    assert sim.engine.sessions[newest_hitl].started_ms == 30_000
    sim.advance(2_000)  # someone answered it meanwhile
    assert sim.status(newest_hitl) in {"Completed", "Failed"}
