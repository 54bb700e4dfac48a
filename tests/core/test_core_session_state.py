from phrony_tui.client.models import Conversation, RunEvent
from phrony_tui.core.session_state import SessionState

ROOT = "run-root"
SUB = "run-sub"


def conversation(status="WaitingForHITL", items=None, **session) -> Conversation:
    return Conversation.model_validate(
        {
            "session": {"id": "s1", "status": status, "triggerType": "api", "input": {}, "startContext": {}, **session},
            "runs": [
                {"id": ROOT, "parentRunId": None, "depth": 0, "status": status, "agentName": "Root"},
                {"id": SUB, "parentRunId": ROOT, "depth": 1, "status": "Completed", "agentId": "ag-2"},
            ],
            "items": items
            if items is not None
            else [
                {"id": "i1", "runId": ROOT, "ordinal": 1, "type": "reasoning", "content": {"preview": "think"}},
                {"id": "i2", "runId": SUB, "ordinal": 2, "type": "ToolResult",
                 "content": {"result": {"successful": False, "error": "boom"}}},  # fmt: skip
                {"id": "i3", "runId": ROOT, "ordinal": 3, "type": "UserTaskReq",
                 "content": {"user_task_id": "t1", "kind": "approval", "question": "ok?"}},  # fmt: skip
            ],
        }
    )


def test_rows_cells_and_tones():
    state = SessionState(ROOT, conversation(), agent_names={"ag-2": "Helper"})
    rows = state.rows()
    assert len(rows) == state.step_count == 3
    cells, _tone = rows.cells(0)
    assert cells[0] == "1" and cells[2] == "Root" and cells[3] == "reasoning" and "think" in cells[4]
    assert rows.cells(1)[0][2] == "Helper"  # the agent name from settings when the run has none
    assert rows.cells(1)[1] == "error"
    assert rows.cells(2)[1] == "waiting"  # the pending approval stands out
    assert state.pending_run_ids() == {ROOT}
    assert [t.user_task_id for t in state.pending_tasks()] == ["t1"]
    assert rows.next_index("error", 0) == 1
    assert rows.next_index("waiting", 0) == 2
    assert len(state.rows(SUB)) == 1 and state.first_row_of_run(SUB) == 1


def test_live_events_move_status_and_add_steps_once():
    state = SessionState(ROOT, conversation())
    step = {"id": "i4", "runId": ROOT, "ordinal": 4, "type": "ToolCall", "content": {"name": "refund"}}
    events = [
        RunEvent(kind="step", subject="engine.step.ToolCall", data=step),
        RunEvent(kind="step", subject="engine.step.ToolCall", data=step),  # a repeat
        RunEvent(kind="run", subject="engine.run.completed", data={"runId": ROOT, "status": "Completed"}),
    ]
    state.apply_events(events)
    assert state.step_count == 4
    assert state.runs[ROOT].status == "Completed"
    assert state.status == "Completed" and not state.is_live
    assert state.pending_tasks() == []
    # a back-fill with the same steps changes nothing
    state.merge_conversation(conversation(status="Completed", items=[
        {"id": "i1", "runId": ROOT, "ordinal": 1, "type": "reasoning", "content": {"preview": "think"}},
        step,
    ]))  # fmt: skip
    assert state.step_count == 4


def test_redacted_conversations_are_recognised():
    done = [{"id": "c1", "runId": ROOT, "ordinal": 1, "type": "SessionCompleted", "content": {"status": "Completed"}}]
    assert SessionState(ROOT, conversation(status="Completed", items=done)).redacted
    # running and hidden: no items, no input, no start context, an API trigger
    assert SessionState(ROOT, conversation(status="Running", items=[], input=None, startContext=None)).redacted
    assert not SessionState(ROOT, conversation(status="Running", items=[])).redacted
    assert not SessionState(ROOT, conversation()).redacted


def test_a_closed_session_is_freed_by_reference_counting_alone():
    """The app gc.freeze()s after big loads, and the collector never looks at frozen
    objects: a session state in a reference cycle would stay in memory for ever after
    the person opens another. Nothing of it may sit in a cycle."""
    import gc
    import weakref

    enabled = gc.isenabled()
    gc.disable()
    try:
        state = SessionState(ROOT, conversation(), agent_names={"ag-2": "Helper"})
        state.apply_events([RunEvent(kind="step", subject="engine.step.reasoning",
                                     data={"id": "i9", "runId": ROOT, "ordinal": 9, "type": "reasoning"})])  # fmt: skip
        for run in (None, ROOT, SUB):  # everything the UI asks for, so every cache is filled
            rows = state.rows(run)
            rows.cells(0), rows.find("think", 0), rows.next_index("error", 0), rows.next_index("waiting", 0)
        state.tree, state.pending_tasks(), state.pending_run_ids(), state.first_row_of_run(SUB)
        refs = [weakref.ref(obj) for obj in (state, state.timeline, state.tasks, state.tree)]
        del state, rows
        assert [ref() is None for ref in refs] == [True] * len(refs)
    finally:
        if enabled:
            gc.enable()
