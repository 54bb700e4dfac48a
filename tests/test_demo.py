"""--demo: the simulator in a child process, its handshake, and its end with the app."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from phrony_tui.entry.demo import DemoError, DemoSimulator, settings_from_handshake
from phrony_tui.settings import Settings


def test_the_demo_simulator_serves_until_its_pipe_closes():
    # A fresh interpreter: a test process may run threads, so no fork here (test_demo_fork.py).
    demo = DemoSimulator.start(fork=False)
    try:
        info = demo.info  # known before the child serves: the app starts at once
        assert info["baseUrl"].startswith("http://127.0.0.1:") and demo.problem() is None
        demo.ready(timeout=30)  # the child serves, and is the simulator predicted
        settings = settings_from_handshake(info, Settings())
        assert settings.demo and settings.base_url.startswith("http://127.0.0.1:")
        names = {a["key"]: a["id"] for a in info["agents"]}
        assert names["hitl"] in settings.agent_ids and names["firehose"] not in settings.agent_ids
        assert names["multi.analyst"] not in settings.agent_ids  # sub-agents show inside sessions
        assert settings.agent_names[names["hitl"]]
        key = settings.api_key.get_secret_value()
        page = httpx.get(f"{settings.base_url}/v1/agents/{names['hitl']}/sessions", params={"take": 1},
                         headers={"X-API-Key": key}, trust_env=False, timeout=10)  # fmt: skip
        assert page.status_code == 200 and page.json()["items"]
    finally:
        demo.stop()
    assert demo.proc.returncode == 0  # it ended on its own when its stdin closed, not killed


def test_the_person_s_agents_win_over_the_demo_s():
    info = {"baseUrl": "http://127.0.0.1:1", "adminKey": "phk_x", "agents": [
        {"id": "a1", "key": "hitl", "name": "HITL", "parentKey": None}]}  # fmt: skip
    settings = settings_from_handshake(info, Settings(agent_ids=("mine",), agent_names={"a1": "Mine"}))
    assert settings.agent_ids == ("mine",) and settings.agent_names == {"a1": "Mine"}


def test_a_child_that_dies_is_reported_with_what_it_said():
    proc = subprocess.Popen(["python3", "-c", "import sys; print('boom', file=sys.stderr)"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    import tempfile

    with tempfile.TemporaryFile() as log:  # stop() closes it too
        log.write(proc.stderr.read())
        demo = DemoSimulator(proc, log, {"baseUrl": "http://127.0.0.1:1", "adminKey": "phk_x", "agents": []})
        with pytest.raises(DemoError, match="boom"):
            demo.ready(timeout=10)
        assert "boom" in (demo.problem() or "")
        demo.stop()


def test_a_child_that_is_not_the_simulator_predicted_is_reported():
    proc = subprocess.Popen(["python3", "-c", "import sys; print('{\"baseUrl\": \"x\"}'); sys.stdin.read()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    import tempfile

    with tempfile.TemporaryFile() as log:
        demo = DemoSimulator(proc, log, {"baseUrl": "y", "adminKey": "phk_x", "agents": []})
        with pytest.raises(DemoError, match="not the one expected"):
            demo.ready(timeout=10)
        demo.stop()
    assert proc.returncode == 0  # it was told to stop (its stdin closed), not killed


def test_the_demo_identity_is_the_simulator_s():
    """--demo's parent predicts the agents and key from the seed (sim.simulator.identity):
    it must be what a simulator of that seed has, whatever its clock."""
    from phrony_tui.sim import FixedClock, Simulator
    from phrony_tui.sim.cli import handshake
    from phrony_tui.sim.simulator import identity

    for seed in (7, 11):
        sim = Simulator(seed=seed, clock=FixedClock("2026-03-01T12:00:00Z"), big_steps=10, firehose_events=0)
        said = handshake(sim, "http://127.0.0.1:1")
        assert {key: value for key, value in said.items() if key != "baseUrl"} == identity(seed)
