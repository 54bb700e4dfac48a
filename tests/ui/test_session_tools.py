"""Export, copy, pager, palette and notifications on the main screen (against the simulator)."""

from __future__ import annotations

import contextlib
import json
import sys

import pytest
from textual.command import CommandList, CommandPalette

from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.screen import main_screen, notifications, screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)


async def open_session(pilot, app):
    screen = main_screen(app)
    await wait_for(lambda: screen.state is not None, pilot=pilot)
    return screen


@pytest.mark.full_world
async def test_export_json_and_markdown(sim, make_app, tmp_path):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(pilot, app)
        target = tmp_path / "session.json"
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path").value = str(target)
        await pilot.press("enter")
        await wait_for(lambda: target.exists() and target.stat().st_size > 0, pilot=pilot)
        data = json.loads(target.read_text())
        assert len(data["items"]) == screen.state.step_count
        assert data["session"]["id"] == screen.state.session.id
        assert sim.keys.admin not in target.read_text()
        report = tmp_path / "report.md"
        await pilot.press("X")
        await pilot.pause()
        app.screen.query_one("#path").value = str(report)
        await pilot.press("enter")
        await wait_for(lambda: report.exists() and report.stat().st_size > 0, pilot=pilot)
        text = report.read_text()
        assert "## Runs" in text and "## Timeline" in text and screen.state.session.id in text


async def test_export_to_an_unwritable_path_says_so(sim, make_app, tmp_path):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(pilot, app)
        await pilot.press("x")
        await pilot.pause()
        prompt = app.screen
        prompt.query_one("#path").value = str(tmp_path / "missing-dir" / "x.json")
        await pilot.press("enter")
        # the prompt stays open with the path and the error, to fix the path and try again
        await wait_for(lambda: prompt.error is not None, pilot=pilot)
        assert "Could not write" in prompt.error and "missing-dir" in prompt.error
        assert app.screen is prompt and app.is_running
        assert "Could not write" in screen_text(app)


async def test_copy_uses_the_clipboard(sim, make_app):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(pilot, app)
        await pilot.press("end", "y")
        await pilot.pause()
        item = screen.state.rows().item(screen.state.step_count - 1)
        assert json.loads(app.clipboard) == item.content
        await screen.run_action("copy('run')")
        assert app.clipboard == run_id


async def test_pager_gets_the_step_and_the_app_comes_back(sim, make_app, tmp_path, monkeypatch):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    copy = tmp_path / "paged.json"
    script = f"import shutil, sys; shutil.copy(sys.argv[1], {str(copy)!r})"
    monkeypatch.setenv("PAGER", f"{sys.executable} -c {json.dumps(script)}")
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(pilot, app)
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # headless apps cannot suspend
        await pilot.press("home", "o")
        await pilot.pause()
        assert json.loads(copy.read_text()) == screen.state.rows().item(0).content
        assert app.is_running and app.screen is screen


async def test_pager_that_does_not_exist_is_reported(sim, make_app, monkeypatch):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    monkeypatch.setenv("PAGER", "no-such-pager-here")
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        assert any("was not found" in message for message in notifications(app))


async def test_palette_offers_session_commands_only_with_a_session(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None, pilot=pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any(t.startswith("Export") for t in titles)
        assert not any(t.startswith("Next error") for t in titles)  # a pane of the open session
        assert any(t.startswith("Inbox") and "(i)" in t for t in titles)
        await pilot.press("enter")
        screen = await open_session(pilot, app)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Export the conversation as JSON  (x)" in titles
        assert "Copy the run id  (Y)" in titles and "Next error  (e)" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"copy the session")
        results = app.screen.query_one(CommandList)

        def best_match() -> str:
            index = results.highlighted
            return "" if index is None or index >= results.option_count else str(results.get_option_at_index(index).prompt)

        await wait_for(lambda: "Copy the session id" in best_match(), pilot=pilot)  # the search has run
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == screen.state.session.id


async def test_watched_session_that_starts_waiting_notifies_and_rings(sim, make_app, monkeypatch):
    _, run_id = sim.start_session("hitl")
    app = make_app(agent_ids=(), run_id=run_id)
    rings = []
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "bell", lambda: rings.append(1))
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and screen.follower.status.state == "connected", pilot=pilot)
        assert not rings  # the state it had when opened is not news
        sim.advance(30)
        await wait_for(lambda: screen.state.status == "WaitingForHITL", pilot=pilot)
        await wait_for(lambda: rings, pilot=pilot)
        assert rings == [1]
        assert any("waits for" in message for message in notifications(app))


async def test_sessions_that_changed_since_you_looked_are_marked(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        assert pane.changed_count == 0
        sim.advance(60)  # running showcase sessions move on
        await pilot.press("r")
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        await wait_for(lambda: "changed since you looked" in screen_text(app), pilot=pilot)
        assert pane.changed_count > 0
        assert "changed since you looked" in screen_text(app)
        assert "◆" in screen_text(app)


async def test_a_binding_added_to_a_screen_is_in_the_help_and_the_palette(make_app, monkeypatch):
    """The bindings are the only registry: a new one needs no other edit to be offered."""
    from textual.binding import Binding

    from phrony_tui.ui.screens import main

    class Extended(main.MainScreen):
        BINDINGS = [Binding("z", "zap", "Zap", tooltip="Zap the sessions\nonly in this test", id="test.zap")]
        zaps = 0

        def action_zap(self) -> None:
            self.zaps += 1

    monkeypatch.setattr(main, "MainScreen", Extended)  # the app opens main.MainScreen
    app = make_app()
    async with app.run_test(size=(160, 150)) as pilot:
        screen = main_screen(app)
        assert isinstance(screen, Extended)
        commands = {c.title: c for c in app.get_system_commands(screen)}
        assert commands["Zap the sessions  (z)"].help == "only in this test"
        await commands["Zap the sessions  (z)"].callback()
        assert screen.zaps == 1
        await pilot.press("question_mark")
        await pilot.pause()
        line = next(line for line in screen_text(app).splitlines() if "Zap" in line)
        assert " z " in line and "extended" in line and "test.zap" in line  # where: the class, in words


async def test_the_help_shows_each_binding_s_id_for_the_keys_table(make_app):
    app = make_app()
    async with app.run_test(size=(160, 150)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        for what, binding_id in (("Next error", "timeline.next_error"), ("Export JSON", "session.export_json"),
                                 ("Approve", "answer.approve"), ("Inbox", "sessions.inbox")):  # fmt: skip
            assert any(what in line and binding_id in line for line in lines), binding_id
