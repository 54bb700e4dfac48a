"""Live events: descriptions and effects."""

from __future__ import annotations

from phrony_tui.core.events import describe, effect_of, event_time, is_terminal_event
from tests.support.factories import event

ESC = "\x1b"


def test_step_event_gives_a_step() -> None:
    effect = effect_of(
        event("step", {"id": "s1", "runId": "r1", "ordinal": 9, "type": "ToolCall", "content": {"name": "web"}}, "engine.step.tool_call")
    )
    assert effect.step is not None and effect.step.id == "s1" and effect.step.ordinal == 9
    assert effect.status is None and effect.new_run is None and effect.task is None and not effect.terminal


def test_step_event_raising_a_task() -> None:
    effect = effect_of(
        event("step", {"id": "s", "runId": "r1", "type": "UserTaskReq", "content": {"user_task_id": "t1", "kind": "text"}})
    )
    assert effect.task is not None
    assert (effect.task.user_task_id, effect.task.status, effect.task.run_id) == ("t1", "Pending", "r1")
    assert effect.task.task.kind == "text"


def test_run_status_change_key_spellings() -> None:
    for data in ({"runId": "r1", "status": "WaitingForHITL"}, {"run_id": "r1", "status": "WaitingForHITL"}, {"id": "r1", "status": "WaitingForHITL"}):
        effect = effect_of(event("run", data, "engine.run.paused"))
        assert effect.status is not None
        assert (effect.status.scope, effect.status.id, effect.status.status) == ("run", "r1", "WaitingForHITL")


def test_session_status_and_terminal() -> None:
    completed = event("session", {"sessionId": "s1", "status": "Completed"}, "engine.session.completed")
    effect = effect_of(completed)
    assert effect.status.scope == "session" and effect.status.id == "s1" and effect.status.status == "Completed"
    assert effect.terminal and is_terminal_event(completed)
    paused = event("session", {"session_id": "s1", "status": "WaitingForHITL"}, "engine.session.paused")
    assert not is_terminal_event(paused) and not effect_of(paused).terminal
    no_status = event("session", {}, "engine.session.completed")
    assert is_terminal_event(no_status)
    assert not is_terminal_event(event("session", {}, "engine.session.started"))


def test_root_run_end_is_terminal_when_asked() -> None:
    done = event("run", {"runId": "root", "status": "Failed", "error": "x"}, "engine.run.completed")
    assert not is_terminal_event(done)
    assert is_terminal_event(done, root_run_id="root")
    assert not is_terminal_event(done, root_run_id="other")
    assert effect_of(done, root_run_id="root").terminal
    assert effect_of(done).status.error == "x"


def test_subagent_spawned_gives_a_new_run() -> None:
    spawned = event(
        "run",
        {"runId": "parent", "childRunId": "child", "agentName": "Researcher", "depth": 1, "status": "Running"},
        "engine.subagent.spawned",
    )
    effect = effect_of(spawned)
    assert effect.new_run is not None
    assert (effect.new_run.id, effect.new_run.parent_run_id, effect.new_run.agent_name, effect.new_run.depth) == (
        "child",
        "parent",
        "Researcher",
        1,
    )
    assert effect.status.id == "child"


def test_nested_run_and_tolerant_types() -> None:
    nested = event("run", {"run": {"id": "c", "parent_run_id": "p", "depth": "not a number"}}, "engine.subagent.spawned")
    new_run = effect_of(nested).new_run
    assert new_run is not None and new_run.id == "c" and new_run.parent_run_id == "p"
    assert effect_of(event("run", {"status": "Running"}, "engine.run.heartbeat")).new_run is None


def test_task_events() -> None:
    done = effect_of(event("user_task", {"userTaskId": "t1", "status": "Completed"}, "engine.user_task.completed"))
    assert done.task.user_task_id == "t1" and done.task.status == "Completed" and done.task.task is None
    created = effect_of(event("aitl", {"task_id": "t2", "question": "Help?"}, "engine.aitl.created"))
    assert created.task.status == "Pending" and created.task.task.question == "Help?"
    assert effect_of(event("user_task", {"nothing": 1})).task is None


def test_odd_events_have_no_effect() -> None:
    for odd in (event("", None), event("step", "text"), event("weird", [1, 2]), event("run", None)):
        effect = effect_of(odd)
        assert (effect.status, effect.step, effect.new_run, effect.task, effect.terminal) == (None, None, None, None, False)
        assert isinstance(describe(odd), str)


def test_describe_lines() -> None:
    line = describe(event("step", {"id": "s", "type": "llm_request_prepared", "content": {"model": "m"}}, "engine.step.x"))
    assert line == "12:00:00.500  step  engine.step.x  model m"
    line = describe(event("run", {"runId": "0123456789ab", "status": "Running"}, "engine.run.started"))
    assert line == "12:00:00.500  run  engine.run.started  Running 01234567"
    line = describe(event("aitl", {"note": "x"}, "engine.aitl.update", ts=None))
    assert line == 'aitl  engine.aitl.update  {"note": "x"}'


def test_describe_is_safe_and_bounded() -> None:
    nasty = event(f"st{ESC}[2Jep", {"x": "\u202e" + "y" * 10_000}, f"engine.{ESC}]0;pwned\x07step", ts=f"bad{ESC}[31m")
    line = describe(nasty, limit=100)
    assert len(line) <= 100
    assert ESC not in line and "\u202e" not in line and "\x07" not in line


def test_event_time() -> None:
    assert event_time(event("x", ts="2026-03-01T12:34:56.789+02:00")) == "10:34:56.789"  # UTC
    assert event_time(event("x", ts="nonsense")) == "nonsense"
    assert event_time(event("x", ts=None)) == ""


class _CountingData(dict):
    """Event data that counts how often a task's question is read (once per parse)."""

    reads = 0

    def get(self, key, default=None):
        if key == "question":
            type(self).reads += 1
        return super().get(key, default)


def test_a_task_event_is_interpreted_once() -> None:
    from phrony_tui.client.models import Conversation
    from phrony_tui.core.session_state import SessionState

    state = SessionState("r1", Conversation.model_validate({"session": {"id": "s", "status": "Running"},
                                                            "runs": [{"id": "r1", "status": "WaitingForHITL"}]}))
    data = _CountingData(userTaskId="t1", kind="approval", question="Deploy?", runId="r1")
    _CountingData.reads = 0
    state.apply_events([event("user_task", data, "engine.user_task.created")])
    assert _CountingData.reads == 1
    assert [task.question for task in state.pending_tasks()] == ["Deploy?"]


def test_a_later_step_naming_a_task_closes_it_in_the_effect_too() -> None:
    effect = effect_of(event("step", {"id": "s2", "runId": "r1", "ordinal": 3, "type": "UserTaskResp",
                                      "content": {"user_task_id": "t1"}}))
    assert effect.task is not None and (effect.task.user_task_id, effect.task.status) == ("t1", "Completed")


def test_describing_a_live_step_decodes_its_event_once(monkeypatch) -> None:
    """The live log describes a firehose's last 200 events each flush: a step's line is
    its summary, so its event's JSON is read once (for the content), not also for a data
    view the line does not use. Counted."""
    import json

    from phrony_tui.client import lazy

    calls = []
    real = lazy._loads

    def counted(raw):
        calls.append(raw)
        return real(raw)

    monkeypatch.setattr(lazy, "_loads", counted)
    for data in (
        {"run_id": "r1", "sequence": 3, "step_kind": "reasoning", "message": "tick 3"},  # the docs' shape
        {"id": "s1", "runId": "r1", "ordinal": 3, "type": "reasoning", "content": {"message": "tick 3"}},
    ):
        text = json.dumps({"ts": "2026-03-01T12:00:00Z", "kind": "step", "subject": "engine.step.reasoning", "data": data})
        (live,), _ = lazy.decode_events([text])
        calls.clear()
        line = describe(live)
        assert "tick 3" in line
        assert len(calls) == 1
