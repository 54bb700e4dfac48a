"""Property: whatever the cuts, the gaps between connections, the overlap of
back-fills with the stream and when the UI drains, the follower + timeline end
with every step exactly once, in order, and the final status, already before
the last back-fill after the end.

The model of the server: steps 1..N are made one after another. Connection k
opens when ``opened[k]`` steps exist; its back-fill is read a little later
(``opened[k] <= read[k]``), holding steps 1..read[k]; its stream then delivers
steps opened[k]+1 .. cut[k] (overlapping the back-fill) and is cut; steps made
before the next connection opens are never streamed. The last connection
delivers the rest and the end.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_helpers import (
    RUN,
    Folder,
    Scripted,
    Stream,
    conversation,
    item,
    run_event,
    sse,
    step_event,
)

from phrony_tui.live.follower import RunFollower


@st.composite
def schedules(draw):
    steps = draw(st.integers(min_value=1, max_value=25))
    connections = []
    made = draw(st.integers(min_value=0, max_value=steps))  # steps before the first connection
    while True:
        opened = made
        read = draw(st.integers(min_value=opened, max_value=steps))
        if made >= steps or len(connections) >= 8 or not draw(st.booleans()):
            connections.append((opened, read, steps, True))  # the last one: the rest, then the end
            break
        cut = draw(st.integers(min_value=opened, max_value=steps))
        connections.append((opened, read, cut, False))
        made = draw(st.integers(min_value=cut, max_value=steps))  # made while disconnected
    drains = draw(st.lists(st.booleans(), min_size=len(connections) + 1, max_size=len(connections) + 1))
    return steps, connections, drains


class Recorded(RunFollower):
    def __init__(self, *args, folder: Folder, drains: list[bool], **kwargs) -> None:
        super().__init__(*args, sleep=self._between, **kwargs)
        self.folder = folder
        self.drains = list(drains)
        self.before_final: list[str] | None = None

    async def _between(self, seconds: float) -> None:
        # the UI's timer fires (or not) while the follower waits to reconnect
        if self.drains and self.drains.pop(0):
            await self.folder.apply(self.drain())

    async def _final_backfill(self) -> None:
        await self.folder.apply(self.drain())
        self.before_final = self.folder.ids() if self.folder.state is not None else []
        await super()._final_backfill()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=schedules())
def test_follower_and_timeline_end_with_each_step_once_in_order(schedule):
    steps, connections, drains = schedule
    streams, backfills = [], []
    for opened, read, cut, last in connections:
        parts = [sse(*[step_event(n) for n in range(opened + 1, cut + 1)])]
        if last:
            parts.append(sse(run_event("engine.run.completed", "Completed")))
        streams.append(Stream(parts))
        backfills.append(conversation("Running", [item(n) for n in range(1, read + 1)]))
    final = conversation("Completed", [item(n) for n in range(1, steps + 1)] + [item(steps + 1, type_="RunCompleted")])
    server = Scripted(streams, [*backfills, final])

    async def scenario() -> tuple[Recorded, Folder]:
        folder = Folder(RUN)
        follower = Recorded(server.client(), RUN, folder=folder, drains=drains, rng=lambda: 0.0)
        await asyncio.wait_for(follower.run(), 20)
        await folder.apply(follower.drain())
        await follower.client.aclose()
        return follower, folder

    follower, folder = asyncio.run(scenario())
    expected = [f"step-{n}" for n in range(1, steps + 1)]
    assert follower.before_final == expected  # stream + reconnect back-fills: nothing lost, nothing twice
    assert folder.ids() == [*expected, f"step-{steps + 1}"]
    assert [row.ordinal for row in folder.state.timeline] == list(range(1, steps + 2))
    assert folder.state.status == "Completed" and folder.state.runs[RUN].status == "Completed"
    assert follower.connections == len(connections) and follower.status.closed
    # every step event that arrived was applied (or superseded by a newer back-fill), none counted twice
    assert folder.events == sum(cut - opened for opened, _, cut, _ in connections) + 1
