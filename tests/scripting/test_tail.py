"""``tail`` as a subprocess: live events until the run ends, exit 0 only for Completed."""

from __future__ import annotations

import json
import subprocess
import sys

from scripting_helpers import HANG_GUARD

from tests.support.waiting import wait_for_sync


def _tail(world, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "phrony_tui", "tail", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=world.env,
    )  # fmt: skip


def _following(world, run_id: str) -> bool:
    """The tail's stream is open and the follower's back-fill read (the second
    conversation: the tail reads the history first): what happens next is streamed."""
    paths = [path for method, path, status in list(world.sim.requests) if status == 200]
    backfills = sum(1 for path in paths if path.startswith(f"/v1/runs/{run_id}/conversation"))
    return f"/v1/runs/{run_id}/stream" in paths and backfills >= 2


def test_tail_follows_a_live_run_to_completed_and_exits_0(world):
    _session, run_id = world.sim.start_session("failing", {"variant": "ok"})
    tail = _tail(world, run_id, "-n", "0")
    try:
        wait_for_sync(lambda: _following(world, run_id) or tail.poll() is not None, timeout=HANG_GUARD, what="the tail to follow")
        world.sim.advance(120)
        out, err = tail.communicate(timeout=HANG_GUARD)
    finally:
        tail.kill()
    assert tail.returncode == 0, err
    lines = out.splitlines()
    assert any("engine.step.ToolCall" in line and "fetch_invoice" in line for line in lines)  # streamed
    assert any("engine.run.completed" in line for line in lines)
    # The completion rows are never streamed: the last back-fill brings them.
    assert any("phrony-tui.backfill.SessionCompleted" in line for line in lines)
    assert lines[-1] == f"run {run_id} ended: Completed"


def test_tail_json_is_one_event_a_line_and_a_failed_run_exits_1(world, cli):
    run_id = world.newest("failing", "Failed")
    done = cli("tail", run_id, "--json", "-n", "3")
    assert done.returncode == 1, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(events) == 3 and all(set(event) == {"ts", "kind", "subject", "data"} for event in events)
    assert events[-1]["subject"] == "phrony-tui.backfill.SessionCompleted"
    assert events[-1]["data"]["content"]["status"] == "Failed"


def test_tail_of_a_completed_run_exits_0_and_a_bad_run_id_3(world, cli):
    done = cli("tail", world.newest("hitl", "Completed"), "-n", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith("ended: Completed")
    missing = cli("tail", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == 3 and "404" in missing.stderr and "no such run" in missing.stderr
