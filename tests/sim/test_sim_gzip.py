"""``Simulator(gzip=True)`` / ``--gzip``: the big session's conversation comes gzip-compressed
when the request accepts it (as a gateway may send it), the same bytes once inflated."""

from __future__ import annotations

import gzip

import httpx
import pytest

from phrony_tui.sim import FixedClock, Simulator
from phrony_tui.sim.cli import build_parser


@pytest.fixture
def sim() -> Simulator:
    """A big session of 2,000 steps: compressing is the same at any size (50,000 cost 3 s)."""
    return Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"), live=False, big_steps=2_000, history=False)


def test_the_big_conversation_gzipped_when_asked(http: httpx.Client, sim: Simulator) -> None:
    _, run_id = sim.find_sessions("big")[0]
    path = f"/v1/runs/{run_id}/conversation"
    plain = http.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    sim.gzip = True
    raw = http.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == plain.content  # not asked: not compressed
    with http.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
        body = response.read()  # httpx inflates it
        assert response.headers["content-encoding"] == "gzip"
        assert response.num_bytes_downloaded < len(plain.content) / 3
    assert body == plain.content == gzip.decompress(sim.big_conversation_gzip(False))
    assert build_parser().parse_args(["--gzip"]).gzip
