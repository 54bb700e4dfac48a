"""Who a session waits on: a person (HITL, an escalation, a reply), a timer, or a parent agent."""

from __future__ import annotations

from phrony_tui.client.models import Conversation
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.status import AGENT_WAIT_LABEL, ending_action, is_agent_wait, waits_on_person


def _state(root: str, child: str, items: list | None = None, session: str | None = None) -> SessionState:
    conversation = Conversation.model_validate(
        {
            "session": {"id": "s", "status": session or root},
            "runs": [
                {"id": "root", "status": root, "depth": 0},
                {"id": "child", "parentRunId": "root", "status": child, "depth": 1},
            ],
            "items": items or [{"id": "i1", "runId": "root", "ordinal": 1, "type": "reasoning", "content": {}}],
        }
    )
    return SessionState("root", conversation)


def test_status_alone() -> None:
    assert waits_on_person("WaitingForHITL") and waits_on_person("waiting_for_response")
    assert not waits_on_person("WaitingForAITL") and not waits_on_person("WaitingForTimer")
    assert not waits_on_person("Running") and is_agent_wait("waiting-for-aitl")
    assert ending_action("WaitingForAITL") is None  # the parent agent ends it, not a person


def test_a_child_waiting_for_its_parent_agent_does_not_wait_on_you() -> None:
    state = _state("Running", "WaitingForAITL")
    assert not state.waits_on_person
    assert state.agent_wait_run_ids() == {"child"}
    assert state.run_wait_label("child") == AGENT_WAIT_LABEL == "waiting for its parent agent"
    assert state.pending_run_ids() == set()  # not marked as needing the person
    assert state.run_wait_label("root") is None
    assert not state.run_waits_on_person("child") and not state.run_waits_on_person("root")


def test_an_escalation_to_a_person_waits_on_you() -> None:
    items = [
        {"id": "i1", "runId": "child", "ordinal": 1, "type": "UserTaskReq",
         "content": {"user_task_id": "t1", "kind": "aitl_escalation", "question": "Which?"}},
    ]
    state = _state("Running", "WaitingForAITL", items)
    assert state.waits_on_person
    assert state.agent_wait_run_ids() == set()
    assert state.run_wait_label("child") == "waits for agent-in-the-loop"
    assert state.pending_run_ids() == {"child"}
    assert state.run_waits_on_person("child") and not state.run_waits_on_person("root")


def test_an_escalation_tied_to_the_parent_run_counts_for_its_child() -> None:
    items = [
        {"id": "i1", "runId": "root", "ordinal": 1, "type": "UserTaskReq",
         "content": {"user_task_id": "t1", "kind": "aitl_escalation", "question": "Which?"}},
    ]
    state = _state("WaitingForAITL", "WaitingForAITL", items, session="Running")
    assert state.waits_on_person and state.agent_wait_run_ids() == set()
    assert state.run_waits_on_person("child") and state.run_waits_on_person("root")


def test_person_waits_and_timers() -> None:
    assert _state("WaitingForHITL", "Completed").waits_on_person  # even with the task not seen (redacted)
    assert _state("Running", "WaitingForResponse").waits_on_person
    timer = _state("WaitingForTimer", "Completed")
    assert not timer.waits_on_person
    assert timer.run_wait_label("root") == "waits for a timer"
    assert not _state("Completed", "WaitingForHITL").waits_on_person  # the session is over
