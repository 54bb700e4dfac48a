"""The async Phrony API client. No textual import: usable as a library on its own.

Importing it has no side effects (no process-wide switch: the app's own start-up
ones live in phrony_tui.entry).

    from phrony_tui.client import PhronyClient, PhronyAPIError

    async with PhronyClient(base_url, api_key) as client:
        page = await client.list_sessions(agent_id)

See docs/client.md.

The pydantic models (and ``RunEventStream``, which yields them) are imported when first
asked for (``phrony_tui.client.Conversation``, ``from phrony_tui.client import Run``):
importing the client alone does not import pydantic (an app's start does without it).
"""

import importlib
from typing import TYPE_CHECKING, Any

from phrony_tui.client.api import DEFAULT_BASE_URL, USER_AGENT, PhronyClient
from phrony_tui.client.errors import (
    PhronyAPIError,
    PhronyConnectionError,
    PhronyError,
    PhronyProtocolError,
    PhronyTimeoutError,
    PhronyUsageError,
)
from phrony_tui.client.security import check_base_url, check_transport, clear_text_warning, is_loopback_host
from phrony_tui.client.sse import StreamStats

if TYPE_CHECKING:
    from phrony_tui.client.models import (
        Conversation,
        ConversationItem,
        FinalizeResult,
        MessageResult,
        PhronyModel,
        PresignResult,
        Run,
        RunEvent,
        RunState,
        Session,
        SessionPage,
        SessionSummary,
        StartRunResult,
        UploadedFile,
        file_ref_from_object_key,
        leaf_name_from_object_key,
    )
    from phrony_tui.client.stream import RunEventStream

__all__ = [
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    "Conversation",
    "ConversationItem",
    "FinalizeResult",
    "MessageResult",
    "PhronyAPIError",
    "PhronyClient",
    "PhronyConnectionError",
    "PhronyError",
    "PhronyModel",
    "PhronyProtocolError",
    "PhronyTimeoutError",
    "PhronyUsageError",
    "PresignResult",
    "Run",
    "RunEvent",
    "RunEventStream",
    "RunState",
    "Session",
    "SessionPage",
    "SessionSummary",
    "StartRunResult",
    "StreamStats",
    "UploadedFile",
    "check_base_url",
    "check_transport",
    "clear_text_warning",
    "file_ref_from_object_key",
    "is_loopback_host",
    "leaf_name_from_object_key",
]

_LAZY = {
    **dict.fromkeys(
        ("Conversation", "ConversationItem", "FinalizeResult", "MessageResult", "PhronyModel", "PresignResult",
         "Run", "RunEvent", "RunState", "Session", "SessionPage", "SessionSummary", "StartRunResult",
         "UploadedFile", "file_ref_from_object_key", "leaf_name_from_object_key"),
        "phrony_tui.client.models",
    ),  # fmt: skip
    "RunEventStream": "phrony_tui.client.stream",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
