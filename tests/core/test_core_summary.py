"""One-line summaries for every step type and content shape."""

from __future__ import annotations

import pytest

from phrony_tui.core.summary import first_line, summarize
from tests.support.factories import item

ESC = "\x1b"


@pytest.mark.parametrize(
    ("type_", "content", "expected"),
    [
        ("llm_request_prepared", {"model": "gpt-4o", "run_id": "r"}, "model gpt-4o"),
        ("llm_request_prepared", None, "model ?"),
        ("llm_request_prepared", "gpt-x", "model gpt-x"),
        ("reasoning", {"preview": "\n\n  First line\nsecond", "message": "ignored"}, "First line"),
        ("Reasoning", {"message": "From message\nmore"}, "From message"),
        ("reasoning", "a bare string\nnext", "a bare string"),
        ("reasoning", ["a", "list"], '["a", "list"]'),
        ("reasoning", None, "(no text)"),  # the real service sends reasoning without text
        ("ToolCall", {"name": "github", "operation_name": "create_issue", "arguments": {"title": "Bug"}}, 'github.create_issue ({"title": "Bug"})'),
        ("ToolCall", {"name": "web", "arguments": '{"q": "cats"}'}, 'web ({"q": "cats"})'),
        ("ToolCall", {"name": "noargs"}, "noargs"),
        ("ToolCall", "weird", "call weird"),
        ("ToolResult", {"result": {"successful": True, "error": None, "data": {"rows": 3}}}, 'ok {"rows": 3}'),
        ("ToolResult", {"result": {"successful": False, "error": "timeout", "data": None}}, "error: timeout"),
        ("ToolResult", {"result": {"error": {"code": 500}}}, 'error: {"code": 500}'),
        ("ToolResult", {"result": {"data": "text data"}}, "ok text data"),
        ("ToolResult", None, "ok"),
        ("ToolResult", "raw result", "ok raw result"),
        ("output", {"tokens_used": 120, "total_tokens_used": 4567}, "tokens 120 · total 4567"),
        ("output", {}, "output"),
        ("output", "final answer", "final answer"),
        ("UserTaskReq", {"user_task_id": "t", "kind": "approval", "question": "Deploy?\nsecond"}, "approval: Deploy?"),
        ("UserTaskReq", {"user_task_id": "t", "run_id": "r", "amount": 5}, 'unknown: {"user_task_id": "t", "amount": 5}'),
        ("UserTaskReq", None, "unknown"),
        ("UserTaskReq", "Approve this?", "unknown: Approve this?"),
        ("RunCompleted", {"run_id": "r", "status": "Completed", "output": {"ok": True}, "error": None}, 'Completed · output {"ok": true}'),
        ("RunCompleted", {"status": "Failed", "error": "boom"}, "Failed: boom"),
        ("SessionCompleted", {"status": "Completed", "error": None}, "Completed"),
        ("SessionCompleted", None, "completed"),
        ("Mystery", {"alpha": 1, "run_id": "hidden", "tenant_id": "hidden"}, 'Mystery: {"alpha": 1}'),
        ("Mystery", "text", "Mystery: text"),
        ("Mystery", [1, 2], "Mystery: [1, 2]"),
        ("Mystery", None, "Mystery"),
        ("", None, "step"),
    ],
)
def test_summaries(type_: str, content: object, expected: str) -> None:
    assert summarize(item("x", 1, type_, content)) == expected


def test_step_error_is_appended() -> None:
    assert summarize(item("x", 1, "reasoning", {"preview": "p"}, error="it broke")) == "p · error: it broke"


def test_tool_result_step_error() -> None:
    assert summarize(item("x", 1, "ToolResult", {"result": {"data": 1}}, error="bad")) == "error: bad 1"


def test_summaries_are_safe_and_bounded() -> None:
    nasty = f"{ESC}]0;title\x07\u202eevil{ESC}[31m " + "x" * 10_000
    for type_ in ("reasoning", "ToolCall", "Mystery", "UserTaskReq", "RunCompleted"):
        content = {"preview": nasty, "name": nasty, "question": nasty, "status": nasty, "other": nasty}
        out = summarize(item("x", 1, type_, content), limit=80)
        assert len(out) <= 80
        assert ESC not in out and "\u202e" not in out and "\x07" not in out
        assert "\n" not in out


def test_huge_arguments_string_is_not_parsed_whole() -> None:
    args = '{"q": "' + "y" * 1_000_000 + '"}'
    out = summarize(item("x", 1, "ToolCall", {"name": "t", "arguments": args}))
    assert out.startswith('t ("{\\"q\\": \\"yyy')
    assert len(out) <= 200


def test_first_line_bounded() -> None:
    assert first_line("\n" * 5_000_000 + "late") == ""  # gave up early: bounded
    assert first_line("   \n  real line \n x") == "real line"
