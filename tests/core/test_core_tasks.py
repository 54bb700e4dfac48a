"""User tasks: parsing, answering per kind, number parsing, which are pending."""

from __future__ import annotations

import math

import pytest

from phrony_tui.client.models import Conversation, Session, SessionSummary
from phrony_tui.core.tasks import (
    TaskBook,
    TaskOption,
    UserTask,
    answer_fields,
    answer_run_id,
    normalize_kind,
    parse_number,
    parse_task,
    pending_tasks,
)
from tests.support.factories import event, item, run


def task(kind: str, **fields) -> UserTask:
    return UserTask(user_task_id="t1", run_id="r1", kind=kind, question="?", **fields)


def test_parse_task_full() -> None:
    step = item(
        "s",
        4,
        "UserTaskReq",
        {
            "user_task_id": "t-9",
            "run_id": "r-2",
            "task_kind": "multiOption",
            "prompt": "Which region?",
            "choices": [{"value": "eu", "text": "Europe"}, {"key": 7, "name": "Seven"}, "plain", {"label": "label only"}, 3],
        },
    )
    parsed = parse_task(step)
    assert parsed.user_task_id == "t-9" and parsed.run_id == "r-2"
    assert parsed.kind == "multi_option" and parsed.raw_kind == "multiOption"
    assert parsed.question == "Which region?"
    assert parsed.options == (
        TaskOption("eu", "Europe"),
        TaskOption(7, "Seven"),
        TaskOption("plain", "plain"),
        TaskOption("label only", "label only"),
        TaskOption(3, "3"),
    )
    assert parsed.step_id == "s" and parsed.ordinal == 4
    assert parsed.answer_style == "choose"


def test_parse_task_nested_and_tool_call() -> None:
    step = item(
        "s",
        1,
        "UserTaskReq",
        {"userTaskId": "t", "task": {"type": "approval", "title": "Run tool?", "toolCall": {"name": "rm", "arguments": {"path": "/"}}}},
        run_id="r1",
    )
    parsed = parse_task(step)
    assert parsed.kind == "approval" and parsed.question == "Run tool?"
    assert parsed.tool_call == {"name": "rm", "arguments": {"path": "/"}}
    assert parsed.run_id == "r1"


def test_parse_task_without_anything() -> None:
    for content in (None, "just text", [1, 2], {}):
        parsed = parse_task(item("s", 1, "UserTaskReq", content))
        assert parsed.kind == "unknown" and parsed.answer_style is None
        assert parsed.content == content
        assert parsed.user_task_id is None
    assert parse_task(item("s", 1, "UserTaskReq", "just text")).question == "just text"


def test_tool_and_arguments_combined() -> None:
    parsed = parse_task(item("s", 1, "UserTaskReq", {"user_task_id": "t", "tool": "shell", "arguments": {"cmd": "ls"}}))
    assert parsed.tool_call == {"tool": "shell", "arguments": {"cmd": "ls"}}


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("approval", "approval"),
        ("HITL", "hitl"),
        ("multiOption", "multi_option"),
        ("MULTI_OPTION", "multi_option"),
        ("multiple-choice", "multi_option"),
        ("Text", "text"),
        ("number", "number"),
        ("aitlEscalation", "aitl_escalation"),
        ("AnomalyReview", "anomaly_review"),
        ("anomaly_alert", "anomaly_alert"),
        ("SomethingNew", "something_new"),
        ("", "unknown"),
        (None, "unknown"),
        (5, "unknown"),
    ],
)
def test_normalize_kind(raw: object, kind: str) -> None:
    assert normalize_kind(raw) == kind


@pytest.mark.parametrize("kind", ["approval", "hitl", "anomaly_review"])
def test_answer_approvals(kind: str) -> None:
    assert answer_fields(task(kind), True) == {"user_task_id": "t1", "approved": True}
    assert answer_fields(task(kind), False) == {"user_task_id": "t1", "approved": False}
    assert answer_fields(task(kind), "Reject") == {"user_task_id": "t1", "approved": False}
    with pytest.raises(ValueError):
        answer_fields(task(kind), "maybe")
    with pytest.raises(ValueError):
        answer_fields(task(kind), 1)


def test_answer_multi_option() -> None:
    options = (TaskOption("a", "Apple"), TaskOption(2, "Two"))
    choose = task("multi_option", options=options)
    assert answer_fields(choose, "a") == {"user_task_id": "t1", "selected_option_id": "a"}
    assert answer_fields(choose, "2") == {"user_task_id": "t1", "selected_option_id": 2}  # the id as sent
    assert answer_fields(choose, options[1]) == {"user_task_id": "t1", "selected_option_id": 2}
    with pytest.raises(ValueError, match="not one of"):
        answer_fields(choose, "z")
    assert answer_fields(task("multi_option"), "free") == {"user_task_id": "t1", "selected_option_id": "free"}


@pytest.mark.parametrize("kind", ["text", "aitl_escalation"])
def test_answer_text(kind: str) -> None:
    assert answer_fields(task(kind), "  hello  ") == {"user_task_id": "t1", "text_value": "  hello  "}
    with pytest.raises(ValueError):
        answer_fields(task(kind), "   ")
    with pytest.raises(ValueError):
        answer_fields(task(kind), None)


def test_answer_number() -> None:
    assert answer_fields(task("number"), "42") == {"user_task_id": "t1", "number_value": 42}
    assert answer_fields(task("number"), " -3.5 ") == {"user_task_id": "t1", "number_value": -3.5}
    assert answer_fields(task("number"), 7) == {"user_task_id": "t1", "number_value": 7}
    with pytest.raises(ValueError):
        answer_fields(task("number"), "seven")


def test_answer_anomaly_alert_acknowledges() -> None:
    assert answer_fields(task("anomaly_alert")) == {"user_task_id": "t1", "approved": True}
    assert answer_fields(task("anomaly_alert"), False) == {"user_task_id": "t1", "approved": True}


def test_answer_unknown_kind_goes_by_value() -> None:
    unknown = task("unknown", options=(TaskOption("x", "X"),))
    assert answer_fields(unknown, True) == {"user_task_id": "t1", "approved": True}
    assert answer_fields(unknown, 2.5) == {"user_task_id": "t1", "number_value": 2.5}
    assert answer_fields(unknown, "x") == {"user_task_id": "t1", "selected_option_id": "x"}
    assert answer_fields(unknown, "words") == {"user_task_id": "t1", "text_value": "words"}


def test_answer_needs_a_task_id() -> None:
    with pytest.raises(ValueError, match="user_task_id"):
        answer_fields(UserTask(user_task_id=None, run_id=None, kind="approval", question=None), True)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("-12", -12), ("+7", 7), ("3.25", 3.25), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("-2.5E-2", -0.025)],
)
def test_parse_number_accepts(text: str, value: float) -> None:
    parsed = parse_number(text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    "text",
    ["", "  ", "nan", "NaN", "inf", "-Infinity", "1e999", "1,5", "0x10", "1_000", "12abc", "--1", "1.2.3", "٣", "1 2", "e5", "."],
)
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_parse_number_other_types() -> None:
    assert parse_number(3) == 3 and parse_number(2.5) == 2.5
    for bad in (True, float("nan"), math.inf, None, [1]):
        with pytest.raises(ValueError):
            parse_number(bad)
    with pytest.raises(ValueError, match="too many digits"):
        parse_number("9" * 5000)


# -- answer_run_id -------------------------------------------------------------------


def test_answer_run_id_prefers_the_opened_run() -> None:
    conversation = Conversation(session=Session(id="s"), runs=[run("root"), run("sub", "root")])
    assert answer_run_id(conversation, "opened") == "opened"
    assert answer_run_id(conversation, None) == "root"
    summary = SessionSummary(id="s", entry_run_id="entry", root_run_id="root")
    assert answer_run_id(summary, None) == "entry"
    assert answer_run_id(SessionSummary(id="s", root_run_id="root"), None) == "root"
    assert answer_run_id(None, None) is None
    assert answer_run_id([run("sub", "root"), run("root2")], None) == "root2"


# -- pending ----------------------------------------------------------------------------


def _req(step_id: str, ordinal: int, task_id: str, run_id: str = "r1", **content) -> object:
    return item(step_id, ordinal, "UserTaskReq", {"user_task_id": task_id, **content}, run_id=run_id)


def _conversation(items, runs, status="WaitingForHITL") -> Conversation:
    return Conversation(session=Session(id="s", status=status), runs=runs, items=items)


def test_latest_task_of_a_waiting_run_is_pending() -> None:
    items = [_req("a", 1, "t-old"), item("b", 2, run_id="r1"), _req("c", 3, "t-new", kind="approval")]
    pending = pending_tasks(_conversation(items, [run("r1", status="WaitingForHITL")]))
    assert [t.user_task_id for t in pending] == ["t-new"]
    assert pending[0].kind == "approval"


def test_parallel_trailing_tasks_are_all_pending() -> None:
    items = [item("x", 1, run_id="r1"), _req("a", 2, "t1"), _req("b", 3, "t2")]
    assert [t.user_task_id for t in pending_tasks(_conversation(items, [run("r1", status="WaitingForHITL")]))] == ["t1", "t2"]


def test_run_no_longer_waiting_means_answered() -> None:
    items = [_req("a", 1, "t1")]
    assert pending_tasks(_conversation(items, [run("r1", status="Running")], status="Running")) == []
    assert pending_tasks(_conversation(items, [run("r1", status="Completed")], status="Completed")) == []


def test_finished_session_has_no_pending_task() -> None:
    items = [_req("a", 1, "t1")]
    assert pending_tasks(_conversation(items, [run("r1", status="WaitingForHITL")], status="Completed")) == []


def test_task_in_a_waiting_sub_agent_run() -> None:
    items = [item("x", 1, run_id="root"), _req("a", 2, "t1", run_id="sub"), item("y", 3, run_id="root")]
    runs = [run("root", status="Running"), run("sub", "root", status="WaitingForAITL")]
    assert [t.user_task_id for t in pending_tasks(_conversation(items, runs, status="WaitingForAITL"))] == ["t1"]


def test_user_task_event_closes_and_opens() -> None:
    conversation = _conversation([_req("a", 1, "t1")], [run("r1", status="WaitingForHITL")])
    closed = event("user_task", {"userTaskId": "t1", "status": "Completed"}, subject="engine.user_task.completed")
    assert pending_tasks(conversation, [closed]) == []
    by_subject = event("user_task", {"user_task_id": "t1"}, subject="engine.user_task.cancelled")
    assert pending_tasks(conversation, [by_subject]) == []
    reopened = event("user_task", {"id": "t1", "status": "Pending"})
    assert [t.user_task_id for t in pending_tasks(conversation, [closed, reopened])] == ["t1"]


def test_task_known_only_from_an_event() -> None:
    book = TaskBook()
    book.set_run_status("r1", "WaitingForHITL")
    created = event(
        "user_task",
        {"userTaskId": "t5", "runId": "r1", "kind": "text", "question": "Name?", "status": "Pending"},
        subject="engine.user_task.created",
    )
    assert book.apply_event(created)
    pending = book.pending()
    assert [t.user_task_id for t in pending] == ["t5"] and pending[0].question == "Name?"
    assert book.is_pending("t5") and book.pending_ids() == {"t5"}


def test_live_steps_and_run_events_update_the_book() -> None:
    book = TaskBook()
    book.add_conversation(_conversation([item("x", 1, run_id="r1")], [run("r1", status="Running")], status="Running"))
    book.apply_event(event("step", {"id": "q", "runId": "r1", "type": "UserTaskReq", "content": {"user_task_id": "t7"}}))
    assert book.pending() == []  # the run is still Running as far as we know
    book.apply_event(event("run", {"runId": "r1", "status": "WaitingForHITL"}))
    assert [t.user_task_id for t in book.pending()] == ["t7"]
    # The run moves on: a later step of the same run.
    book.apply_event(event("step", {"id": "z", "runId": "r1", "type": "ToolResult", "content": {}}))
    assert book.pending() == []


def test_later_step_naming_the_task_closes_it() -> None:
    items = [_req("a", 1, "t1"), item("b", 2, "UserTaskResp", {"user_task_id": "t1"}, run_id="r2")]
    assert pending_tasks(_conversation(items, [run("r1", status="WaitingForHITL")])) == []
    items = [_req("a", 1, "t1"), item("b", 2, "Note", {"user_task_id": "t1", "status": "Cancelled"}, run_id="r2")]
    assert pending_tasks(_conversation(items, [run("r1", status="WaitingForHITL")])) == []


def test_content_status_closed() -> None:
    items = [_req("a", 1, "t1", status="Completed")]
    assert pending_tasks(_conversation(items, [run("r1", status="WaitingForHITL")])) == []


def test_backfill_reconciles_live_position() -> None:
    book = TaskBook()
    book.set_run_status("r1", "WaitingForHITL")
    # A live step without ordinal, then the back-fill places it before the task.
    book.add_step(item("x", 0, run_id="r1"))
    book.add_items([item("x", 5, run_id="r1"), _req("t", 6, "t1")])
    assert [t.user_task_id for t in book.pending()] == ["t1"]


def test_unknown_run_status_trailing_rule() -> None:
    book = TaskBook()
    book.add_items([_req("a", 1, "t1", run_id="rx"), item("b", 2, run_id="ry")])
    assert [t.user_task_id for t in book.pending()] == ["t1"]
    book.add_items([item("c", 3, "RunCompleted", {"status": "Completed"}, run_id="rx")])
    assert book.pending() == []


def test_run_event_without_id_applies_to_the_root_when_given() -> None:
    book = TaskBook()
    book.add_items([_req("a", 1, "t1", run_id="root")])
    book.set_run_status("root", "Running")
    book.apply_event(event("run", {"status": "WaitingForHITL"}))
    assert book.pending() == []  # no run named: ignored
    book.apply_event(event("run", {"status": "WaitingForHITL"}), root_run_id="root")
    assert [t.user_task_id for t in book.pending()] == ["t1"]


def test_many_live_steps_without_ordinal_keep_the_trailing_task_pending() -> None:
    # How long pending_ids() takes with 20,000 live steps: tests/benchmarks/bench_core.py.
    book = TaskBook()
    book.set_run_status("r1", "WaitingForHITL")
    for n in range(20_000):
        book.add_step(item(f"s{n}", 0, run_id="r1"))
    book.add_step(_req("t", 0, "t1"))
    assert book.pending_ids() == {"t1"}
    # Reconciling the latest live step (now known to come after the task) closes it.
    book.add_items([_req("t", 20_001, "t1"), item("s19999", 20_002, run_id="r1")])
    assert book.pending_ids() == set()


def test_pending_is_worked_out_again_only_after_an_input(monkeypatch) -> None:
    # A key asks which actions apply several times; a big session holds thousands of tasks.
    book = TaskBook()
    book.set_run_status("r1", "WaitingForHITL")
    book.add_items([_req(f"a{n}", n, f"t{n}") for n in range(1, 51)])
    looked = 0
    is_pending = TaskBook._is_pending

    def counting(self, entry) -> bool:
        nonlocal looked
        looked += 1
        return is_pending(self, entry)

    monkeypatch.setattr(TaskBook, "_is_pending", counting)
    first = book.pending()
    assert looked == 50 and len(first) == 50
    first.clear()  # a caller's list: not the book's
    for _ in range(5):
        assert len(book.pending()) == 50 and book.pending_ids() == {f"t{n}" for n in range(1, 51)}
    assert looked == 50  # nothing changed: not walked again
    for change in (lambda: book.set_run_status("r1", "Running"), lambda: book.set_run_status("r1", "WaitingForHITL"),
                   lambda: book.add_items([item("b", 60, run_id="r1")]), lambda: book.set_session_status("Completed")):  # fmt: skip
        before = looked
        change()
        book.pending()
        assert looked > before  # every input is seen
    assert book.pending() == []  # the session ended
