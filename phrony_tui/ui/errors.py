"""Turn client errors into a message a person can act on, inside the app.

The wording lives in ``core/error_text.py``, shared with the scripts
(``phrony-tui show`` and the like print the same sentences on stderr).
"""

from __future__ import annotations

from phrony_tui.client import PhronyError
from phrony_tui.core.error_text import APP_RETRY
from phrony_tui.core.error_text import describe_error as _describe


def describe_error(error: PhronyError) -> str:
    """One line: what failed and what to check. Safe to show (sanitized, no key)."""
    return _describe(error, retry=APP_RETRY)
