"""A search of a big session never blocks the UI: it scans the rows in slices between
frames, shows how far it got, lets keys in (escape stops it, a new query starts again),
and finds what the search of all rows at once found.

Deterministic: each slice is one chunk of rows here (``SEARCH_SLICE`` 0: the time budget
is spent after the first chunk), so a session of ``STEPS`` rows takes a known number of
slices. Slices are counted, never timed.
"""

from __future__ import annotations

import asyncio

import pytest
from textual import events

from phrony_tui.sim import FixedClock, Simulator
from phrony_tui.ui.widgets import timeline_pane
from phrony_tui.ui.widgets.timeline import TimelineView
from phrony_tui.ui.widgets.timeline_pane import SEARCH_CHUNK, TimelinePane
from tests.conftest import SIM_SEED, SIM_START
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)
STEPS = 3_000
SLICES = -(-STEPS // SEARCH_CHUNK)  # one chunk a slice


@pytest.fixture
def sim(sim_dialect: str) -> Simulator:
    return Simulator(seed=SIM_SEED, clock=FixedClock(SIM_START), live=False, dialect=sim_dialect,
                     history=False, big_steps=STEPS)  # fmt: skip


@pytest.fixture(autouse=True)
def _one_chunk_a_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline_pane, "SEARCH_SLICE", 0.0)


async def opened(app, pilot):
    screen = main_screen(app)
    await wait_for(lambda: screen.state is not None and len(screen.state.rows()) >= STEPS
                   and not screen.state.loading, pilot=pilot)  # fmt: skip
    view = app.screen.query_one(TimelineView)
    await wait_for(lambda: view.has_focus, pilot=pilot)
    return app.screen.query_one(TimelinePane), view


def send(app, key: str) -> None:
    """A key as the terminal's input thread sends it (Pilot's ``press`` waits until the
    app is idle: until a search is over)."""
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


async def turns_until(condition, limit: int = 20_000) -> int:
    """Turn the loop until ``condition()``; the turns it took (a hang guard, not a timer)."""
    for turns in range(limit):
        if condition():
            return turns
        await asyncio.sleep(0)
    raise AssertionError(f"not within {limit} turns of the loop")


def expected_matches(pane: TimelinePane, text: str) -> list[int]:
    """What the search of every row at once finds (``matches()``), on a fresh pane state."""
    saved = (pane._matches, pane._matches_for)
    pane._matches_for = None
    try:
        return list(pane.matches())
    finally:
        pane._matches, pane._matches_for = saved


async def test_a_key_pressed_during_a_big_search_is_handled_before_it_ends(sim, make_app):
    _, run_id = sim.find_sessions("big")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        pane, view = await opened(app, pilot)
        pane.search_slices = 0
        await pilot.press("slash", *"tool")
        send(app, "enter")
        await turns_until(lambda: pane.query_text == "tool")  # enter handled (the old code: searched)
        seen: list[tuple[object, int]] = []
        original = view.action_cursor

        def action_cursor(delta: int) -> None:
            scan = getattr(pane, "_scan", None)
            seen.append((pane._matches_for, scan.scanned if scan is not None else -1))
            original(delta)

        view.action_cursor = action_cursor  # type: ignore[method-assign]
        send(app, "down")
        await turns_until(lambda: seen)
        found_for, scanned = seen[0]
        assert found_for is None and 0 < scanned < STEPS  # handled while rows were still unsearched
        assert view.cursor == 1
        info = pane._last_info[0] if pane._last_info else ""
        assert 'searching for "tool"…' in info and f"/ {STEPS:,}" in info  # its progress on the info line
        await wait_for(lambda: pane._scan is None, pilot=pilot)
        assert pane.search_slices == SLICES
        matches = expected_matches(pane, "tool")
        assert matches and pane._matches == matches  # the same rows as a search of all at once
        # enter's move, made when the search was done: the first match from the cursor
        assert view.cursor == next(i for i in matches if i >= 1)
        at = matches.index(view.cursor) + 1
        assert f'match {at:,} of {len(matches):,} for "tool"' in screen_text(app)
        # n and N use what was found: no new search
        slices = pane.search_slices
        await pilot.press("n")
        assert view.cursor == next(i for i in matches if i > next(i for i in matches if i >= 1))
        assert pane.search_slices == slices


async def test_escape_stops_a_search_and_a_new_query_starts_again(sim, make_app):
    _, run_id = sim.find_sessions("big")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        pane, view = await opened(app, pilot)
        await pilot.press("slash", *"tool")
        send(app, "enter")
        await turns_until(lambda: pane._scan is not None)
        send(app, "escape")
        await turns_until(lambda: pane._scan is None)
        assert pane.query_text == ""
        await pilot.pause()
        assert "search stopped" in screen_text(app)
        assert view.cursor == 0  # the stopped search moved nothing
        # a query, then another before the first is done: only the second's results count
        await pilot.press("slash", *"tool")
        send(app, "enter")
        await turns_until(lambda: pane._scan is not None and view.has_focus)
        first = pane._scan
        send(app, "slash")
        box = app.screen.query_one("#timeline-search")
        await turns_until(lambda: box.has_focus)
        box.value = "llm"
        send(app, "enter")
        await turns_until(lambda: pane.query_text == "llm")
        assert first is not None and first.scanned < STEPS  # the first was not done
        assert pane._scan is not first
        await wait_for(lambda: pane._scan is None, pilot=pilot)
        matches = expected_matches(pane, "llm")
        assert pane._matches == matches and pane._matches_for[0] == "llm"
        assert view.cursor == matches[0]
