"""The footer fits: at 80 and 100 columns `q` and `?` always show, the key of what the
session waits for comes first, keys that cannot apply are not advertised, and on a
narrow terminal `backspace` (back to the list) shows."""

from __future__ import annotations

import pytest

from phrony_tui.ui.dialogs.attempts import AttemptsScreen
from phrony_tui.ui.dialogs.start import StartRunDialog
from phrony_tui.ui.widgets.footer import KeysFooter
from tests.support.dialogs import open_session, press_until_dialog, wait_closed
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("attempts_file")

SIZES = [(80, 24), (100, 30)]


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def _listed(app, pilot) -> None:
    screen = main_screen(app)
    await wait_for(lambda: screen.settled and screen.feed is not None and screen.feed.rows, pilot=pilot)
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
async def test_the_list_keeps_quit_and_help(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await _listed(app, pilot)
        line = footer(app)
        assert "q Quit" in line and "? Help" in line, line
        assert "/ Filter" in line  # the focused list's own keys first
        assert "⌫" not in line  # the list is already shown


@pytest.mark.parametrize("size", SIZES)
async def test_an_open_session_shows_its_own_key_back_quit_and_help_and_nothing_greyed(sim, make_app, size):
    run_id = sim.find_sessions("chat", "WaitingForResponse")[0][1]
    app = make_app(run_id=run_id)
    async with app.run_test(size=size) as pilot:
        await open_session(app, pilot)
        await pilot.pause(0.1)
        line = footer(app)
        assert line.lstrip().startswith("m Message"), line  # what the session waits for
        assert "⌫ Back to sessions" in line, line  # narrow: the list is hidden
        assert "q Quit" in line and "? Help" in line, line
        assert "a Answer" not in line and "w Skip wait" not in line, line  # cannot apply here


async def test_a_wide_terminal_shows_no_back_key(sim, make_app):
    run_id = sim.find_sessions("chat", "WaitingForResponse")[0][1]
    app = make_app(run_id=run_id)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_session(app, pilot)
        await pilot.pause(0.1)
        line = footer(app)
        assert "⌫" not in line and "t Next waiting task" in line and "r Refresh" in line, line


async def test_retry_is_not_advertised_on_an_accepted_attempt(sim, make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _listed(app, pilot)
        await press_until_dialog(app, pilot, "s", StartRunDialog)
        await pilot.press("ctrl+s")
        await wait_closed(app, pilot)
        attempts = await press_until_dialog(app, pilot, "A", AttemptsScreen)
        await wait_for(lambda: attempts.current is not None, pilot=pilot)
        await pilot.pause(0.1)
        assert attempts.current.outcome == "accepted"
        line = footer(app)
        assert "o Open run" in line and "v View payload" in line, line
        assert "Retry" not in line, line


async def test_a_burst_that_changes_no_key_mounts_nothing_and_a_change_remounts(sim, make_app):
    run_id = sim.find_sessions("chat", "WaitingForResponse")[0][1]
    app = make_app(run_id=run_id)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(app, pilot)
        bar = screen.query_one(KeysFooter)
        await wait_for(lambda: bar.children, pilot=pilot)
        before = list(bar.children)
        bar.bindings_changed(screen)  # "bindings changed", but the same keys apply
        await pilot.pause(0.1)
        assert list(bar.children) == before  # the very same widgets: nothing was mounted
        await pilot.resize_terminal(80, 24)  # narrower: fewer keys fit, backspace shows
        await wait_for(lambda: "⌫" in footer(app), pilot=pilot)
        assert list(bar.children) != before
