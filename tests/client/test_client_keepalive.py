"""An idle pooled connection is not reused once it has been idle for ``KEEPALIVE_EXPIRY``
(2 s), well before a server's own idle timeout (5 s: Node's, uvicorn's, the simulator's)
closes it: a request sent on a connection the server is closing fails after being sent,
and a start or a reply becomes "it may have been applied". Against the simulator on a
loopback port, with httpcore's clock moved instead of waiting."""

from __future__ import annotations

import time
import types

import httpcore._async.http11 as http11
import pytest

from phrony_tui.client import PhronyClient
from phrony_tui.client.api import KEEPALIVE_EXPIRY


@pytest.fixture
def moved_clock(monkeypatch):
    """httpcore's idle clock, moved by hand (asyncio's own clock is left alone)."""
    offset = [0.0]
    clock = types.SimpleNamespace(monotonic=lambda: time.monotonic() + offset[0])
    monkeypatch.setattr(http11, "time", clock)
    return offset


def pooled(client: PhronyClient) -> list[object]:
    return list(client._http._transport._pool.connections)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("idle", "reused"), [(0.5, True), (2.5, False)])
async def test_a_connection_idle_past_the_expiry_is_not_reused(sim, sim_base_url, moved_clock, idle, reused):
    assert KEEPALIVE_EXPIRY < 5.0
    agent_id = sim.agents["chat"]
    async with PhronyClient(sim_base_url, sim.keys.admin, allow_insecure_http=True) as client:
        await client.list_sessions(agent_id, take=1)
        (first,) = pooled(client)
        moved_clock[0] += idle
        await client.list_sessions(agent_id, take=1)
        (second,) = pooled(client)
        assert (second is first) is reused
