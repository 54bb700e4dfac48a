"""The step-kind registry: tolerant lookup, the dashboard's kinds, links to child runs."""

from __future__ import annotations

import pytest

from phrony_tui.client.models import Conversation
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.step_kinds import KINDS, UNKNOWN, is_kind, kind_key, kind_of, linked_run_id, lookup
from phrony_tui.core.steps import is_error_step, step_type
from phrony_tui.core.summary import summarize
from tests.support.factories import item

# The tones the timeline knows (ui/widgets/timeline.py TONES).
TONES = {"normal", "muted", "error", "waiting", "ok", "model", "tool"}


@pytest.mark.parametrize("spelling", ["ToolCall", "tool_call", "tool-call", "TOOL CALL", "toolCall", "Tool.Call"])
def test_lookup_ignores_case_and_separators(spelling: str) -> None:
    assert lookup(spelling) is lookup("ToolCall") is not None
    assert step_type(spelling) == "ToolCall"


def test_every_entry_is_complete_and_spellings_are_unique() -> None:
    seen: dict[str, str] = {}
    for kind in KINDS:
        assert kind.name and kind.label and kind.tone in TONES and callable(kind.summarise)
        for spelling in (kind.name, kind.label, *kind.aliases):
            assert seen.setdefault(kind_key(spelling), kind.name) == kind.name, spelling
            assert lookup(spelling) is kind


def test_kind_is_found_by_content_step_kind_when_the_type_is_unfamiliar() -> None:
    step = item("x", 1, "step", {"step_kind": "tool_call", "name": "web", "arguments": {"q": "cats"}})
    assert kind_of(step).name == "ToolCall"
    assert summarize(step) == 'web ({"q": "cats"})'
    camel = item("y", 2, "engine.thing", {"stepKind": "ToolResult", "result": {"successful": False, "error": "x"}})
    assert kind_of(camel).name == "ToolResult" and is_error_step(camel)


def test_is_kind() -> None:
    assert is_kind(item("x", 1, "tool_call", {}), "ToolCall")
    assert not is_kind(item("x", 1, "ToolResult", {}), "tool-call")
    assert not is_kind(item("x", 1, "Mystery", {}), "Mystery")  # no such kind


def test_unknown_types_keep_their_type_and_a_preview() -> None:
    step = item("x", 1, "BrandNewKind", {"alpha": 1})
    assert kind_of(step) is UNKNOWN
    assert summarize(step) == 'BrandNewKind: {"alpha": 1}'


@pytest.mark.parametrize(
    ("type_", "content", "expected"),
    [
        (
            "SubAgentCall",
            {"sub_agent_name": "Researcher", "child_run_id": "run-child-123456789", "arguments": {"q": "x"},
             "parallel_group_id": "g1", "child_output": "found it"},
            '→ Researcher ({"q": "x"}) · child run-chil · group g1 · = found it',
        ),
        ("sub_agent_invocation", {"subAgent": "Writer", "childRunId": "c2"}, "→ Writer · child c2"),
        ("SubAgentResult", {"agentName": "Writer", "output": {"ok": True}}, '← Writer: {"ok": true}'),
        ("sub-agent-result", {"name": "Writer", "error": "boom"}, "← Writer: error: boom"),
        (
            "AITLRequest",
            {"question": "Which source?", "context": "two found", "childRunId": "c3"},
            "asks its parent agent: Which source? · context two found · child c3",
        ),
        ("aitl_response", {"answer": "the first"}, "parent agent answered: the first"),
        ("AitlReceived", {"question": "Which?", "child_run_id": "c4"}, "question from a sub-agent: Which? · child c4"),
        ("AITL_RESOLVED", {"resolution": "escalated", "answer": "yes"}, "resolved (escalated): yes"),
        ("UserResponded", {"message": "Thanks\nmore"}, "user: Thanks"),
        ("user_message", {"text": None, "files": [{"filename": "a.pdf"}]}, "user: (files) · 1 file"),
        ("EscalationAnswer", {"text_value": "ship it"}, "person answered: ship it"),
        ("escalation-response", {"approved": False}, "person declined"),
        ("reasoning", {}, "(no text)"),
        ("reasoning", {"preview": "", "tokens_used": 3}, "(no text)"),
        ("ToolCall", {"name": "deploy", "approval_state": "Approved"}, "deploy · approved"),
        ("ToolCall", {"name": "deploy", "approved": False}, "deploy · rejected"),
    ],
)
def test_dashboard_kinds_have_a_one_line_summary(type_: str, content: object, expected: str) -> None:
    assert summarize(item("x", 1, type_, content)) == expected


def test_a_failed_sub_agent_result_is_an_error_and_a_rejected_tool_call_is_not() -> None:
    assert is_error_step(item("x", 1, "SubAgentResult", {"status": "Failed"}))
    assert not is_error_step(item("x", 1, "SubAgentResult", {"status": "Completed", "output": 1}))
    assert not is_error_step(item("x", 1, "ToolCall", {"name": "t", "approved": False}))


def test_linked_run_id() -> None:
    assert linked_run_id(item("x", 1, "SubAgentCall", {"child_run_id": "c1"})) == "c1"
    assert linked_run_id(item("x", 1, "Mystery", {"childRunId": 42})) == "42"
    assert linked_run_id(item("x", 1, "SubAgentCall", {"child_run": {"id": "c5"}})) == "c5"
    assert linked_run_id(item("x", 1, "SubAgentCall", {"childRunId": "own"}, run_id="own")) is None
    assert linked_run_id(item("x", 1, "SubAgentCall", {"childRunId": {"nested": 1}})) is None
    assert linked_run_id(item("x", 1, "reasoning", "no content object")) is None


def test_tones_come_from_the_registry() -> None:
    conversation = Conversation.model_validate(
        {
            "session": {"id": "s", "status": "Running"},
            "runs": [{"id": "r", "status": "Running"}],
            "items": [
                {"id": "a", "runId": "r", "ordinal": 1, "type": "sub_agent_call", "content": {"childRunId": "c"}},
                {"id": "b", "runId": "r", "ordinal": 2, "type": "AITLRequest", "content": {"question": "?"}},
                {"id": "c", "runId": "r", "ordinal": 3, "type": "Mystery", "content": {}},
                {"id": "d", "runId": "r", "ordinal": 4, "type": "RunCompleted", "content": {"status": "Completed"}},
            ],
        }
    )
    state = SessionState("r", conversation)
    rows = state.rows()
    assert [rows.cells(index)[1] for index in range(4)] == ["tool", "model", "normal", "ok"]
