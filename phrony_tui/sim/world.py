"""The simulator's world: agents, sessions, runs, timeline items, user tasks, events.

Plain classes with ``__slots__`` and plain dicts for what goes on the wire:
responses are ``json.dumps`` of dicts, never pydantic, so 50,000 items stay cheap.
Everything here is guarded by the ``Simulator``'s lock; nothing here does IO.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

#: keys ``stepContent=slim`` removes from object contents (phrony-api.md)
SLIM_DROP = frozenset({"session_id", "run_id", "tenant_id", "agent_id", "agent_version_id", "event_id"})

TERMINAL = frozenset({"Completed", "Failed", "Cancelled", "Terminated"})

#: user task kinds the public API may not complete (phrony-api.md: dashboard only)
DASHBOARD_ONLY = frozenset({"anomaly_review", "anomaly_alert"})


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def is_terminal(status: str) -> bool:
    return not (status == "Running" or status.startswith("Waiting"))


@dataclass
class Agent:
    key: str  # scenario name, e.g. "hitl" or "multi.analyst"
    id: str
    name: str
    description: str
    llm_model: str
    versions: list[tuple[str, str]]  # (version id, label), newest last
    trigger_id: str
    trigger_name: str = "API"
    script: str = ""  # scenario script a new run starts
    redacted: bool = False
    parent_key: str | None = None  # sub-agents of the multi scenario
    mode: str = "request"  # agentExecutionMode: request, hitl or sub_agent

    @property
    def version_id(self) -> str:
        return self.versions[-1][0]

    @property
    def version_label(self) -> str:
        return self.versions[-1][1]


class Run:
    __slots__ = (
        "agent",
        "children",
        "depth",
        "error",
        "finished_ms",
        "id",
        "input",
        "last_ms",
        "output",
        "parent",
        "seq",
        "session",
        "started_ms",
        "status",
        "tokens",
        "trigger_id",
        "trigger_name",
        "trigger_type",
        "triggered_by",
        "version_id",
        "version_label",
    )  # fmt: skip

    def __init__(
        self, run_id: str, session: Session, agent: Agent, parent: Run | None, started_ms: int, run_input: Any
    ) -> None:
        self.id = run_id
        self.session = session
        self.agent = agent
        self.version_id = agent.version_id if parent else session.version_id
        self.version_label = agent.version_label if parent else session.version_label
        self.parent = parent
        self.depth: int = 0 if parent is None else parent.depth + 1
        self.status = "Running"
        self.tokens = 0
        self.output: Any = None
        self.error: str | None = None
        self.started_ms = started_ms
        self.finished_ms: int | None = None
        self.input = run_input
        self.seq = 0
        self.children: list[Run] = []
        self.last_ms = started_ms
        if parent is None:
            self.trigger_type = session.trigger_type
            self.triggered_by = session.triggered_by
            self.trigger_id = session.trigger_id
            self.trigger_name = session.trigger_name
        else:
            self.trigger_type = "subagent"
            self.triggered_by = parent.id
            self.trigger_id = None
            self.trigger_name = None

    def ancestors(self) -> list[Run]:
        out, run = [], self.parent
        while run is not None:
            out.append(run)
            run = run.parent
        return out


class Task:
    __slots__ = ("answer", "blocking", "content", "id", "kind", "options", "question", "run", "status")

    def __init__(self, task_id: str, run: Run, kind: str, question: str, options: list[dict] | None, blocking: bool):
        self.id = task_id
        self.run = run
        self.kind = kind
        self.question = question
        self.options = options
        self.content: dict[str, Any] = {}
        self.status = "Pending"
        self.answer: dict[str, Any] | None = None
        self.blocking = blocking

    @property
    def pause_status(self) -> str:
        return "WaitingForAITL" if self.kind == "aitl_escalation" else "WaitingForHITL"


class Event:
    __slots__ = ("data", "encoded", "kind", "ms", "run_id", "subject")

    def __init__(self, ms: int, kind: str, subject: str, run_id: str | None, data: dict, encoded: bytes):
        self.ms = ms
        self.kind = kind
        self.subject = subject
        self.run_id = run_id
        self.data = data
        self.encoded = encoded


class Session:
    __slots__ = (
        "agent",
        "autopilot",
        "error",
        "events",
        "finished_ms",
        "gen",
        "id",
        "index",
        "input",
        "items",
        "lazy_items",
        "llm_model",
        "output",
        "redacted",
        "rng",
        "runs",
        "special",
        "start_context",
        "started_ms",
        "status",
        "tasks",
        "terminal_event_index",
        "token",
        "tokens",
        "trigger_id",
        "trigger_name",
        "trigger_type",
        "triggered_by",
        "unkept",
        "version_id",
        "version_label",
        "waiting",
    )  # fmt: skip

    def __init__(self, session_id: str, index: int, agent: Agent, started_ms: int):
        self.id = session_id
        self.index = index
        self.agent = agent
        self.version_id = agent.version_id
        self.version_label = agent.version_label
        self.trigger_type = "api"
        self.triggered_by: str | None = None
        self.trigger_id: str | None = agent.trigger_id
        self.trigger_name: str | None = agent.trigger_name
        self.llm_model = agent.llm_model
        self.status = "Running"
        self.tokens = 0
        self.output: Any = None
        self.error: str | None = None
        self.input: Any = {}
        self.start_context: dict | None = None
        self.started_ms = started_ms
        self.finished_ms: int | None = None
        self.runs: list[Run] = []
        #: the wire dicts of the steps; while ``lazy_items``, some are made when first read
        #: (``Engine.items_of``: read them through it)
        self.items: list[Any] = []
        self.lazy_items = False
        # Steps streamed but not kept in ``items`` (the firehose's): later steps still
        # number after them, as a real server's would.
        self.unkept = 0
        self.tasks: dict[str, Task] = {}
        self.events: list[Event] = []
        self.redacted = agent.redacted
        self.gen: Generator[Any, Any, Any] | None = None
        self.token = 0  # bumps whenever a wait ends: stale timer wake-ups are ignored
        self.waiting: Any = None  # the Wait* command the script is blocked on
        self.autopilot: Any = None
        self.rng: Any = None
        self.special = ""  # "", "big" or "firehose"
        self.terminal_event_index: int | None = None

    @property
    def root(self) -> Run:
        return self.runs[0]

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)


# ---- commands a scenario script yields ---------------------------------------------------------


@dataclass
class Sleep:
    seconds: float


@dataclass
class WaitTask:
    task: Task


@dataclass
class WaitResponse:
    run: Run
    prompt: str = ""


@dataclass
class WaitTimer:
    run: Run
    seconds: float
    tool_call_id: str = ""


@dataclass
class Reply:
    """What a WaitResponse receives: the turn a person sent."""

    text: str | None
    files: list[dict] = field(default_factory=list)


@dataclass
class TimerEnded:
    skipped: bool


@dataclass
class Upload:
    object_key: str
    token: str
    filename: str
    media_type: str
    max_content_length: int
    signature: str
    expires_ms: int
    data: bytes | None = None
    finalized: bool = False
