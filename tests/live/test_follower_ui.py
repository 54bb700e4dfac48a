"""End to end through the main screen: a session followed over a stream the server
cuts every 3 events shows every step once, and the live log header says what the
follower is doing."""

from __future__ import annotations

import asyncio
import functools

import pytest
from live_helpers import Driver, server_ids

import phrony_tui.live.follower as follower_module
from phrony_tui.core.format import parse_ts
from phrony_tui.entry.demo import demo_settings
from phrony_tui.live.follower import Backoff, RunFollower
from phrony_tui.sim import Faults
from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.app import PhronyApp
from phrony_tui.ui.widgets.live_log import LiveLog
from phrony_tui.ui.widgets.timeline_pane import TimelinePane
from tests.support.waiting import wait_for


def make_app(sim, base_url: str, run_id: str) -> PhronyApp:
    settings = demo_settings(sim, base_url)
    settings = type(settings)(**{**settings.__dict__, "run_id": run_id, "agent_ids": ()})
    return PhronyApp(settings, clock=lambda: parse_ts(sim.now_iso()), sessions_refresh=None, host_label="sim")


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_cut_stream_through_the_main_screen(sim, sim_base_url, monkeypatch):
    # Quick reconnects (the default first wait is up to 0.5 s), same follower otherwise.
    fast = functools.partial(RunFollower, backoff=Backoff(initial=0.02, cap=0.1))
    monkeypatch.setattr(follower_module, "RunFollower", fast)  # the main screen imports it when a run opens
    sim.heartbeat_seconds = 0.05
    _, run_id = sim.start_session("multi")
    sim.faults = Faults(cut_after_events=3)
    app = make_app(sim, sim_base_url, run_id)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        live = screen.query_one(LiveLog)
        await wait_for(lambda: screen.state is not None and screen.follower.status.state == "connected", pilot=pilot)
        driver = Driver(sim, run_id, pause=0.03).start()

        await wait_for(lambda: screen.follower is not None and screen.follower.status.closed, pilot=pilot)
        await driver.wait(20)
        await wait_for(lambda: screen.settled, pilot=pilot)  # the last flush is drawn
        follower = screen.follower
        rows = [row.id for row in screen.state.timeline]
        assert rows == server_ids(sim, run_id)  # every step once, in order
        assert screen.state.status == "Completed"
        assert live.state == "closed" and live.received == follower.status.received > 0
        # Reconnected after each cut. (Which states the pane showed on the way depends on
        # when its flushes fell: a reconnect shorter than a flush is never drawn.)
        assert follower.status.reconnects >= 1
        assert follower.connections >= 5
        assert screen.query_one(TimelinePane).timeline.row_count == len(rows)  # what is drawn
    sim.faults = Faults()
    await asyncio.sleep(0)
