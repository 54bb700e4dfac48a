from phrony_tui.client.models import SessionPage, SessionSummary
from phrony_tui.core.session_feed import INBOX_STATUSES, PageRequest, SessionFeed


def row(n: int, agent: str, status: str = "Completed") -> SessionSummary:
    return SessionSummary(id=f"{agent}-{n}", agentId=agent, status=status, startedAt=f"2026-03-01T{n:02d}:00:00Z")


def page(rows, total) -> SessionPage:
    return SessionPage(items=rows, total=total)


def test_pages_every_agent_and_merges_newest_first():
    feed = SessionFeed(("a", "b"), page_size=2)
    first = feed.next_requests()
    assert first == [PageRequest("a", 0, 2, None), PageRequest("b", 0, 2, None)]
    assert feed.next_requests() == []  # nothing twice while in flight
    feed.add_page(first[0], page([row(10, "a"), row(8, "a")], total=3))
    assert feed.total is None  # b has not answered yet
    feed.add_page(first[1], page([row(9, "b")], total=1))
    assert feed.total == 4
    assert [r.id for r in feed.rows] == ["a-10", "b-9", "a-8"]
    assert feed.has_more
    more = feed.next_requests()
    assert more == [PageRequest("a", 2, 2, None)]
    feed.add_page(more[0], page([row(7, "a")], total=3))
    assert not feed.has_more
    assert feed.next_requests() == []
    assert [r.id for r in feed.rows] == ["a-10", "b-9", "a-8", "a-7"]


def test_inbox_asks_each_agent_for_each_human_wait_and_sums_totals():
    feed = SessionFeed(("a", "b"))
    feed.set_filters(inbox=True)
    requests = feed.next_requests()
    assert {(r.agent_id, r.status) for r in requests} == {(a, s) for a in "ab" for s in INBOX_STATUSES}
    for request in requests:
        feed.add_page(request, page([row(1, request.agent_id, request.status)], total=5))
    assert feed.total == 5 * len(requests)
    # a status filter inside the inbox narrows it to that status
    feed.set_filters(status="WaitingForHITL")
    assert {r.status for r in feed.next_requests()} == {"WaitingForHITL"}


def test_refresh_of_the_head_drops_rows_that_left_the_filter():
    feed = SessionFeed(("a",), status="Running")
    request = feed.next_requests()[0]
    feed.add_page(request, page([row(2, "a", "Running"), row(1, "a", "Running")], total=2))
    head = feed.first_page_requests()[0]
    assert head.skip == 0 and head.take >= 2
    feed.add_page(head, page([row(2, "a", "Running")], total=1))  # a-1 finished
    assert [r.id for r in feed.rows] == ["a-2"]
    assert feed.total == 1


def test_an_empty_page_past_the_end_stops_paging():
    feed = SessionFeed(("a",), page_size=1)
    first = feed.next_requests()[0]
    feed.add_page(first, page([row(1, "a")], total=5))
    second = feed.next_requests()[0]
    feed.add_page(second, page([], total=5))  # the server said 5 but has 1
    assert not feed.has_more
    assert feed.next_requests() == []


def test_a_failed_request_can_be_asked_again_and_a_stale_answer_is_ignored():
    feed = SessionFeed(("a",))
    request = feed.next_requests()[0]
    feed.request_failed(request)
    assert feed.next_requests() == [request]
    feed.set_filters(status="Failed")  # the filter changed while the request was in flight
    feed.add_page(request, page([row(1, "a")], total=1))
    assert feed.rows == []
    assert feed.total is None
