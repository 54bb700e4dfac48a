"""A busy stream's batches (steps only, one run, no task) go in whole: the timeline, the
task book, the session state and the pause signals read a batch with no per-step loop,
and end with the rows, places and pending tasks the per-step paths give. Counted, never
timed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phrony_tui.client.lazy import decode_events
from phrony_tui.client.models import Conversation, RunEvent, Session
from phrony_tui.core import steps as steps_module
from phrony_tui.core import task_book as task_book_module
from phrony_tui.core import timeline as timeline_module
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.timeline import Timeline
from phrony_tui.live import pause_signals as pause_signals_module
from phrony_tui.live.pause_signals import read_signals

TS = "2026-03-01T12:00:00.000Z"
RUN = "r-root"
FIELDS = ("id", "run_id", "sequence", "ordinal", "type", "tokens_used", "error", "started_at", "finished_at")


def bare(sequence: int, step_kind: str = "reasoning") -> str:
    """The docs' shape: the step's content only, no step id, no ordinal."""
    data = {"run_id": RUN, "sequence": sequence, "step_kind": step_kind, "message": f"tick {sequence}"}
    return json.dumps({"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": data})


def with_id(ordinal: int, type_: str = "reasoning") -> str:
    data = {"id": f"step-{ordinal}", "runId": RUN, "sequence": ordinal, "ordinal": ordinal, "type": type_,
            "content": {"message": f"tick {ordinal}"}, "startedAt": TS, "finishedAt": TS}  # fmt: skip
    return json.dumps({"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": data})


def new_state() -> SessionState:
    return SessionState(RUN, Conversation(session=Session(id="s", status="Running"), runs=[], items=[]))


def apply(state: SessionState, events: list[Any], chunk: int = 500) -> None:
    for start in range(0, len(events), chunk):  # as live.apply does
        state.apply_events(events[start : start + chunk])


def rows(state: SessionState) -> list[tuple[Any, ...]]:
    timeline = state.timeline
    return [
        (*(getattr(row, name) for name in FIELDS), row.content, timeline.is_provisional(i))
        for i, row in enumerate(timeline)
    ]


class TaskChecks:
    """Counts the per-step task checks (``is_user_task_req``) of the timeline, the task
    book and the pause signals: a batch read in whole asks once per distinct type."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = steps_module.is_user_task_req

        def counted(item: Any) -> bool:
            self.calls += 1
            return real(item)

        for module in (timeline_module, task_book_module, pause_signals_module):
            monkeypatch.setattr(module, "is_user_task_req", counted)


@pytest.mark.parametrize("shape", ["bare", "with ids"])
def test_a_steps_only_stream_goes_in_by_batches_with_the_rows_of_the_per_step_path(
    monkeypatch, shape
) -> None:
    count = 2000
    datas = [bare(n) if shape == "bare" else with_id(n) for n in range(1, count + 1)]
    # The reference: the tolerant reader's models, one step at a time through the general path.
    reference = new_state()
    with monkeypatch.context() as patch:
        patch.setattr(Timeline, "_add_bulk", lambda self, batch, touched: False, raising=False)
        patch.setattr(Timeline, "_add_new", lambda self, batch, touched, start=0: 0)
        apply(reference, [RunEvent.model_validate_json(data) for data in datas], chunk=1)

    checks = TaskChecks(monkeypatch)
    events, _ = decode_events(datas)
    state = new_state()
    apply(state, events)
    read_signals(events)
    # The old code asked each step whether it raises a task: in the timeline, the task book
    # and the signals (3 x 2000); a batch of one type asks the type's cache once. (With ids,
    # the first batch into the empty timeline is its fresh load, which asks once per type.)
    assert checks.calls == (0 if shape == "bare" else 1)
    assert len(state.timeline) == count == state.events_seen
    assert rows(state) == rows(reference)
    assert state.timeline.provisional_count == (count if shape == "bare" else 0)
    assert state.tasks.pending_ids() == reference.tasks.pending_ids() == set()
    if shape == "bare":
        assert state.timeline.holds_sequence(RUN, count) and not state.timeline.holds_sequence(RUN, count + 1)
    # More of the stream after the batches: the per-step paths take up where they left off.
    late = decode_events([bare(count + 1) if shape == "bare" else with_id(count + 1)])[0]
    state.apply_events(late)
    assert len(state.timeline) == count + 1


def test_a_batch_that_repeats_a_step_or_holds_a_task_takes_the_per_step_paths() -> None:
    """What a batch cannot say in whole: a later version of a step, a task request. The
    rows, the pending task and the signal are those of the per-step paths."""
    datas = [bare(n) for n in range(1, 101)]
    datas[60] = bare(5)  # a later version of sequence 5: replaces its row
    datas[80] = bare(81, step_kind="UserTaskReq")
    events, _ = decode_events(datas)
    state = new_state()
    apply(state, events)
    assert len(state.timeline) == 99  # 100 events, one a later version
    assert state.timeline.get(f"~seq:{RUN}#81").type == "UserTaskReq"
    assert read_signals(events).task
    steps_only = decode_events([bare(n) for n in range(200, 300)])[0]
    assert not read_signals(steps_only).task


class EntriesMade:
    """Counts the timeline's entries by step id as they are made (``timeline._Entry``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = timeline_module._Entry
        counter = self

        class Counted(real):  # type: ignore[misc, valid-type]
            __slots__ = ()

            def __init__(self, *args: Any) -> None:
                counter.count += 1
                super().__init__(*args)

        monkeypatch.setattr(timeline_module, "_Entry", Counted)


def opened() -> SessionState:
    """A session opened with its first ten steps (ids, ordinals and sequences 1-10), as a
    stream's session is: the stream's steps come after them."""
    items = [{"id": f"first-{n}", "runId": RUN, "sequence": n, "ordinal": n, "type": "reasoning",
              "content": {"message": "start"}, "startedAt": TS} for n in range(1, 11)]  # fmt: skip
    conversation = Conversation.model_validate({"session": {"id": "s", "status": "Running"}, "runs": [], "items": items})
    return SessionState(RUN, conversation)


@pytest.mark.parametrize("shape", ["bare", "with ids"])
def test_a_busy_streams_rows_get_their_entries_and_sequence_keys_when_first_looked_up(
    monkeypatch, shape
) -> None:
    """A batch taken whole is in the rows at once (drawn, counted, searched); its steps'
    entries by id and ``(run, sequence)`` keys are made when something first looks one up,
    all at once, and the answers are those of the per-step paths. Counted: the old code
    made an entry (and, without ids, a sequence key) for every step of every batch."""
    state = opened()
    made = EntriesMade(monkeypatch)
    make = bare if shape == "bare" else with_id
    apply(state, decode_events([make(n) for n in range(11, 1011)])[0])
    apply(state, decode_events([make(n) for n in range(1011, 2011)])[0])
    timeline = state.timeline
    assert len(timeline) == 2010 and timeline[2009].sequence == 2010
    assert made.count == 0 and len(timeline._entry_map) == 10  # the session's first steps only
    if shape == "bare":
        assert len(timeline._by_sequence or ()) == 10
    assert timeline.find("tick 2010") == 2009  # the search reads the rows
    step_id = f"~seq:{RUN}#1500" if shape == "bare" else "step-1500"
    assert timeline.get(step_id) is timeline[1499]  # a look-up makes them all
    assert made.count == 2000 and len(timeline._entry_map) == 2010
    assert timeline.index_of_id(step_id) == 1499
    if shape == "bare":
        assert timeline.holds_sequence(RUN, 1500) and not timeline.holds_sequence(RUN, 2011)
        assert len(timeline._by_sequence or ()) == 2010
    # Later batches go in whole again, their entries again left to make.
    apply(state, decode_events([make(n) for n in range(2011, 2511)])[0])
    assert made.count == 2000 and len(timeline) == 2510
    # Whether a row has an id, or a run's sequence, is answered without them (by the ids
    # of the steps with ids, by bisection of each run's sequences for the id-less).
    if shape == "bare":
        assert timeline.holds_sequence(RUN, 2510) and not timeline.holds_sequence(RUN, 2511)
        assert "step-2510" not in timeline
    else:
        assert "step-2510" in timeline and "step-2511" not in timeline
    assert made.count == 2000
    assert timeline.get(f"~seq:{RUN}#2510" if shape == "bare" else "step-2510") is timeline[2509]
    assert made.count == 2500
    assert timeline.holds_sequence(RUN, 2510) and not timeline.holds_sequence(RUN, 2511)


def test_a_batch_repeating_a_step_whose_entry_is_still_to_make_is_a_later_version() -> None:
    """A later version of a step in a later batch: the rows the per-step paths give (the
    row replaced, not a second row), whether or not the earlier step's entry was made."""
    datas = [bare(n) for n in range(1, 1001)]
    again = [bare(n) for n in range(1001, 1500)] + [bare(700, step_kind="tool_call")]
    reference = new_state()
    reference.apply_events(RunEvent.model_validate_json(data) for data in datas + again)
    state = new_state()
    apply(state, decode_events(datas)[0])
    apply(state, decode_events(again)[0])
    assert len(state.timeline) == 1499
    assert state.timeline.get(f"~seq:{RUN}#700").type == "tool_call"
    assert rows(state) == rows(reference)
    # An earlier sequence alone (a batch in the wrong order) is also a later version.
    apply(state, decode_events([bare(n) for n in (1600, 1601, 1602, 20, *range(1603, 1650))])[0])
    assert len(state.timeline) == 1499 + 50
    assert sum(row.sequence == 20 for row in state.timeline) == 1
    # A small batch (the per-step paths) after a big one: a new step, then a later version.
    apply(state, decode_events([bare(n) for n in range(1650, 1700)])[0])
    apply(state, decode_events([bare(1700), bare(1660, step_kind="output")])[0])
    assert len(state.timeline) == 1499 + 50 + 51
    assert [row.type for row in state.timeline if row.sequence == 1660] == ["output"]


def test_a_back_fill_after_steps_whose_entries_are_still_to_make_replaces_their_stand_ins() -> None:
    count = 1500
    real = [
        {"id": f"step-{n}", "runId": RUN, "sequence": n, "ordinal": n, "type": "reasoning",
         "content": {"message": f"tick {n}"}, "startedAt": TS}
        for n in range(1, count + 1)
    ]  # fmt: skip
    state = new_state()
    events = decode_events([bare(n) for n in range(1, count + 1)])[0]
    apply(state, events)
    assert state.missing_steps(events[:10]) == []  # held, by run and sequence
    back_fill = Conversation.model_validate({"session": {"id": "s", "status": "Running"}, "runs": [], "items": real})
    state.merge_conversation(back_fill)
    assert len(state.timeline) == count and state.timeline.provisional_count == 0
    assert [row.id for row in state.timeline] == [item["id"] for item in real]
    assert f"~seq:{RUN}#3" not in state.timeline


@pytest.mark.parametrize("shape", ["bare", "with ids"])
def test_a_back_fill_of_the_first_steps_and_the_check_for_missing_steps_make_no_live_entries(
    monkeypatch, shape
) -> None:
    """The end of a stream (the firehose's): the back-fill holds the session's first steps
    only, and the steps that came before it are checked against the timeline. Neither
    needs the live rows' entries (counted); the rows are those of a timeline whose entries
    were all made first."""
    make = bare if shape == "bare" else with_id
    datas = [make(n) for n in range(11, 2011)]
    late = decode_events([make(n) for n in range(2011, 2021)])[0]
    back_fill = opened().timeline.items()
    results = []
    for made_first in (True, False):
        state = opened()
        apply(state, decode_events(datas)[0])
        if made_first:
            state.timeline.get("first-1")  # makes every entry
        made = EntriesMade(monkeypatch)
        state.merge_conversation(
            Conversation.model_validate({"session": {"id": "s", "status": "Running"}, "runs": [],
                                         "items": [item.wire() for item in back_fill]})  # fmt: skip
        )
        missing = state.missing_steps(late) + state.missing_steps(decode_events(datas[-5:])[0])
        assert len(missing) == 10  # the late ones; the last five of the stream are held
        apply(state, missing)
        if not made_first:
            # The late steps' own entries (the back-fill repeats the first steps): none of the stream's.
            assert made.count == 10 and len(state.timeline._entry_map) == 20
        results.append(rows(state))
    assert results[0] == results[1] and len(results[0]) == 2020
