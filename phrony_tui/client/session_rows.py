"""A fast read of the sessions list: rows as msgspec structs, no pydantic.

``list_sessions`` validates a page into the pydantic ``SessionPage``; an app's first
screen is that list, and pydantic with the models costs more to import than the
rest of its start. ``list_sessions(..., lazy=True)`` decodes the page with msgspec
into ``SessionRow`` structs instead: the attributes of ``SessionSummary`` (``id``,
``status``, ``agent_id``, ``started_at``, ..., ``open_run_id``), plus ``wire()`` (the
row exactly as sent, unknown fields included), ``to_model()`` (the pydantic model,
built when asked for) and the model's ``model_copy`` / ``model_dump``. A body that
does not fit these types (an id sent as a number, a ``null`` status, ...) takes the
tolerant pydantic path instead (``decode_page`` returns None): fast when it can be,
never stricter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from phrony_tui.client.models import SessionSummary

__all__ = ["SessionRow", "SessionRowPage", "decode_page"]

_Number = int | float


class SessionRow(msgspec.Struct, rename="camel", kw_only=True):
    """One row of ``GET /v1/agents/{agentId}/sessions`` (see ``SessionSummary``)."""

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
    total_tokens_used: _Number | None = None
    output: Any = None
    error: Any = None
    input: Any = None
    start_context: Any = None
    started_at: str | None = None
    finished_at: str | None = None
    root_run_id: str | None = None
    run_count: int | None = None
    entry_run_id: str | None = None
    # The row's JSON as sent (for ``wire()``); set after decoding (a JSON key of the
    # same name is overwritten).
    src: Any = msgspec.field(default=None, name="__phrony_src")

    @property
    def open_run_id(self) -> str | None:
        """The run id to use for run-scoped routes (entry run, else root run)."""
        return self.entry_run_id or self.root_run_id

    def wire(self) -> dict[str, Any]:
        """The row as the server sent it (camelCase, unknown fields kept)."""
        if self.src is not None:
            value = msgspec.json.decode(self.src)
            if isinstance(value, dict):
                return value
        fields: dict[str, Any] = msgspec.to_builtins(self)
        fields.pop("__phrony_src", None)
        return fields

    def to_model(self) -> SessionSummary:
        """The pydantic ``SessionSummary`` of this row (unknown fields kept)."""
        from phrony_tui.client.models import SessionSummary

        return SessionSummary.model_validate(self.wire())

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> SessionSummary:
        """Like the pydantic model's: the copy is a ``SessionSummary``."""
        return self.to_model().model_copy(update=update, deep=deep)

    def model_dump(self, **options: Any) -> dict[str, Any]:
        """Like the pydantic model's (``by_alias``, ``mode``, ``exclude_unset``...)."""
        return self.to_model().model_dump(**options)


class SessionRowPage(msgspec.Struct, kw_only=True):
    """A page of the sessions list (see ``SessionPage``)."""

    items: list[SessionRow] = msgspec.field(default_factory=list)
    total: int = 0


class _RawPage(msgspec.Struct):
    items: list[msgspec.Raw] = msgspec.field(default_factory=list)
    total: int = 0


_page_decoder = msgspec.json.Decoder(_RawPage)
_row_decoder = msgspec.json.Decoder(SessionRow)


def decode_page(body: bytes) -> SessionRowPage | None:
    """The page, or None when it does not fit the fast types (the caller then takes the
    tolerant pydantic path, whose errors say what is wrong)."""
    try:
        raw = _page_decoder.decode(body)
        rows = []
        for item in raw.items:
            row = _row_decoder.decode(item)
            row.src = item
            rows.append(row)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    if any(isinstance(row.total_tokens_used, float) and not _finite(row.total_tokens_used) for row in rows):
        return None  # pydantic refuses infinity (see models.Number): its path decides
    return SessionRowPage(items=rows, total=raw.total)


def _finite(value: float) -> bool:
    return value - value == 0.0
