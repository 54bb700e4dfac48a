"""Themes remembered, keys remapped, profiles and agents switched, web mode (issue 7)."""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import replace

import pytest

from phrony_tui.ui import prefs, web
from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.timeline import TimelineView
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)


async def test_theme_pick_is_remembered_0600_and_used_next_time(make_app, tmp_path):
    app = make_app(agent_ids=(), state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
    state = tmp_path / "state.json"
    assert json.loads(state.read_text())["theme"] == "nord"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    again = make_app(agent_ids=(), state_dir=tmp_path, theme="gruvbox")  # the last pick wins over the config's
    async with again.run_test(size=SIZE):
        assert again.theme == "nord"


def test_initial_theme_rules():
    themes = {"textual-dark", "nord", "ansi-dark"}
    assert prefs.initial_theme("nord", None, themes, {"TERM": "xterm-256color"}) == "nord"
    assert prefs.initial_theme("nord", "textual-dark", themes, {}) == "textual-dark"
    assert prefs.initial_theme("no-such-theme", None, themes, {"TERM": "xterm-256color"}) is None
    assert prefs.initial_theme(None, None, themes, {"TERM": "linux"}) == "ansi-dark"  # 16 colours


async def test_remapped_keys_work_and_the_help_shows_them(sim, make_app):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(agent_ids=(), run_id=run_id, keymap={"timeline.next_error": "x", "app.help": "f1"})
    async with app.run_test(size=(160, 150)) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        view = app.screen.query_one(TimelineView)
        await pilot.press("home", "x")
        from phrony_tui.core.steps import is_error_step

        assert view.cursor > 0 and is_error_step(screen.state.rows().item(view.cursor))
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        assert "Next error" in text
        line = next(line for line in text.splitlines() if "Next error" in line)
        assert " x " in line or "│ x" in line or line.strip().startswith("x")


async def test_switching_profile_reconnects_with_its_agents(sim, make_app):
    app = make_app(profile="all", profiles=("all", "hitl-only"))
    only = (sim.agents["hitl"],)
    app.reload_settings = lambda name: replace(app.settings, profile=name, agent_ids=only)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Switch profile: hitl-only" in titles and "Switch profile: all" not in titles
        await app.switch_profile("hitl-only")
        await pilot.pause()
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        assert app.settings.profile == "hitl-only"
        assert {row.agent_id for row in pane.feed.rows} == set(only)


async def test_only_one_agent_then_all_again(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        everyone = pane.feed.total
        titles = [c.title for c in app.get_system_commands(screen)]
        assert any(t.startswith("Only agent: Refund Desk") for t in titles)
        await screen.run_action(f"only_agent({sim.agents['hitl']!r})")
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        assert pane.feed.total < everyone
        assert {row.agent_id for row in pane.feed.rows} == {sim.agents["hitl"]}
        assert "All agents" in [c.title for c in app.get_system_commands(screen)]
        await screen.run_action("only_agent('')")
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        assert pane.feed.total == everyone


def test_web_mode_serves_the_same_app_on_loopback(monkeypatch, capsys):
    seen = {}

    class FakeServer:
        def __init__(self, command, host, port, title, templates_path):
            seen.update(command=command, host=host, port=port, templates=templates_path)

        def serve(self):
            seen["served"] = True

    import textual_serve.server

    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    assert web.serve(["--web", "--demo", "--web-port", "8123"], port=8123) == 0
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123 and seen["served"]
    assert seen["templates"] == web.TEMPLATES  # our page, without the public font host (tests/web)
    assert seen["command"].startswith(sys.executable) and seen["command"].endswith("-m phrony_tui --demo")
    err = capsys.readouterr().err
    assert "ssh -L 8123:127.0.0.1:8123" in err and "API key" in err


@pytest.mark.full_world
async def test_timeline_rows_take_the_new_theme_s_colours(sim, make_app):
    """The timeline keeps drawn rows and looked-up styles between frames: a theme change
    must redraw them in the new colours, not keep the old ones."""
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and screen.settled, pilot=pilot)
        timeline = app.screen.query_one(TimelineView)
        await pilot.pause()

        def row_styles():
            return [segment.style for segment in timeline.render_line(1)]

        before = row_styles()
        app.theme = "nord" if app.theme != "nord" else "gruvbox"
        await pilot.pause()
        await pilot.pause()
        after = row_styles()
        assert before != after
        assert timeline._style("") == timeline.rich_style  # what it draws with is looked up afresh


async def test_the_footer_recomposes_once_for_a_burst_of_binding_changes(make_app):
    from phrony_tui.ui.widgets.footer import KeysFooter

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeysFooter)
        calls = []
        original = footer.recompose

        async def counting():
            calls.append(1)
            await original()

        footer.recompose = counting
        for _ in range(5):
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert len(calls) == 1
        app.screen.refresh_bindings()  # a later change is drawn too
        await pilot.pause()
        await pilot.pause()
        assert len(calls) == 2 and footer.query("FooterKey")
