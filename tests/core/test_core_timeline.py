"""The merged timeline store: order, de-duplication, live steps, views, jumps, search."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phrony_tui.client.models import Conversation, ConversationItem, Session
from phrony_tui.core.timeline import Timeline, looks_redacted
from tests.support.factories import event, item


def ids(view) -> list[str]:
    return [row.id for row in view]


def test_merge_any_order_with_overlaps() -> None:
    timeline = Timeline()
    steps = [item(f"s{n}", n) for n in range(1, 11)]
    timeline.merge(steps[5:])
    timeline.merge(reversed(steps[:7]))
    assert ids(timeline) == [f"s{n}" for n in range(1, 11)]
    assert len(timeline) == 10
    assert timeline[0].id == "s1" and timeline[-1].id == "s10"
    assert [row.id for row in timeline[2:4]] == ["s3", "s4"]


def test_later_version_replaces_and_keeps_missing_fields() -> None:
    timeline = Timeline([item("a", 1, "ToolCall", {"name": "web"}, run_id="r1")])
    change = timeline.add(ConversationItem(id="a", ordinal=1, type="ToolCall", content=None, error="boom"))
    assert change.replaced == 1 and change.added == 0 and change.first_index == 0
    assert len(timeline) == 1
    row = timeline[0]
    assert row.error == "boom"
    assert row.content == {"name": "web"} and row.run_id == "r1"


def test_exact_repeat_is_not_a_change() -> None:
    timeline = Timeline([item("a", 1, content={"x": 1})])
    version = timeline.version
    change = timeline.merge([item("a", 1, content={"x": 1})])
    assert not change.changed and change.first_index is None
    assert timeline.version == version


def test_live_step_without_ordinal_is_provisional_then_reconciled() -> None:
    timeline = Timeline([item("s1", 1), item("s2", 2)])
    timeline.add_live_step(event("step", {"id": "live", "runId": "r1", "type": "reasoning", "content": {"preview": "hi"}}))
    assert ids(timeline) == ["s1", "s2", "live"]
    assert timeline.is_provisional(2) and not timeline.is_provisional(1)
    assert timeline.provisional_count == 1
    # A back-fill brings its real ordinal (before a step that arrived meanwhile).
    change = timeline.merge([item("s3", 3), item("live", 4, run_id="r1"), item("s5", 5)])
    assert ids(timeline) == ["s1", "s2", "s3", "live", "s5"]
    assert timeline.provisional_count == 0
    assert change.added == 2 and change.replaced == 1


def test_repeat_without_ordinal_keeps_the_known_place() -> None:
    timeline = Timeline([item("a", 1), item("b", 2), item("c", 3)])
    timeline.add_live_step(event("step", {"id": "a", "type": "reasoning", "content": {"preview": "updated"}}))
    assert ids(timeline) == ["a", "b", "c"]
    assert timeline[0].ordinal == 1 and timeline[0].content == {"preview": "updated"}
    assert timeline.provisional_count == 0


def test_live_step_matched_by_run_and_sequence() -> None:
    timeline = Timeline([item("s1", 1, run_id="r1", sequence=1)])
    timeline.add_live_step(event("step", {"run_id": "r1", "sequence": 2, "step_kind": "reasoning", "preview": "p"}))
    assert len(timeline) == 2 and timeline.is_provisional(1)
    change = timeline.merge([item("s2", 2, run_id="r1", sequence=2)])
    assert ids(timeline) == ["s1", "s2"]
    assert change.removed == 1 and change.added == 1
    # And a later live repeat of the same sequence updates the real step.
    timeline.add_live_step(event("step", {"run_id": "r1", "sequence": 2, "step_kind": "reasoning", "preview": "q"}))
    assert ids(timeline) == ["s1", "s2"]


def test_anonymous_live_rows_dropped_by_a_snapshot_only() -> None:
    timeline = Timeline([item("s1", 1)])
    timeline.add_live_step(event("step", {"step_kind": "reasoning", "preview": "no id"}))
    timeline.add_live_step(event("step", {"step_kind": "reasoning", "preview": "no id"}))
    assert len(timeline) == 3
    timeline.merge([item("s2", 2)])
    assert len(timeline) == 4
    change = timeline.merge([item("s1", 1), item("s2", 2), item("s3", 3)], snapshot=True)
    assert ids(timeline) == ["s1", "s2", "s3"] and change.removed == 2


def test_non_step_event_adds_nothing() -> None:
    timeline = Timeline()
    assert not timeline.add_live_step(event("step", None)).changed
    assert not timeline.add_live_step(event("step", "text")).changed
    assert len(timeline) == 0


def test_filter_run_is_a_live_view() -> None:
    timeline = Timeline()
    view = timeline.filter_run("r2")
    assert len(view) == 0
    timeline.merge([item("a", 1, run_id="r1"), item("b", 2, run_id="r2"), item("c", 3, run_id="r1")])
    timeline.merge([item("d", 4, run_id="r2")])
    assert ids(view) == ["b", "d"]
    assert ids(timeline.filter_run("r1")) == ["a", "c"]
    assert timeline.filter_run(None) is timeline
    assert timeline.index_of_run("r2") == 1 and timeline.index_of_run("nope") is None
    assert view.index_of_id("d") == 1 and view.index_of_id("a") is None
    assert timeline.run_ids() == ["r1", "r2"]
    # A step that moves to another run moves between views.
    timeline.add(item("d", 4, run_id="r1"))
    assert ids(view) == ["b"] and ids(timeline.filter_run("r1")) == ["a", "c", "d"]


def test_big_merge_rebuild_keeps_views() -> None:
    timeline = Timeline([item("a", 1, run_id="r1")])
    view = timeline.filter_run("r1")
    batch = [item(f"s{n}", n, run_id="r1" if n % 2 else "r2") for n in range(500, 1, -1)]
    change = timeline.merge(batch)
    assert change.added == 499 and change.first_index == 1
    assert len(timeline) == 500
    assert [row.ordinal for row in timeline] == list(range(1, 501))
    assert len(view) == 250 and view[0].id == "a"


def _error_result(step_id: str, ordinal: int) -> ConversationItem:
    return item(step_id, ordinal, "ToolResult", {"result": {"successful": False, "error": "nope"}})


def _task(step_id: str, ordinal: int, task_id: str) -> ConversationItem:
    return item(step_id, ordinal, "UserTaskReq", {"user_task_id": task_id})


def test_next_index_error_and_waiting() -> None:
    timeline = Timeline(
        [
            item("a", 1),
            _error_result("e1", 2),
            _task("t1", 3, "task-1"),
            item("ok", 4, "ToolResult", {"result": {"successful": True, "error": None}}),
            item("e2", 5, "RunCompleted", {"status": "Failed", "error": "x"}),
            _task("t2", 6, "task-2"),
            item("e3", 7, "reasoning", error="step failed"),
        ]
    )
    assert timeline.next_index("error", 0) == 1
    assert timeline.next_index("error", 2) == 4
    assert timeline.next_index("error", 5) == 6
    assert timeline.next_index("error", 6, backwards=True) == 6
    assert timeline.next_index("error", 3, backwards=True) == 1
    assert timeline.next_index("error", 0, backwards=True) == 6  # wraps
    assert timeline.next_index("error", 0, backwards=True, wrap=False) is None
    assert timeline.next_index("task", 3) == 5
    assert timeline.next_index("waiting", 0) == 2  # pending unknown: any task
    timeline.pending_task_ids = {"task-2"}
    assert timeline.next_index("waiting", 0) == 5
    assert timeline.next_index("waiting", 6) == 5  # wraps
    assert timeline.next_index("waiting", 6, wrap=False) is None
    timeline.pending_task_ids = set()
    assert timeline.next_index("waiting", 0) is None
    assert timeline.next_index(lambda row: row.id == "ok", 0) == 3


def test_error_flags_follow_replacement() -> None:
    timeline = Timeline([_error_result("e", 1), item("x", 2)])
    assert timeline.next_index("error", 0) == 0
    timeline.add(item("e", 1, "ToolResult", {"result": {"successful": True}}))
    assert timeline.next_index("error", 0) is None
    assert timeline.filter_run(None).next_index("error", 0) is None


def test_find() -> None:
    timeline = Timeline(
        [
            item("a", 1, "llm_request_prepared", {"model": "GPT-4o"}),
            item("b", 2, "ToolCall", {"name": "Web", "operation_name": "search", "arguments": {"q": "Zebra"}}),
            item("c", 3, "reasoning", "plain string Content with Needle"),
            item("d", 4, "Mystery", {"deep": {"value": "needle in json"}}),
        ]
    )
    assert timeline.find("gpt-4O") == 0
    assert timeline.find("toolcall") == 1  # type
    assert timeline.find("zebra") == 1  # args preview
    assert timeline.find("needle") == 2
    assert timeline.find("needle", 3) == 3
    assert timeline.find("needle", 3, backwards=True) == 3
    assert timeline.find("needle", 1, backwards=True) == 3  # wraps backwards
    assert timeline.find("gpt", 1) == 0  # wraps
    assert timeline.find("gpt", 1, wrap=False) is None
    assert timeline.find("absent") is None
    assert timeline.find("") is None
    assert timeline.filter_run(None).find("mystery") == 3


def test_summary_cache_follows_replacement() -> None:
    timeline = Timeline([item("a", 1, "llm_request_prepared", {"model": "m1"})])
    assert timeline.summary(0) == "model m1"
    assert timeline.find("m2") is None
    timeline.add(item("a", 1, "llm_request_prepared", {"model": "m2"}))
    assert timeline.summary(0) == "model m2"
    assert timeline.find("m2") == 0


def test_equal_ordinals_are_both_kept_in_id_order() -> None:
    timeline = Timeline([item("b", 5), item("a", 5), item("c", 1)])
    assert ids(timeline) == ["c", "a", "b"]


def test_looks_redacted() -> None:
    session = Session(id="s", status="Completed")
    hidden = Conversation(
        session=session, items=[item("x", 1, "RunCompleted", {}), item("y", 2, "SessionCompleted", {})]
    )
    shown = Conversation(session=session, items=[item("x", 1), item("y", 2, "SessionCompleted", {})])
    assert looks_redacted(hidden)
    assert not looks_redacted(shown)
    assert not looks_redacted(Conversation(session=session))


def test_load_conversation() -> None:
    timeline = Timeline()
    conversation = Conversation(session=Session(id="s"), items=[item("a", 1), item("b", 2)])
    assert timeline.load(conversation).added == 2
    assert ids(timeline) == ["a", "b"]


# -- property: any interleaving of the same steps ---------------------------------------

TYPES = ["reasoning", "ToolResult", "UserTaskReq", "ToolCall"]


@st.composite
def step_sets(draw) -> list[ConversationItem]:
    count = draw(st.integers(min_value=1, max_value=30))
    ordinals = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    steps = []
    for index, ordinal in enumerate(ordinals):
        type_ = draw(st.sampled_from(TYPES))
        content = {"result": {"successful": draw(st.booleans())}} if type_ == "ToolResult" else {"n": index}
        steps.append(
            ConversationItem(
                id=f"step-{index}",
                run_id=f"r{index % 3}",
                sequence=index,
                ordinal=ordinal,
                type=type_,
                content=content,
            )
        )
    return steps


def _live(step: ConversationItem, *, with_ordinal: bool, with_id: bool) -> object:
    data = {"runId": step.run_id, "sequence": step.sequence, "type": step.type, "content": step.content}
    if with_id:
        data["id"] = step.id
    if with_ordinal:
        data["ordinal"] = step.ordinal
    return event("step", data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=step_sets(), data=st.data())
def test_any_interleaving_gives_each_step_once_in_order(steps: list[ConversationItem], data: st.DataObject) -> None:
    timeline = Timeline()
    delivered: set[str] = set()
    for _ in range(data.draw(st.integers(0, 12))):
        if data.draw(st.booleans()):
            chosen = data.draw(st.lists(st.sampled_from(steps), max_size=len(steps) * 2))
            timeline.merge(chosen)
            delivered.update(step.id for step in chosen)
        else:
            step = data.draw(st.sampled_from(steps))
            with_ordinal = data.draw(st.booleans())
            with_id = data.draw(st.booleans())
            timeline.add_live_step(_live(step, with_ordinal=with_ordinal, with_id=with_id))
            if with_ordinal and with_id:
                delivered.add(step.id)
    # Whatever came before, a back-fill of the rest (any order) completes it.
    rest = [step for step in steps if step.id not in delivered]
    if data.draw(st.booleans()):
        timeline.merge(data.draw(st.permutations(rest)))
    else:
        timeline.merge(data.draw(st.permutations(steps)), snapshot=True)

    expected = sorted(steps, key=lambda step: step.ordinal)
    assert ids(timeline) == [step.id for step in expected]
    assert [row.ordinal for row in timeline] == [step.ordinal for step in expected]
    assert timeline.provisional_count == 0
    for run_id in {step.run_id for step in steps}:
        assert ids(timeline.filter_run(run_id)) == [step.id for step in expected if step.run_id == run_id]
    for index, row in enumerate(timeline):
        assert timeline.index_of_id(row.id) == index
    errors = [i for i, row in enumerate(timeline) if row.type == "ToolResult" and not row.content["result"]["successful"]]
    assert timeline.next_index("error", 0, wrap=False) == (errors[0] if errors else None)


# -- scale ---------------------------------------------------------------------------------


def test_50k_backfill_and_live_steps_sort_once_and_index_errors_once(monkeypatch) -> None:
    """Counted, not timed (the timing is in tests/benchmarks/bench_core.py): the whole
    timeline is sorted once, by the first load; every later step is placed by its key,
    and "next error" reads each row's error flag once, not once per jump."""
    from phrony_tui.core import timeline as module

    sorts: list[int] = []
    rebuild = Timeline._rebuild
    monkeypatch.setattr(Timeline, "_rebuild", lambda self: (sorts.append(len(self._entries)), rebuild(self))[1])
    flags: list[str] = []
    is_error = module.is_error_step
    monkeypatch.setattr(module, "is_error_step", lambda item: (flags.append(item.id), is_error(item))[1])
    rng = random.Random(5)
    backfill = [
        ConversationItem(id=f"s{n}", run_id=f"r{n % 4}", ordinal=n, type=TYPES[n % 4], content={"n": n})
        for n in range(1, 50_001)
    ]
    live = [
        event("step", {"id": f"s{n}", "runId": "r0", "ordinal": n, "type": "reasoning", "content": {"preview": "p"}})
        for n in range(50_001, 70_001)
    ]
    late = [ConversationItem(id=f"late{n}", ordinal=rng.randrange(1, 70_000), type="reasoning") for n in range(2000)]
    timeline = Timeline()
    timeline.merge(backfill)
    for step_event in live:
        timeline.add_live_step(step_event)
    for step in late:
        timeline.add(step)
    timeline.merge(backfill[-5000:])  # an overlapping back-fill: all repeats
    assert len(timeline) == 72_000
    # Re-sorting per add would be 22,000 sorts of up to 72,000 rows; the back-fill comes in
    # order of ordinal, so the first load needs none either (tests/core/test_core_timeline_load.py).
    assert sorts == []
    ordinals = [row.ordinal for row in timeline]
    assert ordinals == sorted(ordinals)
    assert flags == []  # not computed on load
    for position in range(0, 72_000, 7_000):
        found = timeline.next_index("error", position)
        assert found is None or is_error(timeline[found])
        assert timeline[timeline.index_of_run("r3")].id == "s3"
        step_id = f"s{position // 2 + 1}"
        assert timeline[timeline.index_of_id(step_id)].id == step_id
    assert len(flags) == len(set(flags)) == 72_000  # each row's flag read once, for 11 jumps


def test_new_live_steps_go_before_completion_rows_a_back_fill_put_at_the_end():
    """A back-fill may bring the run's completion rows (ordinals past the live steps
    still buffered): those steps then land before them, in order, on the quick path."""
    timeline = Timeline([item(f"s{n}", n, run_id="r1") for n in range(1, 4)])
    timeline.merge([item("done", 100, "RunCompleted", run_id="r1"), item("end", 101, "SessionCompleted", run_id="r1")])
    change = timeline.merge([item(f"s{n}", n, run_id="r1") for n in range(4, 60)])
    assert [row.id for row in timeline] == [*(f"s{n}" for n in range(1, 60)), "done", "end"]
    assert change.added == 56 and change.first_index == 3
    assert timeline.index_of_run("r1") == 0 and len(timeline.filter_run("r1")) == 61
