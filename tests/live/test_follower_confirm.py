"""Pauses the events do not state: confirmed with GET /v1/runs/{id} and a back-fill.

The docs promise no ``status`` in a stream event. A scripted server plays that side:
a bare ``UserTaskReq`` step, a run event without a status, a stream that stays silent
through a person's pause. Each case counts the requests the follower made.
"""

from __future__ import annotations

import asyncio

import pytest
from live_helpers import (
    RUN,
    Folder,
    Scripted,
    SleepLog,
    Stream,
    conversation,
    item,
    sim_client,
    sse,
)

from phrony_tui.live.follower import CONFIRM_DELAY, RunFollower
from phrony_tui.sim.dialect import DIALECTS

TASK_ID = "task-1"


def task_step(n: int) -> dict:
    return {"ts": "2026-03-01T12:00:01Z", "kind": "step", "subject": "engine.step.UserTaskReq",
            "data": item(n, type_="UserTaskReq", content={"user_task_id": TASK_ID, "kind": "approval",
                                                            "question": "Refund 40 EUR?"})}  # fmt: skip


def waiting_conversation() -> dict:
    steps = [item(1), item(2, type_="UserTaskReq", content={"user_task_id": TASK_ID, "kind": "approval",
                                                            "question": "Refund 40 EUR?"})]  # fmt: skip
    return conversation("WaitingForHITL", steps)


async def following(server: Scripted, **kwargs) -> tuple[RunFollower, Folder, asyncio.Task]:
    kwargs.setdefault("sleep", SleepLog())
    follower = RunFollower(server.client(), RUN, rng=lambda: 1.0, **kwargs)
    folder = Folder(RUN)
    task = asyncio.ensure_future(follower.run())
    return follower, folder, task


async def drain_until(follower: RunFollower, folder: Folder, predicate, timeout: float = 30.0) -> None:
    """Drain like the UI's timer until ``predicate()`` holds (``timeout``: a hang guard only)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await folder.apply(follower.drain())
        if predicate():
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def stop(follower: RunFollower, task: asyncio.Task) -> None:
    follower.stop()
    await asyncio.wait({task}, timeout=10)
    assert task.done()


async def test_a_bare_task_step_is_confirmed_then_backfilled_and_becomes_answerable():
    # The stream sends only the step (no status anywhere, no user_task event), then nothing.
    server = Scripted(
        [Stream([sse(task_step(2))], hang=True)],
        [conversation("Running", [item(1)]), waiting_conversation()],
        runs=["WaitingForHITL"],
    )
    follower, folder, task = await following(server, stall_timeout=None)
    try:
        await drain_until(follower, folder, lambda: folder.state is not None and bool(folder.state.pending_tasks()))
        assert folder.state.status == "WaitingForHITL"
        assert [t.user_task_id for t in folder.state.pending_tasks()] == [TASK_ID]
        assert server.count("run") == 1 and server.count("conversation") == 2
        assert follower.confirms == 1 and follower.confirm_backfills == 1
    finally:
        await stop(follower, task)


async def test_a_burst_of_task_steps_costs_one_confirmation():
    # The burst comes in three reads; the window stays open until all 38 are in, so the
    # test does not depend on the reads coming within CONFIRM_DELAY of each other.
    burst = [task_step(n) for n in range(2, 40)]
    server = Scripted(
        [Stream([sse(*burst[:10]), 0.02, sse(*burst[10:25]), 0.02, sse(*burst[25:])], hang=True)],
        [conversation("Running", [item(1)]), waiting_conversation()],
        runs=["WaitingForHITL"],
    )
    windows: list[float] = []
    all_in = asyncio.Event()

    async def window(seconds: float) -> None:
        windows.append(seconds)
        await all_in.wait()

    follower, folder, task = await following(server, stall_timeout=None, confirm_window=window)
    try:
        await drain_until(follower, folder, lambda: follower.status.received >= len(burst))
        all_in.set()
        await drain_until(follower, folder, lambda: follower.confirm_backfills >= 1)
        await asyncio.sleep(0.3)  # anything else would be asked now: nothing is
        assert windows == [CONFIRM_DELAY]
        assert server.count("run") == 1 and server.count("conversation") == 2
    finally:
        await stop(follower, task)


async def test_a_run_event_without_status_asks_for_the_status_and_backfills_only_if_it_moved():
    bare = {"ts": "2026-03-01T12:00:01Z", "kind": "run", "subject": "engine.run.paused", "data": {"runId": RUN}}
    server = Scripted(
        [Stream([sse(bare), 0.5, sse(bare)], hang=True)],
        [conversation("Running", [item(1)]), waiting_conversation()],
        runs=["WaitingForHITL", "WaitingForHITL"],
    )
    follower, folder, task = await following(server, stall_timeout=None)
    try:
        await drain_until(follower, folder, lambda: follower.confirms >= 2)
        # the first moved the status (Running -> WaitingForHITL): a back-fill; the second did not
        assert server.count("run") == 2 and server.count("conversation") == 2
        await drain_until(follower, folder, lambda: folder.state is not None and folder.state.status == "WaitingForHITL")
    finally:
        await stop(follower, task)


async def test_a_stream_that_states_the_pause_itself_costs_no_confirmation():
    told = {"ts": "2026-03-01T12:00:01Z", "kind": "run", "subject": "engine.run.hitl",
            "data": {"runId": RUN, "status": "WaitingForHITL"}}  # fmt: skip
    server = Scripted(
        [Stream([sse(task_step(2)), 0.01, sse(told)], hang=True)],
        [conversation("Running", [item(1)])],
        runs=["WaitingForHITL"],
    )
    follower, folder, task = await following(server, stall_timeout=None)
    try:
        await drain_until(follower, folder, lambda: folder.state is not None and folder.state.status == "WaitingForHITL")
        await asyncio.sleep(0.5)
        assert server.count("run") == 0 and server.count("conversation") == 1
    finally:
        await stop(follower, task)


async def test_a_silent_stream_through_a_persons_pause_is_probed_not_reconnected():
    # No heartbeats are documented: a stream may say nothing while a person thinks.
    server = Scripted([Stream([], hang=True)], [waiting_conversation()], runs=["WaitingForHITL"])
    follower, folder, task = await following(server, stall_timeout=0.1)
    try:
        await drain_until(follower, folder, lambda: follower.kept_silent >= 3)
        assert follower.connections == 1 and follower.stalls == 0
        assert server.count("conversation") == 1  # no re-read of the whole conversation
        assert server.count("run") == follower.probes >= 3
    finally:
        await stop(follower, task)


async def test_a_silent_stream_is_reconnected_when_the_probe_says_the_run_moved():
    server = Scripted(
        [Stream([], hang=True), Stream([], hang=True)],
        [waiting_conversation(), conversation("Running", [item(1)])],
        runs=["Running"],
    )
    follower, folder, task = await following(server, stall_timeout=0.1)
    try:
        await drain_until(follower, folder, lambda: follower.connections >= 2 and follower.backfills >= 2)
        assert follower.stalls >= 1 and follower.kept_silent == 0
        assert server.count("conversation") >= 2  # the reconnect back-filled what moved
    finally:
        await stop(follower, task)


# -- against the simulator, in both dialects ----------------------------------------------------


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_a_hitl_pause_becomes_answerable_in_either_dialect(sim, sim_base_url, sim_dialect):
    """docs-minimal sends no status and no task ids in events: the pause must still be seen
    (the run's status confirmed, the task back-filled) on the same connection."""
    _, run_id = sim.start_session("hitl", {"amount": 120})
    follower = RunFollower(sim_client(sim, sim_base_url), run_id, sleep=SleepLog(), stall_timeout=None)
    folder = Folder(run_id)
    task = asyncio.ensure_future(follower.run())
    try:
        await drain_until(follower, folder, lambda: follower.status.state == "connected" and folder.state is not None)
        for _ in range(400):  # move simulated time until the agent asks for its approval
            if sim.pending_tasks(run_id):
                break
            sim.advance(0.5)
            await asyncio.sleep(0.005)
        assert sim.pending_tasks(run_id), "the scenario never paused"
        await drain_until(follower, folder, lambda: bool(folder.state.pending_tasks()))
        assert folder.state.status.startswith("Waiting")
        assert [t.user_task_id for t in folder.state.pending_tasks()] == [t["id"] for t in sim.pending_tasks(run_id)]
        assert follower.connections == 1  # seen on the same stream, not after a reconnect
        if sim_dialect == "docs-minimal":
            assert follower.confirms >= 1 and follower.confirm_backfills >= 1
        else:
            assert follower.confirms == 0  # the friendly side states the pause in its events
    finally:
        await stop(follower, task)
        await follower.client.aclose()
