"""UI fixtures: the app against the deterministic simulator on loopback, with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from phrony_tui.core.format import parse_ts
from phrony_tui.entry.demo import demo_settings
from phrony_tui.settings import Settings
from phrony_tui.sim import SimServer, Simulator
from phrony_tui.ui.app import PhronyApp
from tests.support.screen import record_notifications

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
        app = PhronyApp(settings, clock=clock, sessions_refresh=None, host_label="sim", **(app_kwargs or {}))
        record_notifications(app)
        return app

    return factory


@pytest.fixture
def attempts_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Start attempts go to a file of the test (the one it reads back)."""
    path = tmp_path / "state" / "phrony-tui" / "attempts.json"
    monkeypatch.setenv("PHRONY_TUI_ATTEMPTS_FILE", str(path))
    return path
