"""--demo's first sessions pages, read while the app starts (entry/early_pages.py): the
main screen takes them instead of asking again, draws them before its first frame when
they have come, and asks the client for any page that did not come well. And the start
itself: no full render thrown away, no restyle of the whole screen on its first resume,
nor of each footer key as it mounts."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest
from textual.app import App
from textual.widgets._footer import FooterKey

from phrony_tui.core.session_feed import SessionFeed
from phrony_tui.entry import early_pages
from phrony_tui.ui.screens import main as main_module
from phrony_tui.ui.screens.main import MainScreen
from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.screen import main_screen
from tests.support.waiting import wait_for


def list_requests(sim) -> list[str]:
    with sim._lock:
        return [t for method, t, _ in sim.requests if method == "GET" and "/sessions" in t and "take=1&" not in t
                and not t.endswith("take=1")]  # fmt: skip


def asked(settings) -> dict:
    requests = SessionFeed(settings.agent_ids, inbox=settings.watch).next_requests()
    pages = early_pages.start(settings.base_url, settings.api_key.get_secret_value(), requests, user_agent="test")
    assert pages is not None
    for future in pages.values():
        future.result(timeout=30)
    return dict(pages)


def test_the_pages_are_read_as_the_client_asks_for_them(sim, sim_server, make_app):
    settings = make_app().settings
    pages = asked(settings)
    assert len(pages) == len(settings.agent_ids) and all(f.result() for f in pages.values())
    queries = list_requests(sim)
    assert sorted(queries) == sorted(
        f"/v1/agents/{agent}/sessions?skip=0&take=50" for agent in settings.agent_ids
    )


def test_only_plain_http_to_loopback(make_app):
    settings = make_app().settings
    requests = SessionFeed(settings.agent_ids).next_requests()
    for url in ("https://127.0.0.1:1", "http://example.com:80", "http://127.0.0.1:1/prefix", "http://127.0.0.1"):
        assert early_pages.start(url, "phk_x", requests, user_agent="test") is None


def test_a_refused_page_comes_back_empty(sim, sim_server, make_app):
    settings = make_app().settings
    requests = SessionFeed(settings.agent_ids[:2]).next_requests()
    pages = early_pages.start(settings.base_url, "phk_wrong", requests, user_agent="test")
    assert pages is not None
    assert [future.result(timeout=30) for future in pages.values()] == [None, None]  # 401: the client's to say


@pytest.mark.full_world
@pytest.mark.parametrize("late", [False, True], ids=["come", "coming"])
async def test_pages_read_by_the_mount_are_in_the_first_frame_and_not_asked_again(sim, make_app, late, monkeypatch):
    settings = make_app().settings
    pages = asked(settings)
    before = len(list_requests(sim))
    if late:  # still on their way as the screen mounts; they come within its wait
        bodies, pages = {r: f.result() for r, f in pages.items()}, {r: Future() for r in pages}
        all_done = main_module._all_done

        async def come_meanwhile(futures, timeout):
            threading.Timer(0.05, lambda: [f.set_result(bodies[r]) for r, f in pages.items()]).start()
            return await all_done(futures, timeout)

        monkeypatch.setattr(main_module, "_all_done", come_meanwhile)
    app = make_app(app_kwargs={"first_pages": pages})
    drawn: list[int] = []  # rows in the table at each real frame

    original = MainScreen._compositor_refresh

    def frame(screen: MainScreen) -> None:
        if not screen.app._batch_count and not drawn:
            drawn.append(screen.query_one(SessionsPane).table.row_count)
        original(screen)

    MainScreen._compositor_refresh = frame  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            pane = app.screen.query_one(SessionsPane)
            await wait_for(lambda: pane.feed.total is not None and main_screen(app).settled, pilot=pilot)
            assert drawn and drawn[0] == len(pane.feed.rows) > 0  # the first frame shows the list
            assert len(list_requests(sim)) == before  # none of the pages asked for again
            assert app.first_pages is None  # taken once
    finally:
        MainScreen._compositor_refresh = original  # type: ignore[method-assign]


async def test_pages_still_on_their_way_are_awaited_and_a_failed_one_asked_of_the_client(sim, make_app):
    settings = make_app().settings
    requests = SessionFeed(settings.agent_ids).next_requests()
    pending: dict = {request: Future() for request in requests}
    app = make_app(app_kwargs={"first_pages": pending})
    async with app.run_test(size=(160, 45)) as pilot:
        pane = app.screen.query_one(SessionsPane)
        await pilot.pause()
        assert pane.fetching and not pane.feed.rows  # waiting for them
        done = asked(settings)
        before = len(list_requests(sim))
        first, *rest = requests
        pending[first].set_result(None)  # that one did not come well: the client asks for it
        for request in rest:
            pending[request].set_result(done[request].result())
        await wait_for(lambda: pane.feed.total is not None and main_screen(app).settled, pilot=pilot)
        assert list_requests(sim)[before:] == [f"/v1/agents/{first.agent_id}/sessions?skip=0&take=50"]
        assert len(pane.feed.rows) > 0 and pane.error is None


async def test_the_start_renders_no_frame_it_throws_away_and_restyles_neither_screen_nor_keys(make_app, monkeypatch):
    app = make_app()
    renders: list[bool] = []  # per full render of the main screen: was the App's start batch on?
    restyled: list[object] = []
    screen_refresh = MainScreen.__mro__[1]._compositor_refresh

    def counted(screen) -> None:
        if isinstance(screen, MainScreen) and False not in renders:  # up to the first frame
            renders.append(bool(screen.app._batch_count))
        screen_refresh(screen)

    monkeypatch.setattr(MainScreen.__mro__[1], "_compositor_refresh", counted)
    update_styles = App.update_styles

    def styles(self, node=None, animate=True) -> None:
        restyled.append(node)
        update_styles(self, node, animate)

    monkeypatch.setattr(App, "update_styles", styles)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: app.screen.query_one(SessionsPane).feed.total is not None and screen.settled,
                       pilot=pilot)  # fmt: skip
        assert renders == [False]  # the first render is the first frame: none while App._display drops it
        assert screen not in restyled  # mounted with fresh styles: the first resume does not restyle it
        assert not [node for node in restyled if isinstance(node, FooterKey)]  # its keys mount styled
