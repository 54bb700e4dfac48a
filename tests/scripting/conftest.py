"""The script commands, run as the user runs them: ``python -m phrony_tui <command>`` in a
subprocess, against a small simulator on a real loopback port.

``world``      a Simulator (seed 7, fixed clock, not live: nothing moves until the test
               calls ``world.sim.advance``), a tiny big session and firehose, served;
               ``world.env`` is the environment of the subprocess (base URL, admin key).
``cli``        runs a command: ``cli("show", run_id)`` -> CompletedProcess (text).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from scripting_helpers import HANG_GUARD, World, make_env

from phrony_tui.sim import FixedClock, SimServer, Simulator


@pytest.fixture
def world() -> Iterator[World]:
    sim = Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"), live=False, big_steps=10,
                    firehose_events=10)  # fmt: skip
    with SimServer(sim, host="127.0.0.1", port=0) as server:
        # os.environ here already holds the private config/state dirs (tests/conftest.py).
        yield World(sim, server.base_url, make_env(server.base_url, sim.keys.admin))


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(world: World) -> Run:
    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            **extra_env: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
        environ = dict(world.env if env is None else env)
        environ.update(extra_env)
        feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
        return subprocess.run(
            [sys.executable, "-m", "phrony_tui", *args],
            capture_output=True, text=True, env=environ, timeout=HANG_GUARD, check=False, **feed,
        )  # fmt: skip

    return run
