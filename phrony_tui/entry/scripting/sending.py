"""Sending an answer or a reply once, and only once.

The app's rule (ui/dialogs/common.py): one request, never retried by itself.
A script adds what it cannot leave to a person's eyes: when the request may
have reached the server before the connection failed (a reset or a timeout
after it was sent), the outcome is looked up (the run's status and the
conversation's last steps, through ``check``: live/outcome.py, shared with
the app's dialogs) and said, and nothing is sent
again either way. The exit status says which it was (common.Exit).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from phrony_tui.client import PhronyConnectionError, PhronyError
from phrony_tui.client.models import MessageResult
from phrony_tui.core.error_text import is_dashboard_only, is_stale_answer
from phrony_tui.core.safe_text import one_line
from phrony_tui.entry.scripting.common import Exit, Output, code_for, explain
from phrony_tui.live.outcome import Check, may_have_arrived

__all__ = ["Check", "may_have_arrived", "print_dry_run", "send_once"]

def print_dry_run(output: Output, route: str, body: Mapping[str, Any]) -> int:
    output.line(route)
    output.line(json.dumps(body, indent=2, ensure_ascii=True))
    output.note("dry run: nothing was sent")
    return Exit.OK


async def send_once(
    output: Output,
    what: str,
    request: Callable[[], Awaitable[MessageResult]],
    check: Callable[[], Awaitable[Check]],
    *,
    stale: str,
    show_hint: str,
) -> int:
    """Send ``request`` once and say how it went. ``what`` is said when it went well
    ("Approved approval task ..."); ``stale`` what a 409 means; ``show_hint`` how to look."""
    try:
        result = await request()
    except PhronyError as error:
        if is_stale_answer(error):
            said = getattr(error, "server_message", "") or str(error)
            output.error(f"{stale}: {said}. Nothing was applied.")
            return Exit.NOT_DONE
        if is_dashboard_only(error):
            output.error(f"{explain(error)} — this task must be answered in the Phrony dashboard.")
            return Exit.API
        if not may_have_arrived(error):
            if isinstance(error, PhronyConnectionError):
                tail = "It never reached the server: running the same command again is safe."
            else:
                tail = "Nothing was applied."
            output.error(f"{explain(error)}. {tail}")
            return code_for(error)
        return await _after_ambiguity(output, error, check, show_hint)
    status = one_line(result.status, 40) if result.status else None
    output.line(f"{what}" + (f" (run now {status})" if status else ""))
    return Exit.OK


async def _after_ambiguity(
    output: Output,
    error: PhronyError,
    check: Callable[[], Awaitable[Check]],
    show_hint: str,
) -> int:
    head = f"The request was sent but no answer came back ({explain(error)})"
    try:
        found = await check()
    except PhronyError as again:
        found = Check(None, f"the check failed too ({explain(again)})")
    if found.applied is True:
        output.error(f"{head}. Checked since: {found.evidence}: it went through. Not sent again.")
        return Exit.SENT_UNCONFIRMED
    if found.applied is False:
        output.error(
            f"{head}. Checked since: {found.evidence}: it did not go through. Not sent again: "
            "run the same command to send it."
        )
        return Exit.NETWORK
    output.error(
        f"{head}. {found.evidence}: whether it went through is unknown. Not sent again: "
        f"look with {show_hint} before sending it again."
    )
    return Exit.UNKNOWN
