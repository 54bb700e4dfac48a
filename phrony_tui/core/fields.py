"""Tolerant reads of open JSON: the primitives every other core module uses.

Server objects come with keys in snake_case or camelCase and values of any
JSON type. These helpers never raise on an unexpected shape; they answer
``None`` instead. They import nothing of the package, so every module of core
(steps, step kinds, tasks) can stand on them without a cycle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["as_mapping", "norm_key", "pick", "scalar_text", "to_int"]


@lru_cache(maxsize=4096)
def norm_key(text: str) -> str:
    """``"toolCall"``, ``"tool_call"``, ``"Tool-Call"``, ``"TOOL CALL"`` all give ``"toolcall"``."""
    return text.replace("_", "").replace("-", "").replace(" ", "").lower()


def as_mapping(value: Any) -> Mapping[str, Any] | None:
    # type() first: isinstance against the Mapping ABC is slow, and JSON gives dicts.
    if type(value) is dict:
        return value
    if value is None or type(value) in (str, list, int, float, bool):
        return None
    return value if isinstance(value, Mapping) else None


def pick(data: Any, *keys: str, default: Any = None) -> Any:
    """The first of ``keys`` present in ``data`` with a value other than None."""
    if type(data) is not dict and not isinstance(data, Mapping):
        return default
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return default


def scalar_text(value: Any) -> str | None:
    """A string for a scalar id-like value (text or a number); None for the rest."""
    if value is None or isinstance(value, (Mapping, list, bool)):
        return None
    text = str(value)
    return text if text.strip() else None


def to_int(value: Any) -> int | None:
    """An int from an int, an integral float or a decimal string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "+-":
            sign, digits = text[:1], text[1:]
        else:
            sign, digits = "", text
        if digits.isascii() and digits.isdigit() and len(digits) <= 30:
            return int(sign + digits)
    return None
