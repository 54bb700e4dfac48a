"""The local Phrony simulator: a Starlette app that speaks the public API (docs/simulator.md).

    from phrony_tui.sim import Simulator, SimServer, Faults, FixedClock
    sim = Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"))
    with SimServer(sim) as server:
        ...  # server.base_url, sim.keys.admin, sim.agents["hitl"], sim.advance(5)
"""

from phrony_tui.sim.clock import FixedClock, WallClock
from phrony_tui.sim.faults import Faults
from phrony_tui.sim.server import SimServer
from phrony_tui.sim.simulator import Keys, Simulator

__all__ = ["Faults", "FixedClock", "Keys", "SimServer", "Simulator", "WallClock"]
