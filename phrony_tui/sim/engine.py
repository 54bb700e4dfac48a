"""The simulation engine: simulated time, the wake-up queue, and what scripts may do.

Scenario scripts (``scenarios.py``) are generators. They act through a ``Ctx``
(add a step, spawn a sub-agent, raise a user task, finish a run) and yield a
command when they need time to pass or a person to answer (``Sleep``,
``WaitTask``, ``WaitResponse``, ``WaitTimer``). The engine resumes them in
simulated-time order; nothing happens between ``advance`` calls, so a seed and a
fixed clock always give the same bytes.
"""

from __future__ import annotations

import heapq
import json
import random
import time
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any

from phrony_tui.sim.dialect import FRIENDLY, Dialect, make_dialect
from phrony_tui.sim.world import (
    Agent,
    Event,
    Reply,
    Run,
    Session,
    Sleep,
    Task,
    TimerEnded,
    WaitResponse,
    WaitTask,
    WaitTimer,
    dumps,
    is_terminal,
)

#: events a redacted (output-only) session never streams
REDACTED_KINDS = frozenset({"step", "user_task", "aitl"})
REDACTED_SUBJECTS = frozenset({"engine.subagent.spawned"})

#: every N-th streamed event of a session spans several ``data:`` lines
SPLIT_EVERY = 5

_UUID_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_V4 = (0x4 << 76) | (0x2 << 62)

#: the default maximum depth of sub-agents (the service's: 5)
MAX_DEPTH = 5


class _Deliver:
    """Queue payload: deliver this value to the waiting script (autopilot answers)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_START = object()  # queue payload: a new session's first tick


def _uuid_text(bits: int) -> str:
    """The version-4 UUID string of 128 random bits."""
    h = ((bits & _UUID_MASK) | _UUID_V4).to_bytes(16, "big").hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Step:
    """A step added while the world was built, its item not made yet (``Engine.items_of``)."""

    __slots__ = ("step",)

    def __init__(self, step: tuple) -> None:
        self.step = step


class Engine:
    def __init__(
        self, seed: int, epoch: datetime, tenant_id: str | None = None, dialect: Dialect | None = None
    ) -> None:
        self.seed = seed
        self.dialect = dialect if dialect is not None else make_dialect(FRIENDLY)
        self.epoch = epoch
        self.now_ms = 0
        self._epoch_ms = round(epoch.timestamp() * 1000)
        self._minutes: dict[int, str] = {}
        self._ids = random.Random(f"phrony-sim:{seed}:ids")
        self.tenant_id = tenant_id or self.new_id()
        self.sessions: dict[str, Session] = {}
        self.session_list: list[Session] = []
        self.runs: dict[str, Run] = {}
        self.agents: dict[str, Agent] = {}
        self.agents_by_id: dict[str, Agent] = {}
        self._queue: list[tuple[int, int, str, int, Any]] = []
        self._qseq = 0
        self.record_events = True
        self.scripts: dict[str, Callable[[Ctx], Generator[Any, Any, Any]]] = {}
        self.changed = False

    # ---- ids and time ----------------------------------------------------------------------
    def new_id(self) -> str:
        """A random (seeded) version-4 UUID string."""
        return _uuid_text(self._ids.getrandbits(128))

    def ts(self, ms: int) -> str:
        """ISO-8601 (UTC, milliseconds) of simulated time ``ms``."""
        minutes, millis = divmod(self._epoch_ms + ms, 60_000)
        prefix = self._minutes.get(minutes)
        if prefix is None:  # "YYYY-MM-DDTHH:MM:", once a minute of simulated time
            prefix = time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minutes * 60))
            if len(self._minutes) > 4096:
                self._minutes.clear()
            self._minutes[minutes] = prefix
        seconds, millis = divmod(millis, 1000)
        return f"{prefix}{seconds:02d}.{millis:03d}Z"

    def ts_or_none(self, ms: int | None) -> str | None:
        return None if ms is None else self.ts(ms)

    # ---- the queue -------------------------------------------------------------------------
    def _push(self, ms: int, session: Session, value: Any) -> None:
        self._qseq += 1
        heapq.heappush(self._queue, (ms, self._qseq, session.id, session.token, value))

    def run_until(self, target_ms: int) -> None:
        queue = self._queue
        while queue and queue[0][0] <= target_ms:
            ms, _, session_id, token, value = heapq.heappop(queue)
            session = self.sessions[session_id]
            if token != session.token or session.terminal:
                continue
            if ms > self.now_ms:
                self.now_ms = ms
            if isinstance(value, _Deliver):
                self.deliver(session, value.value)
            elif value is _START:
                self.announce(session)
                self._resume(session, None)
            else:
                self._resume(session, value)
        if target_ms > self.now_ms:
            self.now_ms = target_ms

    def _resume(self, session: Session, value: Any) -> None:
        gen = session.gen
        if gen is None:
            return
        self.changed = True
        try:
            command = gen.send(value)
        except StopIteration:
            session.gen = None
            if not session.terminal:
                self.finish_session(session, "Completed", session.root.output, None)
            return
        self._handle(session, command)

    def _handle(self, session: Session, command: Any) -> None:
        now = self.now_ms
        if isinstance(command, Sleep):
            self._push(now + max(0, round(command.seconds * 1000)), session, None)
            return
        session.waiting = command
        if isinstance(command, WaitTask):
            self._pause(session, command.task.run, command.task.pause_status, "user_task", command.task.id)
        elif isinstance(command, WaitResponse):
            self._pause(session, command.run, "WaitingForResponse", "response", None)
        elif isinstance(command, WaitTimer):
            self._pause(session, command.run, "WaitingForTimer", "timer", None)
            self._push(now + max(0, round(command.seconds * 1000)), session, TimerEnded(skipped=False))
        else:  # pragma: no cover - a script bug
            raise TypeError(f"scenario yielded {command!r}")
        if session.autopilot is not None:
            plan = session.autopilot(session, command)
            if plan is not None:
                delay_s, value = plan
                self._push(now + round(delay_s * 1000), session, _Deliver(value))

    def _pause(self, session: Session, run: Run, status: str, reason: str, task_id: str | None) -> None:
        if self.dialect.waits_climb:
            for each in [run, *run.ancestors()]:
                each.status = status
            session.status = status
        else:  # the waiting run only; the session when that is the root
            run.status = status
            if run.parent is None:
                session.status = status
        if not self.record_events:
            return
        data = {"sessionId": session.id, "runId": run.id, "status": status, "reason": reason}
        if task_id:
            data["userTaskId"] = task_id
        self.emit(session, "run", "engine.run.paused", run, data)
        self.emit(session, "session", "engine.session.paused", None, data)

    def _unpause(self, session: Session, run: Run) -> None:
        for each in [run, *run.ancestors()] if self.dialect.waits_climb else [run]:
            if each.status.startswith("Waiting"):
                each.status = "Running"
        session.status = "Running"
        session.waiting = None
        if not self.record_events:
            return
        data = {"sessionId": session.id, "runId": run.id, "status": "Running"}
        self.emit(session, "run", "engine.run.resumed", run, data)
        self.emit(session, "session", "engine.session.resumed", None, data)

    def agent_wait(self, run: Run, question: str) -> None:
        """A sub-agent asks its parent agent (AITL): only this run waits; nobody is asked to answer."""
        session = run.session
        run.status = "WaitingForAITL"
        parent = run.parent.id if run.parent else None
        self.emit(session, "run", "engine.run.paused", run,
                  {"sessionId": session.id, "runId": run.id, "status": run.status, "reason": "aitl"})  # fmt: skip
        self.emit(session, "aitl", "engine.aitl.requested", run,
                  {"sessionId": session.id, "runId": run.id, "parentRunId": parent, "question": question,
                   "status": "Pending"})  # fmt: skip

    def agent_resume(self, run: Run, resolved_by: str) -> None:
        """The parent agent answered (``resolved_by``: ``agent`` or ``person``): the run goes on."""
        session = run.session
        if run.status == "WaitingForAITL":
            run.status = "Running"
        parent = run.parent.id if run.parent else None
        self.emit(session, "aitl", "engine.aitl.resolved", run,
                  {"sessionId": session.id, "runId": run.id, "parentRunId": parent, "status": "Resolved",
                   "resolvedBy": resolved_by})  # fmt: skip
        self.emit(session, "run", "engine.run.resumed", run,
                  {"sessionId": session.id, "runId": run.id, "status": run.status})  # fmt: skip

    def deliver(self, session: Session, value: Any) -> None:
        """End the session's current wait with ``value``; the script resumes at the current time.

        ``value`` is the answer dict for a task, a ``Reply`` or a ``TimerEnded``.
        """
        waiting = session.waiting
        session.token += 1
        if isinstance(waiting, WaitTask):
            self.complete_task(waiting.task, value)
            self._unpause(session, waiting.task.run)
        elif isinstance(waiting, (WaitResponse, WaitTimer)):
            self._unpause(session, waiting.run)
        self.changed = True
        self._push(self.now_ms, session, value)

    def complete_task(self, task: Task, answer: dict[str, Any]) -> None:
        task.status = "Completed"
        task.answer = answer
        task.content["status"] = "Completed"
        session = task.run.session
        data = {"sessionId": session.id, "runId": task.run.id, "userTaskId": task.id, "kind": task.kind,
                "status": "Completed", "answer": answer}  # fmt: skip
        self.emit(session, "user_task", "engine.user_task.completed", task.run, data)
        if task.kind == "aitl_escalation":
            self.emit(session, "aitl", "engine.aitl.answered", task.run, data)

    # ---- events ----------------------------------------------------------------------------
    def emit(self, session: Session, kind: str, subject: str, run: Run | None, data: dict) -> None:
        if not self.record_events:
            return
        if session.redacted and (kind in REDACTED_KINDS or subject in REDACTED_SUBJECTS):
            return
        data = self.dialect.event_data(kind, data)
        ts = self.ts(self.now_ms)
        envelope = {"ts": ts, "kind": kind, "subject": subject, "data": data}
        if len(session.events) % SPLIT_EVERY == SPLIT_EVERY - 1:
            # a data field over several lines: the joined lines are the indented JSON
            text = json.dumps(envelope, ensure_ascii=False, indent=1)
            encoded = ("".join(f"data: {line}\n" for line in text.split("\n")) + "\n").encode("utf-8")
        else:
            encoded = b"data: " + dumps(envelope) + b"\n\n"
        session.events.append(Event(self.now_ms, kind, subject, run.id if run else None, data, encoded))
        self.changed = True

    # ---- sessions and runs -----------------------------------------------------------------
    def start_session(
        self,
        agent: Agent,
        *,
        script: str | None = None,
        run_input: Any = None,
        started_ms: int | None = None,
        trigger_type: str = "api",
        triggered_by: str | None = None,
        autopilot: Any = None,
        options: dict[str, Any] | None = None,
        version: tuple[str, str] | None = None,
        special: str = "",
    ) -> Session:
        started = self.now_ms if started_ms is None else started_ms
        session = Session(self.new_id(), len(self.session_list), agent, started)
        if version is not None:
            session.version_id, session.version_label = version
        session.trigger_type = trigger_type
        session.triggered_by = triggered_by
        if trigger_type == "scheduled":
            session.trigger_name = "Nightly schedule"
        elif trigger_type == "event":
            session.trigger_name = "Webhook: ticket.created"
        elif trigger_type == "manual":  # a test run a person started in the dashboard
            session.trigger_name = "Dashboard test run"
            session.trigger_id = None
        session.input = {} if run_input is None else run_input
        session.autopilot = autopilot
        session.special = special
        session.rng = random.Random(f"phrony-sim:{self.seed}:session:{session.index}")
        session.start_context = {
            "version": session.version_label,
            "userInput": session.input,
            "llmModel": agent.llm_model,
            "temperature": 0.2,
            "maxTokensPerRun": 32000,
            "maxSessionTokens": 200000,
            "maxSessionDurationSec": 3600,
            "maxIterations": 25,
            "maxToolCalls": 50,
            "instructions": agent.description,
            "subAgentExecutionModel": "sequential",
            "canExecuteSubAgents": agent.key == "multi",
            "topP": 1,
            "topK": None,
            "agentExecutionMode": agent.mode,
            "rootAgentExecutionMode": agent.mode,
            "maxDepth": MAX_DEPTH,
        }
        self.sessions[session.id] = session
        self.session_list.append(session)
        root = Run(self.new_id(), session, agent, None, started, session.input)
        session.runs.append(root)
        self.runs[root.id] = root
        name = script if script is not None else agent.script
        factory = self.scripts.get(name)
        if factory is not None:
            session.gen = factory(Ctx(self, session, options or {}))
            # the engine picks the session up at the next tick: a stream opened right after
            # the start request still sees engine.session.started
            self._push(started, session, _START)
        else:
            self.announce(session)
        self.changed = True
        return session

    def announce(self, session: Session) -> None:
        if not self.record_events:
            return
        saved = self.now_ms
        self.now_ms = max(saved, session.started_ms)
        self.emit(session, "session", "engine.session.started",
                  None, {"sessionId": session.id, "agentId": session.agent.id, "status": "Running"})  # fmt: skip
        self.emit(session, "run", "engine.run.started", session.root, self._run_event(session.root))
        self.now_ms = saved

    def _run_event(self, run: Run) -> dict:
        return {
            "sessionId": run.session.id,
            "runId": run.id,
            "agentId": run.agent.id,
            "agentName": run.agent.name,
            "parentRunId": run.parent.id if run.parent else None,
            "depth": run.depth,
            "status": run.status,
        }

    def spawn(self, parent: Run, agent: Agent, run_input: Any) -> Run:
        session = parent.session
        run = Run(self.new_id(), session, agent, parent, self.now_ms, run_input)
        parent.children.append(run)
        session.runs.append(run)
        self.runs[run.id] = run
        if self.record_events:
            self.emit(session, "run", "engine.subagent.spawned", parent, self._run_event(run))
            self.emit(session, "run", "engine.run.started", run, self._run_event(run))
        return run

    def add_item(
        self,
        run: Run,
        type_: str,
        content: dict[str, Any] | None,
        *,
        tokens: int | None = None,
        error: str | None = None,
        iteration: int | None = None,
        synthetic: bool = False,
        duration_ms: int = 800,
        now: bool = False,
    ) -> dict | None:
        """Append a step to the run's session: the item (the wire dict, also streamed). While
        the world is built (``record_events`` off) the item is made when first read
        (``visible_items``): None then, unless ``now`` (the caller keeps its content)."""
        session = run.session
        at = self.now_ms
        type_ = self.dialect.step_type(type_)
        run.seq += 1
        started = max(run.last_ms, at - duration_ms)
        run.last_ms = at
        if tokens:
            run.tokens += tokens
            session.tokens += tokens
        ordinal = len(session.items) + session.unkept + 1
        # The ids are drawn now, in this order (the event id first), whenever the text is made.
        event_bits = None if synthetic else self._ids.getrandbits(128)
        item_bits = self._ids.getrandbits(128)
        step = (run, type_, content, tokens, error, iteration, run.seq, ordinal, event_bits, item_bits, started, at)
        if not self.record_events and not now:
            # The history's ~5,000 steps: most are never asked for (a session opened reads its
            # own), and making their dicts and ids' text was a quarter of the world's build.
            session.items.append(_Step(step))
            session.lazy_items = True
            return None
        item = self._make_item(step)
        session.items.append(item)
        if not synthetic and self.record_events:
            self.emit(session, "step", f"engine.step.{type_}", run, {"sessionId": session.id, **item})
        return item

    def _make_item(self, step: tuple) -> dict:
        run, type_, content, tokens, error, iteration, seq, ordinal, event_bits, item_bits, started, at = step
        if event_bits is None:  # synthetic: RunCompleted, SessionCompleted
            full = content
        else:
            full = {
                "run_id": run.id,
                "session_id": run.session.id,
                "tenant_id": self.tenant_id,
                "agent_id": run.agent.id,
                "agent_version_id": run.version_id,
                "event_id": _uuid_text(event_bits),
                "sequence": seq,
                "step_kind": type_,
            }
            if iteration is not None:
                full["iteration"] = iteration
            if content:
                full.update(content)
        return {
            "runId": run.id,
            "id": _uuid_text(item_bits),
            "sequence": seq,
            "ordinal": ordinal,
            "type": type_,
            "content": full,
            "tokensUsed": tokens,
            "error": error,
            "startedAt": self.ts(started),
            "finishedAt": self.ts(at),
        }

    def items_of(self, session: Session) -> list[dict]:
        """The session's items, every one made (``add_item`` defers the world's)."""
        items = session.items
        if session.lazy_items:
            session.lazy_items = False
            for index, item in enumerate(items):
                if type(item) is _Step:
                    items[index] = self._make_item(item.step)
        return items

    def create_task(
        self, run: Run, kind: str, question: str, *, options: list[dict] | None = None,
        extra: dict[str, Any] | None = None, blocking: bool = True, iteration: int | None = None,
    ) -> Task:  # fmt: skip
        task = Task(self.new_id(), run, kind, question, options, blocking)
        content: dict[str, Any] = {"user_task_id": task.id, "kind": kind, "question": question}
        if options is not None:
            content["options"] = options
        if extra:
            content.update(extra)
        content["status"] = "Pending"
        item = self.add_item(run, "UserTaskReq", content, iteration=iteration, now=True)
        assert item is not None
        task.content = item["content"]  # the task's status is written into it
        run.session.tasks[task.id] = task
        session = run.session
        data: dict[str, Any] = {"sessionId": session.id, "runId": run.id, "userTaskId": task.id, "kind": kind,
                                "question": question, "status": "Pending"}  # fmt: skip
        if options is not None:
            data["options"] = options
        self.emit(session, "user_task", "engine.user_task.created", run, data)
        if kind == "aitl_escalation":
            self.emit(session, "aitl", "engine.aitl.escalated", run, data)
        return task

    def finish_run(self, run: Run, status: str, output: Any = None, error: str | None = None) -> None:
        if run.finished_ms is not None:
            return
        run.status = status
        run.output = output
        run.error = error
        run.finished_ms = self.now_ms
        content = {"run_id": run.id, "status": status, "output": output, "error": error,
                   "total_tokens_used": run.tokens}  # fmt: skip
        self.add_item(run, "RunCompleted", content, synthetic=True, duration_ms=0)
        if self.record_events:
            data = {**self._run_event(run), "output": output, "error": error, "totalTokensUsed": run.tokens}
            self.emit(run.session, "run", "engine.run.completed", run, data)

    def finish_session(self, session: Session, status: str, output: Any = None, error: str | None = None) -> None:
        if session.finished_ms is not None:
            return
        for run in reversed(session.runs):
            if run.finished_ms is None:
                if run.parent is None:
                    self.finish_run(run, status, output, error)
                else:
                    self.finish_run(run, status if status == "Completed" else "Cancelled")
        for task in session.tasks.values():
            if task.status == "Pending":
                task.status = "Cancelled"
                task.content["status"] = "Cancelled"
        session.status = status
        session.output = output
        session.error = error
        session.finished_ms = self.now_ms
        session.waiting = None
        session.token += 1
        content = {"session_id": session.id, "status": status, "output": output, "error": error,
                   "total_tokens_used": session.tokens}  # fmt: skip
        self.add_item(session.root, "SessionCompleted", content, synthetic=True, duration_ms=0)
        data = {"sessionId": session.id, "status": status, "output": output, "error": error,
                "totalTokensUsed": session.tokens}  # fmt: skip
        self.emit(session, "session", "engine.session.completed", None, data)
        session.terminal_event_index = len(session.events)

    # ---- wire rows -------------------------------------------------------------------------
    def session_row(self, session: Session, *, listing: bool) -> dict:
        redacted = session.redacted
        row = {
            "id": session.id,
            "tenantId": self.tenant_id,
            "agentId": session.agent.id,
            "agentVersionId": session.version_id,
            "llmModel": session.llm_model,
            "triggerType": session.trigger_type,
            "triggeredBy": session.triggered_by,
            "triggerId": session.trigger_id,
            "triggerName": session.trigger_name,
            "status": session.status,
            "totalTokensUsed": session.tokens,
            "output": session.output,
            "error": session.error,
            "input": None if redacted else session.input,
            "startContext": None if redacted else session.start_context,
        }
        if listing:
            row["rootRunId"] = session.root.id
        row["startedAt"] = self.ts(session.started_ms)
        row["finishedAt"] = self.ts_or_none(session.finished_ms)
        if listing:
            row["runCount"] = len(session.runs)
            row["entryRunId"] = session.root.id
        return row

    def run_row(self, run: Run) -> dict:
        redacted = run.session.redacted
        return {
            "id": run.id,
            "sessionId": run.session.id,
            "agentId": run.agent.id,
            "agentVersionId": run.version_id,
            "parentRunId": run.parent.id if run.parent else None,
            "depth": run.depth,
            "status": run.status,
            "totalTokensUsed": run.tokens,
            "output": None if redacted else run.output,
            "error": None if redacted else run.error,
            "startedAt": self.ts(run.started_ms),
            "finishedAt": self.ts_or_none(run.finished_ms),
            "triggerType": run.trigger_type,
            "triggeredBy": run.triggered_by,
            "triggerId": run.trigger_id,
            "triggerName": run.trigger_name,
            "agentName": run.agent.name,
            "versionLabel": run.version_label,
            "llmModel": run.agent.llm_model,
            "input": None if redacted else run.input,
        }

    def run_state(self, run: Run) -> dict:
        return {
            "runId": run.id,
            "sessionId": run.session.id,
            "agentId": run.agent.id,
            "parentRunId": run.parent.id if run.parent else None,
            "depth": run.depth,
            "status": run.status,
            "output": run.output,
            "error": run.error,
            "totalTokensUsed": run.tokens,
            "startedAt": self.ts(run.started_ms),
            "finishedAt": self.ts_or_none(run.finished_ms),
        }

    def visible_items(self, session: Session) -> list[dict]:
        items = self.items_of(session)
        if not session.redacted:
            return items
        root_id = session.root.id
        return [
            item
            for item in items
            if item["type"] == "SessionCompleted" or (item["type"] == "RunCompleted" and item["runId"] == root_id)
        ]


class Ctx:
    """What a scenario script may do to its session."""

    def __init__(self, engine: Engine, session: Session, options: dict[str, Any]) -> None:
        self.engine = engine
        self.session = session
        self.options = options
        self.rng: random.Random = session.rng

    @property
    def root(self) -> Run:
        return self.session.root

    @property
    def input(self) -> Any:
        return self.session.input

    def agent(self, key: str) -> Agent:
        return self.engine.agents[key]

    def tool_call_id(self) -> str:
        return "call_" + self.engine.new_id().replace("-", "")[:24]

    # steps
    def llm(self, run: Run, iteration: int | None = None) -> dict | None:
        return self.engine.add_item(run, "llm_request_prepared", {"model": run.agent.llm_model},
                                    iteration=iteration, duration_ms=120)  # fmt: skip

    def reason(self, run: Run, message: str, iteration: int | None = None) -> dict | None:
        tokens = 60 + self.rng.randrange(400)
        preview = message if len(message) <= 80 else message[:77] + "..."
        return self.engine.add_item(run, "reasoning", {"message": message, "preview": preview, "tokens_used": tokens},
                                    tokens=tokens, iteration=iteration, duration_ms=2400)  # fmt: skip

    def tool_call(self, run: Run, name: str, arguments: Any, operation: str | None = None,
                  iteration: int | None = None, call_id: str | None = None) -> str:  # fmt: skip
        call_id = call_id or self.tool_call_id()
        content: dict[str, Any] = {"name": name, "arguments": arguments, "tool_call_id": call_id}
        if operation:
            content["operation_name"] = operation
        self.engine.add_item(run, "ToolCall", content, iteration=iteration, duration_ms=50)
        return call_id

    def tool_result(self, run: Run, call_id: str, data: Any = None, error: str | None = None,
                    iteration: int | None = None) -> dict | None:  # fmt: skip
        log_id = "log_" + self.engine.new_id()[:8]
        result = {"data": data, "error": error, "log_id": log_id, "successful": error is None}
        return self.engine.add_item(run, "ToolResult", {"tool_call_id": call_id, "result": result},
                                    error=error, iteration=iteration, duration_ms=1500)  # fmt: skip

    def output(self, run: Run, output: Any, iteration: int | None = None) -> dict | None:
        tokens = 40 + self.rng.randrange(200)
        total = run.tokens + tokens
        content = {"output": output, "tokens_used": tokens, "total_tokens_used": total}
        return self.engine.add_item(run, "output", content, tokens=tokens, iteration=iteration, duration_ms=1800)

    def step(self, run: Run, type_: str, content: dict[str, Any], **kwargs: Any) -> dict | None:
        return self.engine.add_item(run, type_, content, **kwargs)

    def task(self, run: Run, kind: str, question: str, **kwargs: Any) -> Task:
        return self.engine.create_task(run, kind, question, **kwargs)

    def spawn(self, parent: Run, agent_key: str, run_input: Any) -> Run:
        return self.engine.spawn(parent, self.engine.agents[agent_key], run_input)

    def finish_run(self, run: Run, status: str, output: Any = None, error: str | None = None) -> None:
        self.engine.finish_run(run, status, output, error)

    def finish(self, status: str, output: Any = None, error: str | None = None) -> None:
        self.engine.finish_session(self.session, status, output, error)


__all__ = ["Ctx", "Engine", "Reply", "TimerEnded", "is_terminal"]
