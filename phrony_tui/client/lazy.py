"""A fast read of ``/conversation`` for big sessions: step content stays raw JSON until read.

``PhronyClient.get_conversation`` validates every step into a pydantic model,
content included: about 2.5x the cost of ``json.loads`` on a 50,000-step
session. A viewer needs each step's id, ordinal, run, type and times up front,
and the content of only the rows on screen. So this path decodes the items with
msgspec into ``LazyItem`` structs whose ``content`` is kept as raw bytes
(``msgspec.Raw``) and decoded on first access: about a tenth of ``json.loads``.

``LazyItem`` has the attributes of ``ConversationItem`` (``id``, ``run_id``,
``ordinal``, ``type``, ``content``, ...), plus ``wire()`` (the item exactly as
sent, unknown fields included) and ``to_model()``. The session and runs are the
usual pydantic models. When the body does not fit these types (a server that
sends an ordinal as a string, say), ``decode_conversation`` falls back to the
tolerant pydantic path: fast when it can be, never stricter.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import msgspec
from pydantic import ValidationError

from phrony_tui.client import jsonfallback
from phrony_tui.gcpause import paused_gc
from phrony_tui.client.models import Conversation, ConversationItem, Run, RunEvent, Session

__all__ = ["LazyEvent", "LazyItem", "decode_conversation", "decode_event"]

_NULL = msgspec.Raw(b"null")
_decode_any = msgspec.json.Decoder().decode


class LazyItem(msgspec.Struct, rename="camel", kw_only=True, dict=True):
    """One timeline step whose ``content`` is decoded when first read."""

    id: str = ""
    run_id: str | None = None
    sequence: int | None = None
    ordinal: int = 0
    type: str = ""
    content_raw: msgspec.Raw = msgspec.field(default=_NULL, name="content")
    tokens_used: int | float | None = None
    error: Any = None
    started_at: str | None = None
    finished_at: str | None = None

    @cached_property
    def content(self) -> Any:
        try:
            return _decode_any(self.content_raw)
        except (msgspec.DecodeError, RecursionError):  # deep nesting or a lone surrogate
            return jsonfallback.loads(self.content_raw)

    def content_contains(self, needle: bytes) -> bool:
        """A cheap test on the raw content bytes, before paying for a decode."""
        return needle in bytes(self.content_raw)

    def wire(self) -> dict[str, Any]:
        """The item as the server sent it (camelCase, unknown fields kept)."""
        raw = self.__dict__.get("raw")
        if raw is not None:
            try:
                return _decode_any(raw)
            except (msgspec.DecodeError, RecursionError):
                return jsonfallback.loads(raw)
        return self.to_model().wire()

    def to_model(self) -> ConversationItem:
        """The pydantic model (validated, unknown fields kept when the raw item is known)."""
        raw = self.__dict__.get("raw")
        if raw is not None:
            return ConversationItem.model_validate(self.wire())
        return ConversationItem(
            id=self.id, run_id=self.run_id, sequence=self.sequence, ordinal=self.ordinal, type=self.type,
            content=self.content, tokens_used=self.tokens_used, error=self.error,
            started_at=self.started_at, finished_at=self.finished_at,
        )  # fmt: skip

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> ConversationItem:
        """Like the pydantic model's (used when a later version of the step arrives)."""
        return self.to_model().model_copy(update=update, deep=deep)


class LazyEvent(msgspec.Struct, kw_only=True, dict=True):
    """One stream event with ``data`` decoded on first read (same attributes as
    ``RunEvent``). A ``step`` event's step is decoded straight into a compact
    ``LazyItem`` (``step_item``): a busy stream never builds its steps' dicts."""

    ts: str | None = None
    kind: str = ""
    subject: str = ""
    data_raw: msgspec.Raw = msgspec.field(default=_NULL, name="data")

    @cached_property
    def data(self) -> Any:
        try:
            return _decode_any(self.data_raw)
        except (msgspec.DecodeError, RecursionError):
            return jsonfallback.loads(self.data_raw)

    @cached_property
    def step_item(self) -> LazyItem | None:
        """The step of a ``step`` event whose data is a conversation item with an
        id, an ordinal and a type; None otherwise (core reads ``data`` then)."""
        if self.kind != "step":
            return None
        try:
            item = _item_decoder.decode(self.data_raw)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return None
        if not item.id or item.ordinal <= 0 or not item.type:
            return None
        if item.started_at is None:
            item.started_at = self.ts
        item.__dict__["raw"] = self.data_raw
        return item

    def to_model(self) -> RunEvent:
        return RunEvent(ts=self.ts, kind=self.kind, subject=self.subject, data=self.data)

    def wire(self) -> dict[str, Any]:
        return {"ts": self.ts, "kind": self.kind, "subject": self.subject, "data": self.data}


_event_decoder = msgspec.json.Decoder(LazyEvent)
_item_decoder = msgspec.json.Decoder(LazyItem)


def decode_event(data: str | bytes) -> LazyEvent | RunEvent | None:
    """One SSE ``data`` as an event; None when it is not a JSON object (skipped
    and counted by the caller). Odd shapes fall back to the tolerant model."""
    try:
        return _event_decoder.decode(data)
    except (msgspec.ValidationError, RecursionError):
        pass  # an odd field type, or nesting deeper than msgspec goes: the tolerant path
    except msgspec.DecodeError:
        if not isinstance(data, (bytes, str)) or not data.lstrip()[:1] in ("{", b"{"):
            return None
    try:
        return RunEvent.model_validate_json(data)
    except ValidationError:
        try:
            return RunEvent.model_validate(jsonfallback.loads(data))
        except (ValueError, ValidationError):
            return None


class _Body(msgspec.Struct):
    session: msgspec.Raw
    runs: msgspec.Raw = msgspec.Raw(b"[]")
    items: list[LazyItem] = []


class _RawItems(msgspec.Struct):
    items: list[msgspec.Raw] = []


_body_decoder = msgspec.json.Decoder(_Body)
_raw_items_decoder = msgspec.json.Decoder(_RawItems)


def decode_conversation(data: bytes) -> Conversation:
    """A ``Conversation`` whose items are ``LazyItem`` (or ``ConversationItem`` after a fallback)."""
    with paused_gc():
        return _decode(data)


def _decode(data: bytes) -> Conversation:
    try:
        body = _body_decoder.decode(data)
        raws = _raw_items_decoder.decode(data).items
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return _tolerant(data)
    for item, raw in zip(body.items, raws):
        item.__dict__["raw"] = raw
    items = body.items
    if any(a.ordinal > b.ordinal for a, b in zip(items, items[1:])):
        items.sort(key=lambda item: item.ordinal)
    try:
        session = Session.model_validate_json(bytes(body.session))
        runs = [Run.model_validate(run) for run in _decode_any(body.runs)]
    except (ValidationError, msgspec.DecodeError, TypeError, RecursionError):
        return _tolerant(data)
    # model_construct: the items are already checked by msgspec, and pydantic would
    # turn them back into ConversationItem (the cost this path exists to avoid).
    return Conversation.model_construct(session=session, runs=runs, items=items)


def _tolerant(data: bytes) -> Conversation:
    """The pydantic path, and the standard library's reader when even that refuses the JSON."""
    try:
        return Conversation.model_validate_json(data)
    except ValidationError as exc:
        if not any(error["type"] == "json_invalid" for error in exc.errors(include_url=False)):
            raise
        return Conversation.model_validate(jsonfallback.loads(data))
