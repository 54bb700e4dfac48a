"""The session and runs of a conversation read the fast way: plain records, no pydantic.

``client.lazy`` reads a big ``/conversation`` with msgspec (its items are ``LazyItem``);
the session and its runs are a few objects, but validating them with the pydantic
models means importing pydantic and the models, which costs more than the rest of
``--run``'s start. So they are read into ``SessionRecord`` / ``RunRecord``: the
attributes of ``Session`` / ``Run``, the same reading rules (a camelCase key, else the
snake_case one; a key of neither kind kept as an extra), ``wire()`` as the model gives
it (every field, then the extras), ``model_extra``, ``model_fields_set``,
``model_copy`` (a record again), and ``to_model()`` (the pydantic model, built when
asked for). ``LazyConversation`` holds them with the items. An object off the records'
types (an id sent as a number, a ``null`` status, a float depth...) is not read here
(``read`` returns None): the caller takes the pydantic model, whose coercions and
errors stand. A test holds the field tables to the models'.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, ConversationItem, PhronyModel, Run, Session

__all__ = ["LazyConversation", "RunRecord", "SessionRecord"]

# What a field takes (anything else: not a record, the model decides).
_REQUIRED_STR, _STR, _OPT_STR, _NUMBER, _INT, _ANY = range(6)
_MISSING: Any = object()


def _camel(name: str) -> str:
    """pydantic's ``to_camel`` for the snake_case names used here."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _fits(kind: int, value: Any) -> bool:
    if kind == _ANY:
        return True
    if kind == _OPT_STR:
        return value is None or type(value) is str
    if kind in (_STR, _REQUIRED_STR):
        return type(value) is str
    if kind == _INT:
        return type(value) is int
    # A count or amount (models.Number, optional): never a bool, infinite or NaN.
    return value is None or type(value) is int or (type(value) is float and math.isfinite(value))


class _Record:
    """One object of a conversation's head (subclasses list their fields)."""

    __slots__ = ("_extra", "_set")
    # (attribute, wire key, kind, default), in the model's order.
    FIELDS: ClassVar[tuple[tuple[str, str, int, Any], ...]] = ()
    MODEL: ClassVar[str] = ""  # the pydantic model's name in client.models
    _NAMES: ClassVar[frozenset[str]] = frozenset()

    _extra: dict[str, Any]
    _set: set[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._NAMES = frozenset(name for name, *_ in cls.FIELDS)

    @classmethod
    def read(cls, data: Any) -> Any:
        """The record of a decoded JSON object (a dict), or None when it is off the
        record's types (then the pydantic model reads it)."""
        if type(data) is not dict:
            return None
        record = cls.__new__(cls)
        used: set[str] = set()
        for name, alias, kind, default in cls.FIELDS:
            # pydantic's populate_by_name: the alias first, else the field's own name.
            key = alias if alias in data else name if name in data else None
            if key is None:
                if kind == _REQUIRED_STR:
                    return None
                setattr(record, name, default)
                continue
            value = data[key]
            if not _fits(kind, value):
                return None
            setattr(record, name, value)
            used.add(key)
        record._extra = {key: value for key, value in data.items() if key not in used}
        record._set = {name for name, alias, _kind, _default in cls.FIELDS if alias in used or name in used}
        record._set.update(record._extra)
        return record

    # -- the model's views --------------------------------------------------------
    @property
    def model_extra(self) -> dict[str, Any]:
        """The keys sent that are no field (as ``extra="allow"`` keeps them)."""
        return self._extra

    @property
    def model_fields_set(self) -> set[str]:
        """The fields the JSON set, and the extras (as pydantic counts them)."""
        return self._set

    def wire(self) -> dict[str, Any]:
        """The wire shape (camelCase) as the model dumps it: every field, then the extras."""
        shape = {alias: copy.deepcopy(getattr(self, name)) for name, alias, _kind, _default in self.FIELDS}
        shape.update(copy.deepcopy(self._extra))
        return shape

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        """Like the model's (no validation of ``update``): a record again."""
        clone = copy.deepcopy(self) if deep else copy.copy(self)
        clone._extra = dict(clone._extra)
        clone._set = set(clone._set)
        for key, value in (update or {}).items():
            if key in self._NAMES:
                setattr(clone, key, value)
            else:
                clone._extra[key] = value
            clone._set.add(key)
        return clone

    def to_model(self) -> Any:
        """The pydantic model of this record (the same fields set, the extras kept)."""
        from phrony_tui.client import models

        model: type[PhronyModel] = getattr(models, self.MODEL)
        sent = {alias: getattr(self, name) for name, alias, _kind, _default in self.FIELDS if name in self._set}
        return model.model_validate({**sent, **self._extra})

    def __copy__(self) -> Any:
        clone = type(self).__new__(type(self))
        for name in self._NAMES:
            setattr(clone, name, getattr(self, name))
        clone._extra = self._extra
        clone._set = self._set
        return clone

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._extra == other._extra and all(getattr(self, n) == getattr(other, n) for n in self._NAMES)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the models

    def __repr__(self) -> str:  # short: reprs happen behind your back (crash reports, logs)
        return f"{type(self).__name__}(id={getattr(self, 'id', None)!r}, status={getattr(self, 'status', None)!r})"


def _fields(*spec: tuple[str, int, Any]) -> tuple[tuple[str, str, int, Any], ...]:
    return tuple((name, _camel(name), kind, default) for name, kind, default in spec)


class SessionRecord(_Record):
    """The ``session`` of a conversation (the attributes of ``models.Session``)."""

    FIELDS = _fields(
        ("id", _REQUIRED_STR, _MISSING), ("tenant_id", _OPT_STR, None), ("agent_id", _OPT_STR, None),
        ("agent_version_id", _OPT_STR, None), ("llm_model", _OPT_STR, None), ("trigger_type", _OPT_STR, None),
        ("triggered_by", _OPT_STR, None), ("trigger_id", _OPT_STR, None), ("trigger_name", _OPT_STR, None),
        ("status", _STR, ""), ("total_tokens_used", _NUMBER, None), ("output", _ANY, None), ("error", _ANY, None),
        ("input", _ANY, None), ("start_context", _ANY, None), ("started_at", _OPT_STR, None),
        ("finished_at", _OPT_STR, None),
    )  # fmt: skip
    MODEL = "Session"
    __slots__ = tuple(name for name, *_ in FIELDS)

    id: str
    tenant_id: str | None
    agent_id: str | None
    agent_version_id: str | None
    llm_model: str | None
    trigger_type: str | None
    triggered_by: str | None
    trigger_id: str | None
    trigger_name: str | None
    status: str
    total_tokens_used: int | float | None
    output: Any
    error: Any
    input: Any
    start_context: Any
    started_at: str | None
    finished_at: str | None

    if TYPE_CHECKING:

        def to_model(self) -> Session: ...


class RunRecord(_Record):
    """One of a conversation's ``runs`` (the attributes of ``models.Run``)."""

    FIELDS = _fields(
        ("id", _REQUIRED_STR, _MISSING), ("session_id", _OPT_STR, None), ("agent_id", _OPT_STR, None),
        ("agent_version_id", _OPT_STR, None), ("parent_run_id", _OPT_STR, None), ("depth", _INT, 0),
        ("status", _STR, ""), ("total_tokens_used", _NUMBER, None), ("output", _ANY, None), ("error", _ANY, None),
        ("started_at", _OPT_STR, None), ("finished_at", _OPT_STR, None), ("trigger_type", _OPT_STR, None),
        ("triggered_by", _OPT_STR, None), ("trigger_id", _OPT_STR, None), ("trigger_name", _OPT_STR, None),
        ("agent_name", _OPT_STR, None), ("version_label", _OPT_STR, None), ("llm_model", _OPT_STR, None),
        ("input", _ANY, None),
    )  # fmt: skip
    MODEL = "Run"
    __slots__ = tuple(name for name, *_ in FIELDS)

    id: str
    session_id: str | None
    agent_id: str | None
    agent_version_id: str | None
    parent_run_id: str | None
    depth: int
    status: str
    total_tokens_used: int | float | None
    output: Any
    error: Any
    started_at: str | None
    finished_at: str | None
    trigger_type: str | None
    triggered_by: str | None
    trigger_id: str | None
    trigger_name: str | None
    agent_name: str | None
    version_label: str | None
    llm_model: str | None
    input: Any

    if TYPE_CHECKING:

        def to_model(self) -> Run: ...


class LazyConversation:
    """A conversation read the fast way: ``session`` (a ``SessionRecord``, or the
    ``Session`` model when the record could not read it), ``runs`` (likewise),
    ``items`` (``LazyItem``s); ``to_model()`` gives the pydantic ``Conversation``."""

    __slots__ = ("items", "runs", "session")

    def __init__(self, session: Any, runs: list[Any], items: list[Any]) -> None:
        self.session = session
        self.runs = runs
        self.items = items

    def to_model(self) -> Conversation:
        """The pydantic ``Conversation`` (its items stay the ones held here)."""
        from phrony_tui.client.models import Conversation

        items: list[ConversationItem] = list(self.items)
        return Conversation.model_construct(
            session=_model(self.session), runs=[_model(run) for run in self.runs], items=items
        )

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> LazyConversation:
        """Like the model's: ``update`` sets ``session``, ``runs`` or ``items``."""
        clone = copy.deepcopy(self) if deep else LazyConversation(self.session, self.runs, self.items)
        for key, value in (update or {}).items():
            if key not in self.__slots__:
                raise ValueError(f"a conversation has no field {key!r}")
            setattr(clone, key, value)
        return clone

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LazyConversation):
            return NotImplemented
        return (self.session, self.runs, self.items) == (other.session, other.runs, other.items)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:  # short: the full one of 50,000 items takes seconds
        return f"LazyConversation(session={getattr(self.session, 'id', None)!r}, runs={len(self.runs)}, items={len(self.items)})"


def _model(value: Any) -> Any:
    return value.to_model() if isinstance(value, _Record) else value
