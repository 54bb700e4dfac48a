"""Tolerant reading: a body that fails validation is repaired, not refused, when it can be.

A server written from the same docs may send an optional field with a type we did
not expect (``"runCount": "three"``), or one list item without an id. Refusing the
whole sessions page (or the whole conversation) for that would hide everything
else. So, only after strict validation failed: a wrongly typed field is dropped
(the model's default stands in), and a list item that lacks something it cannot
do without (an id) is dropped; then the body is validated again. What cannot be
repaired this way (a required top-level field) still fails, with the first error.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

MAX_ROUNDS = 8  # each round fixes every error pydantic reported; nesting may reveal more


def validate_repaired(model: type[M], data: Any, error: ValidationError) -> tuple[M, int]:
    """The model from ``data`` with the fields and list items ``error`` blames removed
    (round after round); and how many were removed. Raises the last ValidationError
    when a round can remove nothing more."""
    removed = 0
    for _ in range(MAX_ROUNDS):
        fixed = _remove(data, error.errors(include_url=False, include_input=False))
        if not fixed:
            break
        removed += fixed
        try:
            return model.model_validate(data), removed
        except ValidationError as again:
            error = again
    raise error


def _remove(data: Any, errors: list[dict[str, Any]]) -> int:
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
