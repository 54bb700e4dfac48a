"""ui.input_first: a key pressed while a long burst is applied is handled before the
burst's next slice (counted in slices, never timed)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from phrony_tui.client.models import Conversation, RunEvent
from phrony_tui.core.session_state import SessionState
from phrony_tui.live.apply import apply_batch
from phrony_tui.live.follower import FollowBatch
from phrony_tui.ui.input_first import InputTally, yield_to_input

RUN = "run-root"
TS = "2026-03-01T12:00:00Z"


def conversation() -> Conversation:
    run = {"id": RUN, "sessionId": "sess-1", "agentId": "agent-1", "depth": 0, "status": "Running", "startedAt": TS}
    session = {"id": "sess-1", "agentId": "agent-1", "status": "Running", "startedAt": TS}
    return Conversation.model_validate({"session": session, "runs": [run], "items": []})


def step_event(n: int) -> RunEvent:
    step = {"id": f"step-{n}", "runId": RUN, "sequence": n, "ordinal": n, "type": "reasoning",
            "content": {"message": f"step {n}"}, "startedAt": TS, "finishedAt": TS}  # fmt: skip
    return RunEvent.model_validate({"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": step})


class Keys(Widget, can_focus=True):
    BINDINGS = [Binding("j", "press", "press")]

    def __init__(self) -> None:
        super().__init__(id="keys")
        self.pressed = 0

    def action_press(self) -> None:
        self.pressed += 1


class KeysApp(App[None]):
    """Keeps an InputTally as PhronyApp does."""

    def __init__(self) -> None:
        self.input_tally = InputTally()
        super().__init__()

    def post_message(self, message: Message) -> bool:
        posted = super().post_message(message)
        if posted:
            self.input_tally.posted(message)
        return posted

    async def on_event(self, event: events.Event) -> None:
        with self.input_tally.taking(event):
            await super().on_event(event)

    def compose(self) -> ComposeResult:
        yield Keys()

    def on_mount(self) -> None:
        self.query_one(Keys).focus()


def press_from_the_input_thread(app: App) -> None:
    press_from_the_input_thread_key(app, "j")


def press_from_the_input_thread_key(app: App, key: str) -> None:
    """What Textual's input thread does with a keystroke (``Driver.send_message``)."""
    thread = threading.Thread(target=app._driver.send_message, args=(events.Key(key, key),))
    thread.start()
    thread.join()  # scheduled on the loop, not run yet: the loop is inside a slice


async def burst(app: App, pause) -> tuple[list[int], int]:
    """200 steps in slices of 10; a key arrives during the first slice. Returns, per slice
    boundary, the presses handled by then, and the rows applied when the key ran."""
    state = SessionState(RUN, conversation())
    keys = app.query_one(Keys)
    handled_at: list[int] = []
    boundaries = 0

    async def between_slices() -> None:
        nonlocal boundaries
        if boundaries == 0:
            press_from_the_input_thread(app)
        boundaries += 1
        await pause()
        handled_at.append(keys.pressed)

    batch = FollowBatch(events=[step_event(n) for n in range(1, 201)], changed=True)
    applied = await apply_batch(state, batch, new_state=lambda c: SessionState(RUN, c), chunk=10,
                                pause=between_slices)  # fmt: skip
    assert applied.applied == 200 and [row.id for row in state.timeline] == [f"step-{n}" for n in range(1, 201)]
    return handled_at, len(handled_at)


async def test_a_key_pressed_during_a_burst_is_handled_before_its_next_slice():
    app = KeysApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        handled_at, boundaries = await burst(app, lambda: yield_to_input(app))
        assert boundaries == 19  # 20 slices: the burst was far from over...
        assert handled_at[0] == 1  # ...and the key ran before the second slice began
        assert app.query_one(Keys).pressed == 1


async def test_one_turn_between_slices_lets_the_key_in_slices_later():
    # Why input_first exists: with a single turn of the loop per slice (what the flush
    # used to do) the key moves one hop per slice and the burst's next slices run first.
    app = KeysApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        handled_at, _ = await burst(app, lambda: asyncio.sleep(0))
        assert handled_at[0] == 0
        assert app.query_one(Keys).pressed == 1


class BurstFollower:
    """Stands in for the open session's follower: one drain hands over a long burst."""

    def __init__(self, run_id: str, events: list[RunEvent]) -> None:
        self.run_id = run_id
        self._batch = FollowBatch(events=events, changed=True)
        self.has_news = True

    def drain(self) -> FollowBatch:
        batch, self._batch = self._batch, FollowBatch()
        self.has_news = False
        return batch

    def stop(self) -> None:
        pass


@pytest.mark.full_world  # a finished multi-agent session
async def test_through_the_main_screen_a_key_during_a_long_flush_moves_the_cursor_first(sim, make_app, monkeypatch):
    import phrony_tui.ui.screens.main as main
    from phrony_tui.ui.widgets.timeline import TimelineView
    from tests.support.waiting import wait_for

    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await wait_for(lambda: screen.state is not None and screen.follower.status.closed, pilot=pilot)
        await wait_for(lambda: screen.settled, pilot=pilot)
        view = screen.query_one(TimelineView)
        await pilot.press("home")
        before = len(screen.state.timeline)
        live = [RunEvent.model_validate({"ts": TS, "kind": "step", "subject": "engine.step.reasoning",
                                         "data": {"id": f"live-{n}", "runId": run_id, "sequence": 10_000 + n,
                                                  "ordinal": 10_000 + n, "type": "reasoning",
                                                  "content": {"message": f"live {n}"}, "startedAt": TS}})
                for n in range(3_000)]  # fmt: skip
        cursors: list[int] = []  # the cursor at each slice boundary
        boundaries = 0

        async def counting(app_) -> int:
            nonlocal boundaries
            if boundaries == 0:
                press_from_the_input_thread_key(app_, "j")
            boundaries += 1
            turns = await yield_to_input(app_)
            cursors.append(view.cursor)
            return turns

        monkeypatch.setattr(main, "yield_to_input", counting)
        monkeypatch.setattr(main, "SLICE_BUDGET", 0)  # every chunk (500 events) a slice: counted, not timed
        screen.follower = BurstFollower(run_id, live)
        await screen._flush_live()
        assert len(screen.state.timeline) == before + 3_000  # each step once
        assert boundaries >= 6  # the flush was far from over when the key came...
        assert cursors[0] == 1  # ...and the key moved the cursor before its second slice
