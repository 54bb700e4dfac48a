"""core.gating: which actions apply to the open session, and why not (no textual)."""

from __future__ import annotations

import pytest

from phrony_tui.client.models import Conversation
from phrony_tui.core.gating import GATED, Refusal, pause_actions, refusal, startable_agents, why_not
from phrony_tui.core.session_state import SessionState

ROOT = "run-root"
SUB = "run-sub"
TASK = {"id": "i1", "runId": ROOT, "ordinal": 1, "type": "UserTaskReq",
        "content": {"user_task_id": "t1", "kind": "approval", "question": "ok?"}}  # fmt: skip
AGENTS = ("ag-1",)


def state(status: str, *, sub_status: str = "Completed", items: list | None = None, agent: str = "ag-1") -> SessionState:
    conversation = Conversation.model_validate(
        {
            "session": {"id": "s1", "status": status, "agentId": agent, "triggerType": "api", "input": {}},
            "runs": [
                {"id": ROOT, "parentRunId": None, "depth": 0, "status": status},
                {"id": SUB, "parentRunId": ROOT, "depth": 1, "status": sub_status},
            ],
            "items": items or [],
        }
    )
    return SessionState(ROOT, conversation)


# (session status, its sub-run's status, items) -> the actions that apply
CASES = [
    ("WaitingForHITL", "Completed", [TASK], {"answer"}),
    ("WaitingForAITL", "Completed", [TASK], {"answer"}),
    ("WaitingForResponse", "Completed", [], {"message"}),
    ("WaitingForTimer", "Completed", [], {"skip_wait"}),
    ("Running", "WaitingForResponse", [], {"message"}),  # a sub-run's pause counts too
    ("Running", "WaitingForTimer", [], {"skip_wait"}),
    ("Running", "Running", [], set()),
    ("Completed", "Completed", [], set()),
    ("Failed", "Failed", [], set()),
]


@pytest.mark.parametrize(("status", "sub", "items", "applies"), CASES)
def test_each_pause_lets_exactly_its_action_through(status, sub, items, applies):
    open_session = state(status, sub_status=sub, items=items)
    for action in ("answer", "message", "skip_wait"):
        reason = why_not(open_session, action, agents=AGENTS)
        assert (reason is None) == (action in applies), (action, reason)
        if reason is not None:
            assert refusal(open_session, action, agents=AGENTS) == Refusal(reason, False)  # greyed, not hidden
    for action in ("start_run", "attempts", "export", "copy", "pager"):
        assert why_not(open_session, action, agents=AGENTS) is None, action


def test_the_reasons_say_the_status_and_what_would_apply():
    waiting_for_reply = state("WaitingForResponse")
    assert why_not(waiting_for_reply, "answer") == (
        "This session is WaitingForResponse: nothing to answer — m sends a message."
    )
    assert why_not(waiting_for_reply, "skip_wait") == (
        "This session is WaitingForResponse: no timer to skip — m sends a message."
    )
    assert why_not(state("WaitingForTimer"), "message") == (
        "This session is WaitingForTimer: it is not waiting for a message — w skips the wait."
    )
    assert why_not(state("Failed"), "skip_wait") == "This session is Failed (it has ended): no timer to skip."
    assert why_not(state("Running"), "message") == "This session is Running: it is not waiting for a message."


def test_a_human_pause_without_a_visible_task_points_to_the_dashboard():
    reason = why_not(state("WaitingForHITL"), "answer")
    assert reason is not None and "no pending user task" in reason and "Phrony dashboard" in reason


def test_without_a_session_the_session_actions_are_out_of_place():
    for action in ("answer", "message", "skip_wait"):
        assert refusal(None, action, agents=AGENTS) == Refusal("Open a session first (enter on the sessions list).", True)
    assert why_not(None, "export") == "Open a session first: nothing to export."
    assert why_not(None, "copy") == "Open a session first: nothing to copy."
    assert why_not(None, "pager") == "Open a session first: no step to open."
    assert why_not(None, "attempts") is None
    assert why_not(None, "start_run", agents=AGENTS) is None


def test_a_run_can_be_started_for_the_configured_agents_or_the_open_session_s():
    refused = refusal(None, "start_run", agents=())
    assert refused is not None and refused.out_of_place and "PHRONY_AGENT_ID" in refused.reason
    assert why_not(state("Completed", agent="ag-9"), "start_run", agents=()) is None
    assert startable_agents(("ag-1",), state("Completed", agent="ag-9")) == ["ag-1", "ag-9"]
    assert startable_agents(("ag-1",), state("Completed", agent="ag-1")) == ["ag-1"]
    assert startable_agents((), None) == []


def test_pause_actions_come_from_the_session_and_every_run():
    assert pause_actions(state("WaitingForHITL", sub_status="WaitingForTimer")) == {"answer", "skip"}
    assert pause_actions(state("Completed")) == set()


def test_actions_it_does_not_know_apply():
    assert why_not(None, "refresh") is None and "refresh" not in GATED
