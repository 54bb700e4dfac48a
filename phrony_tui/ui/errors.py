"""Turn client errors into a message a person can act on, inside the app.

The wording lives in ``core/error_text.py``, shared with the scripts
(``phrony-tui show`` and the like print the same sentences on stderr). Messages
are never cut mid-sentence: a text too long for its place keeps its whole
sentences and says that more was left out (``whole_sentences``), and the places
that show them wrap (the status bar grows to a few lines for an error).
"""

from __future__ import annotations

from phrony_tui.client import PhronyError
from phrony_tui.core.error_text import APP_RETRY, first_sentence, whole_sentences
from phrony_tui.core.error_text import describe_error as _describe

__all__ = ["describe_error", "first_sentence", "whole_sentences"]


def describe_error(error: PhronyError) -> str:
    """One line: what failed and what to check. Safe to show (sanitized, no key)."""
    return _describe(error, retry=APP_RETRY)
