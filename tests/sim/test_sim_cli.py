"""phrony-tui sim: arguments, the banner, and a real serve + Ctrl+C in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess

import httpx
import pytest

from phrony_tui.sim import Simulator
from phrony_tui.sim.cli import banner, main
from tests.support.processes import phrony_tui_command
from tests.support.waiting import WAIT_TIMEOUT


@pytest.mark.parametrize("argv", [["--host", "0.0.0.0"], ["--host", "example.com"], ["--fault", "nope=1"],
                                  ["--fixed-clock", "yesterday"], ["--port", "70000"]])  # fmt: skip
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_banner_has_exports_and_curl() -> None:
    sim = Simulator(seed=7)
    text = banner(sim, "http://127.0.0.1:9999")
    assert "export PHRONY_API_BASE=http://127.0.0.1:9999" in text
    assert f"export PHRONY_API_KEY={sim.keys.admin}" in text
    agents = re.search(r"export PHRONY_AGENT_ID=(\S+)", text).group(1).split(",")
    assert sim.agents["hitl"] in agents and sim.agents["multi.analyst"] not in agents
    assert "curl" in text and sim.keys.no_uploads in text and sim.keys.root_only in text


def test_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        phrony_tui_command("sim", "--port", "0", "--seed", "5", "--fixed-clock", "2026-03-01T12:00:00Z",
                           "--big-steps", "100", "--fault", "latency_ms=1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        lines = []
        while not any(line.startswith("export PHRONY_AGENT_ID=") for line in lines):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line.strip())
        values = dict(line[len("export "):].split("=", 1) for line in lines if line.startswith("export "))
        base, key = values["PHRONY_API_BASE"], values["PHRONY_API_KEY"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base) and key.startswith("phk_")
        agent = values["PHRONY_AGENT_ID"].split(",")[0]
        response = httpx.get(f"{base}/v1/agents/{agent}/sessions", headers={"X-API-Key": key}, timeout=10)
        assert response.status_code == 200 and response.json()["total"] > 100
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(WAIT_TIMEOUT)  # a hang guard
    assert code == 0
