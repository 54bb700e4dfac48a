"""live.apply.apply_batch: the one rule for folding a drained batch into the session state
(the main screen and the follower tests' Folder both run it). No textual, no server."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from live_helpers import RUN, conversation, item, run_event, step_event

from phrony_tui.client.models import Conversation, RunEvent
from phrony_tui.core.session_state import SessionState
from phrony_tui.live.apply import apply_batch
from phrony_tui.live.follower import FollowBatch


def conv(status: str = "Running", steps: tuple[int, ...] = (1,)) -> Conversation:
    return Conversation.model_validate(conversation(status, [item(n) for n in steps]))


def ev(document: dict) -> RunEvent:
    return RunEvent.model_validate(document)


def build(conversation: Conversation) -> SessionState:
    return SessionState(RUN, conversation)


def ids(state: SessionState | None) -> list[str]:
    assert state is not None
    return [row.id for row in state.timeline]


class Hooks:
    """Records what the GC hooks were asked, and how often the caller was asked if it
    still follows this run (once between each two slices)."""

    def __init__(self, current_for: int = 1_000) -> None:
        self.calls: list[object] = []
        self.current_for = current_for
        self.asked = 0

    @contextmanager
    def bulk(self):
        self.calls.append("enter")
        yield
        self.calls.append("exit")

    def after_bulk(self, rows: int) -> None:
        self.calls.append(rows)

    def still_current(self) -> bool:
        self.asked += 1
        return self.asked <= self.current_for


async def test_a_first_backfill_builds_the_state_and_fresh_events_go_on_top():
    batch = FollowBatch(events=[ev(step_event(2))], conversation=conv(), changed=True)
    applied = await apply_batch(None, batch, new_state=build)
    assert applied.first and not applied.left and applied.applied == 1
    assert ids(applied.state) == ["step-1", "step-2"]


async def test_a_later_backfill_is_merged_into_the_same_state():
    state = build(conv(steps=(1,)))
    batch = FollowBatch(conversation=conv("Completed", (1, 2)), changed=True)
    applied = await apply_batch(state, batch, new_state=build)
    assert applied.state is state and not applied.first
    assert ids(state) == ["step-1", "step-2"] and state.status == "Completed"


async def test_superseded_events_keep_only_the_steps_the_backfill_lacks():
    # Two events came before the back-fill: a step it does not hold (kept: a conversation
    # may lag its stream) and a stale "Running" (dropped: the back-fill is newer).
    events = [ev(step_event(5)), ev(run_event("engine.run.resumed", "Running"))]
    batch = FollowBatch(events=events, conversation=conv("Completed", (1,)), changed=True, superseded=2)
    applied = await apply_batch(None, batch, new_state=build)
    assert applied.state is not None
    assert ids(applied.state) == ["step-1", "step-5"]
    assert applied.state.status == "Completed" and applied.state.runs[RUN].status == "Completed"
    assert applied.applied == 1


def bare_step_event(sequence: int) -> dict:
    """A step event as the docs promise it: the step's content, no step id, no ordinal."""
    return {"ts": "2026-03-01T12:00:00Z", "kind": "step", "subject": "engine.step.reasoning",
            "data": {"run_id": RUN, "sequence": sequence, "step_kind": "reasoning", "message": f"tick {sequence}"}}  # fmt: skip


async def test_superseded_steps_without_ids_are_kept_when_the_backfill_lacks_their_sequence():
    # Step events without ids that came before a back-fill: the one whose run and sequence
    # the back-fill holds (step-1, sequence 1) is dropped, the two it lacks are kept
    # (before: every id-less superseded step was dropped, a lagging back-fill lost them).
    events = [ev(bare_step_event(n)) for n in (1, 7, 8)]
    batch = FollowBatch(events=events, conversation=conv("Running", (1,)), changed=True, superseded=3)
    applied = await apply_batch(None, batch, new_state=build)
    assert applied.state is not None
    assert ids(applied.state) == ["step-1", f"~seq:{RUN}#7", f"~seq:{RUN}#8"]
    assert applied.applied == 2 and applied.state.step_count == 3


async def test_events_are_applied_in_slices_inside_the_bulk_hook():
    state = build(conv(steps=()))
    hooks = Hooks()
    batch = FollowBatch(events=[ev(step_event(n)) for n in range(1, 6)], changed=True)
    applied = await apply_batch(state, batch, new_state=build, still_current=hooks.still_current,
                                bulk=hooks.bulk, after_bulk=hooks.after_bulk, chunk=2)  # fmt: skip
    assert ids(state) == [f"step-{n}" for n in range(1, 6)] and applied.applied == 5
    assert hooks.asked == 2  # between slices 1-2, 3-4 and 5
    # the burst's rows are reported before the collector runs again, then the whole batch
    assert hooks.calls == ["enter", 5, "exit", 5]


async def test_it_stops_between_slices_when_the_person_left_the_run():
    state = build(conv(steps=()))
    hooks = Hooks(current_for=0)
    batch = FollowBatch(events=[ev(step_event(n)) for n in range(1, 6)], changed=True)
    applied = await apply_batch(state, batch, new_state=build, still_current=hooks.still_current,
                                bulk=hooks.bulk, after_bulk=hooks.after_bulk, chunk=2)  # fmt: skip
    assert applied.left and applied.applied == 2
    assert ids(state) == ["step-1", "step-2"]
    assert hooks.calls == ["enter", "exit"]  # nothing frozen for a run nobody watches


async def test_events_before_any_backfill_wait_and_an_unchanged_batch_does_nothing():
    hooks = Hooks()
    batch = FollowBatch(events=[ev(step_event(1))], changed=True)
    applied = await apply_batch(None, batch, new_state=build, after_bulk=hooks.after_bulk)
    assert applied.state is None and applied.applied == 0 and hooks.calls == []
    state = build(conv())
    applied = await apply_batch(state, FollowBatch(), new_state=build, after_bulk=hooks.after_bulk)
    assert applied.state is state and hooks.calls == []


async def test_a_conversation_only_batch_reports_its_rows_to_after_bulk():
    hooks = Hooks()
    batch = FollowBatch(conversation=conv(steps=(1, 2, 3)), changed=True)
    await apply_batch(None, batch, new_state=build, bulk=hooks.bulk, after_bulk=hooks.after_bulk)
    assert hooks.calls == ["enter", "exit", 3]  # the build is one bulk step, then its rows are frozen


# -- the first conversation read in parts ------------------------------------------------------


def _tasks_doc(status: str, run_status: str) -> dict:
    steps = [item(n) for n in range(1, 9)]
    steps[2] = item(3, type_="UserTaskReq", content={"user_task_id": "t-old", "kind": "approval"})
    steps[7] = item(8, type_="UserTaskReq", content={"user_task_id": "t-new", "kind": "approval"})
    return conversation(status, steps, run_status=run_status)


@pytest.mark.parametrize(("status", "run_status"), [("Completed", "Completed"), ("Running", "WaitingForHITL")])
async def test_a_conversation_added_in_parts_ends_as_the_whole_one(status: str, run_status: str) -> None:
    whole = Conversation.model_validate(_tasks_doc(status, run_status))
    at_once = build(whole)
    head = whole.model_copy(update={"items": whole.items[:2]})
    applied = await apply_batch(None, FollowBatch(conversation=head, changed=True, opening=True), new_state=build)
    state = applied.state
    assert applied.first and applied.opening and state is not None and state.loading and ids(state) == ["step-1", "step-2"]
    for part, opening in ((whole.items[2:5], True), (whole.items[5:], False)):
        applied = await apply_batch(state, FollowBatch(more_items=list(part), changed=True, opening=opening),
                                    new_state=build)  # fmt: skip
        assert applied.opening and not applied.first  # the last part too: its rows are not news
    assert not state.loading
    assert ids(state) == ids(at_once)
    pending = [t.user_task_id for t in state.pending_tasks()]
    assert pending == [t.user_task_id for t in at_once.pending_tasks()] == (["t-new"] if status == "Running" else [])
    assert state.timeline.pending_task_ids == at_once.timeline.pending_task_ids
    assert [t.user_task_id for t in state.tasks.tasks()] == ["t-old", "t-new"]
    assert state.redacted == at_once.redacted


async def test_a_head_and_its_rest_drained_together_are_one_build() -> None:
    whole = Conversation.model_validate(_tasks_doc("Completed", "Completed"))
    head = whole.model_copy(update={"items": whole.items[:3]})
    batch = FollowBatch(conversation=head, more_items=list(whole.items[3:]), changed=True, opening=True)
    built: list[int] = []

    def new_state(conversation: Conversation) -> SessionState:
        built.append(len(conversation.items))
        return build(conversation)

    applied = await apply_batch(None, batch, new_state=new_state)
    assert built == [len(whole.items)] and ids(applied.state) == ids(build(whole))
    assert len(head.items) == 3  # the head itself is left as it was


# -- slices and the loop's turns ----------------------------------------------------------------


class Ticks:
    """A clock that moves one tick per reading (a slice's cost, counted not timed)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


async def test_a_budget_makes_slices_of_as_many_chunks_as_fit_and_pauses_between_them():
    state = build(conv(steps=()))
    pauses: list[int] = []

    async def pause() -> None:
        pauses.append(len(state.timeline))  # rows applied when the loop got its turn

    batch = FollowBatch(events=[ev(step_event(n)) for n in range(1, 11)], changed=True)
    # The clock is read once as a slice begins and once before each further chunk: with a
    # budget of 2 ticks a slice holds two chunks (2 events each), then the loop's turn.
    applied = await apply_batch(state, batch, new_state=build, chunk=2, budget=2, pause=pause, clock=Ticks())
    assert applied.applied == 10 and not applied.left
    assert ids(state) == [f"step-{n}" for n in range(1, 11)]  # each step once, in order
    assert pauses == [4, 8]


async def test_without_a_budget_each_chunk_is_a_slice_and_the_pause_is_the_callers():
    state = build(conv(steps=()))
    pauses: list[int] = []

    async def pause() -> None:
        pauses.append(len(state.timeline))

    batch = FollowBatch(events=[ev(step_event(n)) for n in range(1, 6)], changed=True)
    await apply_batch(state, batch, new_state=build, chunk=2, pause=pause)
    assert pauses == [2, 4]
