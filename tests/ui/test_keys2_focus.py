"""Focus never strands in a hidden input: `q` quits after a --run that failed, escape
leaves the sessions filter and the timeline search box, and a search is not carried
from one session into the next."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.timeline import TimelineView
from phrony_tui.ui.widgets.timeline_pane import TimelinePane
from tests.support.dialogs import SIZE, open_session
from tests.support.screen import main_screen
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("attempts_file")


async def test_q_quits_after_a_run_that_could_not_be_opened(make_app):
    app = make_app(run_id="00000000-0000-4000-8000-00000000dead")
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        pane = screen.query_one(TimelinePane)
        await wait_for(lambda: pane.query_one("#timeline-info").has_class("-error"), pilot=pilot)
        await pilot.pause(0.1)
        focused = app.focused
        assert not (isinstance(focused, Input) and not focused.display)
        assert isinstance(focused, TimelineView)  # what is shown (a narrow terminal hides the list)
        box = screen.query_one("#sessions-filter", Input)
        await pilot.press("q")
        await wait_for(lambda: not app.is_running, pilot=pilot)
    assert box.value == ""  # not typed into


async def test_no_hidden_input_takes_the_focus_at_start(make_app):
    for run_id in (None, "00000000-0000-4000-8000-00000000dead"):
        app = make_app(run_id=run_id)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.2)
            for box in main_screen(app).query(Input):
                assert not box.display and not box.has_focus
                assert box not in main_screen(app).focus_chain  # hidden: tab skips it too


async def test_escape_leaves_the_sessions_filter(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        pane = screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.rows and not pane.fetching, pilot=pilot)
        await pilot.press("slash", *"zzz-no-such")
        box = screen.query_one("#sessions-filter", Input)
        assert box.has_focus and pane.text_filter == "zzz-no-such"
        await pilot.press("escape")
        await pilot.pause(0.05)
        assert not box.has_focus and not box.display and screen.query_one("#sessions-table").has_focus
        assert pane.text_filter == "" and box.value == ""  # escape leaves it as it was before `/`
        await pilot.press("q")
        await wait_for(lambda: not app.is_running, pilot=pilot)


async def test_escape_leaves_the_timeline_search_box(sim, make_app):
    run_id = sim.find_sessions("chat", "WaitingForResponse")[0][1]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        await pilot.press("slash", *"hello")
        box = screen.query_one("#timeline-search", Input)
        assert box.has_focus
        await pilot.press("escape")
        await pilot.pause(0.05)
        assert not box.has_focus and not box.display
        assert isinstance(app.focused, TimelineView)


@pytest.mark.full_world
async def test_a_search_is_not_carried_into_the_next_session(sim, make_app):
    (_, first), (_, second) = sim.find_sessions("chat")[:2]
    app = make_app(run_id=first, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        await pilot.press("slash", *"agent", "enter")
        pane = screen.query_one(TimelinePane)
        box = screen.query_one("#timeline-search", Input)
        assert pane.query_text == "agent" and box.display
        screen.open_run(second)
        await wait_for(lambda: screen.state is not None and screen.state.run_id == second, pilot=pilot)
        assert pane.query_text == "" and not box.display and box.value == ""
        assert "agent" not in str(pane.query_one("#timeline-info").render())
        await pilot.press("slash")
        assert box.value == ""


async def test_i_goes_to_the_inbox_from_the_open_session_as_the_header_says(sim, make_app):
    (_, run_id), *_ = sim.find_sessions("hitl", "WaitingForHITL")
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        pane = screen.query_one(SessionsPane)
        await wait_for(lambda: "waiting on you (i)" in str(screen.query_one("#status").render()), pilot=pilot)
        screen.query_one(TimelineView).focus()
        await pilot.press("i")
        await wait_for(lambda: pane.feed.inbox and not pane.fetching, pilot=pilot)
        assert app.focused is pane.query_one("#sessions-table")
        await pilot.press("i")  # in the list, its own `i`: all sessions again
        await wait_for(lambda: not pane.feed.inbox, pilot=pilot)
        screen.query_one(TimelineView).focus()
        await pilot.press("i", "i")  # from outside the list, twice: the inbox, then the list's toggle
        await wait_for(lambda: not pane.feed.inbox and app.focused is pane.query_one("#sessions-table"), pilot=pilot)
