import json

from phrony_tui.client.models import Conversation, RunEvent
from phrony_tui.core.export import REPORT_ROWS, conversation_json, markdown_report
from phrony_tui.core.session_state import SessionState

HOSTILE = "[bold]x[/bold] | \x1b]0;pwned\x07 \x1b[31mred"


def make_state(items=None) -> SessionState:
    conversation = Conversation.model_validate(
        {
            "session": {"id": "s1", "status": "WaitingForHITL", "agentId": "a1", "triggerType": "api",
                        "input": {}, "startContext": {}, "output": {"note": HOSTILE}, "extraField": 7},
            "runs": [
                {"id": "r1", "parentRunId": None, "depth": 0, "status": "WaitingForHITL", "agentName": "Root"},
                {"id": "r2", "parentRunId": "r1", "depth": 1, "status": "Completed", "agentName": HOSTILE},
            ],
            "items": items
            if items is not None
            else [
                {"id": "i1", "runId": "r2", "ordinal": 1, "type": "reasoning", "content": {"preview": HOSTILE}},
                {"id": "i2", "runId": "r1", "ordinal": 2, "type": "UserTaskReq",
                 "content": {"user_task_id": "t1", "kind": "approval", "question": "Refund 80 EUR?"}},
            ],
        }
    )
    return SessionState("r1", conversation)


def test_json_export_is_the_wire_shape_with_live_steps_and_unknown_fields():
    state = make_state()
    state.apply_events([RunEvent(kind="step", subject="engine.step.output",
                                 data={"id": "i3", "runId": "r1", "ordinal": 3, "type": "output"})])  # fmt: skip
    text = conversation_json(state)
    assert "\x1b" not in text and "\x07" not in text  # escaped as \u001b, \u0007
    data = json.loads(text)
    assert data["session"]["extraField"] == 7
    assert [item["id"] for item in data["items"]] == ["i1", "i2", "i3"]
    assert data["session"]["output"]["note"] == HOSTILE  # the value itself is kept exactly
    assert {run["id"] for run in data["runs"]} == {"r1", "r2"}
    assert "runId" in data["items"][0] and "run_id" not in data["items"][0]


def test_markdown_report_has_runs_tasks_answers_and_timeline_safely():
    state = make_state()
    report = markdown_report(state)
    for heading in ("# Phrony session s1", "## Runs", "## User tasks", "## Timeline", "## Output"):
        assert heading in report
    assert "\x1b" not in report and "\x07" not in report
    assert "\\[bold\\]x\\[/bold\\] \\|" in report  # markup and Markdown literal, pipes escaped
    assert "**approval** (pending): Refund 80 EUR?" in report
    state.apply_events([RunEvent(kind="user_task", subject="engine.user_task.completed",
                                 data={"userTaskId": "t1", "status": "Completed", "answer": {"approved": True}})])  # fmt: skip
    report = markdown_report(state)
    assert "**approval** (Completed)" in report
    assert 'answer: {"approved": true}' in report
    assert "  - " in report.split("## Runs")[1]  # the sub-agent run is indented under the root


def test_markdown_report_lists_a_bounded_number_of_rows():
    items = [{"id": f"i{n}", "runId": "r1", "ordinal": n, "type": "reasoning"} for n in range(1, REPORT_ROWS + 11)]
    report = markdown_report(make_state(items))
    assert "(10 more steps not listed" in report
