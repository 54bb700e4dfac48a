"""The run tree: order, orphans, cycles, depth, durations, what needs attention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from phrony_tui.client.models import Run
from phrony_tui.core.run_tree import RunTree, run_duration
from tests.support.factories import run


def _ids(tree: RunTree) -> list[str]:
    return [row.run.id for row in tree.rows()]


def test_depth_three_pre_order_and_sorting() -> None:
    runs = [
        run("c2", "root", started="2026-03-01T12:00:05Z"),
        run("g1", "c1", started="2026-03-01T12:00:03Z"),
        run("root", None, started="2026-03-01T12:00:00Z"),
        run("c1", "root", started="2026-03-01T12:00:01Z"),
        run("gg1", "g1", started="2026-03-01T12:00:04Z"),
        run("c0", "root", started="2026-03-01T12:00:01Z"),  # same time as c1: id breaks the tie
    ]
    tree = RunTree(runs)
    assert _ids(tree) == ["root", "c0", "c1", "g1", "gg1", "c2"]
    depths = {row.run.id: row.depth for row in tree.rows()}
    assert depths == {"root": 0, "c0": 1, "c1": 1, "g1": 2, "gg1": 3, "c2": 1}
    last = {row.run.id: row.is_last for row in tree.rows()}
    assert last == {"root": True, "c0": False, "c1": False, "g1": True, "gg1": True, "c2": True}
    assert tree.root is not None and tree.root.id == "root"
    assert [r.id for r in tree.children("root")] == ["c0", "c1", "c2"]
    assert tree.parent("gg1").id == "g1"
    assert tree.depth("gg1") == 3
    assert [row.prefix for row in tree.rows()] == ["", "├─ ", "├─ ", "│  └─ ", "│     └─ ", "└─ "]


def test_timestamps_with_different_offsets_sort_by_instant() -> None:
    runs = [
        run("root"),
        run("late", "root", started="2026-03-01T12:00:00+00:00"),
        run("early", "root", started="2026-03-01T13:00:00+02:00"),  # 11:00 UTC
        run("unknown", "root", started=None),
    ]
    assert _ids(RunTree(runs)) == ["root", "early", "late", "unknown"]


def test_orphans_become_extra_roots_marked() -> None:
    runs = [run("root"), run("child", "root"), run("lost", "missing-parent"), run("lost-kid", "lost")]
    tree = RunTree(runs)
    assert _ids(tree) == ["root", "child", "lost", "lost-kid"]
    rows = {row.run.id: row for row in tree.rows()}
    assert rows["lost"].orphan and rows["lost"].depth == 0
    assert rows["lost-kid"].depth == 1 and not rows["lost-kid"].orphan
    assert not rows["root"].is_last and rows["lost"].is_last
    assert tree.root.id == "root"
    assert [r.id for r in tree.roots] == ["root", "lost"]


def test_cycles_terminate_and_each_run_appears_once() -> None:
    runs = [
        run("root"),
        run("a", "b", started="2026-03-01T12:00:01Z"),
        run("b", "a", started="2026-03-01T12:00:02Z"),
        run("c", "a", started="2026-03-01T12:00:03Z"),
        run("self", "self"),
    ]
    tree = RunTree(runs)
    ids = _ids(tree)
    assert sorted(ids) == ["a", "b", "c", "root", "self"]
    rows = {row.run.id: row for row in tree.rows()}
    assert rows["a"].cycle and rows["a"].depth == 0  # the earliest run of the loop is the cut
    assert rows["b"].depth == 1 and rows["c"].depth == 1
    assert rows["self"].cycle and rows["self"].depth == 0
    assert tree.parent("a") is None
    assert ids.index("a") < ids.index("b")


def test_only_a_cycle_no_root() -> None:
    tree = RunTree([run("x", "y"), run("y", "x")])
    assert len(tree.rows()) == 2
    assert tree.root is not None


def test_server_depth_is_kept_tree_depth_is_used() -> None:
    runs = [
        Run.model_validate({"id": "root", "parentRunId": None, "depth": 0}),
        Run.model_validate({"id": "kid", "parentRunId": "root", "depth": 7}),  # inconsistent
        Run.model_validate({"id": "kid2", "parentRunId": "root"}),  # missing
    ]
    rows = {row.run.id: row for row in RunTree(runs).rows()}
    assert rows["kid"].depth == 1 and rows["kid"].server_depth == 7 and rows["kid"].run.depth == 7
    assert rows["kid2"].depth == 1 and rows["kid2"].server_depth is None


def test_deep_chain_has_no_recursion_limit() -> None:
    runs = [run("r0")] + [run(f"r{i}", f"r{i - 1}") for i in range(1, 5000)]
    tree = RunTree(runs)
    assert tree.depth("r4999") == 4999
    assert len(tree.rows()) == 5000


def test_repeated_id_keeps_last_version() -> None:
    tree = RunTree([run("root", status="Running"), run("root", status="Completed")])
    assert len(tree) == 1 and tree.get("root").status == "Completed"


def test_waiting_and_attention() -> None:
    runs = [run("root", status="Running"), run("a", "root", status="WaitingForAITL"), run("b", "root", status="Completed")]
    tree = RunTree(runs)
    assert [r.id for r in tree.waiting()] == ["a"]
    assert [r.id for r in tree.needs_attention({"b", None})] == ["a", "b"]


def test_durations() -> None:
    now = datetime(2026, 3, 1, 12, 10, 0, tzinfo=UTC)
    done = Run(id="d", started_at="2026-03-01T12:00:00Z", finished_at="2026-03-01T12:00:12.500Z", status="Completed")
    live = Run(id="l", started_at="2026-03-01T12:06:55Z", status="Running")
    stuck = Run(id="s", started_at="2026-03-01T12:00:00Z", status="Failed")
    assert run_duration(done) == timedelta(seconds=12.5)
    assert run_duration(live, now) == timedelta(minutes=3, seconds=5)
    assert run_duration(live) is None
    assert run_duration(stuck, now) is None  # terminal without an end: unknown, not "running"
    backwards = Run(id="b", started_at="2026-03-01T12:00:10Z", finished_at="2026-03-01T12:00:00Z")
    assert run_duration(backwards) == timedelta(0)
