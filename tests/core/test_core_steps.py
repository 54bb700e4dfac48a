"""Tolerant step facts: types, errors, task ids, live steps from events."""

from __future__ import annotations

import pytest

from phrony_tui.core.steps import is_error_step, step_from_event, step_type, to_int, user_task_id_of
from tests.support.factories import event, item


def test_step_type_canonical() -> None:
    assert step_type("Reasoning") == "reasoning"
    assert step_type("tool_call") == "ToolCall"
    assert step_type("USER_TASK_REQ") == "UserTaskReq"
    assert step_type("Mystery") == "Mystery"
    assert step_type(None) == ""


@pytest.mark.parametrize(
    ("type_", "content", "error", "expected"),
    [
        ("ToolResult", {"result": {"successful": False, "error": None}}, None, True),
        ("ToolResult", {"result": {"successful": True, "error": "ignored"}}, None, False),
        ("ToolResult", {"result": {"error": "boom"}}, None, True),
        ("ToolResult", {"result": {"error": None, "data": 1}}, None, False),
        ("ToolResult", {"result": {"error": ""}}, None, False),
        ("ToolResult", "text", None, False),
        ("RunCompleted", {"status": "Failed"}, None, True),
        ("RunCompleted", {"status": "Completed", "error": None}, None, False),
        ("SessionCompleted", {"status": "Completed", "error": "late"}, None, True),
        ("reasoning", None, "step error", True),
        ("reasoning", None, None, False),
        ("StepError", None, None, True),
    ],
)
def test_is_error_step(type_: str, content: object, error: object, expected: bool) -> None:
    assert is_error_step(item("x", 1, type_, content, error=error)) is expected


def test_user_task_id_of() -> None:
    assert user_task_id_of(item("x", 1, "UserTaskReq", {"user_task_id": "a"})) == "a"
    assert user_task_id_of(item("x", 1, "UserTaskReq", {"userTaskId": 12})) == "12"
    assert user_task_id_of(item("x", 1, "UserTaskReq", {"task": {"id": "n"}})) == "n"
    assert user_task_id_of(item("x", 1, "UserTaskReq", "text")) is None


def test_to_int() -> None:
    assert [to_int(v) for v in (3, "4", " -5 ", 6.0, 6.5, True, "x", None, "٣")] == [3, 4, -5, 6, None, None, None, None, None]


def test_step_from_item_shaped_event() -> None:
    step = step_from_event(
        event(
            "step",
            {"id": "s", "runId": "r", "sequence": "3", "ordinal": "12", "type": "ToolCall", "content": {"name": "x"}, "tokensUsed": 5, "error": "e"},
        )
    )
    assert (step.id, step.run_id, step.sequence, step.ordinal, step.type) == ("s", "r", 3, 12, "ToolCall")
    assert step.content == {"name": "x"} and step.tokens_used == 5 and step.error == "e"
    assert step.started_at == "2026-03-01T12:00:00.500Z"  # the event time when the step has none


def test_step_from_content_shaped_event() -> None:
    step = step_from_event(event("step", {"stepId": "s", "run_id": "r", "step_kind": "reasoning", "preview": "p"}))
    assert (step.id, step.run_id, step.type, step.ordinal) == ("s", "r", "reasoning", 0)
    assert step.content["preview"] == "p"


def test_step_from_nested_event_and_subject_fallback() -> None:
    step = step_from_event(event("step", {"step": {"id": "n", "content": {"run_id": "rr"}}}, "engine.step.ToolResult"))
    assert step.id == "n" and step.run_id == "rr" and step.type == "ToolResult"
    bare = step_from_event(event("step", {"x": 1}, "something"))
    assert bare.type == "step" and bare.id == ""


def test_step_from_event_rejects_non_objects() -> None:
    assert step_from_event(event("step", None)) is None
    assert step_from_event(event("step", [1])) is None
