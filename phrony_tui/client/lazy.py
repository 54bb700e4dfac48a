"""A fast read of ``/conversation`` for big sessions: step content stays raw JSON until read.

``PhronyClient.get_conversation`` validates every step into a pydantic model,
content included: about 2.5x the cost of ``json.loads`` on a 50,000-step
session. A viewer needs each step's id, ordinal, run, type and times up front,
and the content of only the rows on screen. So this path decodes the items with
msgspec into ``LazyItem`` structs whose ``content`` is kept as raw bytes
(``msgspec.Raw``) and decoded on first access: about a tenth of ``json.loads``.

``LazyItem`` has the attributes of ``ConversationItem`` (``id``, ``run_id``,
``ordinal``, ``type``, ``content``, ...), plus ``wire()`` (the item exactly as
sent, unknown fields included) and ``to_model()``. The session and runs are
records (``client.records``: the models' attributes and reading rules, no pydantic),
in a ``LazyConversation``; a session or run off the records' types is read by its
pydantic model. When the body does not fit these types (a server that sends an
ordinal as a string, say), ``decode_conversation`` falls back to the tolerant
pydantic path: fast when it can be, never stricter. pydantic and the models are
imported only when one of those paths (or a ``to_model()``) needs them.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from itertools import pairwise, repeat
from operator import attrgetter, is_, itemgetter
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import msgspec

from phrony_tui.client import decoding
from phrony_tui.client.records import LazyConversation, RunRecord, SessionRecord

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, ConversationItem, RunEvent

__all__ = ["ConversationReader", "LazyEvent", "LazyItem", "decode_conversation", "decode_event"]

_NULL = msgspec.Raw(b"null")
_SEARCHES: dict[tuple[bytes, bool], Any] = {}
_TEXT_NEEDLES: dict[bytes, str] = {}
_UNREAD: Any = msgspec.UNSET  # a cache not filled yet (never a decoded JSON value)
_loads = decoding.loads
_GET_SRC = attrgetter("src")
_GET_SRC_IS_EVENT = attrgetter("src_is_event")


class LazyItem(msgspec.Struct, rename="camel", kw_only=True, gc=False):
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
    # The JSON the step came in (for ``wire()``): the item itself, or, when
    # ``src_is_event``, the stream event whose ``data`` it is. Always set after
    # decoding (a JSON key of the same name would be overwritten).
    src: Any = msgspec.field(default=None, name="__phrony_src")
    src_is_event: bool = msgspec.field(default=False, name="__phrony_src_is_event")
    # A live step whose event's ``data`` is the step's content itself (no id, no
    # "content" key: the shape the docs promise, see ``_BareStep``).
    content_is_data: bool = msgspec.field(default=False, name="__phrony_content_is_data")
    content_cache: Any = msgspec.field(default=_UNREAD, name="__phrony_content")

    @property
    def content(self) -> Any:
        content = self.content_cache
        if content is _UNREAD:
            if self.src_is_event:  # a live step keeps only its event's text (see decode_event)
                data = self.sent()
                content = data if self.content_is_data else data.get("content")
            else:
                content = _loads(self.content_raw)
            self.content_cache = content
        return content

    def content_contains(self, needle: bytes) -> bool:
        """A cheap test on the raw content (a live step: its whole event, a superset),
        before paying for a decode. False means surely not; True, maybe."""
        if self.src_is_event and type(self.src) is str:
            text = _TEXT_NEEDLES.get(needle)
            if text is None:
                text = _TEXT_NEEDLES[needle] = needle.decode("utf-8", "replace")
            return text in self.src
        raw = self.src if self.src_is_event else self.content_raw
        key = (needle, type(raw) is str)
        search: Any = _SEARCHES.get(key)  # a str or bytes pattern's search, on a str or a Raw buffer
        if search is None:
            if key[1]:
                search = re.compile(re.escape(needle.decode("utf-8", "replace"))).search
            else:
                search = re.compile(re.escape(needle)).search
            _SEARCHES[key] = search
        return search(raw) is not None  # re reads a buffer in place: no copy

    def sent(self) -> dict[str, Any]:
        """The JSON object the step came in: the item, or its stream event's ``data``."""
        src = self.src
        if src is not None:
            value = _loads(src)
            if self.src_is_event:
                value = value.get("data") if isinstance(value, dict) else None
            if isinstance(value, dict):
                return value
        return self._fields_model().wire()

    def wire(self) -> dict[str, Any]:
        """The item as the server sent it (camelCase, unknown fields kept); a step whose
        event carried its content only: the item those fields make, as the tolerant path's."""
        if self.content_is_data:
            return self._fields_model().wire()
        return self.sent()

    def to_model(self) -> ConversationItem:
        """The pydantic model (validated, unknown fields kept when the raw item is known)."""
        from phrony_tui.client.models import ConversationItem

        if self.src is not None and not self.content_is_data:
            return ConversationItem.model_validate(self.wire())
        return self._fields_model()

    def _fields_model(self) -> ConversationItem:
        from phrony_tui.client.models import ConversationItem

        return ConversationItem(
            id=self.id, run_id=self.run_id, sequence=self.sequence, ordinal=self.ordinal, type=self.type,
            content=self.content, tokens_used=self.tokens_used, error=self.error,
            started_at=self.started_at, finished_at=self.finished_at,
        )  # fmt: skip

    @staticmethod
    def give_ids(items: Sequence[LazyItem], ids: Sequence[str]) -> Sequence[LazyItem]:
        """``items`` given ``ids`` in place (the timeline's stand-in ids of a batch of
        id-less live steps, once it has taken them whole): in C, no copy. Their events
        keep them (``step_item``), now with those ids: an event is applied once."""
        if len(items) != len(ids):
            raise ValueError("items and ids differ in number")
        deque(map(setattr, items, repeat("id"), ids), maxlen=0)
        return items

    @staticmethod
    def any_contains(items: Sequence[LazyItem], needle: bytes) -> bool:
        """``any(item.content_contains(needle) ...)``, in one search when every item is a
        live step that kept its event's text (False: surely none holds it)."""
        if all(map(_GET_SRC_IS_EVENT, items)):
            texts = list(map(_GET_SRC, items))
            if set(map(type, texts)) == {str}:
                # Across a seam a match is a false "maybe" (the caller reads each step then).
                return needle.decode("utf-8", "replace") in "".join(texts)
        return any(item.content_contains(needle) for item in items)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> ConversationItem:
        """Like the pydantic model's (used when a later version of the step arrives). Giving
        an id-less live step the timeline's stand-in id stays a ``LazyItem`` (a cheap copy:
        a busy stream of steps without ids does this for each step)."""
        if not deep and not self.id and update is not None and len(update) == 1 and "id" in update:
            return msgspec.structs.replace(self, id=update["id"])  # type: ignore[return-value]
        return self.to_model().model_copy(update=update, deep=deep)


class LazyEvent(msgspec.Struct, kw_only=True, gc=False):
    """One stream event with ``data`` decoded on first read (same attributes as
    ``RunEvent``). A ``step`` event's step comes decoded straight into a compact
    ``LazyItem`` (``step_item``): a busy stream never builds its steps' dicts."""

    ts: str | None = None
    kind: str = ""
    subject: str = ""
    data_raw: msgspec.Raw = msgspec.field(default=_NULL, name="data")
    step_item: LazyItem | None = msgspec.field(default=None, name="__phrony_step_item")
    data_cache: Any = msgspec.field(default=_UNREAD, name="__phrony_data")

    @property
    def data(self) -> Any:
        data = self.data_cache
        if data is _UNREAD:
            if self.step_item is not None and self.data_raw is _NULL:
                data = self.step_item.sent()
            else:
                data = _loads(self.data_raw)
            self.data_cache = data
        return data

    def to_model(self) -> RunEvent:
        from phrony_tui.client.models import RunEvent

        return RunEvent(ts=self.ts, kind=self.kind, subject=self.subject, data=self.data)

    def wire(self) -> dict[str, Any]:
        return {"ts": self.ts, "kind": self.kind, "subject": self.subject, "data": self.data}


class _StepEvent(msgspec.Struct, kw_only=True, gc=False):
    """A stream event read as a step event in one pass (anything else fails or is checked after)."""

    ts: str | None = None
    kind: str = ""
    subject: str = ""
    data: LazyItem | None = None


_ABSENT = msgspec.Raw(b"")  # a key the JSON did not have (identity: msgspec keeps defaults as they are)


class _BareStep(msgspec.Struct, kw_only=True, gc=False):
    """A step event's ``data`` that is the step's content itself, with no step id (the
    docs promise none on stream events): ``run_id``, ``sequence``, ``step_kind``, the
    message... Read with every spelling, and in the order, that the tolerant reader
    (``core.steps.step_from_event``) takes, so the item is the one it would build. A
    value of another type fails the decode, and the event takes that reader instead."""

    # The docs' keys first: ``_BARE_REST`` is the rest, as a step of that shape leaves them.
    run_id: str | None = None
    sequence: int | None = None
    step_kind: str | None = None
    # Any of these present: another shape (an item, a nested step), the other paths.
    id: msgspec.Raw = _ABSENT
    stepId: msgspec.Raw = _ABSENT
    step_id: msgspec.Raw = _ABSENT
    stepID: msgspec.Raw = _ABSENT
    content: msgspec.Raw = _ABSENT
    step: msgspec.Raw = _ABSENT
    item: msgspec.Raw = _ABSENT
    runId: str | None = None
    ordinal: int | None = None
    stepKind: str | None = None
    stepType: str | None = None
    step_type: str | None = None
    type: str | None = None
    tokensUsed: int | float | None = None
    tokens_used: int | float | None = None
    error: Any = None
    startedAt: str | None = None
    started_at: str | None = None
    finishedAt: str | None = None
    finished_at: str | None = None


# Every field after the first three as a step of the docs' shape leaves them (absent):
# one tuple comparison in C says a step is that shape and nothing more.
_BARE_REST = msgspec.structs.astuple(_BareStep())[3:]
_astuple = msgspec.structs.astuple


class _BareStepEvent(msgspec.Struct, kw_only=True, gc=False):
    ts: str | None = None
    kind: str = ""
    subject: str = ""
    data: _BareStep | None = None


# A value no JSON text gives but by a ``\u0000`` escape (a bare NUL is not JSON).
_NEVER: Final = "\x00phrony"
_Never = Literal["\x00phrony"]
_NUL_ESCAPE = "\\u0000"


class _DocsStep(msgspec.Struct, kw_only=True, gc=False):
    """``_BareStep`` of the docs' shape and nothing more, told by the decode itself: each
    other key of ``_BareStep`` takes only ``_NEVER`` (its default), so any value of one (null
    too) fails the decode, but that one, which a text without a ``\\u0000`` escape cannot
    give. (The 20 checks after a ``_BareStep`` decode were a sixth of a bare step's read.)"""

    run_id: str | None = None
    sequence: int | None = None
    step_kind: str | None = None
    id: _Never = _NEVER
    stepId: _Never = _NEVER
    step_id: _Never = _NEVER
    stepID: _Never = _NEVER
    content: _Never = _NEVER
    step: _Never = _NEVER
    item: _Never = _NEVER
    runId: _Never = _NEVER
    ordinal: _Never = _NEVER
    stepKind: _Never = _NEVER
    stepType: _Never = _NEVER
    step_type: _Never = _NEVER
    type: _Never = _NEVER
    tokensUsed: _Never = _NEVER
    tokens_used: _Never = _NEVER
    error: _Never = _NEVER
    startedAt: _Never = _NEVER
    started_at: _Never = _NEVER
    finishedAt: _Never = _NEVER
    finished_at: _Never = _NEVER


class _DocsStepEvent(msgspec.Struct, kw_only=True, gc=False):
    ts: str | None = None
    kind: str = ""
    subject: str = ""
    data: _DocsStep | None = None


def _bare_item(step: _BareStep, ts: str | None, subject: str, src: Any, share: Any) -> LazyItem | None:
    """The item ``step_from_event`` makes of a bare step (None: not a bare step), keeping
    ``src`` (the event's text) for its content; ``share(s, s)`` keeps a repeated string
    once. Each ``a if a is not None else b`` is ``pick(data, a, b)``: the first key not null."""
    if not (
        step.id is _ABSENT
        and step.stepId is _ABSENT
        and step.step_id is _ABSENT
        and step.stepID is _ABSENT
        and step.content is _ABSENT
        and step.step is _ABSENT
        and step.item is _ABSENT
    ):
        return None
    camel, snake = step.runId, step.run_id
    run_id = (camel if camel is not None else snake) or (snake if snake is not None else camel)
    type_ = step.step_kind
    if type_ is None:
        type_ = step.stepKind
        if type_ is None:
            type_ = step.stepType if step.stepType is not None else step.step_type
            if type_ is None:
                type_ = step.type
    if not type_:
        marker = subject.rfind("step.")
        type_ = subject[marker + 5 :] if marker >= 0 and subject[marker + 5 :] else "step"
    ordinal = step.ordinal
    if ordinal is None or ordinal <= 0:
        ordinal = 0
    sequence = step.sequence
    if sequence == ordinal:
        sequence = ordinal  # one int object for both
    started = step.startedAt if step.startedAt is not None else step.started_at
    started = started or ts
    started = share(started, started)
    finished = step.finishedAt if step.finishedAt is not None else step.finished_at
    if finished == started:
        finished = started
    return LazyItem(
        run_id=share(run_id, run_id),
        sequence=sequence,
        ordinal=ordinal,
        type=share(type_, type_),
        tokens_used=step.tokensUsed if step.tokensUsed is not None else step.tokens_used,
        error=step.error,
        started_at=started,
        finished_at=finished,
        src=src,
        src_is_event=True,
        content_is_data=True,
    )


_event_decoder = msgspec.json.Decoder(LazyEvent)
_step_event_decoder = msgspec.json.Decoder(_StepEvent)
_bare_step_event_decoder = msgspec.json.Decoder(_BareStepEvent)
_docs_step_event_decoder = msgspec.json.Decoder(_DocsStepEvent)

# Strings many steps repeat (run ids, types, timestamps of a burst) are kept once.
_SHARED: dict[str | None, str | None] = {}
_SHARED_MAX = 4096


def _own(item: LazyItem, src: Any, *, is_event: bool) -> None:
    """Fill the fields that are ours, whatever keys of the same names the JSON had."""
    item.src = src
    item.src_is_event = is_event
    item.content_is_data = False
    item.content_cache = _UNREAD


def _own_items(items: list[LazyItem], raws: list[msgspec.Raw]) -> None:
    """``_own`` of each item of a conversation's body, its raw item the source. When the
    JSON planted no key of our fields' names (looked at in C: the flags still false, the
    cache unread) only the sources are set, also in C: a call per item was a tenth of
    reading a big body."""
    if len(items) != len(raws):
        raise ValueError("items and raw items differ in number")
    if (
        any(map(attrgetter("src_is_event"), items))
        or any(map(attrgetter("content_is_data"), items))
        or not all(map(is_, map(attrgetter("content_cache"), items), repeat(_UNREAD)))
    ):
        for item, raw in zip(items, raws, strict=True):
            _own(item, raw, is_event=False)
        return
    deque(map(setattr, items, repeat("src"), raws), maxlen=0)


def decode_events(datas: Sequence[str | bytes]) -> tuple[list[LazyEvent | RunEvent], list[str | bytes]]:
    """Many SSE ``data`` strings (a chunk's) as events, and the data that were no event
    (skipped). A step event is decoded in one pass straight into a compact ``LazyItem``
    that keeps the event's text (for ``wire()`` and ``content``) and no other view of
    it; strings many steps repeat are kept once. A busy stream spends its time here."""
    decode = _step_event_decoder.decode
    decode_bare = _bare_step_event_decoder.decode
    decode_docs = _docs_step_event_decoder.decode
    shared = _SHARED
    if len(shared) > _SHARED_MAX:
        shared.clear()
    share = shared.setdefault
    events: list[LazyEvent | RunEvent] = []
    skipped: list[str | bytes] = []
    keep = events.append
    bare_first = item_first = False
    docs_first = True  # the docs' shape by its own decoder, until an event of another shape comes
    last_run = last_type = last_ts = None  # the last strings shared: a burst repeats them
    for data in datas:
        # A step without an id (the docs' shape, see _BareStep) likely names its kind, or
        # follows one that was: then its reader goes first, and the item's reader is the
        # second try (either order makes the same event; this one reads it once). After a
        # step with its id, the next is likely one too: no search for the kind's key.
        if type(data) is str and not item_first and (bare_first or '"step_kind"' in data):
            if docs_first:
                try:
                    docs: Any = decode_docs(data)
                except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                    docs = None
                    docs_first = False  # another shape (or not JSON): the decoders below, this chunk
                if docs is not None and docs.kind == "step" and (step := docs.data) is not None:
                    type_ = step.step_kind
                    if type_ and _NUL_ESCAPE not in data:
                        # _bare_item's item, made short: the one built below for this shape
                        ts, run_id = docs.ts, step.run_id
                        if run_id != last_run:
                            last_run = share(run_id, run_id)
                        if type_ != last_type:
                            last_type = share(type_, type_)
                        if ts != last_ts:
                            last_ts = share(ts, ts)
                        found: LazyItem | None = LazyItem(
                            run_id=last_run, sequence=step.sequence, type=last_type,  # type: ignore[arg-type]
                            started_at=last_ts, src=data, src_is_event=True, content_is_data=True,
                        )  # fmt: skip
                        keep(LazyEvent(ts=last_ts, kind="step", subject=docs.subject, step_item=found))
                        bare_first = True
                        continue
            try:
                bare = decode_bare(data)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                bare = None
            if bare is not None and bare.kind == "step" and bare.data is not None:
                fields: tuple[Any, ...] = _astuple(bare.data)
                type_ = fields[2]
                if type_ and fields[3:] == _BARE_REST:
                    # run_id, sequence, step_kind and the content: _bare_item's item, made short
                    ts, run_id = bare.ts, fields[0]
                    found = LazyItem(
                        run_id=share(run_id, run_id), sequence=fields[1], type=share(type_, type_),  # type: ignore[arg-type]
                        started_at=share(ts, ts), src=data, src_is_event=True, content_is_data=True,
                    )  # fmt: skip
                    keep(LazyEvent(ts=ts, kind="step", subject=bare.subject, step_item=found))
                    bare_first = True
                    continue
                found = _bare_item(bare.data, bare.ts, bare.subject, data, share)
                if found is not None:
                    keep(LazyEvent(ts=bare.ts, kind="step", subject=bare.subject, step_item=found))
                    bare_first = True
                    continue
            bare_first = False
        try:
            head: Any = decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            head = None
        item = head.data if head is not None and head.kind == "step" else None
        if item is not None and not item.id and item.content_raw is _NULL:
            bare = _decode_bare(data)  # the docs' shape: the step's content, no id
            found = None if bare is None else _bare_item(bare.data, bare.ts, bare.subject, data, share)  # type: ignore[arg-type]
            if found is not None:
                keep(LazyEvent(ts=head.ts, kind="step", subject=head.subject, step_item=found))
                bare_first, item_first = True, False
                continue
            item = None
        if item is not None and item.id and item.ordinal > 0 and item.type:
            started = item.started_at
            if started is None:
                started = head.ts
            if started != last_ts:
                last_ts = share(started, started)
            started = item.started_at = last_ts
            if item.finished_at == started:
                item.finished_at = started
            if item.sequence == item.ordinal:
                item.sequence = item.ordinal
            if item.run_id != last_run:
                last_run = share(item.run_id, item.run_id)
            item.run_id = last_run
            if item.type != last_type:
                last_type = share(item.type, item.type)
            item.type = last_type
            item.src = data
            item.src_is_event = True
            item.content_is_data = False
            item.content_cache = _UNREAD
            item.content_raw = _NULL
            keep(LazyEvent(ts=head.ts, kind="step", subject=head.subject, step_item=item))
            item_first = True
            continue
        item_first = False
        event = _decode_other(data)
        if event is None:
            skipped.append(data)
        else:
            keep(event)
    return events, skipped


def _decode_bare(data: str | bytes) -> _BareStepEvent | None:
    """A step event read as a bare step's event (None: not a step event of that shape)."""
    try:
        event = _bare_step_event_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    if event.kind != "step" or event.data is None:
        return None
    return event


def decode_event(data: str | bytes) -> LazyEvent | RunEvent | None:
    """One SSE ``data`` as an event; None when it is not a JSON object (skipped
    and counted by the caller). Odd shapes fall back to the tolerant model."""
    events, _ = decode_events([data])
    return events[0] if events else None


def _decode_other(data: str | bytes) -> LazyEvent | RunEvent | None:
    """An event that is not a step with its id, ordinal and type: data decoded on first
    read; odd shapes through the tolerant model; None when it is not a JSON object."""
    try:
        event = _event_decoder.decode(data)
    except (msgspec.ValidationError, RecursionError):
        pass  # an odd field type, or nesting deeper than msgspec goes: the tolerant path
    except msgspec.DecodeError:
        if not isinstance(data, (bytes, str)) or data.lstrip()[:1] not in ("{", b"{"):
            return None
    else:
        event.step_item = None  # only decode_events' step path sets these, never the JSON
        event.data_cache = _UNREAD
        return event
    from pydantic import ValidationError

    from phrony_tui.client.models import RunEvent

    try:
        return decoding.validate(RunEvent, data, repair=False)
    except ValidationError:
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
    """A ``LazyConversation`` (typed as the ``Conversation`` whose attributes it has)
    whose items are ``LazyItem``; after a fallback, the pydantic ``Conversation``.

    It allocates a few hundred thousand acyclic objects for a big session: an app may
    pause the collector meanwhile (``PhronyClient(around_bulk_decode=...)``)."""
    try:
        body = _body_decoder.decode(data)
        raws = _raw_items_decoder.decode(data).items
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return _tolerant(data)
    items = body.items
    _own_items(items, raws)
    if any(a.ordinal > b.ordinal for a, b in pairwise(items)):
        items.sort(key=lambda item: item.ordinal)
    head = _head_objects(body.session, body.runs)
    if head is None:
        return _tolerant(data)
    return _conversation(*head, items)


def _head_objects(session_raw: msgspec.Raw, runs_raw: msgspec.Raw) -> tuple[Any, list[Any]] | None:
    """The session and runs as records (client/records.py); one off the records' types is
    read by its pydantic model, as before the records; None when the model refuses it
    too (the caller then takes the tolerant ladder)."""
    try:
        runs_data = _loads(runs_raw)
        session: Any = SessionRecord.read(_loads(session_raw))
    except (ValueError, RecursionError):
        return None
    if type(runs_data) is not list:
        return None
    runs: list[Any] = [RunRecord.read(run) for run in runs_data]
    if session is not None and None not in runs:
        return session, runs
    from pydantic import ValidationError

    from phrony_tui.client.models import Run, Session

    try:
        if session is None:
            session = Session.model_validate_json(bytes(session_raw))
        runs = [Run.model_validate(data) if run is None else run for run, data in zip(runs, runs_data, strict=True)]
    except (ValidationError, msgspec.DecodeError, TypeError, RecursionError):
        return None
    return session, runs


def _conversation(session: Any, runs: list[Any], items: list[Any]) -> Conversation:
    # Not the pydantic model: the items are checked by msgspec already, and the session
    # and runs are records (the cost this path exists to avoid). The same attributes.
    return cast("Conversation", LazyConversation(session, runs, items))


def _tolerant(data: bytes) -> Conversation:
    """The ladder's slower rungs (client/decoding.py): pydantic, the standard library, repair."""
    from phrony_tui.client.models import Conversation

    return decoding.validate(Conversation, data, where="conversation")


# -- reading the body as it arrives -------------------------------------------------------

_item_list_decoder = msgspec.json.Decoder(list[LazyItem])
_raw_list_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_ITEMS_KEY = re.compile(rb'"items"\s*:\s*\[\s*')
# Where an item may end: a "}" followed by the next item's "," or the array's "]".
_ITEM_END = re.compile(rb"\}\s*(?=[,\]])")
_SPACE = b" \t\r\n"
_TRIES = 4  # cut points tried from the end of what arrived, each a decode of the segment


class _Head(msgspec.Struct):
    session: msgspec.Raw
    runs: msgspec.Raw = msgspec.Raw(b"[]")


_head_decoder = msgspec.json.Decoder(_Head)


class ReadAgain(ValueError):
    """The body did not fit the incremental read after some items were handed over (an
    item of a type the structs refuse, keys or bytes after the items): read it again the
    usual way (the bytes are not kept twice)."""


def _between_items(buffer: bytearray, at: int) -> bool:
    """Whether the ``,`` or ``]`` at ``at`` (after a ``}``) may be between two items of the
    array or its end: a ``]``, or a ``,`` before (spaces, then) a ``{``."""
    if buffer[at] != ord(","):
        return True
    after = at + 1
    while after < len(buffer) and buffer[after] in _SPACE:
        after += 1
    return buffer[after : after + 1] == b"{"


class ConversationReader:
    """``/conversation`` decoded as its bytes arrive: ``feed`` them in any pieces, then
    ``finish``. The session and runs come before the items in the API's body, so once they
    are in, ``head`` is a ``Conversation`` with no items, and each ``feed`` returns the
    items completed since (``LazyItem``, as ``decode_conversation`` makes them).

    How it cuts without a JSON scanner in Python: ``[`` + the bytes from the next item to a
    candidate end (a ``}`` before ``,`` or ``]``) + ``]`` decodes only when the candidate
    ends an item of the array (a cut inside a string or a nested value leaves it
    unbalanced), so a failed decode only means "not here": the previous candidate is
    tried, or the next bytes (after a failure, not before the pending bytes doubled: the
    failed work stays linear). The same test with ``"items":[]}`` appended finds the
    top-level ``items`` key.

    Items before the session: nothing is handed over, and ``finish`` decodes the whole
    body (``whole``, as ``decode_conversation``: the tolerant ladder included). A misfit
    found after items were handed over (an item the structs refuse, keys or bytes after
    the items): ``finish`` raises :class:`ReadAgain`."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._searched = 0  # where the search for the items key goes on
        self._scanned = 0  # candidate ends before this index were looked at already
        self._retry_at = 0  # after a failed cut: no new try before the buffer is this long
        self._state = "head"  # head | items | tail | whole | misfit
        self.head: Conversation | None = None
        self.whole: Conversation | None = None
        self.items: list[LazyItem] = []
        self.segments = 0  # decodes that handed items over (for tests and figures)
        self.failed_cuts = 0
        self._head_bytes = b""

    def feed(self, data: bytes) -> list[LazyItem]:
        """The items completed by these bytes (none until the head is in)."""
        if not data or self._state == "misfit":
            return []
        self._buffer += data
        if self._state == "head":
            self._read_head()
        if self._state == "items" and len(self._buffer) >= self._retry_at:
            return self._read_items()
        if self._state == "tail":
            self._check_tail()
        return []

    def finish(self) -> list[LazyItem]:
        """The body is complete: the items its last bytes completed (or ``whole`` is set);
        :class:`ReadAgain` when it cannot be read this way."""
        items: list[LazyItem] = []
        if self._state == "items":
            self._retry_at = 0
            items = self._read_items(last=True)
        if self._state == "head":
            self._state = "whole"  # no top-level items key: the ladder says what it is
        if self._state == "whole":
            self.whole = decode_conversation(bytes(self._buffer))
            self._buffer = bytearray()
            return []
        if self._state != "tail" or self._buffer.strip(_SPACE) != b"}":
            raise ReadAgain("the conversation did not fit the incremental read")
        self._buffer = bytearray()
        return items

    def conversation(self) -> Conversation:
        """The head with every item handed over so far, in order of ordinal (or ``whole``)."""
        if self.whole is not None:
            return self.whole
        assert self.head is not None, "no head read yet"
        items = list(self.items)
        if any(a.ordinal > b.ordinal for a, b in pairwise(items)):
            items.sort(key=lambda item: item.ordinal)
        return _conversation(self.head.session, self.head.runs, items)

    # -- the parts ------------------------------------------------------------------
    def _read_head(self) -> None:
        buffer = self._buffer
        while (found := _ITEMS_KEY.search(buffer, self._searched)) is not None:
            self._searched = found.start() + 1
            try:
                head = _head_decoder.decode(bytes(buffer[: found.start()]) + b'"items":[]}')
            except msgspec.ValidationError:
                self._state = "whole"  # the top level, but no session before the items
                return
            except (msgspec.DecodeError, RecursionError):
                continue  # "items" inside a value: search on
            objects = _head_objects(head.session, head.runs)
            if objects is None:
                self._state = "whole"
                return
            self.head = _conversation(*objects, [])
            self._head_bytes = bytes(buffer[: found.end()])  # for a misfit before any row
            self._drop(found.end())
            self._state = "items"
            return
        # The key may be split across two pieces: search its last bytes again.
        self._searched = max(self._searched, len(buffer) - 64)

    def _read_items(self, *, last: bool = False) -> list[LazyItem]:
        buffer = self._buffer
        skip = 0
        while skip < len(buffer) and buffer[skip] in _SPACE:
            skip += 1
        if skip:
            self._drop(skip)
        if buffer[:1] == b"]":  # an empty array, or its end right after the last cut
            self._drop(1)
            self._state = "tail"
            self._check_tail()
            return []
        ends = self._candidates()
        for end in reversed(ends[-_TRIES:]):
            with memoryview(buffer) as view:
                segment = b"".join((b"[", view[:end], b"]"))
            try:
                items = _item_list_decoder.decode(segment)
                raws = _raw_list_decoder.decode(segment)
            except msgspec.ValidationError:
                # An item msgspec's types refuse: the tolerant ladder, on the whole body at
                # the end when no row went out yet (only the head was dropped), else on a new read.
                if self.items:
                    self._state = "misfit"
                    self._buffer = bytearray()
                else:
                    self._state = "whole"
                    self._buffer[:0] = self._head_bytes
                return []
            except (msgspec.DecodeError, RecursionError):
                self.failed_cuts += 1
                continue
            _own_items(items, raws)
            self.items.extend(items)
            self.segments += 1
            self._retry_at = 0
            rest = end
            while rest < len(buffer) and buffer[rest] in _SPACE:
                rest += 1
            over = buffer[rest : rest + 1] == b"]"
            self._drop(rest + 1)  # the "," after the item, or the array's "]"
            if over:
                self._state = "tail"
                self._check_tail()
            return items
        if not last:
            self._retry_at = 2 * len(buffer)
        return []

    def _candidates(self) -> list[int]:
        """The last few places an item may end (after a ``}`` before ``,`` or ``]``), in
        order, at or after ``_scanned``; looks at each byte once, from the end."""
        buffer = self._buffer
        found: list[int] = []
        likely: list[bool] = []  # the candidate may be between two items (_between_items)
        at = len(buffer)
        first = True
        again = len(buffer)  # where the next look starts
        while len(found) < _TRIES:
            brace = buffer.rfind(b"}", self._scanned, at)
            if brace < 0:
                break
            after = brace + 1
            while after < len(buffer) and buffer[after] in _SPACE:
                after += 1
            if after == len(buffer):
                if first:  # its next byte is still to come: look at it again then
                    again = brace
            elif buffer[after] in b",]":
                found.append(brace + 1)
                likely.append(_between_items(buffer, after))
            first = False
            at = brace
        self._scanned = again
        found.reverse()
        likely.reverse()
        # Tried from the last, the likely ones first: a nested value's end before its
        # item's next key (``}, "key"``) cannot end an item, and a piece ends inside an
        # item's content as often as not (each such try was a failed decode of the whole
        # segment: a third of the decodes of a big body). The others stay, tried after.
        return [end for end, _ in sorted(zip(found, likely, strict=True), key=itemgetter(1))]

    def _check_tail(self) -> None:
        rest = self._buffer.strip(_SPACE)
        if rest not in (b"", b"}"):
            self._state = "misfit"  # keys or bytes after the items
            self._buffer = bytearray()

    def _drop(self, count: int) -> None:
        del self._buffer[:count]
        self._searched = max(0, self._searched - count)
        self._scanned = max(0, self._scanned - count)
