"""A big conversation's first load: rows in order are taken as they come, and the entries
by step id and the runs' rows are made when first needed, not before the first frame.
Whatever is asked afterwards, the timeline answers what one loaded the general way does."""

from __future__ import annotations

import random

import pytest

from phrony_tui.core import timeline as module
from phrony_tui.core.timeline import Timeline
from tests.support.factories import event, item

TYPES = ["reasoning", "ToolCall", "ToolResult", "UserTaskReq", "llm_request_prepared"]


def _steps(count: int = 400, runs: int = 3) -> list:
    rng = random.Random(7)
    steps = []
    for n in range(1, count + 1):
        content = {"result": {"successful": False, "error": "boom"}} if rng.random() < 0.05 else {"n": n}
        steps.append(item(f"s{n}", n, TYPES[n % len(TYPES)], content, run_id=f"r{n % runs}"))
    return steps


def _general(steps: list) -> Timeline:
    """The same steps loaded the general way: out of order (one sort, every entry made)."""
    timeline = Timeline()
    timeline.merge([steps[1], steps[0], *steps[2:]])
    assert timeline._unmade is None
    return timeline


def _answers(timeline: Timeline) -> dict:
    found = {
        "rows": [row.id for row in timeline],
        "run_ids": timeline.run_ids(),
        "runs": {run: [row.id for row in timeline.filter_run(run)] for run in ("r0", "r1", "r2", "nope")},
        "first_of_run": [timeline.index_of_run(run) for run in ("r0", "r1", "r2")],
        "ids": [timeline.index_of_id(step) for step in ("s1", "s77", "s400", "nope")],
        "contains": ["s5" in timeline, "nope" in timeline],
        "get": getattr(timeline.get("s9"), "id", None),
    }
    for kind in ("error", "task"):
        for view in (timeline, timeline.filter_run("r1")):
            found[f"{kind}-{view is timeline}"] = [view.next_index(kind, start) for start in range(0, len(view), 37)]
    return found


def test_a_load_in_order_makes_no_entry_before_one_is_needed(monkeypatch):
    steps = _steps()
    first_task = _general(steps).next_index("task", 0)
    made: list[str] = []
    make = module._made_entry
    monkeypatch.setattr(module, "_made_entry", lambda key, step, task: (made.append(key[2]), make(key, step, task))[1])
    timeline = Timeline()
    change = timeline.merge(steps, snapshot=True)
    assert change.added == 400 and change.first_index == 0
    assert made == [] and timeline._entry_map == {} and timeline._run_map == {}
    assert [row.id for row in timeline][:3] == ["s1", "s2", "s3"] and len(timeline) == 400
    assert timeline.next_index("task", 0) == first_task is not None  # the task rows are known already
    assert made == []
    assert timeline.index_of_id("s42") == 41  # now they are made, each once
    assert sorted(made) == sorted(step.id for step in steps)


@pytest.mark.parametrize("first", ["rows", "ids", "runs", "errors", "live step", "later version", "a run's view"])
def test_whatever_comes_first_the_answers_are_the_general_loads(first):
    steps = _steps()
    expected = _general(steps)
    timeline = Timeline()
    timeline.merge(steps, snapshot=True)
    assert timeline._unmade is not None
    view = None
    if first == "ids":
        assert timeline.index_of_id("s3") == 2
    elif first == "runs":
        assert timeline.run_ids() == expected.run_ids()
    elif first == "errors":
        assert timeline.next_index("error", 0) == expected.next_index("error", 0)
    elif first == "a run's view":
        view = timeline.filter_run("r2")  # a view held from before its rows were made
        assert [row.id for row in view] == [row.id for row in expected.filter_run("r2")]
    if first in ("live step", "later version") or view is not None:
        for target in (timeline, expected):
            if first == "later version":
                target.add(item("s7", 7, "ToolResult", {"result": {"successful": False, "error": "late"}}, run_id="r1"))
            else:
                target.add_live_step(event("step", {"id": "s401", "runId": "r2", "ordinal": 401, "type": "reasoning"}))
    assert _answers(timeline) == _answers(expected)
    if view is not None:
        assert [row.id for row in view] == [row.id for row in expected.filter_run("r2")]


def test_a_load_out_of_order_or_with_repeats_is_the_general_one():
    steps = _steps()
    shuffled = Timeline()
    shuffled.merge([steps[3], *steps[:3], *steps[4:]], snapshot=True)
    assert shuffled._unmade is None and len(shuffled._entry_map) == 400
    assert _answers(shuffled) == _answers(_general(steps))
    repeated = Timeline()
    repeated.merge([*steps, item("s5", 5, "output", {"again": True}, run_id="r2")], snapshot=True)
    assert repeated._unmade is None and len(repeated) == 400
    assert repeated.get("s5").type == "output"  # the later version


def test_more_rows_read_in_parts_are_taken_as_the_fresh_load_takes_them(monkeypatch):
    # --run's conversation comes in parts: the first builds the state, the rest are added
    # (SessionState.add_items). Rows that continue the fresh load make no entry either.
    steps = _steps()
    expected = _answers(_general(steps))
    made: list[str] = []
    make = module._made_entry
    monkeypatch.setattr(module, "_made_entry", lambda key, step, task: (made.append(key[2]), make(key, step, task))[1])
    timeline = Timeline()
    timeline.merge(steps[:100], snapshot=True)
    for start in (100, 250, 251):
        change = timeline.merge(steps[start : {100: 250, 250: 251, 251: 400}[start]])
        assert change.first_index == start and change.added == len(timeline) - start
    assert made == [] and timeline._entry_map == {} and len(timeline) == 400
    assert _answers(timeline) == expected
    assert sorted(made) == sorted(step.id for step in steps)  # made once each, when asked


@pytest.mark.parametrize("part", ["a repeat", "a later version", "out of order", "before the last row", "no id"])
def test_a_part_that_does_not_continue_the_fresh_load_takes_the_general_path(part):
    steps = _steps()
    timeline = Timeline()
    timeline.merge(steps[:200], snapshot=True)
    rest = steps[200:]
    if part == "a repeat":
        rest = [*rest[:5], rest[2], *rest[5:]]
    elif part == "a later version":
        rest = [*rest, item("s9", 401, "output", {"again": True}, run_id="r0")]
    elif part == "out of order":
        rest = [rest[1], rest[0], *rest[2:]]
    elif part == "before the last row":
        rest = [item("s150b", 150, "reasoning", {}, run_id="r0"), *rest]
    else:
        rest = [*rest, item("", 401, "reasoning", {}, run_id="r0")]
    timeline.merge(rest)
    expected = Timeline()
    expected.merge([steps[1], steps[0], *steps[2:200]])
    expected.merge(rest)
    assert _answers(timeline) == _answers(expected) and len(timeline) == len(expected)
