"""Shared fixtures: a deterministic Phrony simulator served on loopback.

``sim``          a Simulator(seed=7, FixedClock("2026-03-01T12:00:00Z"), live=False): nothing moves
                 until the test calls ``sim.advance(seconds)``. Its world is the recent showcase
                 sessions only; a test marked ``@pytest.mark.full_world`` gets the 12 days of
                 history too (paging, server totals, old sessions), as ``--demo`` shows.
``sim_server``   a running SimServer for ``sim`` (uvicorn in a daemon thread, free port).
``sim_base_url`` its base URL, e.g. "http://127.0.0.1:54321".
``sim_dialect``  how ``sim`` speaks: "friendly" (default) or "docs-minimal". A test runs against
                 both with ``@pytest.mark.parametrize("sim_dialect", DIALECTS)``
                 (``from phrony_tui.sim.dialect import DIALECTS``).

Keys: ``sim.keys.admin`` / ``.no_uploads`` / ``.root_only``; agents: ``sim.agents["hitl"]`` etc.
See docs/simulator.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from phrony_tui.sim import FixedClock, SimServer, Simulator

SIM_SEED = 7
SIM_START = "2026-03-01T12:00:00Z"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` run first: on two workers a long test picked up last
    would leave one worker idle while it finishes."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def sim_dialect() -> str:
    return "friendly"


@pytest.fixture
def sim_history(request: pytest.FixtureRequest) -> bool:
    """The world's 12 days of history (~415 sessions, 0.2 s to build) only for a test
    marked ``full_world``; the others get the recent showcase sessions (2 ms)."""
    return request.node.get_closest_marker("full_world") is not None


@pytest.fixture
def sim(sim_dialect: str, sim_history: bool) -> Simulator:
    return Simulator(seed=SIM_SEED, clock=FixedClock(SIM_START), live=False, dialect=sim_dialect, history=sim_history)


@pytest.fixture
def sim_server(sim: Simulator) -> Iterator[SimServer]:
    with SimServer(sim, host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def sim_base_url(sim_server: SimServer) -> str:
    return sim_server.base_url


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's config or state (attempts, theme)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("PHRONY_TUI_ATTEMPTS_FILE", str(home / "state" / "attempts.json"))
    monkeypatch.delenv("PHRONY_TUI_CONFIG", raising=False)
