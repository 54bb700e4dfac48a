"""SVG snapshots of the main screen in its main states (fixed seed, fixed clock).

Regenerate after an intended change with: pytest tests/ui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.screen import main_screen
from tests.support.waiting import wait_for

WIDE = (160, 45)
NARROW = (80, 24)

pytestmark = pytest.mark.full_world  # the sessions list and dialogs as a user with history sees them


def sessions_loaded(app):
    async def run_before(pilot) -> None:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and main_screen(app).settled, pilot=pilot)

    return run_before


def session_open(app, *, live: bool):
    async def run_before(pilot) -> None:
        screen = main_screen(app)
        pane = app.screen.query_one(SessionsPane)
        state = "connected" if live else "closed"
        await wait_for(
            lambda: screen.state is not None
            and screen.follower is not None
            and screen.follower.status.state == state
            and pane.feed.total is not None
            and not pane.fetching,
            pilot=pilot,
        )
        await wait_for(lambda: screen.settled, pilot=pilot)  # the follower's last news is drawn

    return run_before


def test_sessions_list(snap_compare, make_app):
    app = make_app()
    assert snap_compare(app, terminal_size=WIDE, run_before=sessions_loaded(app))


def test_deep_multi_agent_session(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(run_id=run_id)
    assert snap_compare(app, terminal_size=WIDE, run_before=session_open(app, live=False))


def test_waiting_run(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("multi", "WaitingForAITL")[0]
    app = make_app(run_id=run_id)
    assert snap_compare(app, terminal_size=WIDE, run_before=session_open(app, live=True))


def test_redacted_session(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("redacted", "Completed")[0]
    app = make_app(run_id=run_id)
    assert snap_compare(app, terminal_size=WIDE, run_before=session_open(app, live=False))


def test_bad_key_error(snap_compare, make_app):
    app = make_app(api_key=SecretStr("phk_wrong"))

    async def run_before(pilot) -> None:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.error is not None and main_screen(app).settled, pilot=pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_narrow_sessions_list(snap_compare, make_app):
    app = make_app()
    assert snap_compare(app, terminal_size=NARROW, run_before=sessions_loaded(app))


def test_narrow_open_session(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = make_app(run_id=run_id)
    assert snap_compare(app, terminal_size=NARROW, run_before=session_open(app, live=True))
