"""The first screen's requests go first: the inbox watcher's first round (agents x 3
requests of take=1) waits until the sessions list's first pages are in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.support.screen import main_screen
from tests.support.waiting import wait_for


def sessions_queries(sim) -> list[dict[str, list[str]]]:
    with sim._lock:
        targets = [t for method, t, _ in sim.requests if method == "GET" and "/sessions" in t]
    return [parse_qs(urlsplit(t).query) for t in targets]


async def test_the_watchers_first_round_comes_after_the_first_pages_of_the_list(sim, make_app):
    app = make_app()
    agents = app.settings.agent_ids
    assert len(agents) > 1
    async with app.run_test(size=(160, 45)) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.inbox_watcher.rounds >= 1 and screen.settled, pilot=pilot)
        queries = sessions_queries(sim)
        first_watch = next(i for i, q in enumerate(queries) if q.get("take") == ["1"])
        pages = [i for i, q in enumerate(queries) if q.get("take") != ["1"]]
        assert len(pages) >= len(agents)  # the list's first page of every agent...
        assert max(pages[: len(agents)]) < first_watch  # ...all asked for before the watcher's first
        assert len([q for q in queries if q.get("take") == ["1"]]) == 3 * len(agents)  # one round, whole
        assert "waiting on you" in str(screen.query_one("#status").render())
