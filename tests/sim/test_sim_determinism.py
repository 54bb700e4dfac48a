"""Same seed + FixedClock -> byte-identical responses; another seed -> another world."""

from __future__ import annotations

import httpx

from phrony_tui.sim import FixedClock, SimServer, Simulator

CLOCK = "2026-03-01T12:00:00Z"


def snapshot(seed: int, steps: int = 0, dialect: str = "friendly") -> list[bytes]:
    """Sessions lists and conversations of every scenario agent, raw bytes, after some activity."""
    sim = Simulator(seed=seed, clock=FixedClock(CLOCK), big_steps=500, firehose_events=50, dialect=dialect)
    out: list[bytes] = []
    with SimServer(sim) as server, httpx.Client(base_url=server.base_url,
                                                headers={"X-API-Key": sim.keys.admin}) as http:  # fmt: skip
        if steps:
            started = http.post(f"/v1/agents/{sim.agents['hitl']}/runs", json={"input": {"amount": 70}}).json()
            sim.advance(steps)
            out.append(repr(started).encode())
        for key, agent in sim.agents.items():
            page = http.get(f"/v1/agents/{agent}/sessions", params={"take": 500})
            out.append(page.content)
            for row in page.json()["items"][:3]:
                for mode in ("full", "slim"):
                    out.append(http.get(f"/v1/runs/{row['entryRunId']}/conversation",
                                        params={"stepContent": mode}).content)  # fmt: skip
            out.append(key.encode())
    return out


def test_same_seed_gives_identical_bytes() -> None:
    first, second = snapshot(7, steps=90), snapshot(7, steps=90)
    assert len(first) > 60
    assert first == second


def test_same_seed_gives_identical_bytes_in_docs_minimal() -> None:
    first, second = snapshot(7, steps=90, dialect="docs-minimal"), snapshot(7, steps=90, dialect="docs-minimal")
    assert first == second and first != snapshot(7, steps=90)


def test_another_seed_gives_another_world() -> None:
    assert snapshot(7)[0] != snapshot(8)[0]


def test_fixed_clock_timestamps() -> None:
    sim = Simulator(seed=7, clock=FixedClock(CLOCK))
    assert sim.now_iso() == "2026-03-01T12:00:00.000Z"
    sim.advance(1.5)
    assert sim.now_iso() == "2026-03-01T12:00:01.500Z"
    session_id, _ = sim.start_session("hitl")
    assert sim.engine.sessions[session_id].started_ms == 1500


def test_wall_clock_is_now() -> None:
    from datetime import UTC, datetime

    sim = Simulator(seed=7, clock=None)
    assert abs(datetime.fromisoformat(sim.now_iso().replace("Z", "+00:00")) - datetime.now(UTC)).total_seconds() < 5
