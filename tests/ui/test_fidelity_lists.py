"""Issue 14, the sessions list as the service sends it: a status filter the server ignores
(docs-minimal) never fills the inbox with every session, and the info line says so and
that the order shown is only of the pages loaded."""

from __future__ import annotations

import pytest

from phrony_tui.core.session_feed import INBOX_STATUSES
from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.screen import screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)
IGNORED = "the server ignored the status filter"


def info(app) -> str:
    return str(app.screen.query_one("#sessions-info").render())


@pytest.mark.parametrize("sim_dialect", ["docs-minimal"])
@pytest.mark.full_world
async def test_an_ignored_status_filter_leaves_only_waiting_sessions_in_the_inbox(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.rows and not pane.fetching, pilot=pilot)
        assert "newest first among the loaded pages" in info(app)  # sorted here, not the server's order
        await pilot.press("i")
        await wait_for(lambda: pane.feed.inbox and not pane.fetching and pane.feed.filter_ignored, pilot=pilot)
        rows = pane.feed.rows
        assert rows and {row.status for row in rows} <= set(INBOX_STATUSES)
        assert IGNORED in info(app) and app.screen.query_one("#sessions-info").size.height >= 2
        assert "inbox: waiting on a human" in info(app)
        assert "Sessions (…)" in screen_text(app)  # the server's totals count rows not shown: no total


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_the_inbox_holds_the_waiting_showcases_in_both_dialects(sim, make_app):
    waiting = {session_id for session_id, _ in sim.find_sessions("hitl", "WaitingForHITL")}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.rows and not pane.fetching, pilot=pilot)
        await pilot.press("i")
        await wait_for(lambda: pane.feed.inbox and not pane.fetching and pane.feed.rows, pilot=pilot)
        await wait_for(lambda: not pane.fetching and waiting <= {row.id for row in pane.feed.rows}, pilot=pilot)
        shown = {row.id for row in pane.feed.rows}
        assert waiting <= shown
        assert IGNORED in info(app) if sim.dialect.name == "docs-minimal" else IGNORED not in info(app)
