"""How the simulator speaks: ``friendly`` (the default: rich events, heartbeats, our spellings)
or ``docs-minimal`` (only what the public docs promise; see docs/simulator.md).

A dialect changes the wire, never the story: the same seed gives the same
sessions, steps and answers in both, spelled and shaped differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FRIENDLY = "friendly"
DOCS_MINIMAL = "docs-minimal"
DIALECTS = (FRIENDLY, DOCS_MINIMAL)

#: the step kinds the dashboard shows and the docs do not spell: our name -> the wire type
FRIENDLY_STEPS = {
    "subagent_call": "subagent_call",
    "subagent_result": "subagent_result",
    "aitl_request": "aitl_request",
    "aitl_response": "aitl_response",
    "aitl_received": "aitl_received",
    "aitl_resolved": "aitl_resolved",
    "user_message": "user_message",
    "escalation_answer": "escalation_answer",
}
#: ... and as a server we never saw may spell them (every one differs from the friendly spelling)
MINIMAL_STEPS = {
    "subagent_call": "SubAgentCall",
    "subagent_result": "sub_agent_result",
    "aitl_request": "AitlRequest",
    "aitl_response": "AITL-Response",
    "aitl_received": "AITLReceived",
    "aitl_resolved": "aitl-resolved",
    "user_message": "UserResponded",
    "escalation_answer": "EscalationAnswered",
}

#: docs-minimal: the keys an event's ``data`` keeps, by event kind (a step event carries the step only)
MINIMAL_EVENT_KEYS = {
    "session": ("sessionId",),
    "run": ("sessionId", "runId", "agentId", "agentName", "parentRunId", "depth"),
    "user_task": ("sessionId", "runId"),
    "aitl": ("sessionId", "runId"),
}


@dataclass(frozen=True)
class Dialect:
    name: str
    #: events carry ``status``, pause reasons, task ids, outputs (friendly) or only ids (minimal)
    rich_events: bool = True
    #: ``: ping`` comments while a stream is silent
    heartbeats: bool = True
    #: a pause's ``Waiting*`` status climbs to every parent run and the session (friendly), or sits
    #: on the waiting run only, and on the session only when that run is the root (minimal)
    waits_climb: bool = True
    #: the sessions list honours ``status`` (friendly) or ignores it (minimal)
    status_filter: bool = True
    #: sessions pages newest first (friendly) or oldest first (minimal)
    newest_first: bool = True
    #: 400 bodies as NestJS class-validator objects / string lists (minimal) or one sentence (friendly)
    nest_errors: bool = False
    steps: dict[str, str] = field(default_factory=lambda: dict(FRIENDLY_STEPS))

    def step_type(self, kind: str) -> str:
        """The wire type of a step kind (unchanged for the documented types)."""
        return self.steps.get(kind, kind)

    def event_data(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """What an event's ``data`` carries in this dialect."""
        if self.rich_events:
            return data
        if kind == "step":
            return {k: v for k, v in data.items() if k != "sessionId"}
        keys = MINIMAL_EVENT_KEYS.get(kind, ("sessionId", "runId"))
        return {k: data[k] for k in keys if k in data}


def make_dialect(name: str) -> Dialect:
    if name == FRIENDLY:
        return Dialect(FRIENDLY)
    if name == DOCS_MINIMAL:
        return Dialect(DOCS_MINIMAL, rich_events=False, heartbeats=False, waits_climb=False, status_filter=False,
                       newest_first=False, nest_errors=True, steps=dict(MINIMAL_STEPS))  # fmt: skip
    raise ValueError(f"unknown simulator dialect {name!r} (one of: {', '.join(DIALECTS)})")


__all__ = ["DIALECTS", "DOCS_MINIMAL", "FRIENDLY", "Dialect", "make_dialect"]
