"""Escalations to a person: the question for the person first, and Decline."""

from __future__ import annotations

import pytest

from phrony_tui.core.events import effect_of
from phrony_tui.core.task_answer import answer_fields, decline_fields
from phrony_tui.core.task_parse import parse_task, task_from_data
from tests.support.factories import event, item


def test_question_for_user_is_read_in_both_spellings_and_shown_first() -> None:
    for key in ("question_for_user", "questionForUser"):
        task = parse_task(
            item("s", 1, "UserTaskReq", {"user_task_id": "t1", "kind": "aitl_escalation",
                                         "question": "Which source is right?", key: "Is the 2019 figure right?"})
        )
        assert task.question == "Which source is right?"
        assert task.question_for_user == "Is the 2019 figure right?"
        assert task.shown_question == "Is the 2019 figure right?"
    plain = task_from_data({"user_task_id": "t2", "kind": "approval", "question": "Deploy?"})
    assert plain.question_for_user is None and plain.shown_question == "Deploy?"


def test_escalations_can_be_declined_with_approved_false() -> None:
    task = task_from_data({"user_task_id": "t1", "kind": "escalation", "question": "?"})
    assert task.kind == "aitl_escalation" and task.can_decline
    assert decline_fields(task) == {"user_task_id": "t1", "approved": False}
    assert answer_fields(task, "the first") == {"user_task_id": "t1", "text_value": "the first"}


def test_decline_is_refused_where_it_does_not_apply() -> None:
    approval = task_from_data({"user_task_id": "t1", "kind": "approval"})
    assert not approval.can_decline
    with pytest.raises(ValueError, match="cannot be declined"):
        decline_fields(approval)
    said_no = task_from_data({"user_task_id": "t2", "kind": "aitl_escalation", "canDecline": False})
    assert not said_no.can_decline
    said_yes = task_from_data({"user_task_id": "t3", "kind": "text", "declinable": True})
    assert said_yes.can_decline and decline_fields(said_yes)["approved"] is False
    with pytest.raises(ValueError, match="user_task_id"):
        decline_fields(task_from_data({"kind": "aitl_escalation"}))


def test_an_event_with_only_a_question_for_the_person_carries_a_body() -> None:
    effect = effect_of(event("aitl", {"userTaskId": "t9", "questionForUser": "Approve the spend?"}, "engine.aitl.escalated"))
    assert effect.task is not None and effect.task.task is not None
    assert effect.task.task.shown_question == "Approve the spend?"


def test_escalation_answer_step_closes_its_task() -> None:
    from phrony_tui.core.task_book import TaskBook

    book = TaskBook()
    book.set_run_status("r1", "WaitingForAITL")
    book.add_items([item("s1", 1, "UserTaskReq", {"user_task_id": "t1", "kind": "aitl_escalation"}, run_id="r1")])
    assert book.pending_ids() == {"t1"}
    book.add_items([item("s2", 2, "EscalationAnswer", {"userTaskId": "t1", "text_value": "ok"}, run_id="r0")])
    assert book.pending_ids() == set() and book.status_of("t1") == "Completed"
