"""The sessions feed against a server that ignores the status filter or pages oldest first."""

from __future__ import annotations

from phrony_tui.client.models import SessionPage, SessionSummary
from phrony_tui.core.session_feed import INBOX_STATUSES, SessionFeed


def row(n: int, status: str, agent: str = "agent-1") -> SessionSummary:
    return SessionSummary.model_validate({
        "id": f"s-{n:03d}", "agentId": agent, "status": status,
        "startedAt": f"2026-03-01T12:{n // 60:02d}:{n % 60:02d}Z",
    })  # fmt: skip


EVERY = [row(n, status) for n, status in enumerate(["Running", "WaitingForHITL", "Completed", "WaitingForResponse"] * 5)]


def answer_ignoring_the_filter(feed: SessionFeed) -> None:
    for request in feed.next_requests():
        items = EVERY[request.skip : request.skip + request.take]
        feed.add_page(request, SessionPage(items=items, total=len(EVERY)))


def test_an_ignored_status_filter_is_noticed_and_its_rows_dropped():
    feed = SessionFeed(("agent-1",), inbox=True)
    answer_ignoring_the_filter(feed)
    # The inbox asked 3 statuses; the server sent every session 3 times.
    assert feed.filter_ignored
    shown = feed.rows
    assert {s.status for s in shown} <= set(INBOX_STATUSES)
    assert len(shown) == len({s.id for s in shown}) == 10  # each once, only the waiting ones
    assert feed.total is None  # the server's totals count what is not shown
    assert any("ignored the status filter" in note for note in feed.notes)


def test_a_server_that_honours_the_filter_is_believed():
    feed = SessionFeed(("agent-1",), status="Completed")
    for request in feed.next_requests():
        items = [s for s in EVERY if s.status == "Completed"]
        feed.add_page(request, SessionPage(items=items, total=len(items)))
    assert not feed.filter_ignored and feed.total == 5
    assert feed.notes == []


def test_oldest_first_pages_are_shown_newest_first_and_the_order_is_said_to_be_partial():
    feed = SessionFeed(("agent-1",), page_size=5)
    oldest_first = sorted(EVERY, key=lambda s: s.started_at or "")
    request = feed.next_requests()[0]
    feed.add_page(request, SessionPage(items=oldest_first[:5], total=len(EVERY)))
    assert [s.id for s in feed.rows] == [s.id for s in reversed(oldest_first[:5])]
    assert "newest first among the loaded pages" in feed.notes
