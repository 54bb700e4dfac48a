"""What a refused request raises (``ApiError``), the bodies it becomes, and the small validators.

Error bodies are JSON ``{"statusCode": N, "error": "...", "message": "..."}``. In the
docs-minimal dialect they are what a NestJS gateway sends: a field's validation
error is a class-validator list ``[{"property", "constraints": {rule: text}}]``, a
query parameter's a list of strings, and 429/500 carry no ``error``.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from starlette.responses import Response

from phrony_tui.sim.world import dumps

REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error"}  # fmt: skip


class ApiError(Exception):
    """``message`` is what the friendly dialect sends. ``field`` and ``rules`` (class-validator rule ->
    text) make it a field's validation error in docs-minimal; ``listed`` a list of strings there."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, *,
                 field: str | None = None, rules: dict[str, str] | None = None, listed: bool = False,
                 nest: str | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.field = field
        self.rules = rules
        self.listed = listed
        self.nest = nest  # docs-minimal's own wording, when NestJS words it differently


def invalid(name: str, rules: dict[str, str], message: str | None = None) -> ApiError:
    """A field's 400: one sentence (friendly) or a class-validator object (docs-minimal)."""
    return ApiError(400, message or "; ".join(rules.values()), field=name, rules=rules)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"statusCode": status, "error": REASONS.get(status, "Error"), "message": message}
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


def render(exc: ApiError, nest_errors: bool) -> Response:
    """The response of a refused request, in the dialect's words."""
    if not nest_errors:
        return error_response(exc.status, exc.message, exc.headers)
    message: Any = exc.nest or exc.message
    if exc.field is not None:
        message = [{"property": exc.field, "constraints": exc.rules or {"isValid": exc.message}}]
    elif exc.listed:
        message = [message]
    body: dict[str, Any] = {"statusCode": exc.status, "message": message}
    if exc.status not in (429, 500):  # NestJS's throttler and its catch-all send no "error"
        body["error"] = REASONS.get(exc.status, "Error")
    return Response(dumps(body), status_code=exc.status, media_type="application/json", headers=exc.headers)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def uuid_param(value: str, what: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ApiError(400, f"{what} must be a UUID, got {value!r}", nest="Validation failed (uuid is expected)") from None
    return value


def json_object(body: Any, what: str = "body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, f"{what} must be a JSON object")
    return body


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def positive_int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    rules = {"isInt": f"{name} must be an integer number", "isPositive": f"{name} must be a positive number"}
    if value is None:
        raise invalid(name, rules, f"{name} is required (a positive integer)")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(name, rules, f"{name} must be a positive integer, got {json.dumps(value)}")
    return value


def int_param(raw: str | None, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}", listed=True,
                       nest=f"{name} must be an integer number") from None  # fmt: skip
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        nest = f"{name} must not be less than {minimum}" if value < minimum else f"{name} must not be greater than {maximum}"
        raise ApiError(400, f"{name} must be {bound}, got {value}", listed=True, nest=nest)
    return value
