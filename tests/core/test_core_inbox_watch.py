"""core.inbox_watch: counts from the server's totals, arrivals once, the ignored filter."""

from phrony_tui.client.models import Conversation, SessionPage, SessionSummary
from phrony_tui.core.inbox_watch import InboxWatch, WatchRequest, question_of

HITL, RESP = "WaitingForHITL", "WaitingForResponse"


def row(n: int, agent: str, status: str = HITL) -> SessionSummary:
    return SessionSummary(id=f"{agent}-{n}", agentId=agent, status=status, startedAt=f"2026-03-01T{n:02d}:00:00Z")


def answer(watch: InboxWatch, heads: dict[tuple[str, str | None], tuple[int, list[SessionSummary]]]):
    """Answer every request of a round from ``heads``: (agent, status) -> (total, items)."""
    results = []
    for request in watch.requests():
        total, items = heads[(request.agent_id, request.status)]
        results.append((request, SessionPage(items=items[: request.take], total=total)))
    return watch.take_round(results)


def test_one_take_1_request_per_agent_and_status_and_the_count_is_the_sum_of_totals():
    watch = InboxWatch(("a", "b"), (HITL, RESP))
    assert watch.requests() == [WatchRequest("a", HITL), WatchRequest("a", RESP),
                                WatchRequest("b", HITL), WatchRequest("b", RESP)]  # fmt: skip
    assert watch.count is None and watch.label == "… waiting on you"
    heads = {("a", HITL): (240, [row(9, "a")]), ("a", RESP): (0, []), ("b", HITL): (1, [row(1, "b")]),
             ("b", RESP): (3, [row(5, "b", RESP)])}  # fmt: skip
    assert answer(watch, heads) == []  # the first round learns what already waits
    assert watch.count == 244 and watch.label == "244 waiting on you" and not watch.lower_bound


def test_a_new_head_is_an_arrival_once_and_an_answered_head_is_not():
    watch = InboxWatch(("a",), (HITL,))
    answer(watch, {("a", HITL): (2, [row(5, "a")])})
    arrivals = answer(watch, {("a", HITL): (3, [row(7, "a")])})
    assert [a.session.id for a in arrivals if a.session] == ["a-7"]
    assert answer(watch, {("a", HITL): (3, [row(7, "a")])}) == []  # not once per round
    # a-7 answered: the head is an older waiting session (fewer wait): not news.
    assert answer(watch, {("a", HITL): (2, [row(5, "a")])}) == []
    assert answer(watch, {("a", HITL): (1, [row(3, "a")])}) == []
    # An oldest-first server: the head stays, the total grows.
    arrivals = answer(watch, {("a", HITL): (2, [row(3, "a")])})
    assert [(a.agent_id, a.status, a.session) for a in arrivals] == [("a", HITL, None)]


def test_a_failed_request_keeps_the_last_total():
    watch = InboxWatch(("a",), (HITL,))
    answer(watch, {("a", HITL): (4, [row(5, "a")])})
    assert watch.take_round([(WatchRequest("a", HITL), None)]) == []
    assert watch.count == 4


def test_a_server_that_ignores_the_filter_is_detected_and_counted_as_a_lower_bound():
    watch = InboxWatch(("a",), (HITL, RESP), window=3)
    every = [row(n, "a", s) for n, s in enumerate(["Completed", HITL, "Running", RESP, HITL, "Failed"], 1)]
    # Oldest first, status ignored: every take=1 answer is the oldest row, total of all.
    answer(watch, {("a", HITL): (6, every), ("a", RESP): (6, every)})
    assert watch.ignoring == {"a"} and watch.lower_bound and watch.note
    assert watch.requests() == [WatchRequest("a", None, 0, 3)]  # one window, order not known yet
    assert answer(watch, {("a", None): (6, every)}) == []  # learnt: the oldest end
    assert watch.requests() == [WatchRequest("a", None, 3, 3)]  # newest last: read the end
    assert answer(watch, {("a", None): (6, every[3:])}) == []  # learnt, not announced
    watch.note_loaded([every[1]])  # the sessions list has an older waiting one
    assert watch.count == 3 and watch.label == "≥ 3 waiting on you"
    newer = [*every[4:], row(7, "a", HITL)]
    arrivals = answer(watch, {("a", None): (7, newer)})
    assert [a.session.id for a in arrivals if a.session] == ["a-7"]


def test_the_question_is_the_pending_tasks_before_an_alerts_else_the_agents_last_message():
    def conversation(items):
        return Conversation.model_validate({"session": {"id": "s"}, "runs": [], "items": items})

    alert = {"runId": "r", "id": "1", "ordinal": 1, "type": "UserTaskReq",
             "content": {"user_task_id": "t1", "kind": "anomaly_alert", "question": "Tokens are high."}}  # fmt: skip
    task = {"runId": "r", "id": "2", "ordinal": 2, "type": "UserTaskReq",
            "content": {"user_task_id": "t2", "kind": "approval", "question": "Approve the refund?"}}  # fmt: skip
    assert question_of(conversation([alert, task])) == "Approve the refund?"
    chat = {"runId": "r", "id": "3", "ordinal": 3, "type": "output", "content": {"message": "What can I do?"}}
    assert question_of(conversation([chat])) == "What can I do?"
    assert question_of(conversation([])) is None
