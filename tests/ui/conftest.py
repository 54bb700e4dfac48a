"""UI fixtures: the app against the deterministic simulator on loopback, with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest

from phrony_tui.core.format import parse_ts
from phrony_tui.entry.demo import demo_settings
from phrony_tui.settings import Settings
from phrony_tui.sim import SimServer, Simulator
from phrony_tui.ui.app import PhronyApp

AppFactory = Callable[..., PhronyApp]


@pytest.fixture
def make_app(sim: Simulator, sim_server: SimServer) -> AppFactory:
    """``make_app(**settings_changes)``: a PhronyApp on the simulator, its clock the sim's."""

    def clock() -> datetime:
        now = parse_ts(sim.now_iso())
        assert now is not None
        return now

    def factory(*, app_kwargs: dict | None = None, **changes) -> PhronyApp:
        settings: Settings = replace(demo_settings(sim, sim_server.base_url), **changes)
        return PhronyApp(settings, clock=clock, sessions_refresh=None, host_label="sim", **(app_kwargs or {}))

    return factory


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``predicate()`` holds (workers talk to a real server)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)
    await pilot.pause()
