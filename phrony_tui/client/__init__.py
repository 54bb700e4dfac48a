"""The async Phrony API client. No textual import: usable as a library on its own.

    from phrony_tui.client import PhronyClient, PhronyAPIError

    async with PhronyClient(base_url, api_key) as client:
        page = await client.list_sessions(agent_id)

See docs/client.md.
"""

from phrony_tui.client._deferred import defer_httpx_cli

defer_httpx_cli()  # before the first "import httpx" (see _deferred.py)

from phrony_tui.client.api import DEFAULT_BASE_URL, USER_AGENT, PhronyClient  # noqa: E402
from phrony_tui.client.errors import (
    PhronyAPIError,
    PhronyConnectionError,
    PhronyError,
    PhronyProtocolError,
    PhronyTimeoutError,
    PhronyUsageError,
)
from phrony_tui.client.models import *  # noqa: F403
from phrony_tui.client.models import __all__ as _models_all
from phrony_tui.client.security import check_base_url, is_loopback_host
from phrony_tui.client.sse import StreamStats
from phrony_tui.client.stream import RunEventStream

__all__ = [
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    "PhronyAPIError",
    "PhronyClient",
    "PhronyConnectionError",
    "PhronyError",
    "PhronyProtocolError",
    "PhronyTimeoutError",
    "PhronyUsageError",
    "RunEventStream",
    "StreamStats",
    "check_base_url",
    "is_loopback_host",
    *_models_all,
]
