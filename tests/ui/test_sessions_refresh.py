"""The sessions list refreshes on its timer, and stays usable while a page is fetched
(issue 13: ``MainScreen._auto_refresh`` and ``SessionsPane.loading`` shadowed Textual's own)."""

from __future__ import annotations

import asyncio

from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.waiting import wait_for

SIZE = (160, 45)


def session_list_requests(sim) -> int:
    with sim._lock:
        return sum(1 for method, target, _ in sim.requests if method == "GET" and "/sessions" in target)


async def test_the_sessions_list_is_refreshed_on_its_timer(sim, make_app):
    app = make_app()
    app.sessions_refresh = 0.3  # read when the main screen mounts
    agents = len(app.settings.agent_ids)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None, pilot=pilot)  # the first pages are in
        first = session_list_requests(sim)
        assert first >= agents
        # Two more rounds of first pages, with no key pressed (the timeout only guards a hang).
        await wait_for(lambda: session_list_requests(sim) >= first + 2 * agents, pilot=pilot, timeout=20)


async def test_the_sessions_pane_stays_focusable_while_a_page_is_fetched(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        held = asyncio.Event()
        asked = []
        real = app.client.list_sessions

        async def slow(*args, **kwargs):
            asked.append(args)
            await held.wait()
            return await real(*args, **kwargs)

        app.client.list_sessions = slow  # type: ignore[method-assign]
        await pilot.press("r")
        await wait_for(lambda: bool(asked), pilot=pilot)
        try:
            assert pane.fetching and "loading…" in str(app.screen.query_one("#sessions-info").render())
            table = pane.table
            assert not table.disabled and not pane.disabled
            assert table in app.screen.focus_chain
            table.focus()
            await pilot.pause()
            assert app.screen.focused is table
        finally:
            held.set()
        await wait_for(lambda: not pane.fetching, pilot=pilot)


def test_the_refresh_interval_comes_from_the_config_file(tmp_path):
    from phrony_tui import config as configfile
    from phrony_tui.entry.cli import build_parser, settings_from
    from phrony_tui.ui.app import PhronyApp

    path = tmp_path / "config.toml"
    path.write_text("refresh_interval = 7.5\n")
    settings = settings_from(build_parser().parse_args([]), {}, configfile.load(path))
    assert settings.refresh_interval == 7.5
    assert PhronyApp(settings).sessions_refresh == 7.5  # the timer's period (MainScreen.on_mount)
    assert PhronyApp(settings, sessions_refresh=None).sessions_refresh is None  # a caller may turn it off
    path.write_text("refresh_interval = -1\n")
    try:
        configfile.load(path)
    except configfile.ConfigError as error:
        assert "refresh_interval" in str(error)
    else:
        raise AssertionError("a negative interval was accepted")
