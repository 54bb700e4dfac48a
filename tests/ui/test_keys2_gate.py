"""The inspector's keys arrive in one burst (a paste, a coalesced SSH packet) and still
land where the person meant: in the dialog or box the first key opened, never as
hotkeys on the screen underneath (ui/key_gate.py, wired in PhronyApp.on_event).

Each burst is posted to the app at once, as the terminal driver delivers it
(Pilot's ``press`` waits between keys, which hides the race).
"""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input, TextArea

from phrony_tui.ui.dialogs.answer import AnswerDialog
from phrony_tui.ui.dialogs.message import MessageDialog
from phrony_tui.ui.dialogs.start import StartRunDialog
from phrony_tui.ui.key_gate import OPENING
from phrony_tui.ui.screens.main import MainScreen
from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.timeline_pane import TimelinePane
from tests.support.dialogs import SIZE, open_session, posts, wait_closed
from tests.support.screen import main_screen, notifications
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("attempts_file")

NAMES = {" ": "space", "/": "slash", '"': "quotation_mark", ":": "colon", "{": "left_curly_bracket",
         "}": "right_curly_bracket", "?": "question_mark"}  # fmt: skip


def burst(app, text: str) -> None:
    for char in text:
        app.post_message(events.Key(NAMES.get(char, char), char))


async def settle(app, pilot) -> None:
    """Until the gate has handed on (or dropped) what it held, and the keys were read."""
    await pilot.pause(0.05)
    await wait_for(lambda: not app.key_gate.holding, pilot=pilot)
    await pilot.pause(0.1)


def fired_hotkeys(app) -> list[str]:
    """The actions the app's bindings ran from now on (every binding runs through app.run_action)."""
    fired: list[str] = []
    run_action = app.run_action

    async def recording(action, *args, **kwargs):
        fired.append(str(action))
        return await run_action(action, *args, **kwargs)

    app.run_action = recording
    return fired


def _chat(sim) -> str:
    return sim.find_sessions("chat", "WaitingForResponse")[0][1]


async def test_m_and_the_rest_of_the_burst_go_into_the_message_text(sim, make_app):
    app = make_app(run_id=_chat(sim), agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        timeline = screen.query_one(TimelinePane)
        cursor = timeline.timeline.cursor
        fired = fired_hotkeys(app)
        burst(app, "mhello burst")
        await settle(app, pilot)
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.query_one(TextArea).text == "hello burst"
        # No hotkey of the screen underneath ran (e: next error, t: next waiting task, s: start)
        assert timeline.timeline.cursor == cursor and timeline._note == ""
        assert fired == ["message"]
        assert app.key_gate.released == len("hello burst")


async def test_a_slash_burst_types_into_the_sessions_filter(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        pane = screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.rows and not pane.fetching, pilot=pilot)
        inbox, status = pane.feed.inbox, pane.feed.status
        fired = fired_hotkeys(app)
        burst(app, "/fail")
        await settle(app, pilot)
        assert screen.query_one("#sessions-filter", Input).value == "fail"
        assert pane.text_filter == "fail"
        assert (pane.feed.inbox, pane.feed.status) == (inbox, status)  # i and f did not fire
        assert fired == ["filter"]


async def test_an_s_burst_types_the_json_into_the_start_editor(sim, make_app):
    app = make_app(run_id=_chat(sim))
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        burst(app, 's{"amount": 12}')
        await settle(app, pilot)
        assert isinstance(app.screen, StartRunDialog)
        assert app.screen.query_one("#start-input", TextArea).text == '{"amount": 12}'  # typed over the empty {}


async def test_a_then_y_approves_the_task(sim, make_app):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        burst(app, "ay")
        await wait_for(lambda: posts(sim, "/messages"), pilot=pilot)
        await wait_closed(app, pilot)
        (sent,) = posts(sim, "/messages")
        assert sent["approved"] is True


async def test_a_refused_m_drops_the_rest_of_the_burst(sim, make_app):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]  # waits for an answer, not a message
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        fired = fired_hotkeys(app)
        burst(app, "mates")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)  # no answer dialog from the `a`
        assert fired == [] and app.key_gate.dropped == 4
        assert any("not waiting for a message" in message for message in notifications(app))


async def test_a_burst_after_ctrl_p_goes_into_the_palette_search(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        app.post_message(events.Key("ctrl+p", None))
        burst(app, "theme")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).value == "theme"


async def test_a_burst_after_ctrl_o_goes_into_the_file_path(sim, make_app):
    app = make_app(run_id=_chat(sim), agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        burst(app, "m")
        await settle(app, pilot)
        assert isinstance(app.screen, MessageDialog)
        app.post_message(events.Key("ctrl+o", None))
        burst(app, "/tmp/x")
        await settle(app, pilot)
        focused = app.focused
        assert isinstance(focused, Input) and focused.value == "/tmp/x"
        assert app.screen.query_one(TextArea).text == ""


async def test_every_opening_id_is_a_real_binding():
    # A renamed binding id would silently stop gating its key.
    from textual.binding import Binding

    from phrony_tui.ui.app import PhronyApp
    from phrony_tui.ui.dialogs.attempts import AttemptsScreen
    from phrony_tui.ui.screens.help import HelpScreen

    classes = (PhronyApp, MainScreen, SessionsPane, TimelinePane, MessageDialog, StartRunDialog, AnswerDialog,
               AttemptsScreen, HelpScreen)  # fmt: skip
    ids = {b.id for cls in classes for b in cls.BINDINGS if isinstance(b, Binding)}
    assert ids >= OPENING, OPENING - ids
