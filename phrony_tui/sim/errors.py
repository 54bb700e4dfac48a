"""What a refused request raises (``ApiError``), the bodies it becomes, and the small validators.

Error bodies are JSON ``{"statusCode": N, "error": "...", "message": "..."}``.
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
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"statusCode": status, "error": REASONS.get(status, "Error"), "message": message}
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def uuid_param(value: str, what: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ApiError(400, f"{what} must be a UUID, got {value!r}") from None
    return value


def json_object(body: Any, what: str = "body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, f"{what} must be a JSON object")
    return body


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def positive_int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if value is None:
        raise ApiError(400, f"{name} is required (a positive integer)")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(400, f"{name} must be a positive integer, got {json.dumps(value)}")
    return value


def int_param(raw: str | None, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ApiError(400, f"{name} must be {bound}, got {value}")
    return value
