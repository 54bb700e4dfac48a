"""What the script tests share (conftest.py builds the fixtures on it)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from phrony_tui.sim import Simulator

HANG_GUARD = 60  # seconds: a command that takes this long is stuck, not slow


@dataclass
class World:
    sim: Simulator
    base_url: str
    env: dict[str, str]

    @property
    def key(self) -> str:
        return self.sim.keys.admin

    def posts(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.sim.requests if entry[0] in ("POST", "PUT")]

    def newest(self, scenario: str, status: str) -> str:
        """The root run of the newest session of ``scenario`` in ``status``."""
        found = self.sim.find_sessions(scenario, status)
        assert found, f"no {status} session of {scenario}"
        return found[0][1]


def make_env(base_url: str, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRONY_")}
    env.update(PHRONY_API_BASE=base_url, PHRONY_API_KEY=key, NO_COLOR="1")
    env.pop("COLUMNS", None)
    env.pop("PHRONY_TUI_CONFIG", None)
    return env
