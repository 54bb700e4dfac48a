"""Client errors in words a person can act on: one wording for the app and the scripts.

``describe_error`` is what the app shows (ui/errors.py calls it) and what
``phrony-tui sessions|show|tail|answer|reply`` print on stderr. The app has a
retry key; a script has not, so the caller says how to retry (``retry``).
``is_stale_answer`` and ``is_dashboard_only`` read why an answer was refused.
"""

from __future__ import annotations

import re

from phrony_tui.client.errors import PhronyAPIError, PhronyConnectionError, PhronyError
from phrony_tui.core.safe_text import one_line

__all__ = ["APP_RETRY", "describe_error", "first_sentence", "is_dashboard_only", "is_stale_answer", "whole_sentences"]

#: how the app says "try again" (its refresh key)
APP_RETRY = "r retries"
DESCRIBE_LIMIT = 400

# What to check, by status: the client's message says what happened, this says what to do.
_HINTS = {
    401: "check PHRONY_API_KEY (a phk_... key of this workspace)",
    403: "the key's scope: its agents and API triggers, and 'Allow file uploads' for files",
    404: "the id (agent, run) and the base URL",
}


# Where a sentence (or a clause the messages join with a dash) ends: after . ! ? or ;
# followed by a blank, or before " — ". Not after "e.g." and the like (a lower-case
# word follows those).
_ENDS = re.compile(r"(?<=[.!?;])\s+(?=[^a-z])|\s+—\s+")
_MORE = " …"


def whole_sentences(text: str, limit: int) -> str:
    """``text`` as one safe line of at most ``limit`` characters, shortened only after a
    whole sentence (then `` …``); one sentence longer than that is cut after a word."""
    line = one_line(text, max(limit * 4, 1))
    if len(line) <= limit:
        return line
    room = limit - len(_MORE)
    ends = [m.start() for m in _ENDS.finditer(line, 0, room + 1) if m.start() <= room]
    if ends and ends[-1] >= room // 3:
        return line[: ends[-1]].rstrip() + _MORE
    words = line[:room].rsplit(" ", 1)[0] if " " in line[:room] else line[:room]
    return words.rstrip() + _MORE


def first_sentence(text: str, limit: int = 300) -> str:
    """The first sentence of ``text`` (whole), for a place with room for a line or two."""
    line = one_line(text, max(limit * 4, 1))
    match = _ENDS.search(line)
    head = line[: match.start()] if match else line
    return whole_sentences(head, limit) + (_MORE if match and len(head) <= limit else "")


def _hint(error: PhronyError, retry: str | None) -> str | None:
    then = f"; {retry}" if retry else ""
    if isinstance(error, PhronyAPIError):
        if error.status == 429:
            return f"wait a moment{then}"
        if error.status >= 500 and error.status not in _HINTS:
            return f"the server had trouble{then}"
        return _HINTS.get(error.status)
    if isinstance(error, PhronyConnectionError):
        return f"the network and PHRONY_API_BASE{then}"
    return None


def describe_error(error: PhronyError, *, retry: str | None = APP_RETRY) -> str:
    """One line: what failed and what to check. Safe to show (sanitized, no key).
    ``retry``: how to try again where it is shown (None: say nothing about it)."""
    text = str(error)
    hint = _hint(error, retry)
    if not hint or hint in text:
        return whole_sentences(text, DESCRIBE_LIMIT)
    # A hint that says "check" itself is not given a second one.
    tail = f" — {hint}" if hint.startswith(("wait", "the server", "check")) else f" — check {hint}"
    # What to check is kept whole: the server's words are what gives way.
    return whole_sentences(text, DESCRIBE_LIMIT - len(tail)) + tail


def is_stale_answer(error: PhronyError) -> bool:
    """The server says the pause was already ended: 409, or "no longer pending"."""
    if not isinstance(error, PhronyAPIError):
        return False
    body = (error.body or "").lower()
    return error.status == 409 or "no longer pending" in body or "not pending" in body


def is_dashboard_only(error: PhronyError) -> bool:
    """The server says this task can only be completed in the Phrony dashboard."""
    return isinstance(error, PhronyAPIError) and "dashboard" in (error.body or "").lower()
