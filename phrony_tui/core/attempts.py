"""Start attempts made from this terminal: what was sent and what came back. Pure.

The public API has no route to the server's own ingress (trigger) log, so the
inspector keeps its own record of the starts it made: ``POST
/v1/agents/{agentId}/runs`` calls, each with its payload (the ``input``) and its
outcome. The record is a JSON document (``dumps`` / ``loads``); reading and
writing the file is the UI's job (``ui/dialogs/attempts_store.py``), which
writes it ``0600`` under the XDG state directory (:func:`attempts_path`).
It never holds the API key: only ids, the base URL, the payload and outcomes.

Outcomes:

- ``accepted``: ``202``, a run started (``run_id``);
- ``duplicate``: ``202`` with ``duplicateDelivery: true``: the server saw this
  delivery before and answered with an existing run;
- ``rate_limited``: ``429`` (``retry_after`` seconds when the server said);
- ``rejected``: any other error status (``status`` and the server's message);
- ``no_answer``: no usable answer (network, timeout, a body that is not the
  contract): a run may or may not have started, the sessions list tells.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import PurePath
from typing import Any, Literal

from phrony_tui.core.safe_text import one_line

__all__ = [
    "APP_DIR",
    "ATTEMPTS_ENV",
    "MAX_ATTEMPTS",
    "MAX_PAYLOAD_CHARS",
    "Attempt",
    "Outcome",
    "attempts_path",
    "dumps",
    "loads",
    "merge",
    "new_attempt_id",
]

Outcome = Literal["accepted", "duplicate", "rate_limited", "rejected", "no_answer"]
OUTCOMES: frozenset[str] = frozenset({"accepted", "duplicate", "rate_limited", "rejected", "no_answer"})

APP_DIR = "phrony-tui"
FILE_NAME = "attempts.json"
#: an environment variable naming the file itself (tests, several profiles)
ATTEMPTS_ENV = "PHRONY_TUI_ATTEMPTS_FILE"
SCHEMA = 1
#: the newest this many attempts are kept
MAX_ATTEMPTS = 200
#: payloads longer than this (as compact JSON) are kept as a preview only, and cannot be retried
MAX_PAYLOAD_CHARS = 64 * 1024
MESSAGE_LIMIT = 300


def new_attempt_id() -> str:
    """A short random id (8 hex digits) to name an attempt in the list."""
    return secrets.token_hex(4)


def _payload_text(payload: Any) -> str | None:
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One start of a run from this terminal."""

    id: str
    at: str  # ISO-8601, when it was sent
    agent_id: str
    base_url: str
    outcome: str  # one of OUTCOMES (an unknown string read from a newer file is kept)
    payload: Any = None  # the ``input`` object sent, when kept whole
    payload_complete: bool = True
    payload_preview: str | None = None  # the start of a payload too long to keep
    agent_name: str | None = None
    retry_of: str | None = None
    run_id: str | None = None
    session_id: str | None = None
    run_status: str | None = None  # ``status`` of the 202
    status: int | None = None  # HTTP status of a rejection / rate limit
    message: str | None = None  # the server's message, or what went wrong
    retry_after: float | None = None

    # -- building ----------------------------------------------------------------
    @classmethod
    def new(
        cls,
        *,
        at: str,
        agent_id: str,
        base_url: str,
        payload: Any,
        outcome: str,
        agent_name: str | None = None,
        retry_of: str | None = None,
        attempt_id: str | None = None,
        **result: Any,
    ) -> Attempt:
        """An attempt with its payload kept whole when small enough (else a preview)."""
        text = _payload_text(payload)
        complete = text is not None and len(text) <= MAX_PAYLOAD_CHARS
        preview = None
        if not complete:
            preview = (text or repr(payload))[:2000]
        message = result.pop("message", None)
        return cls(
            id=attempt_id or new_attempt_id(),
            at=at,
            agent_id=agent_id,
            base_url=base_url,
            outcome=outcome,
            payload=payload if complete else None,
            payload_complete=complete,
            payload_preview=preview,
            agent_name=agent_name,
            retry_of=retry_of,
            message=None if message is None else one_line(message, MESSAGE_LIMIT),
            **result,
        )

    # -- reading -----------------------------------------------------------------
    @property
    def source(self) -> str:
        """``API``, or ``API (retry)`` for a retry of an earlier attempt."""
        return "API (retry)" if self.retry_of else "API"

    @property
    def started(self) -> bool:
        """A run exists for it (accepted, or a duplicate answered with a run)."""
        return self.outcome in ("accepted", "duplicate") and bool(self.run_id)

    @property
    def can_retry(self) -> bool:
        """Only when no run started and the payload sent is known whole."""
        return not self.started and self.outcome in ("rate_limited", "rejected", "no_answer") and self.payload_complete

    def why_not_retry(self) -> str | None:
        """Why retry is not offered (None when it is)."""
        if self.started:
            return "a run started for this attempt: open it instead"
        if not self.payload_complete:
            return "the payload was too large to keep, so it cannot be sent again"
        if self.outcome not in ("rate_limited", "rejected", "no_answer"):
            return f"nothing to retry for an outcome of {self.outcome!r}"
        return None

    def outcome_label(self) -> str:
        """The outcome in words, one line."""
        if self.outcome == "accepted":
            return f"accepted ({self.run_status})" if self.run_status else "accepted"
        if self.outcome == "duplicate":
            return "duplicateDelivery (an earlier run)"
        if self.outcome == "rate_limited":
            wait = f", retry after {_seconds(self.retry_after)}" if self.retry_after is not None else ""
            return f"rate-limited ({self.status or 429}{wait})"
        if self.outcome == "rejected":
            said = f": {self.message}" if self.message else ""
            return f"rejected {self.status or '?'}{said}"
        if self.outcome == "no_answer":
            said = f": {self.message}" if self.message else ""
            return f"no answer{said}"
        return self.outcome

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: value for key, value in data.items() if value is not None or key == "payload"}


def _seconds(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.0f} s" if value >= 1 or value == 0 else f"{value:.1f} s"


_REQUIRED_STR = ("id", "at", "agent_id", "base_url", "outcome")
_OPTIONAL_STR = ("payload_preview", "agent_name", "retry_of", "run_id", "session_id", "run_status", "message")


def _from_dict(data: Any) -> Attempt | None:
    """An attempt from stored JSON, or None when it does not look like one."""
    if not isinstance(data, Mapping):
        return None
    values: dict[str, Any] = {}
    for name in _REQUIRED_STR:
        value = data.get(name)
        if not isinstance(value, str) or not value:
            return None
        values[name] = value
    for name in _OPTIONAL_STR:
        value = data.get(name)
        values[name] = value if isinstance(value, str) else None
    status = data.get("status")
    values["status"] = status if isinstance(status, int) and not isinstance(status, bool) else None
    after = data.get("retry_after")
    if isinstance(after, bool) or not isinstance(after, (int, float)) or not math.isfinite(after):
        after = None
    values["retry_after"] = None if after is None else float(after)
    complete = data.get("payload_complete")
    values["payload_complete"] = complete if isinstance(complete, bool) else False
    values["payload"] = data.get("payload")
    return Attempt(**values)


def dumps(attempts: Iterable[Attempt]) -> str:
    """The stored document: ``{"schema": 1, "attempts": [...]}``, oldest first."""
    document = {"schema": SCHEMA, "attempts": [attempt.to_dict() for attempt in attempts]}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def loads(text: str) -> list[Attempt]:
    """Attempts from a stored document, oldest first. Entries that do not parse are
    dropped; a document that is not JSON raises ``ValueError``."""
    data = json.loads(text)
    if isinstance(data, Mapping):
        entries = data.get("attempts")
    else:
        entries = data
    if not isinstance(entries, list):
        raise ValueError("not an attempts file (no 'attempts' list)")
    return [attempt for attempt in (_from_dict(entry) for entry in entries) if attempt is not None]


def merge(existing: Iterable[Attempt], added: Iterable[Attempt], limit: int = MAX_ATTEMPTS) -> list[Attempt]:
    """``existing`` plus ``added`` (an id seen again replaces the older entry), in time
    order, keeping the newest ``limit``."""
    by_id: dict[str, Attempt] = {}
    for attempt in (*existing, *added):
        by_id.pop(attempt.id, None)
        by_id[attempt.id] = attempt
    ordered = sorted(by_id.values(), key=lambda attempt: attempt.at)  # stable: ties keep insertion order
    return ordered[-limit:] if limit > 0 else []


def attempts_path(environ: Mapping[str, str], home: str | os.PathLike[str]) -> PurePath:
    """Where attempts are kept: ``$PHRONY_TUI_ATTEMPTS_FILE``, else
    ``$XDG_STATE_HOME/phrony-tui/attempts.json``, else ``~/.local/state/phrony-tui/attempts.json``.
    A relative ``XDG_STATE_HOME`` is ignored (the XDG spec says so)."""
    explicit = environ.get(ATTEMPTS_ENV, "").strip()
    if explicit:
        if explicit == "~" or explicit.startswith("~/"):
            return PurePath(home) / explicit[2:]
        return PurePath(explicit)
    state = environ.get("XDG_STATE_HOME", "").strip()
    base = PurePath(state) if state and os.path.isabs(state) else PurePath(home) / ".local" / "state"
    return base / APP_DIR / FILE_NAME

