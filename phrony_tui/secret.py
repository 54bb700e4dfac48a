"""The API key's wrapper: plain Python, below every other module (no pydantic on the
app's start: pydantic and the models cost more to import than the rest of the start-up)."""

from __future__ import annotations

__all__ = ["SecretStr"]

_MASK = "**********"


class SecretStr:
    """The API key, as pydantic's ``SecretStr`` holds it (same ``get_secret_value``, same
    masked ``str`` and ``repr``), without importing pydantic on the app's start. Anything
    with ``get_secret_value`` (pydantic's own included) is accepted where a key is."""

    __slots__ = ("_secret_value",)

    def __init__(self, secret_value: str) -> None:
        self._secret_value = secret_value

    def get_secret_value(self) -> str:
        return self._secret_value

    def __str__(self) -> str:
        return _MASK if self._secret_value else ""

    def __repr__(self) -> str:
        return f"SecretStr('{self}')"

    def __len__(self) -> int:
        return len(self._secret_value)

    def __eq__(self, other: object) -> bool:
        get = getattr(other, "get_secret_value", None)
        return callable(get) and get() == self._secret_value

    def __hash__(self) -> int:
        return hash(self._secret_value)
