"""Errors raised by the Phrony client.

Every error is a :class:`PhronyError`, so a caller can catch one type; each
subclass says who is at fault:

- :class:`PhronyAPIError`: the server answered with an error status. ``str()``
  is a sentence a person can act on; ``status``, ``path``, ``body`` and
  ``retry_after`` are there for code.
- :class:`PhronyConnectionError` (and :class:`PhronyTimeoutError`): no usable
  answer came back (DNS, refused connection, TLS, timeout, dropped stream).
  ``maybe_applied`` says whether the request had left in full before the failure
  (a reset or a timeout while waiting for the answer): the server may then have
  applied it, so check before offering to send it again.
- :class:`PhronyProtocolError`: a success status with a body that does not
  follow the contract (not JSON, a required field missing, not an event stream).
- :class:`PhronyUsageError`: refused locally, before any request (bad argument).
  It is also a ``ValueError``.

No error ever holds the API key: messages are built from the route, the host
and the server's text, and the client redacts the key from server text too.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time

__all__ = [
    "PhronyAPIError",
    "PhronyConnectionError",
    "PhronyError",
    "PhronyProtocolError",
    "PhronyTimeoutError",
    "PhronyUsageError",
    "parse_retry_after",
    "redact_encoded",
    "server_message",
]

# How much of the server's text goes into a message (the full text stays in `.body`).
MESSAGE_LIMIT = 300


class PhronyError(Exception):
    """Base class of every error raised by ``phrony_tui.client``."""


class PhronyUsageError(PhronyError, ValueError):
    """A call refused locally, before any request: fix the arguments or the config."""


class PhronyConnectionError(PhronyError):
    """The server could not be reached, or the connection broke or went silent.

    ``maybe_applied``: the whole request had been sent when this happened (a reset,
    a read timeout or the overall deadline while waiting for the answer), so the
    server may have applied it. False when it surely was not (nothing or only part
    of it was sent: a refused connection, a connect timeout), and always False for
    a GET. After a true one, look (the run's status, the conversation's last steps,
    the sessions list) before offering to send again.
    """

    def __init__(self, message: str, *, host: str | None = None, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.host = host
        self.maybe_applied = maybe_applied

    def __reduce__(self):  # keep it picklable despite the keyword-only arguments
        return (_rebuild_connection_error, (type(self), str(self), self.host, self.maybe_applied))


def _rebuild_connection_error(cls, message, host, maybe_applied):
    return cls(message, host=host, maybe_applied=maybe_applied)


class PhronyTimeoutError(PhronyConnectionError):
    """A connect, read or write timeout (a silent stream ends with this one)."""


class PhronyProtocolError(PhronyError):
    """A success status whose body does not follow the wire contract."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _is_file_route(path: str) -> bool:
    return path.startswith("/v1/file-library")


_START_RUN = re.compile(r"^/v1/agents/[^/]+/runs/?$")


def _advice(status: int, path: str, retry_after: float | None, method: str | None = None,
            workspace_token: bool = False) -> str:
    """What the status means for a person using the inspector, and what to do."""
    if status == 400:
        return "the server rejected the request as invalid"
    if status == 401:
        if workspace_token:
            return (
                "the key is a workspace access token (pwt_...): those are for the Phrony CLI's "
                "other routes; the /v1 API needs a phk_ API key (set PHRONY_API_KEY, or --profile)"
            )
        return "the API key is missing or invalid: check PHRONY_API_KEY (or --profile)"
    if status == 403:
        if _is_file_route(path):
            return (
                'file uploads are not enabled for this API key: turn on "Allow file uploads" '
                "for the key in the Phrony dashboard"
            )
        return (
            "this agent or run is outside the scope of this API key (keys are scoped to "
            "agents and their API triggers; open the session's root run, not a sub-agent run)"
        )
    if status == 404:
        if path.startswith("/v1/runs/"):
            return "no such run (check the run id, and that the key's workspace owns it)"
        if path.startswith("/v1/agents/"):
            return "no such agent (check the agent id, and that the key's workspace owns it)"
        return "not found"
    if status == 409 and _START_RUN.match(path) and method in (None, "POST"):
        return (
            "the run was not started: the agent is blocked from starting runs now "
            "(older docs: blocked by the agent's firewall); see the server's words"
        )
    if status == 409:
        return (
            "the request conflicts with the run's current state (already answered, or no "
            "longer waiting): refresh and try again"
        )
    if status == 429:
        wait = f"retry after {_seconds(retry_after)}" if retry_after is not None else "wait and retry"
        return f"rate or concurrency limit reached: {wait}"
    if 500 <= status <= 599:
        return "the Phrony server had a problem: try again later"
    if 300 <= status <= 399:
        return "the server redirected the request: set the base URL to the final address"
    return "unexpected status"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 1 or value == 0 else f"{value:.1f} s"


def server_message(body: str, limit: int = MESSAGE_LIMIT) -> str:
    """The human part of an error body, as the official CLI reads a NestJS gateway's:
    ``message`` (a string; a list of strings, joined with "; "; class-validator
    entries ``{property, constraints}`` as ``property: text``; a nested object),
    else ``error``, RFC 7807 ``detail``, ``title``; else the text, whitespace collapsed.
    "" for an empty body.

    Always one printable line of at most ``limit`` characters.
    """
    text = body.strip()
    if not text:
        return ""
    found: str | None = None
    if text[:1] in "{[":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        found = _message_from_json(data)
    message = found if found is not None else text
    return _one_line(message, limit)


def _one_line(message: str, limit: int) -> str:
    message = " ".join(message.split())
    # Server text is untrusted and str(error) may be printed to a terminal as is:
    # no escape sequences, control or bidi-override characters.
    if not message.isprintable():
        message = "".join(ch if ch.isprintable() else "\ufffd" for ch in message)
    if len(message) > limit:
        message = message[: limit - 1] + "…"
    return message


def _message_from_json(data: object, depth: int = 0) -> str | None:
    if not isinstance(data, dict) or depth > 8:
        return None
    for key in ("message", "error", "detail", "title"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, dict):  # {"error": {"message": "..."}}
            inner = _message_from_json(value, depth + 1)
            if inner:
                return inner
        if isinstance(value, list) and value:  # {"message": ["a", "b"]} (validation lists)
            parts = [_list_entry(v, depth) for v in value[:50]]
            return "; ".join(part for part in parts if part)
    return None


def _list_entry(value: object, depth: int) -> str:
    """One entry of a validation list: a string, or a class-validator error
    ``{property, constraints: {rule: text}, children: [...]}`` as ``property: text``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and ("constraints" in value or "children" in value):
        return "; ".join(_constraint_texts(value, "", depth))
    if isinstance(value, dict):
        inner = _message_from_json(value, depth + 1)
        if inner:
            return inner
    try:
        return json.dumps(value, ensure_ascii=False)[:MESSAGE_LIMIT]
    except (TypeError, ValueError, RecursionError):
        return ""


def _constraint_texts(entry: dict, prefix: str, depth: int) -> list[str]:
    name = entry.get("property")
    where = f"{prefix}.{name}" if prefix and name is not None else (str(name) if name is not None else prefix)
    constraints = entry.get("constraints")
    texts = [str(t) for t in constraints.values()] if isinstance(constraints, dict) else []
    out = [f"{where}: {', '.join(texts)}" if where else ", ".join(texts)] if texts else []
    children = entry.get("children")
    if isinstance(children, list) and depth < 8:
        for child in children[:50]:
            if isinstance(child, dict):
                out += _constraint_texts(child, where, depth + 1)
    return out


_ESCAPES = ("\\u{:04x}", "\\u{:04X}", "%{:02x}", "%{:02X}", "&#{:d};", "&#x{:x};", "&#x{:X};")


def redact_encoded(text: str, secret: str, placeholder: str) -> str:
    """``text`` with ``secret`` replaced by ``placeholder`` however it was written: as is,
    with any characters JSON-escaped (``phk\\u005f...``), percent- or HTML-entity-encoded,
    or the whole key in base64 or hex. For server text the client keeps or shows."""
    if not secret or not text:
        return text
    if secret in text:
        text = text.replace(secret, placeholder)
    if any(mark in text for mark in ("\\u", "%", "&#")):
        pattern = "".join(
            "(?:" + "|".join(re.escape(form.format(ord(ch))) for form in _ESCAPES) + "|" + re.escape(ch) + ")"
            for ch in secret
        )
        text = re.sub(pattern, placeholder, text)
    raw = secret.encode()
    hexed = binascii.hexlify(raw).decode()
    for form in (base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("="),
                 hexed, hexed.upper()):
        if form in text:
            text = text.replace(form, placeholder)
    return text


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delay-seconds or an HTTP-date; None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        from email.utils import parsedate_to_datetime  # a date in Retry-After: rare

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class PhronyAPIError(PhronyError):
    """The server answered with an error status.

    ``status``: the HTTP status; ``path``: the route (``/v1/runs/<id>/messages``,
    no host, no query, never a key); ``body``: the server's text, whole;
    ``retry_after``: seconds to wait (from ``Retry-After``) or None;
    ``method``: the HTTP method; ``workspace_token``: the request carried a ``pwt_``
    token rather than a ``phk_`` API key (the 401 advice says so).

    ``said`` is the server's words as the client already worked them out (redacted
    after decoding: see ``redact_encoded``); without it they are read from ``body``.
    """

    def __init__(
        self,
        status: int,
        path: str,
        body: str = "",
        retry_after: float | None = None,
        *,
        method: str | None = None,
        said: str | None = None,
        workspace_token: bool = False,
    ) -> None:
        self.status = status
        self.path = path
        self.body = body
        self.retry_after = retry_after
        self.method = method
        self.workspace_token = workspace_token
        self._said = said
        super().__init__(self._message())

    @property
    def server_message(self) -> str:
        """The server's own words (JSON message/error/detail, else the text), truncated."""
        return self._said if self._said is not None else server_message(self.body)

    def _message(self) -> str:
        reason = _REASONS.get(self.status, "")
        where = f"{self.method} {self.path}" if self.method else self.path
        head = f"{self.status} {reason}".rstrip() + f" on {where}"
        advice = _advice(self.status, self.path, self.retry_after, self.method, self.workspace_token)
        text = f"{head}: {advice}"
        said = self.server_message
        if said:
            text += f". Server said: {said}"
        else:
            text += ". No error details were returned."
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, path={self.path!r}, "
            f"method={self.method!r}, retry_after={self.retry_after!r})"
        )

    def __reduce__(self):  # keep it picklable despite the keyword-only argument
        return (
            _rebuild_api_error,
            (self.status, self.path, self.body, self.retry_after, self.method, self._said, self.workspace_token),
        )


def _rebuild_api_error(status, path, body, retry_after, method, said=None, workspace_token=False):
    return PhronyAPIError(status, path, body, retry_after, method=method, said=said,
                          workspace_token=workspace_token)
