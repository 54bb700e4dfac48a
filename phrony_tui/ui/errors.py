"""Turn client errors into a message a person can act on, inside the app.

Messages are never cut mid-sentence: a text too long for its place keeps its
whole sentences and says that more was left out (``whole_sentences``), and the
places that show them wrap (the status bar grows to a few lines for an error).
"""

from __future__ import annotations

import re

from phrony_tui.client import PhronyAPIError, PhronyConnectionError, PhronyError
from phrony_tui.core.safe_text import one_line

# What to check, by status: the client's message says what happened, this says what to do.
_HINTS = {
    401: "check PHRONY_API_KEY (a phk_... key of this workspace)",
    403: "the key's scope: its agents and API triggers, and 'Allow file uploads' for files",
    404: "the id (agent, run) and the base URL",
    429: "wait a moment; r retries",
}
DESCRIBE_LIMIT = 400
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
    words = line[:room].rsplit(" ", 1)[0] if " " in line[:room] else line[: room]
    return words.rstrip() + _MORE


def first_sentence(text: str, limit: int = 300) -> str:
    """The first sentence of ``text`` (whole), for a place with room for a line or two."""
    line = one_line(text, max(limit * 4, 1))
    match = _ENDS.search(line)
    head = line[: match.start()] if match else line
    return whole_sentences(head, limit) + (_MORE if match and len(head) <= limit else "")


def describe_error(error: PhronyError) -> str:
    """One line: what failed and what to check. Safe to show (sanitized, no key)."""
    text = str(error)
    hint = None
    if isinstance(error, PhronyAPIError):
        hint = _HINTS.get(error.status) or ("the server had trouble; r retries" if error.status >= 500 else None)
    elif isinstance(error, PhronyConnectionError):
        hint = "the network and PHRONY_API_BASE; r retries"
    if not hint or hint in text:
        return whole_sentences(text, DESCRIBE_LIMIT)
    tail = f" — {hint}" if hint.startswith(("wait", "the server", "check")) else f" — check {hint}"
    # What to check is kept whole: the server's words are what gives way.
    return whole_sentences(text, DESCRIBE_LIMIT - len(tail)) + tail
