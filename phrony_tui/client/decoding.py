"""The client's one tolerant-decoding ladder: every body and event is read through here.

1. Fast and strict: pydantic-core (``model_validate_json``) or msgspec, straight from bytes.
2. The standard library's reader, for JSON the fast parsers refuse: nesting deeper
   than their few hundred levels, a lone UTF-16 surrogate escape (``\\ud800``), an
   integer of more digits than Python converts (4,300: kept as its text, a ``str``).
   The contract says content is "any JSON", and one such step must not make a whole
   session unreadable. What is nested deeper still (past ``DEEP_LIMIT``) is read
   piece by piece: the object or list is split at its top level without recursion,
   each part read on its own, and only the part that cannot be read becomes
   :data:`UNREADABLE` (one step's content, not the conversation).
3. Repair: only after validation failed, a wrongly typed field is dropped (the
   model's default stands in) and a list item lacking what it cannot do without (an
   id) is dropped; then the body is validated again (logged). A server written from
   the same docs may send ``"runCount": "three"``; refusing the whole sessions page
   for that would hide everything else. A required top-level field still fails.

``api`` (every route), ``lazy`` (the msgspec fast path) and ``stream`` (events) call
:func:`loads` and :func:`validate`; nothing else in the client decodes JSON.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

# pydantic is imported by the rungs that validate a model (the lazy paths' loads does
# without it: client/lazy.py, client/records.py).
if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

__all__ = ["DEEP_LIMIT", "UNREADABLE", "TooDeep", "loads", "slow_loads", "validate"]

log = logging.getLogger("phrony_tui.client")

M = TypeVar("M", bound="BaseModel")

# Deep enough for any real payload; the recursion limit goes back to what it was after.
DEEP_LIMIT = 20_000
PIECE_LEVELS = 6  # how many levels of an over-deep value are split before giving up on a part
MAX_REPAIR_ROUNDS = 8  # each round fixes every error pydantic reported; nesting may reveal more

# What stands in for a part of a body nested too deeply to read (a str, so every view
# can show it as text).
UNREADABLE = "(unreadable: nested too deeply)"

_lock = threading.Lock()
_fast_loads = msgspec.json.Decoder().decode


class TooDeep(ValueError):
    """JSON nested deeper than ``DEEP_LIMIT`` (the standard library's reader gave up)."""


def loads(raw: bytes | bytearray | memoryview | str) -> Any:
    """Any JSON value: msgspec first, the standard library when msgspec refuses it
    (rung 2). Raises ValueError when it is not JSON."""
    try:
        return _fast_loads(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        # deep nesting, a lone surrogate, an integer beyond 64 bits
        return slow_loads(raw)


def _int(text: str) -> int | str:
    # Python refuses to convert more than sys.get_int_max_str_digits() digits (and str()
    # of such an int raises too): such a number is kept as the text it came as.
    limit = sys.get_int_max_str_digits()
    if limit and len(text) - (text[:1] == "-") > limit:
        return text
    return int(text)


_decoder = json.JSONDecoder(parse_int=_int)


def slow_loads(raw: bytes | bytearray | memoryview | str) -> Any:
    """``json.loads`` that survives deep nesting and huge integers (raises ValueError on
    bad JSON). A part nested deeper than ``DEEP_LIMIT`` becomes :data:`UNREADABLE`."""
    text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", errors="replace")
    try:
        return _std_loads(text)
    except TooDeep:
        pass
    value = _piecewise(text, 0, len(text), PIECE_LEVELS)
    log.info("a JSON body nested too deeply was read piece by piece")
    return value


def _std_loads(text: str) -> Any:
    with _lock:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, DEEP_LIMIT))
        try:
            return _decoder.decode(text)
        except RecursionError as exc:
            raise TooDeep("JSON nested too deeply to read") from exc
        finally:
            sys.setrecursionlimit(previous)


# Strings (unrolled: no backtracking) and the structural characters around them.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')


def _piecewise(text: str, start: int, end: int, levels: int) -> Any:
    """The JSON value in ``text[start:end]``, splitting an over-deep object or list at its
    top level (no recursion on the text's depth); a part that is still too deep at the
    last level is UNREADABLE. ValueError when it is not JSON."""
    try:
        return _std_loads(text[start:end])
    except TooDeep:
        pass
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if levels <= 0 or end - start < 2 or text[start] not in "[{":
        return UNREADABLE
    is_object = text[start] == "{"
    if text[end - 1] != ("}" if is_object else "]"):
        raise ValueError("not JSON")
    members = _members(text, start + 1, end - 1)
    if len(members) < 2:  # a chain ([[[...]]]): splitting it finds nothing readable
        return UNREADABLE
    if not is_object:
        return [_piecewise(text, a, b, levels - 1) for _key, a, b in members]
    out: dict[str, Any] = {}
    for key, a, b in members:
        if key is None:
            raise ValueError("not JSON: an object member without a key")
        out[_std_loads(key)] = _piecewise(text, a, b, levels - 1)
    return out


def _members(text: str, start: int, end: int) -> list[tuple[str | None, int, int]]:
    """The top-level members of the inside of an object or list: (key text or None,
    value start, value end)."""
    members: list[tuple[str | None, int, int]] = []
    depth = 0
    key: str | None = None
    value_start = start
    for match in _TOKEN.finditer(text, start, end):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
        elif depth == 0 and token == ":":
            key = text[value_start : match.start()].strip()
            value_start = match.end()
        elif depth == 0:  # ","
            members.append((key, value_start, match.start()))
            key, value_start = None, match.end()
    if members or key is not None or text[value_start:end].strip():
        members.append((key, value_start, end))  # an empty one (a trailing comma) fails to read
    return members


def validate(model: type[M], raw: bytes | str, *, where: str = "", repair: bool = True) -> M:
    """``model`` from the JSON ``raw``, down the ladder. Raises the last ValidationError
    (the first one when the body is not JSON, or not an object to repair).

    ``repair=False`` stops after rung 2 (stream events: one is kept whole or skipped
    and counted). ``where`` names the route in the repair's log line.
    """
    from pydantic import ValidationError

    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        first = error
    try:
        data = slow_loads(raw)
    except ValueError:
        raise first from None
    try:
        return model.model_validate(data)
    except ValidationError as again:
        if not repair or not isinstance(data, dict):
            raise first if not isinstance(data, dict) else again from None
        last = again
    parsed, removed = _validate_repaired(model, data, last)
    log.info("%s: %d field(s) or item(s) of an unexpected shape left out", where or model.__name__, removed)
    return parsed


# -- rung 3: repair ------------------------------------------------------------


def _validate_repaired(model: type[M], data: Any, error: ValidationError) -> tuple[M, int]:
    """The model from ``data`` with the fields and list items ``error`` blames removed
    (round after round); and how many were removed. Raises the last ValidationError
    when a round can remove nothing more."""
    from pydantic import ValidationError

    removed = 0
    for _ in range(MAX_REPAIR_ROUNDS):
        fixed = _remove(data, error.errors(include_url=False, include_input=False))
        if not fixed:
            break
        removed += fixed
        try:
            return model.model_validate(data), removed
        except ValidationError as again:
            error = again
    raise error


def _remove(data: Any, errors: list[Any]) -> int:
    fields: list[tuple[Any, Any]] = []
    items: dict[int, tuple[list, set[int]]] = {}  # id(list) -> (list, indexes to drop)
    for error in errors:
        loc = error.get("loc") or ()
        path = [part for part in loc if not (isinstance(part, str) and _is_pydantic_tag(part))]
        last_index = max((i for i, part in enumerate(path) if isinstance(part, int)), default=None)
        if error.get("type") == "missing" or not path or isinstance(path[-1], int):
            if last_index is None:
                continue  # a required top-level field: nothing to drop
            parent = _walk(data, path[:last_index])
            if isinstance(parent, list) and 0 <= path[last_index] < len(parent):
                items.setdefault(id(parent), (parent, set()))[1].add(path[last_index])
            continue
        parent = _walk(data, path[:-1])
        if isinstance(parent, dict) and path[-1] in parent:
            fields.append((parent, path[-1]))
    count = 0
    for parent, key in fields:
        if key in parent:
            del parent[key]
            count += 1
    for parent, indexes in items.values():
        for index in sorted(indexes, reverse=True):
            del parent[index]
            count += 1
    return count


def _walk(data: Any, path: list[Any]) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _is_pydantic_tag(part: str) -> bool:
    """Union members appear in error locations as type names (``int``, ``float``,
    ``function-after[...]``): not keys of the body."""
    return part in ("int", "float", "str", "bool", "list", "dict", "none") or "[" in part
