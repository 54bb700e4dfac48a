"""Turn client errors into a message a person can act on, inside the app."""

from __future__ import annotations

from phrony_tui.client import PhronyAPIError, PhronyConnectionError, PhronyError
from phrony_tui.core.safe_text import one_line

# What to check, by status: the client's message says what happened, this says what to do.
_HINTS = {
    401: "check PHRONY_API_KEY (a phk_... key of this workspace)",
    403: "the key's scope: its agents and API triggers, and 'Allow file uploads' for files",
    404: "the id (agent, run) and the base URL",
    429: "wait a moment; r retries",
}


def describe_error(error: PhronyError) -> str:
    """One line: what failed and what to check. Safe to show (sanitized, no key)."""
    text = str(error)
    hint = None
    if isinstance(error, PhronyAPIError):
        hint = _HINTS.get(error.status) or ("the server had trouble; r retries" if error.status >= 500 else None)
    elif isinstance(error, PhronyConnectionError):
        hint = "the network and PHRONY_API_BASE; r retries"
    if hint and hint not in text:
        text = f"{text} — check {hint}" if not hint.startswith(("wait", "the server")) else f"{text} — {hint}"
    return one_line(text, 400)
