"""The collector helpers: young passes between frames, freezes and their release."""

from __future__ import annotations

import gc

from phrony_tui import gcpause


def test_collect_young_runs_a_young_pass_only_when_worth_it(monkeypatch):
    passes: list[int] = []
    monkeypatch.setattr(gcpause.gc, "collect", lambda generation=2: passes.append(generation) or 0)
    counts = iter([(gcpause.YOUNG_ENOUGH - 1, 0, 0), (gcpause.YOUNG_ENOUGH, 0, 0)])
    monkeypatch.setattr(gcpause.gc, "get_count", lambda: next(counts))
    monkeypatch.setattr(gcpause.gc, "isenabled", lambda: True)
    gcpause.collect_young()  # below the bar: nothing
    gcpause.collect_young()  # at it: one pass of the youngest generation only
    assert passes == [0]
    monkeypatch.setattr(gcpause.gc, "isenabled", lambda: False)
    gcpause.collect_young()  # a paused collector stays paused
    assert passes == [0]


def test_release_frozen_collects_what_a_freeze_caught():
    class Node:
        pass

    enabled = gc.isenabled()
    gc.disable()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        import weakref

        ref = weakref.ref(a)
        gc.freeze()
        del a, b
        gc.collect()
        assert ref() is not None  # frozen: a collection does not see it
        gcpause.release_frozen()
        assert ref() is None and gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
