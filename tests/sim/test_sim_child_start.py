"""What the demo's simulator child does before it serves (entry/demo.py, sim/cli.py): counted,
not timed. Its CPU until the app's first pages are answered competes with the app's start
when the machine is busy (tests/benchmarks/README.md, ``cold``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from phrony_tui.entry import demo
from phrony_tui.sim import cli
from phrony_tui.sim.clock import FixedClock
from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.sim.engine import Engine
from phrony_tui.sim.simulator import Simulator
from tests.support.waiting import WAIT_TIMEOUT

# The child as --demo starts it (``sim.cli.CHILD``), with its serving loop replaced by a
# report of what the process holds at the moment it serves.
_REPORT = """
import gc, sys
gc.disable()
from phrony_tui.sim import cli

def report(sim, server):
    import json
    print(json.dumps({
        "modules": [m for m in ("click", "uvicorn.main", "uvicorn.supervisors", "multiprocessing") if m in sys.modules],
        "collecting": gc.isenabled(),
        "frozen": gc.get_freeze_count(),
        "lazy": sum(getattr(s, "lazy_items", False) for s in sim.engine.session_list),
    }), flush=True)
    server.stop()
    return 0

cli.serve_until_stdin_closes = report
sys.exit(cli.main(["--port", "0", "--seed", "7", "--big-steps", "100", "--handshake"]))
"""


def test_demo_starts_the_child_sim_cli_names():
    assert demo._CHILD == cli.CHILD


def test_the_child_serves_without_uvicorns_command_line_and_with_its_world_frozen():
    done = subprocess.run(
        [sys.executable, "-c", _REPORT], check=False, capture_output=True, text=True, timeout=WAIT_TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["modules"] == []  # click, the reloaders, multiprocessing: uvicorn's CLI, not imported
    assert said["collecting"] is True  # on again once it serves ...
    assert said["frozen"] > 50_000  # ... with what the start built out of the collector's way
    assert said["lazy"] > 300  # the history's steps not made yet


def test_building_the_world_builds_no_event_nor_history_step():
    emitted = []
    real = Engine.emit

    def emit(self, session, kind, subject, run, data):
        if not self.record_events:
            emitted.append(subject)
        return real(self, session, kind, subject, run, data)

    made = []
    real_make = Engine._make_item

    def make(self, step):
        made.append(step[1])
        return real_make(self, step)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Engine, "emit", emit)
        patch.setattr(Engine, "_make_item", make)
        sim = Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"))
    # Nobody listens while the world is built: no step's event made (a copy of each item),
    # nor a run's start, spawn or completion (what is left: a few per session).
    assert not [subject for subject in emitted if subject.startswith("engine.step.")]
    assert not {"engine.run.started", "engine.subagent.spawned", "engine.run.completed",
                "engine.session.started"} & set(emitted)  # fmt: skip
    assert len(emitted) < 3 * len(sim.engine.session_list)
    # The user tasks' steps are made at once (a task writes its status into its content);
    # the big and firehose sessions' few steps come after the history.
    assert set(made) <= {"UserTaskReq", "llm_request_prepared", "reasoning"}
    assert made.count("UserTaskReq") == sum(len(s.tasks) for s in sim.engine.session_list)


def _everything(sim: Simulator) -> list[bytes]:
    engine = sim.engine
    out = []
    for session in engine.session_list:
        out.append(json.dumps(engine.session_row(session, listing=True)).encode())
        out.append(json.dumps(engine.visible_items(session)).encode())
        out += [event.encoded for event in session.events]
    return out


@pytest.mark.full_world
@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_steps_made_when_first_read_are_the_ones_made_at_once(dialect):
    def world(lazy: bool) -> Simulator:
        with pytest.MonkeyPatch.context() as patch:
            if not lazy:  # every step made when added, as before
                real = Engine.add_item
                patch.setattr(Engine, "add_item", lambda self, *a, **k: real(self, *a, **{**k, "now": True}))
            sim = Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"), autostart_seconds=45, dialect=dialect)
            sim.advance(400)  # live steps after the lazy ones, in the same sessions too
            sim.start_session("hitl", {"amount": 70})
            sim.advance(60)
        return sim

    lazy, eager = world(lazy=True), world(lazy=False)
    assert not any(s.lazy_items for s in eager.engine.session_list)
    assert any(s.lazy_items for s in lazy.engine.session_list)
    assert _everything(lazy) == _everything(eager)
