"""Issue 14: a child run id in a step's content is a link into the run tree (``l`` on the
timeline row, ``enter`` in the step's details), in both simulator dialects (whose spellings
of the sub-agent call differ)."""

from __future__ import annotations

import pytest

from phrony_tui.core.step_kinds import linked_run_id
from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.screens.step_detail import StepDetailScreen
from phrony_tui.ui.widgets.run_tree import RunTree
from phrony_tui.ui.widgets.timeline_pane import TimelinePane
from tests.support.dialogs import SIZE, open_session
from tests.support.screen import notifications, screen_text
from tests.support.waiting import wait_for


def agent_wait_session(sim) -> str:
    for _, run_id in sim.find_sessions("multi", "WaitingForAITL", any_run=True):
        if not sim.pending_tasks(run_id):
            return run_id
    raise AssertionError("no ask_parent session")


async def _on_the_call(app, pilot, screen) -> tuple[int, str]:
    """Put the timeline cursor on the sub-agent call; its index and child run id."""
    rows = screen.state.rows()
    index = next(i for i in range(len(rows)) if linked_run_id(rows.item(i)) and rows.item(i).run_id == screen.state.run_id)
    child = linked_run_id(rows.item(index))
    pane = screen.query_one(TimelinePane)
    pane.timeline.focus()
    pane.timeline.move_to(index)
    await pilot.pause()
    return index, child


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_l_on_a_sub_agent_call_selects_the_child_run_and_filters_the_timeline(sim, make_app):
    run_id = agent_wait_session(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        index, child = await _on_the_call(app, pilot, screen)
        assert child in screen.state.runs and child != run_id
        assert f"child {child[:8]}" in screen.state.rows().view.summary(index)  # the summary names it
        pane = screen.query_one(TimelinePane)
        await pilot.press("l")
        tree = screen.query_one(RunTree)
        await wait_for(lambda: pane.run_filter == child and tree.cursor_node and tree.cursor_node.data == child,
                       pilot=pilot)  # fmt: skip
        rows = screen.state.rows(child)
        assert len(rows) > 0 and all(rows.item(i).run_id == child for i in range(len(rows)))
        assert f"only run {child[:8]}" in screen_text(app)
        pane.timeline.move_to(0)  # a step of the child that names no other run: l says so
        await pilot.press("l")
        await wait_for(lambda: any("names no child run" in n for n in notifications(app)), pilot=pilot)
        assert pane.run_filter == child


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_enter_in_the_details_of_a_sub_agent_call_goes_to_the_child_run(sim, make_app):
    run_id = agent_wait_session(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        _, child = await _on_the_call(app, pilot, screen)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, StepDetailScreen), pilot=pilot)
        assert f"child run {child}" in screen_text(app) and "Web Researcher" in screen_text(app)
        await pilot.press("enter")
        tree = screen.query_one(RunTree)
        await wait_for(lambda: app.screen is screen and screen.query_one(TimelinePane).run_filter == child, pilot=pilot)
        assert tree.cursor_node is not None and tree.cursor_node.data == child


async def test_enter_in_the_details_of_an_ordinary_step_only_closes(sim, make_app):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        screen.query_one(TimelinePane).timeline.focus()
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, StepDetailScreen), pilot=pilot)
        await pilot.press("enter")
        await wait_for(lambda: app.screen is screen, pilot=pilot)
        assert screen.query_one(TimelinePane).run_filter is None
