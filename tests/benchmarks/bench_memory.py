"""Memory per step held, by ``tracemalloc``: the 50,000-step session decoded lazily and
its session state built (the body the items point into included), and 200,000 streamed
steps applied (with and without step ids). Python's allocations only (msgspec and
pydantic-core allocate through them, so their objects count too).

    .venv/bin/python -m tests.benchmarks.bench_memory             # 50,000 + 200,000 steps
    .venv/bin/python -m tests.benchmarks.bench_memory --steps 5000 --events 20000   # a quick look
"""

from __future__ import annotations

import argparse
import gc
import json
import tracemalloc
from typing import Any


def _held(build: Any) -> tuple[int, Any]:
    """Bytes still allocated after ``build()`` (its result kept), over what was before."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, kept


def big_session(steps: int) -> dict[str, Any]:
    from phrony_tui.client.lazy import decode_conversation
    from phrony_tui.core.session_state import SessionState
    from phrony_tui.sim import Simulator

    sim = Simulator(seed=7, big_steps=steps, firehose_events=10)
    body = sim.big_conversation(slim=False)
    run_id = sim.find_sessions("big")[0][1]
    size = len(body)

    def build() -> Any:
        data = bytes(body)  # the app's own copy of the body, as a download gives it
        return SessionState(run_id, decode_conversation(data))

    held, state = _held(build)
    return {"steps": len(state.timeline), "body_bytes": size, "held_bytes": held,
            "per_step": held / len(state.timeline), "body_per_step": size / len(state.timeline)}  # fmt: skip


def stream(events: int, step_ids: bool) -> dict[str, Any]:
    from phrony_tui.client.lazy import decode_events
    from phrony_tui.client.models import Conversation, Session
    from phrony_tui.core.session_state import SessionState
    from phrony_tui.sim import Simulator
    from phrony_tui.sim.bulk import firehose_chunks

    sim = Simulator(seed=7, big_steps=10, firehose_events=events)
    session = sim.firehose_session
    chunks = list(firehose_chunks(sim.engine, session, events, step_ids=step_ids))  # the network's bytes

    def build() -> Any:
        state = SessionState(session.root.id, Conversation(session=Session(id=session.id, status="Running")))
        for chunk in chunks:
            # the SSE parser's data strings: made during the ingest, kept by the steps
            decoded, _ = decode_events([line[6:].rstrip(b"\n").decode() for line in chunk])
            for at in range(0, len(decoded), 500):
                state.apply_events(decoded[at : at + 500])
        return state

    held, state = _held(build)
    text = sum(len(line) - 8 for chunk in chunks for line in chunk)
    return {"steps": len(state.timeline), "event_text_bytes": text, "held_bytes": held,
            "per_step": held / len(state.timeline), "text_per_step": text / events}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_memory", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = {
        "big session, lazy": big_session(args.steps),
        "stream, steps with ids": stream(args.events, True),
        "stream, steps without ids": stream(args.events, False),
    }
    if args.json:
        print(json.dumps(rows))
        return 0
    for name, row in rows.items():
        src = row.get("body_per_step", row.get("text_per_step"))
        print(f"{name:<28} {row['steps']:>8,} steps  {row['per_step']:>7.0f} B/step held "
              f"(of which the JSON it came in: {src:.0f} B/step)")  # fmt: skip
    print("goal: <= 1.2 KB per step held (issue 16)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
