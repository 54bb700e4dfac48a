"""Wire models of the Phrony public API (see docs/phrony-api.md).

Attributes are snake_case, the wire is camelCase: ``model_validate`` takes the
wire shape and ``model_dump(by_alias=True)`` gives it back. Every model keeps
fields it does not know (``extra="allow"``); enum-like strings (``status``,
``type``, ``kind``, ``triggerType``) stay plain ``str`` so a value the docs do
not list is shown, never rejected. Timestamps stay the ISO strings the server
sent: parsing 50,000 of them up front costs time nobody needs.
"""

from __future__ import annotations

from operator import attrgetter, gt
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

# A count or amount: never infinite or NaN (an integer too long for Python, kept as its
# text by the reader, would otherwise become float("inf") here and break every sum and
# format downstream; the field is left out instead, see client/decoding.py).
Number = int | Annotated[float, Field(allow_inf_nan=False)]

__all__ = [
    "Conversation",
    "ConversationItem",
    "FinalizeResult",
    "MessageResult",
    "PhronyModel",
    "PresignResult",
    "Run",
    "RunEvent",
    "RunState",
    "Session",
    "SessionPage",
    "SessionSummary",
    "StartRunResult",
    "UploadedFile",
    "file_ref_from_object_key",
    "leaf_name_from_object_key",
]


class PhronyModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        # Wire ids are UUIDs but nothing is gained by rejecting other strings.
        coerce_numbers_to_str=True,
    )

    def wire(self) -> dict[str, Any]:
        """The wire shape (camelCase), including unknown fields kept as sent."""
        return self.model_dump(by_alias=True, mode="json")


class StartRunResult(PhronyModel):
    session_id: str
    run_id: str
    status: str = ""
    total_tokens_used: Number | None = None
    output: Any = None
    error: Any = None
    agent_id: str | None = None
    trigger_id: str | None = None
    duplicate_delivery: bool | None = None


class _SessionFields(PhronyModel):
    id: str
    tenant_id: str | None = None
    agent_id: str | None = None
    agent_version_id: str | None = None
    llm_model: str | None = None
    trigger_type: str | None = None
    triggered_by: str | None = None
    trigger_id: str | None = None
    trigger_name: str | None = None
    status: str = ""
    total_tokens_used: Number | None = None
    output: Any = None
    error: Any = None
    input: Any = None
    start_context: Any = None
    started_at: str | None = None
    finished_at: str | None = None


class SessionSummary(_SessionFields):
    """One row of ``GET /v1/agents/{agentId}/sessions``."""

    root_run_id: str | None = None
    run_count: int | None = None
    entry_run_id: str | None = None

    @property
    def open_run_id(self) -> str | None:
        """The run id to use for run-scoped routes (entry run, else root run)."""
        return self.entry_run_id or self.root_run_id


class Session(_SessionFields):
    """The ``session`` part of a conversation."""


class SessionPage(PhronyModel):
    items: list[SessionSummary] = Field(default_factory=list)
    total: int = 0


class RunState(PhronyModel):
    """``GET /v1/runs/{runId}``: at least run id, status and output."""

    run_id: str
    status: str = ""
    output: Any = None
    error: Any = None


class Run(PhronyModel):
    id: str
    session_id: str | None = None
    agent_id: str | None = None
    agent_version_id: str | None = None
    parent_run_id: str | None = None
    depth: int = 0
    status: str = ""
    total_tokens_used: Number | None = None
    output: Any = None
    error: Any = None
    started_at: str | None = None
    finished_at: str | None = None
    trigger_type: str | None = None
    triggered_by: str | None = None
    trigger_id: str | None = None
    trigger_name: str | None = None
    agent_name: str | None = None
    version_label: str | None = None
    llm_model: str | None = None
    input: Any = None


class ConversationItem(PhronyModel):
    """One step of the merged timeline. ``content`` is whatever JSON was sent."""

    id: str
    run_id: str | None = None
    sequence: int | None = None
    ordinal: int = 0
    type: str = ""
    content: Any = None
    tokens_used: Number | None = None
    error: Any = None
    started_at: str | None = None
    finished_at: str | None = None

    def content_contains(self, needle: bytes) -> bool:
        """Whether the content may hold ``needle``: always "maybe" for a decoded
        item (``client.lazy.LazyItem`` answers from its raw bytes)."""
        return True


class Conversation(PhronyModel):
    session: Session
    runs: list[Run] = Field(default_factory=list)
    items: list[ConversationItem] = Field(default_factory=list)

    def __repr_args__(self):
        # A short repr: the full one of 50,000 items takes seconds and megabytes, and
        # reprs happen behind your back (asyncio task reprs, logging, crash reports).
        yield "session", getattr(self.session, "id", None)
        yield "runs", len(self.runs)
        yield "items", len(self.items)

    @field_validator("items")
    @classmethod
    def _by_ordinal(cls, items: list[ConversationItem]) -> list[ConversationItem]:
        # The server should already send them in order; sort only when it did not.
        ordinals = [item.ordinal for item in items]
        if any(map(gt, ordinals, ordinals[1:])):  # C-level loop: ~3x the generator's speed
            items.sort(key=attrgetter("ordinal"))
        return items


class RunEvent(PhronyModel):
    """One Server-Sent Event of ``/v1/runs/{runId}/stream``."""

    ts: str | None = None
    kind: str = ""
    subject: str = ""
    data: Any = None

    @property
    def step_item(self) -> None:
        """No pre-decoded step (``client.lazy.LazyEvent`` has one): core reads ``data``."""
        return None


class MessageResult(PhronyModel):
    """The 202 body of ``/messages``, ``/input`` and ``/skip-agent-wait``."""

    status: str | None = None
    error: Any = None


class PresignResult(PhronyModel):
    object_key: str
    upload_url: str
    http_method: str = "PUT"
    required_headers: dict[str, str] = Field(default_factory=dict)
    expires_in_seconds: int | None = None


class FinalizeResult(PhronyModel):
    object_key: str
    size_bytes: str | None = None
    already_finalized: bool = False


class UploadedFile(PhronyModel):
    """What ``upload_file`` returns: ready to attach to a message or a run input."""

    object_key: str
    size_bytes: int
    media_type: str
    filename: str
    already_finalized: bool = False

    @property
    def size(self) -> int:
        """The stored size in bytes (``sizeBytes`` from finalize)."""
        return self.size_bytes

    @property
    def leaf_name(self) -> str:
        """The last segment of the object key (what ``input`` references name)."""
        return leaf_name_from_object_key(self.object_key)

    def as_attachment(self) -> dict[str, Any]:
        """A ``files[]`` item for ``send_run_message``."""
        return {
            "phronyFile": True,
            "objectKey": self.object_key,
            "filename": self.filename,
            "mediaType": self.media_type,
        }

    def as_input_reference(self) -> dict[str, Any]:
        """A file reference to put in a run's ``input``."""
        return file_ref_from_object_key(self.object_key, self.media_type)


def leaf_name_from_object_key(object_key: str) -> str:
    """The last segment of an object key (the SDK's ``leafNameFromObjectKey``)."""
    return PurePosixPath(object_key).name or object_key


def file_ref_from_object_key(object_key: str, media_type: str) -> dict[str, Any]:
    """A file reference for a run's ``input`` (the SDK's ``fileRefFromObjectKey``)."""
    return {"phronyFile": True, "filename": leaf_name_from_object_key(object_key), "mediaType": media_type}
