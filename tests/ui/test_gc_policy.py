"""The App's collector policy (ui/gc_policy.py): what it changes, that it undoes it on
exit, and that the client and core change nothing of the collector themselves."""

from __future__ import annotations

import gc
import json
import weakref

import pytest

from phrony_tui.ui.gc_policy import FREEZE_AT, INTERACTIVE_THRESHOLDS, YOUNG_ENOUGH, GCPolicy


@pytest.fixture
def collector():
    """The collector's state before the test, put back after it whatever happens."""
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_collect_young_runs_a_young_pass_only_when_worth_it(monkeypatch):
    passes: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: passes.append(generation) or 0)
    counts = iter([(YOUNG_ENOUGH - 1, 0, 0), (YOUNG_ENOUGH, 0, 0)])
    monkeypatch.setattr(gc, "get_count", lambda: next(counts))
    monkeypatch.setattr(gc, "isenabled", lambda: True)
    policy = GCPolicy()
    policy.collect_young()  # below the bar: nothing
    policy.collect_young()  # at it: one pass of the youngest generation only
    assert passes == [0]
    monkeypatch.setattr(gc, "isenabled", lambda: False)
    policy.collect_young()  # a paused collector stays paused
    assert passes == [0]


def test_release_frozen_collects_what_a_freeze_caught(collector):
    class Node:
        other: Node

    gc.disable()
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    ref = weakref.ref(a)
    policy = GCPolicy()
    policy.freeze_after_bulk(FREEZE_AT)
    del a, b
    gc.collect()
    assert ref() is not None  # frozen: a collection does not see it
    policy.release_frozen()
    assert ref() is None and gc.get_freeze_count() == 0


def test_small_batches_are_not_frozen(collector):
    GCPolicy().freeze_after_bulk(FREEZE_AT - 1)
    assert gc.get_freeze_count() == 0


def test_restore_puts_back_the_thresholds_and_what_was_frozen(collector):
    gc.set_threshold(701, 11, 12)
    policy = GCPolicy()
    policy.install()
    assert gc.get_threshold() == INTERACTIVE_THRESHOLDS
    policy.freeze_after_bulk(FREEZE_AT)
    assert gc.get_freeze_count() > 0
    policy.restore()
    assert gc.get_threshold() == (701, 11, 12)
    assert gc.get_freeze_count() == 0


def test_restore_ends_a_pause_still_open(collector):
    gc.enable()
    policy = GCPolicy()
    pause = policy.paused()
    pause.__enter__()
    assert not gc.isenabled()
    policy.restore()  # the App exits while a worker is inside a bulk build
    assert gc.isenabled()
    pause.__exit__(None, None, None)
    assert gc.isenabled()


def test_overlapping_pauses_enable_the_collector_when_the_last_ends(collector):
    """The --run prefetch thread and the UI, or two awaits of one loop: pauses that
    overlap and end out of order."""
    gc.enable()
    policy = GCPolicy()
    first, second = policy.paused(), policy.paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first to begin ends first
    assert not gc.isenabled()  # the second is still inside its build
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_pause_leaves_a_disabled_collector_disabled(collector):
    gc.disable()
    with GCPolicy().paused():
        pass
    assert not gc.isenabled()


def test_the_client_and_core_change_nothing_of_the_collector(monkeypatch):
    """The switches are the App's: a library decode and a state build touch nothing."""
    from phrony_tui.client.lazy import decode_conversation
    from phrony_tui.client.models import RunEvent
    from phrony_tui.core.session_state import SessionState

    touched: list[str] = []
    for name in ("disable", "enable", "freeze", "unfreeze", "set_threshold"):
        monkeypatch.setattr(gc, name, lambda *args, _name=name: touched.append(_name))
    root = "run-1"
    body = {
        "session": {"id": "s-1", "status": "Running", "entryRunId": root},
        "runs": [{"id": root, "status": "Running"}],
        "items": [
            {"id": f"st-{n}", "runId": root, "ordinal": n, "type": "output", "content": {"text": str(n)}}
            for n in range(3)
        ],
    }
    conversation = decode_conversation(json.dumps(body).encode())
    state = SessionState(root, conversation)
    state.merge_conversation(conversation)
    state.apply_events([RunEvent(kind="step", subject="engine.step.output", runId=root,
                                 data={"id": "st-9", "runId": root, "ordinal": 9, "type": "output"})])  # fmt: skip
    assert len(state.timeline) >= 3
    assert touched == []


async def test_the_app_installs_the_policy_and_undoes_it_on_exit(make_app, collector):
    gc.set_threshold(703, 13, 14)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.get_threshold() == INTERACTIVE_THRESHOLDS
        app.gc_policy.freeze_after_bulk(FREEZE_AT)  # as after a big session
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (703, 13, 14)
    assert gc.get_freeze_count() == 0


async def test_the_app_pauses_the_collector_around_its_clients_bulk_decode(make_app):
    app = make_app()
    seen: list[bool] = []
    real = app.gc_policy.paused

    def paused():
        seen.append(True)
        return real()

    app.gc_policy.paused = paused  # type: ignore[method-assign]
    client = app._client_for(app.settings)
    try:
        sessions = await client.list_sessions(app.settings.agent_ids[0])
        run_id = sessions.items[0].open_run_id
        assert run_id is not None
        await client.get_conversation(run_id, lazy=True)
    finally:
        await client.aclose()
    assert seen == [True]


def test_the_launchers_policy_leaves_what_it_froze_to_the_exit(collector):
    gc.set_threshold(707, 17, 18)
    policy = GCPolicy(unfreeze_on_restore=False)
    policy.install()
    policy.freeze_after_bulk(FREEZE_AT)
    policy.restore()
    assert gc.get_threshold() == (707, 17, 18)
    assert gc.get_freeze_count() > 0  # the interpreter's last collection need not scan it


def test_the_start_pause_ends_with_a_freeze(collector):
    gc.enable()
    gc.unfreeze()
    policy = GCPolicy()
    policy.pause_start()
    policy.pause_start()  # once only
    assert not gc.isenabled()
    with policy.paused():  # a bulk decode inside the start: the start's pause outlives it
        pass
    assert not gc.isenabled()
    policy.start_done()
    assert gc.isenabled() and gc.get_freeze_count() > 0
    policy.start_done()  # nothing more
    assert gc.isenabled()
    policy.restore()
    assert gc.get_freeze_count() == 0


def test_the_start_pause_ends_without_a_collection_of_what_the_start_built(collector):
    # Enabled before the freeze, the next allocation collected the whole start at once.
    gc.enable()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    policy = GCPolicy()
    policy.pause_start()
    built = [[n] for n in range(50_000)]  # the start's modules, classes, widgets: young objects
    passes: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        policy.start_done()
        more = [[n] for n in range(100)]  # the start's next allocations
    finally:
        gc.callbacks.remove(seen)
    assert passes == []
    assert gc.isenabled() and gc.get_freeze_count() >= len(built)
    del built, more


async def test_the_launchers_start_pause_ends_after_the_apps_first_frame(make_app, collector):
    gc.enable()
    gc.unfreeze()
    policy = GCPolicy()
    policy.pause_start()  # as run_app does before it imports and builds the App
    app = make_app(app_kwargs={"gc_policy": policy})
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.isenabled() and gc.get_freeze_count() > 0
