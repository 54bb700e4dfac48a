"""Which actions the main screen offers, and why not (the dialogs' common ground).

The helpers the dialog tests share live in tests/support/dialogs.py.
"""

from __future__ import annotations

from phrony_tui.ui.screens.main import MainScreen
from tests.support.dialogs import SIZE, open_session, posts
from tests.support.screen import main_screen, notifications, screen_text
from tests.support.waiting import wait_for

# -- which actions the main screen offers ------------------------------------------------


async def test_actions_are_offered_only_where_they_apply_and_say_why(sim, make_app):
    _, run_id = sim.find_sessions("timer", "WaitingForTimer")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        assert screen.check_action("skip_wait", ()) is True
        assert screen.check_action("answer", ()) is None  # shown greyed out
        assert screen.check_action("message", ()) is None
        assert screen.check_action("start_run", ()) is True
        assert screen.check_action("attempts", ()) is True
        await pilot.press("a")
        await wait_for(lambda: notifications(app), pilot=pilot)
        assert isinstance(app.screen, MainScreen)  # no dialog
        said = notifications(app)[-1]
        assert "WaitingForTimer" in said and "nothing to answer" in said and "w skips the wait" in said
        await pilot.press("m")
        await wait_for(lambda: len(notifications(app)) == 2, pilot=pilot)
        assert "not waiting for a message" in notifications(app)[-1]
    assert posts(sim, "/messages") == []


async def test_a_running_session_offers_no_answer_and_nothing_is_sent(sim, make_app):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot, state="closed")
        for action in ("answer", "message", "skip_wait"):
            assert screen.check_action(action, ()) is None
        await pilot.press("w")
        await wait_for(lambda: notifications(app), pilot=pilot)
        assert "This session is Failed (it has ended): no timer to skip." in notifications(app)
        assert isinstance(app.screen, MainScreen)
    assert [r for r in sim.received if r[0] == "POST"] == []


async def test_without_an_open_session_the_run_keys_are_hidden(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: "Start run" in screen_text(app).splitlines()[-1], pilot=pilot)  # the footer
        assert screen.state is None
        for action in ("answer", "message", "skip_wait"):
            assert screen.check_action(action, ()) is False
        assert screen.check_action("start_run", ()) is True
        # the footer is composed after the first frames: wait for it (a hang guard, not a time bound)
        await wait_for(lambda: "Start run" in screen_text(app).splitlines()[-1], pilot=pilot)
        assert "Answer" not in screen_text(app).splitlines()[-1]
        await pilot.press("a")
        await wait_for(lambda: notifications(app), pilot=pilot)
        assert "Open a session first" in notifications(app)[-1]


def test_help_lists_the_dialog_keys():
    from phrony_tui.ui.screens.help import binding_rows

    rows = {(row[0], row[1], row[2]) for row in binding_rows()}
    for expected in [
        ("y", "answer dialog", "Approve"),
        ("n", "answer dialog", "Reject"),
        ("ctrl+s", "message dialog", "Send"),
        ("ctrl+o", "message dialog", "Attach file"),
        ("y", "skip wait dialog", "Skip the wait"),
        ("ctrl+s", "start run dialog", "Start run"),
        ("A", "main screen", "Attempts"),
        ("r", "attempts screen", "Retry"),
        ("escape", "action dialog", "Cancel"),
    ]:
        assert expected in rows, expected
