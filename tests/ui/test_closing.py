"""Work in flight when the widgets it was for go away (the app closing) ends quietly."""

from __future__ import annotations

import asyncio

from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.screen import main_screen
from tests.support.waiting import wait_for


async def test_pages_arriving_after_the_sessions_pane_went_away_are_dropped(make_app):
    """The race behind a flaky theme test: pages came back while the app was closing,
    and drawing them into the pane's removed children raised NoMatches in the worker."""
    app = make_app()
    asked = asyncio.Event()
    answer = asyncio.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(app)
        pane = screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
        list_sessions = app.client.list_sessions

        async def held(*args, **kwargs):
            asked.set()
            await answer.wait()
            return await list_sessions(*args, **kwargs)

        app.client.list_sessions = held  # type: ignore[method-assign]
        screen.load_sessions(screen.feed.first_page_requests())  # a refresh, held
        await wait_for(asked.is_set, pilot=pilot)
        await pane.remove()  # what closing the app does to the pane, while the request waits
        answer.set()
        await wait_for(lambda: not screen.workers, pilot=pilot)
        # A worker that raised would have stopped the app with WorkerFailed on exit.
        assert app.return_code is None
