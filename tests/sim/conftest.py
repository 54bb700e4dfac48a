from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sim_helpers import client

from phrony_tui.sim import FixedClock, SimServer, Simulator
from phrony_tui.sim.dialect import DIALECTS


@pytest.fixture
def http(sim: Simulator, sim_base_url: str) -> Iterator[httpx.Client]:
    """An httpx client with the admin key, against the function-scoped simulator."""
    with client(sim_base_url, sim.keys.admin) as c:
        yield c


@pytest.fixture(scope="module")
def shared_sim() -> Simulator:
    """One simulator per module for tests that only read (never advance or mutate)."""
    return Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"), live=False, big_steps=3_000)


@pytest.fixture(scope="module", params=DIALECTS)
def either_sim(request: pytest.FixtureRequest) -> Simulator:
    """A read-only simulator per module and dialect: a test using it runs once for each dialect."""
    return Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"), live=False, big_steps=3_000,
                     dialect=request.param)  # fmt: skip


@pytest.fixture(scope="module")
def either(either_sim: Simulator) -> Iterator[httpx.Client]:
    """An admin client on ``either_sim``'s server."""
    with SimServer(either_sim) as server, client(server.base_url, either_sim.keys.admin) as c:
        yield c


@pytest.fixture(scope="module")
def shared_url(shared_sim: Simulator) -> Iterator[str]:
    with SimServer(shared_sim) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def shared(shared_sim: Simulator, shared_url: str) -> Iterator[httpx.Client]:
    with client(shared_url, shared_sim.keys.admin) as c:
        yield c
