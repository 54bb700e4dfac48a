"""The local Phrony simulator: a Starlette app that speaks the public API (docs/simulator.md).

    from phrony_tui.sim import Simulator, SimServer, Faults, FixedClock
    sim = Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"))
    with SimServer(sim) as server:
        ...  # server.base_url, sim.keys.admin, sim.agents["hitl"], sim.advance(5)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["DIALECTS", "Faults", "FixedClock", "Keys", "SimServer", "Simulator", "WallClock", "build_app"]

# Imported on first use: --demo reads the simulator's identity (simulator.identity)
# without loading uvicorn and Starlette into the app's process.
_HOMES = {"DIALECTS": "dialect", "Faults": "faults", "build_app": "app", "FixedClock": "clock", "WallClock": "clock", "Keys": "simulator",
          "Simulator": "simulator", "SimServer": "server"}  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'phrony_tui.sim' has no attribute {name!r}")
    return getattr(import_module(f"phrony_tui.sim.{home}"), name)
