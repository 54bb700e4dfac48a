"""``Simulator(firehose_step_ids=False)`` / ``--firehose-no-step-ids``: the firehose's step
events carry the step's content only (no step id, no ordinal), as the docs allow."""

from __future__ import annotations

import httpx
from sim_helpers import read_sse, stream

from phrony_tui.sim import Simulator
from phrony_tui.sim.cli import build_parser


def test_the_firehose_without_step_ids(http: httpx.Client, sim: Simulator) -> None:
    sim.firehose_events = 30
    sim.firehose_step_ids = False
    _, run_id = sim.find_sessions("firehose")[0]
    with stream(http, run_id) as response:
        events = read_sse(response).events
    steps = [event["data"] for event in events if event["kind"] == "step"]
    assert len(steps) == 30
    assert all(set(step) == {"run_id", "sequence", "step_kind", "message", "preview"} for step in steps)
    sequences = [step["sequence"] for step in steps]
    assert sequences == sorted(set(sequences))  # one per step, in order
    assert events[-1]["subject"] == "engine.session.completed"
    assert build_parser().parse_args(["--firehose-no-step-ids"]).firehose_no_step_ids
