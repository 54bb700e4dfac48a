"""Live steps without ids (the docs promise none on stream events) take the fast path:
decoded straight into a ``LazyItem`` by the client and appended by the timeline, with
the rows the tolerant path gives, de-duplicated by (run id, sequence)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phrony_tui.client.lazy import LazyItem, decode_events
from phrony_tui.client.models import Conversation, ConversationItem, RunEvent, Session
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.steps import step_from_event
from phrony_tui.core.task_book import TaskBook
from phrony_tui.core.timeline import Timeline

TS = "2026-03-01T12:00:00.000Z"
RUN = "r-root"
FIELDS = list(ConversationItem.model_fields)


def bare(sequence: int | str | None, run_id: str | None = RUN, **data: Any) -> str:
    """A step event whose data is the step's content only: no step id, no ordinal."""
    body: dict[str, Any] = {"step_kind": "reasoning", "message": f"tick {sequence}", **data}
    if run_id is not None:
        body["run_id"] = run_id
    if sequence is not None:
        body["sequence"] = sequence
    return json.dumps({"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": body})


def fields(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in FIELDS)


def rows(state: SessionState) -> list[tuple[Any, ...]]:
    timeline = state.timeline
    return [(*fields(row), timeline.is_provisional(i)) for i, row in enumerate(timeline)]


SHAPES = [
    bare(1),
    bare(2, run_id=None, runId="r-camel"),
    bare(3, run_id="", runId="r-camel-after-empty"),
    bare(4, step_kind="", type="ToolCall"),  # an empty kind: the subject's name, as the tolerant path
    bare(5, step_kind=None, stepKind="ToolResult", tokens_used=7, error="boom"),
    bare(6, startedAt="2026-03-01T12:00:01Z", finished_at="2026-03-01T12:00:02Z"),
    bare(7, ordinal=42),
    bare(None),  # no sequence: an anonymous live row
    bare(8, run_id=None),
    json.dumps({"kind": "step", "subject": "engine.step.output", "data": {"sequence": 9, "preview": "x"}}),
    bare(10, runId=None, error=None, startedAt=None),  # a null is the key's absence, as the tolerant reader reads it
    bare(11, type="\x00phrony"),  # a \u0000 in the text: read by the decoder that reads every key
    bare(12, finished_at="\x00phrony", message="\x00"),
    bare(13, stepType="ToolCall", step_kind=None),
]


@pytest.mark.parametrize("data", SHAPES)
def test_a_bare_step_is_decoded_as_the_tolerant_reader_reads_it(data: str) -> None:
    (event,), _ = decode_events([data])
    item = event.step_item
    assert isinstance(item, LazyItem)  # the old code left these to the tolerant reader
    tolerant = step_from_event(RunEvent.model_validate_json(data))
    assert tolerant is not None and tolerant.id == ""
    assert fields(item) == fields(tolerant)
    assert item.wire() == tolerant.wire() and item.to_model() == tolerant
    assert event.data == json.loads(data)["data"]  # the event's data as sent


@pytest.mark.parametrize(
    "data",
    [
        bare("1"),  # a string for a number
        bare(1, step_kind=3),
        json.dumps({"kind": "step", "data": {"run_id": RUN, "sequence": 1, "step": {"id": "nested"}}}),
        json.dumps({"kind": "step", "data": {"run_id": RUN, "sequence": 1, "id": None, "step_kind": "x"}}),
        json.dumps({"kind": "run", "data": {"run_id": RUN, "sequence": 1, "step_kind": "x"}}),
    ],
)
def test_other_shapes_still_take_the_tolerant_reader(data: str) -> None:
    (event,), _ = decode_events([data])
    assert event.step_item is None
    assert step_from_event(event) == step_from_event(RunEvent.model_validate_json(data))


def stream(count: int) -> list[str]:
    """A stream of bare steps with repeats (same run and sequence: a later version) and
    steps with neither run nor sequence."""
    out = [bare(n) for n in range(1, count + 1)]
    out[count // 2] = bare(3, message="tick 3, again")  # a later version of sequence 3
    out[count // 3] = bare(None)
    out.append(bare(None))
    return out


def conversation(items: list[ConversationItem] | None = None) -> Conversation:
    return Conversation(session=Session(id="s", status="Running"), runs=[], items=items or [])


def apply(state: SessionState, events: list[Any], chunk: int = 500) -> None:
    for start in range(0, len(events), chunk):  # as live.apply does
        state.apply_events(events[start : start + chunk])


class Counts:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.resolved = self.rebuilt = self.task_steps = 0
        resolve, rebuild, add_step = Timeline._resolve, Timeline._rebuild, TaskBook.add_step

        def counted_resolve(timeline: Timeline, item: Any) -> Any:
            self.resolved += 1
            return resolve(timeline, item)

        def counted_rebuild(timeline: Timeline) -> None:
            self.rebuilt += 1
            rebuild(timeline)

        def counted_add_step(book: TaskBook, item: Any) -> None:
            self.task_steps += 1
            add_step(book, item)

        monkeypatch.setattr(Timeline, "_resolve", counted_resolve)
        monkeypatch.setattr(Timeline, "_rebuild", counted_rebuild)
        monkeypatch.setattr(TaskBook, "add_step", counted_add_step)


def test_a_stream_of_bare_steps_is_appended_with_no_per_step_resolve_or_rebuild(monkeypatch) -> None:
    datas = stream(5000)
    events, _ = decode_events(datas)
    # The reference: the same events read by the tolerant reader, through the general path.
    reference = SessionState(RUN, conversation())
    with monkeypatch.context() as patch:
        patch.setattr(Timeline, "_add_new", lambda self, batch, touched, start=0: 0)
        apply(reference, [RunEvent.model_validate_json(data) for data in datas])

    counts = Counts(monkeypatch)
    state = SessionState(RUN, conversation())
    apply(state, events)
    # Counted, not timed: the old code resolved every step one by one (a model copy each),
    # rebuilt the rows with a sort while they were few, and logged each in the task book.
    assert counts.resolved == 1  # the one later version of a sequence it already holds
    assert counts.rebuilt == 0
    assert counts.task_steps == 0
    assert len(state.timeline) == 5000 and state.timeline.provisional_count == 5000
    assert rows(state) == rows(reference)
    assert state.timeline.get(f"~seq:{RUN}#3").content["message"] == "tick 3, again"
    assert state.tasks.pending_ids() == reference.tasks.pending_ids()


def test_a_back_fill_gives_the_rows_the_stream_with_ids_gives(monkeypatch) -> None:
    """Steps without ids, then the conversation with their ids: the rows of a stream of the
    same steps with ids (each stand-in replaced by its step, by run and sequence)."""
    count = 1200
    real = [
        ConversationItem(id=f"step-{n}", run_id=RUN, sequence=n, ordinal=n, type="reasoning",
                         content={"message": f"tick {n}"}, started_at=TS)
        for n in range(1, count + 1)
    ]  # fmt: skip
    with_ids = [
        json.dumps({"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": item.wire()})
        for item in real
    ]
    bare_state, id_state = SessionState(RUN, conversation()), SessionState(RUN, conversation())
    apply(bare_state, decode_events([bare(n) for n in range(1, count + 1)])[0])
    apply(id_state, decode_events(with_ids)[0])
    assert len(bare_state.timeline) == len(id_state.timeline) == count
    back_fill = conversation(real)
    bare_state.merge_conversation(back_fill)
    id_state.merge_conversation(back_fill)
    assert bare_state.timeline.provisional_count == 0
    assert (
        [row.id for row in bare_state.timeline]
        == [row.id for row in id_state.timeline]
        == [i.id for i in real]
    )
    assert [row.ordinal for row in bare_state.timeline] == list(range(1, count + 1))


def test_a_bulk_batch_of_bare_steps_gives_the_decoded_steps_their_ids_in_place() -> None:
    """The rows of a batch taken whole are the steps the client decoded (no copy each),
    given their stand-in ids; the counts and ids are as the per-step path gives them."""
    events, _ = decode_events([bare(n) for n in range(1, 101)])
    decoded = [event.step_item for event in events]
    state = SessionState(RUN, conversation())
    apply(state, events)
    timeline = state.timeline
    assert len(timeline) == 100
    assert all(row is step for row, step in zip(timeline, decoded, strict=True))
    assert [row.id for row in timeline] == [f"~seq:{RUN}#{n}" for n in range(1, 101)]
    assert timeline.get(f"~seq:{RUN}#7") is decoded[6]
    # The next batch of later versions still finds them by run and sequence.
    apply(state, decode_events([bare(n, message=f"tick {n}, again") for n in range(1, 21)])[0])
    assert len(timeline) == 100
    assert timeline.get(f"~seq:{RUN}#7").content["message"] == "tick 7, again"


def test_giving_ids_in_place_needs_one_id_per_step() -> None:
    (event,), _ = decode_events([bare(1)])
    with pytest.raises(ValueError):
        LazyItem.give_ids([event.step_item], [])


WITH_ID = json.dumps({"ts": TS, "kind": "step", "subject": "engine.step.output", "data": {
    "id": "s-1", "runId": RUN, "sequence": 1, "ordinal": 1, "type": "output", "content": {"step_kind": "x"}}})  # fmt: skip
OTHERS = [
    WITH_ID,
    json.dumps({"ts": TS, "kind": "run", "subject": "engine.run.running", "data": {"status": "Running"}}),
    bare("1"),
    json.dumps({"kind": "step", "data": {"run_id": RUN, "sequence": 1, "id": None, "step_kind": "x"}}),
    "not json",
]


@pytest.mark.parametrize("seed", range(6))
def test_a_chunk_of_mixed_events_decodes_each_as_alone(seed: int) -> None:
    """Which reader goes first follows the event before (a bare step, a step with its id):
    whatever the order, each event comes out as it does decoded on its own."""
    import random

    datas = [*SHAPES, *OTHERS] * 3
    random.Random(seed).shuffle(datas)
    events, skipped = decode_events(datas)
    alone = [decode_events([data]) for data in datas]
    assert skipped == [data for data, (got, _) in zip(datas, alone, strict=True) if not got]
    expected = [got[0] for got, _ in alone if got]
    assert len(events) == len(expected)
    for event, single in zip(events, expected, strict=True):
        assert type(event) is type(single)
        assert (event.ts, event.kind, event.subject, event.data) == (single.ts, single.kind, single.subject, single.data)
        step, one = getattr(event, "step_item", None), getattr(single, "step_item", None)
        assert (step is None) == (one is None)
        if step is not None:
            assert fields(step) == fields(one) and step.wire() == one.wire()


@pytest.mark.parametrize("with_ids", [False, True])
def test_a_batch_is_read_once_for_the_task_book_and_the_timeline(monkeypatch, with_ids: bool) -> None:
    """Its runs, types, ids and ordinals are passes over every step: read once per batch
    for both bulk adds (the old code read each twice), with the rows as before."""
    from phrony_tui.core import steps as steps_module

    reads = []
    init = steps_module.StepBatch.__init__

    def counted(self, items) -> None:
        reads.append(len(items))
        init(self, items)

    monkeypatch.setattr(steps_module.StepBatch, "__init__", counted)
    if with_ids:
        datas = [json.dumps({"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": {
            "id": f"s-{n}", "runId": RUN, "sequence": n, "ordinal": n, "type": "reasoning",
            "content": {"message": f"tick {n}"}}}) for n in range(1, 1201)]  # fmt: skip
    else:
        datas = [bare(n) for n in range(1, 1201)]
    state = SessionState(RUN, conversation())
    apply(state, decode_events(datas)[0])
    assert reads == [500, 500, 200]
    assert len(state.timeline) == 1200 and state.tasks.pending_ids() == set()


class BareDecodes:
    """Counts the decodes by the bare step's decoder that reads every key (``_BareStep``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from phrony_tui.client import lazy

        self.count = 0
        real = lazy._bare_step_event_decoder
        counter = self

        class Counted:
            def decode(self, data: Any) -> Any:
                counter.count += 1
                return real.decode(data)

        monkeypatch.setattr(lazy, "_bare_step_event_decoder", Counted())


def test_a_chunk_of_the_docs_shape_is_read_in_one_decode_each(monkeypatch) -> None:
    """Steps of the docs' shape and nothing more (run, sequence, kind, content) are told by
    their decode alone: none is read again by the decoder of every key (the old code read
    each with it, then checked its twenty other keys). Counted; the items are the same."""
    datas = [bare(n) for n in range(1, 201)]
    reference = [fields(step_from_event(RunEvent.model_validate_json(data))) for data in datas]
    counts = BareDecodes(monkeypatch)
    events, _ = decode_events(datas)
    assert counts.count == 0
    assert [fields(event.step_item) for event in events] == reference
    # A chunk whose steps carry another key: the decoder of every key from its first on.
    other = [bare(n, startedAt=TS) for n in range(1, 51)]
    events, _ = decode_events(other)
    assert counts.count == 50
    assert [fields(event.step_item) for event in events] == [
        fields(step_from_event(RunEvent.model_validate_json(data))) for data in other
    ]


@pytest.mark.parametrize("with_ids", [False, True])
def test_the_strings_a_burst_repeats_are_shared_by_the_last_one_seen(monkeypatch, with_ids: bool) -> None:
    """A burst's steps repeat their run, type and time: each is looked up in the shared
    strings when it changes, not for every step (the old code: three look-ups a step).
    Counted; every step still holds the one shared object of each."""
    from phrony_tui.client import lazy

    class Counted(dict):
        lookups = 0

        def setdefault(self, key: Any, default: Any = None) -> Any:
            Counted.lookups += 1
            return super().setdefault(key, default)

    monkeypatch.setattr(lazy, "_SHARED", Counted())
    if with_ids:
        datas = [
            json.dumps({"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": {
                "id": f"s{n}", "runId": RUN, "sequence": n, "ordinal": n, "type": "reasoning",
                "content": {"message": "m"}, "startedAt": TS}})
            for n in range(1, 101)
        ]  # fmt: skip
    else:
        datas = [bare(n) for n in range(1, 101)]
    events, _ = decode_events(datas)
    steps = [event.step_item for event in events]
    assert Counted.lookups == 3
    for name in ("run_id", "type", "started_at"):
        assert len({id(getattr(step, name)) for step in steps}) == 1
