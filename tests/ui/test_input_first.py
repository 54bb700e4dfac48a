"""ui.input_first: a key pressed while a long burst is applied is handled before the
burst's next slice (counted in slices, never timed)."""

from __future__ import annotations

import asyncio
import threading

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from phrony_tui.client.models import Conversation, RunEvent
from phrony_tui.core.session_state import SessionState
from phrony_tui.live.apply import apply_batch
from phrony_tui.live.follower import FollowBatch
from phrony_tui.ui.input_first import yield_to_input

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
    def compose(self) -> ComposeResult:
        yield Keys()

    def on_mount(self) -> None:
        self.query_one(Keys).focus()


def press_from_the_input_thread(app: App) -> None:
    """What Textual's input thread does with a keystroke (``Driver.send_message``)."""
    thread = threading.Thread(target=app._driver.send_message, args=(events.Key("j", "j"),))
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
