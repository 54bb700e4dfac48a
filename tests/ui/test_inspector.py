"""Pilot tests of the main screen, against the simulator on loopback."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.widgets.live_log import LiveLog
from phrony_tui.ui.widgets.run_tree import RunTree
from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.timeline import TimelineView
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)


def server_json(sim, base_url: str, path: str, **params) -> dict:
    response = httpx.get(base_url + path, params=params, headers={"X-API-Key": sim.keys.admin})
    response.raise_for_status()
    return response.json()


@pytest.mark.full_world
async def test_sessions_pane_shows_the_server_totals_and_pages(sim, sim_base_url, make_app):
    app = make_app()
    expected = sum(
        server_json(sim, sim_base_url, f"/v1/agents/{agent}/sessions", take=1)["total"] for agent in app.settings.agent_ids
    )
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        assert pane.feed.total == expected
        assert f"Sessions ({expected})" in screen_text(app)
        first = len(pane.feed.rows)
        assert first < expected  # the first pages only
        # newest first
        started = [row.started_at for row in pane.feed.rows]
        assert started == sorted(started, reverse=True)
        # scrolling to the end of what is loaded asks for the next pages
        await pilot.press("end")
        await wait_for(lambda: len(pane.feed.rows) > first and not pane.fetching, pilot=pilot)
        assert len({row.id for row in pane.feed.rows}) == len(pane.feed.rows)


def all_sessions(sim, base_url: str, agent: str) -> list[dict]:
    """Every session of an agent, read page by page without a status filter."""
    rows: list[dict] = []
    while True:
        page = server_json(sim, base_url, f"/v1/agents/{agent}/sessions", skip=len(rows), take=100)
        rows.extend(page["items"])
        if not page["items"] or len(rows) >= page["total"]:
            return rows


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_inbox_shows_only_sessions_waiting_on_a_human(sim, sim_base_url, make_app):
    app = make_app()
    human = ("WaitingForHITL", "WaitingForAITL", "WaitingForResponse")
    minimal = sim.dialect.name == "docs-minimal"  # it ignores the status filter
    if minimal:
        expected = sum(
            row["status"] in human for agent in app.settings.agent_ids for row in all_sessions(sim, sim_base_url, agent)
        )
    else:
        expected = sum(
            server_json(sim, sim_base_url, f"/v1/agents/{agent}/sessions", take=1, status=status)["total"]
            for agent in app.settings.agent_ids
            for status in human
        )
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.rows and not pane.fetching, pilot=pilot)
        await pilot.press("i")
        if minimal:  # no total to trust: every page is read, rows of other statuses dropped
            await wait_for(lambda: pane.feed.inbox and not pane.fetching and len(pane.feed.rows) == expected,
                           pilot=pilot)  # fmt: skip
            info = str(app.screen.query_one("#sessions-info").render())
            assert pane.feed.total is None and "the server ignored the status filter" in info
        else:
            await wait_for(lambda: pane.feed.inbox and pane.feed.total is not None and not pane.fetching, pilot=pilot)
            assert pane.feed.total == expected
        assert expected > 0
        assert {row.status for row in pane.feed.rows} <= set(human)
        assert "inbox: waiting on a human" in screen_text(app)
        await pilot.press("f")  # status filter inside the inbox: Running is not a human wait
        await wait_for(lambda: not pane.fetching, pilot=pilot)
        assert pane.feed.status == "Running"


@pytest.mark.full_world
async def test_enter_opens_a_deep_multi_agent_session(sim, sim_base_url, make_app):
    session_id, run_id = sim.find_sessions("multi", "Completed")[0]
    conversation = server_json(sim, sim_base_url, f"/v1/runs/{run_id}/conversation")
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        assert screen.state.step_count == len(conversation["items"])
        tree = app.screen.query_one(RunTree)
        assert max(run["depth"] for run in conversation["runs"]) >= 3
        # every run of the session is a node, nested by parentRunId
        nodes = []

        def walk(node, depth):
            for child in node.children:
                nodes.append((child.data, depth))
                walk(child, depth + 1)

        walk(tree.root, 0)
        by_id = {run["id"]: run for run in conversation["runs"]}
        assert sorted(n for n, _ in nodes) == sorted(by_id)
        for run_id_, depth in nodes:
            assert by_id[run_id_]["depth"] == depth
        assert app.focused is app.screen.query_one(TimelineView)  # --run: focus starts in the timeline
        text = screen_text(app)
        assert f"Timeline · 1 / {len(conversation['items']):,}" in text
        assert session_id[:8] in text


async def test_timeline_keys_search_jump_and_details(sim, make_app):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        view = app.screen.query_one(TimelineView)
        rows = screen.state.rows()
        await pilot.press("end")
        assert view.cursor == len(rows) - 1
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("e")  # next error
        item = rows.item(view.cursor)
        assert view.cursor > 0
        from phrony_tui.core.steps import is_error_step

        assert is_error_step(item)
        await pilot.press("home", "slash")
        await pilot.press(*"toolresult", "enter")
        assert rows.item(view.cursor).type == "ToolResult"
        await pilot.press("enter")  # details of the row
        await pilot.pause()
        from phrony_tui.ui.screens.step_detail import StepDetailScreen

        assert isinstance(app.screen, StepDetailScreen)
        assert '"tool_call_id"' in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StepDetailScreen)


@pytest.mark.full_world
async def test_choosing_a_run_filters_the_timeline(sim, make_app):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        tree = app.screen.query_one(RunTree)
        tree.focus()
        await pilot.press("down", "enter")  # the first sub-agent run
        await pilot.pause()
        chosen = tree.cursor_node.data
        pane_rows = screen.state.rows(chosen)
        view = app.screen.query_one(TimelineView)
        assert 0 < view.row_count == len(pane_rows) < screen.state.step_count
        assert all(pane_rows.item(i).run_id == chosen for i in range(len(pane_rows)))
        assert "one run" in screen_text(app)


async def test_live_steps_arrive_without_refresh(sim, make_app):
    _, run_id = sim.start_session("hitl")
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and screen.follower.status.state == "connected", pilot=pilot)
        before = screen.state.step_count
        sim.advance(30)  # the run moves on and pauses on its approval
        await wait_for(lambda: screen.state.step_count > before and screen.state.status == "WaitingForHITL", pilot=pilot)
        log = app.screen.query_one(LiveLog)
        assert log.received > 0
        assert f"Live ({log.received:,})" in screen_text(app)
        assert "connected" in screen_text(app)


@pytest.mark.full_world
async def test_redacted_session_says_the_timeline_is_hidden(sim, make_app):
    _, run_id = sim.find_sessions("redacted", "Completed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        assert screen.state.redacted
        assert "timeline hidden by the trigger's settings" in screen_text(app)


async def test_bad_key_shows_a_clear_error(make_app):
    app = make_app(api_key=SecretStr("phk_not_a_real_key"))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.error is not None, pilot=pilot)
        text = screen_text(app)
        assert "401" in text and "PHRONY_API_KEY" in text
        assert "phk_not_a_real_key" not in text
        assert app.is_running


async def test_server_errors_show_and_r_retries(sim, make_app):
    from phrony_tui.sim import Faults

    sim.faults = Faults(error_share=1.0)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.error is not None, pilot=pilot)
        assert "500" in screen_text(app)
        assert pane.feed.total is None
        sim.faults = Faults()  # the server recovers
        await pilot.press("r")
        await wait_for(lambda: pane.error is None and pane.feed.total is not None and not pane.fetching, pilot=pilot)
        assert "500" not in screen_text(app)
        assert len(pane.feed.rows) > 0


async def test_unreachable_server_keeps_the_app_running(make_app):
    app = make_app(base_url="http://127.0.0.1:9")  # discard port: nothing listens
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.error is not None, pilot=pilot)
        assert "127.0.0.1:9" in screen_text(app)
        assert app.is_running


async def test_narrow_terminal_shows_list_then_session(sim, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = main_screen(app)
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        assert screen.has_class("-narrow")
        assert not app.screen.query_one(TimelineView).display or not app.screen.query_one("#right").display
        await pilot.press("enter")
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        assert app.screen.query_one("#right").display
        assert not app.screen.query_one(SessionsPane).display
        await pilot.press("backspace")
        await pilot.pause()
        assert app.screen.query_one(SessionsPane).display


async def test_help_lists_every_binding(make_app):
    app = make_app()
    async with app.run_test(size=(160, 150)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for needle in ("Refresh", "Inbox", "Status filter", "Next error", "Next waiting task", "Search", "Quit"):
            assert needle in text, needle


@pytest.mark.full_world
async def test_the_timeline_follows_resizes_and_new_rows_without_a_layout_pass(sim, make_app):
    """New rows change only the timeline's scrolling (no layout of the whole screen), and
    a resize still gives it the new width; scrolling reaches the last row either way."""
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and screen.settled, pilot=pilot)
        timeline = app.screen.query_one(TimelineView)
        rows = len(screen.state.rows())
        assert timeline.virtual_size.height == rows + 1
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        await pilot.pause()
        assert timeline.virtual_size.width == timeline.size.width
        timeline.focus()
        await pilot.press("end")
        await pilot.pause()
        assert timeline.cursor == rows - 1 and timeline.scroll_y == timeline.max_scroll_y
