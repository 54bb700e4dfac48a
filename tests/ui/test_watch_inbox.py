"""The inbox watcher against the simulator on loopback: the header's count of sessions
waiting on a person is the simulator's own count (one buried far past the first page
included), one new waiting session gives one alert (not one per round), the desktop
notification's bytes carry no escape from server text, ``--watch`` starts on the inbox,
and a round costs agents x statuses requests of ``take=1``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from phrony_tui.core.session_feed import INBOX_STATUSES
from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.widgets.sessions import AUTO_PAGES, SessionsPane
from phrony_tui.ui.widgets.status_bar import StatusBar
from tests.support.screen import main_screen, notifications
from tests.support.waiting import wait_for

SIZE = (180, 45)
FAST = 0.2  # watch_interval of these tests (seconds): rounds come by themselves


def sim_waiting(sim, agent_ids) -> int:
    """The simulator's own count of sessions waiting on a person, over these agents."""
    with sim._lock:
        return sum(1 for s in sim.engine.session_list if s.agent.id in agent_ids and s.status in INBOX_STATUSES)


def buried_waiting(sim, agent_ids, depth: int = 50) -> int:
    """Waiting sessions with more than ``depth`` newer sessions of their agent above them."""
    with sim._lock:
        buried = 0
        for agent_id in agent_ids:
            rows = sorted((s for s in sim.engine.session_list if s.agent.id == agent_id),
                          key=lambda s: (s.started_ms, s.index), reverse=True)  # fmt: skip
            buried += sum(1 for s in rows[depth:] if s.status in INBOX_STATUSES)
        return buried


def watch_requests(sim) -> list[dict[str, list[str]]]:
    """The query of every sessions-list request with take=1 (the watcher's), in order."""
    with sim._lock:
        targets = [t for method, t, _ in sim.requests if method == "GET" and "/sessions" in t]
    queries = [parse_qs(urlsplit(t).query) for t in targets]
    return [q for q in queries if q.get("take") == ["1"]]


def header(app) -> str:
    return str(main_screen(app).query_one(StatusBar).render())


@pytest.mark.full_world
async def test_the_header_counts_every_waiting_session_from_the_servers_totals(sim, make_app):
    app = make_app()
    agents = app.settings.agent_ids
    assert buried_waiting(sim, agents) >= 1  # a waiting session far under newer ones
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.inbox_watcher.rounds >= 1, pilot=pilot)
        expected = sim_waiting(sim, agents)
        assert screen.inbox_watcher.watch.count == expected
        assert f"{expected} waiting on you" in header(app)
        assert "≥" not in header(app)
        # The sessions list has its first pages only: fewer waiting rows than the header counts.
        assert sum(1 for row in screen.feed.rows if row.status in INBOX_STATUSES) < expected


@pytest.mark.parametrize("sim_dialect", ["docs-minimal"])  # the dialect that ignores the filter
async def test_a_server_that_ignores_the_status_filter_gives_a_lower_bound(sim_dialect, sim, make_app):
    app = make_app(watch_interval=FAST)
    agents = app.settings.agent_ids
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        watcher = screen.inbox_watcher
        await wait_for(lambda: watcher.rounds >= 3, pilot=pilot)  # detect, learn the order, read the newest
        watch = watcher.watch
        assert watch.ignoring == set(agents)
        assert watch.lower_bound and watch.note
        count = watch.count
        assert count is not None and 0 < count <= sim_waiting(sim, agents)
        assert f"≥ {count} waiting on you" in header(app)
        # One window request per agent and round now, not one per status.
        assert [r.status for r in watch.requests()] == [None] * len(agents)


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_a_new_waiting_session_is_announced_once(sim_dialect, sim, make_app):
    app = make_app(watch_interval=FAST, bell=True)
    rang = []
    app.bell = lambda: rang.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        watcher = main_screen(app).inbox_watcher
        await wait_for(lambda: watcher.rounds >= 3, pilot=pilot)  # what waited before: learnt, not told
        assert not [n for n in notifications(app) if "shows the inbox" in n]
        sim.start_session("hitl", {"customer": "Dana Whitfield", "amount": 640})
        sim.advance(30)
        assert sim.find_sessions("hitl", "WaitingForHITL")
        told = lambda: [n for n in notifications(app) if "shows the inbox" in n]  # noqa: E731
        dana = lambda: [n for n in told() if "Dana Whitfield" in n]  # noqa: E731
        await wait_for(lambda: bool(dana()), pilot=pilot)
        # (Time moved 30 s: a showcase session of another agent may start waiting too.)
        rounds, said = watcher.rounds, len(told())
        await wait_for(lambda: watcher.rounds >= rounds + 3, pilot=pilot)  # three more rounds: no repeat
        assert len(dana()) == 1 and len(told()) == said
        assert dana()[0].startswith("Approve a refund of 640.00 EUR to Dana Whitfield")
        assert len(rang) == watcher.alerts >= 1  # one bell per round that brought news


async def test_the_open_session_is_announced_by_its_own_follower_not_twice(sim, make_app):
    session_id, run_id = sim.start_session("hitl", {"customer": "Dana Whitfield", "amount": 640})
    app = make_app(run_id=run_id, watch_interval=FAST)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        watcher = screen.inbox_watcher
        await wait_for(lambda: screen.state is not None and watcher.rounds >= 2, pilot=pilot)
        sim.advance(30)
        await wait_for(lambda: any("press a" in n for n in notifications(app)), pilot=pilot)
        rounds = watcher.rounds
        await wait_for(lambda: watcher.rounds >= rounds + 2, pilot=pilot)
        assert sim.status(session_id) == "WaitingForHITL"
        assert not [n for n in notifications(app) if "Dana Whitfield" in n and "shows the inbox" in n]


async def test_the_desktop_notification_carries_no_escape_from_server_text(sim, make_app):
    app = make_app(watch_interval=FAST, desktop_notify="osc777")
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        app._driver.write = written.append  # type: ignore[union-attr,method-assign]
        watcher = main_screen(app).inbox_watcher
        await wait_for(lambda: watcher.rounds >= 2, pilot=pilot)
        hostile = "Mallory \x1b]0;pwned\x07 \x1b[31mred\x1b[0m \x9b2J \x9c; \x1b\\ end"
        sim.start_session("hitl", {"customer": hostile, "amount": 640})
        sim.advance(30)
        await wait_for(lambda: any(w.startswith("\x1b]777;") for w in written), pilot=pilot)
    osc = next(w for w in written if w.startswith("\x1b]777;"))
    # (Time moved 30 s: another agent's showcase may arrive in the same round, summed up.)
    assert osc.startswith("\x1b]777;notify;") and osc.endswith("\x07") and "Refund Desk" in osc
    inner = osc[len("\x1b]777;") : -1]
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in inner)
    assert inner.count(";") == 2  # notify ; title ; body: the server's ";" cannot add a field
    assert "Mallory" in inner and "pwned" not in inner


async def test_desktop_notifications_are_off_by_default(sim, make_app):
    app = make_app(watch_interval=FAST)
    assert app.settings.desktop_notify == "off"
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        app._driver.write = written.append  # type: ignore[union-attr,method-assign]
        watcher = main_screen(app).inbox_watcher
        await wait_for(lambda: watcher.rounds >= 2, pilot=pilot)
        sim.start_session("hitl", {"amount": 640})
        sim.advance(30)
        await wait_for(lambda: watcher.alerts >= 1, pilot=pilot)
    assert not [w for w in written if w.startswith(("\x1b]9;", "\x1b]777;"))]


def list_pages(sim) -> int:
    """Sessions-list pages read for the list itself (a status filter, not take=1)."""
    with sim._lock:
        targets = [t for method, t, _ in sim.requests if method == "GET" and "/sessions" in t]
    queries = [parse_qs(urlsplit(t).query) for t in targets]
    return sum(1 for q in queries if "status" in q and q.get("take") != ["1"])


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_watch_starts_on_the_inbox_and_a_round_is_agents_times_statuses_take_1(sim_dialect, sim, make_app):
    # No timer ticks here (an hour): the test asks for each round, so counts are exact.
    app = make_app(watch=True, watch_interval=3600)
    agents = app.settings.agent_ids
    per_round = len(agents) * len(INBOX_STATUSES)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        pane = screen.query_one(SessionsPane)
        assert pane.feed.inbox
        watcher = screen.inbox_watcher

        def list_settled() -> bool:  # a server that ignores the filter: the list reads on by itself
            feed = pane.feed
            reading_on = feed.filter_ignored and feed.has_more and pane._auto_pages < AUTO_PAGES
            return not pane.fetching and not reading_on

        await wait_for(lambda: watcher.rounds == 1 and list_settled(), pilot=pilot)
        assert "inbox: waiting on a human" in str(screen.query_one("#sessions-info").render())
        assert len(watch_requests(sim)) == per_round  # the first round: N agents x M statuses, take=1
        pages = list_pages(sim)
        if sim_dialect == "friendly":
            assert pages == per_round  # the inbox list's own first pages
        for n in (2, 3):
            watcher.tick()
            await wait_for(lambda n=n: watcher.rounds == n and not watcher.pending, pilot=pilot)
        if sim_dialect == "friendly":
            assert len(watch_requests(sim)) == 3 * per_round
        else:  # the filter is ignored: one window page per agent a round instead
            assert len(watch_requests(sim)) == per_round
            assert watcher.watch.requests() == [r for r in watcher.watch.requests() if r.status is None]
            assert len(watcher.watch.requests()) == len(agents)
        # Nothing changed: the inbox list is not read again.
        assert list_pages(sim) == pages
        # A session starts waiting: the next round reloads the inbox list (and only then).
        sim.start_session("hitl", {"amount": 640})
        sim.advance(8)
        watcher.tick()
        await wait_for(lambda: watcher.rounds == 4 and not watcher.pending and list_settled(), pilot=pilot)
        if sim_dialect == "friendly":
            assert list_pages(sim) == 2 * pages
