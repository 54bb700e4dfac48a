"""Rich ``Text`` from server strings: always through core's sanitizer, never markup.

Every widget that shows server text builds it here (or in the timeline's row
source, which uses the same ``safe_text``/``one_line``).
"""

from __future__ import annotations

from rich.text import Text

from phrony_tui.core.safe_text import one_line, safe_text
from phrony_tui.core.status import is_live, is_waiting


def cell(value: object, limit: int = 80) -> Text:
    """One line of untrusted text, sanitized and truncated, with no markup."""
    return Text(one_line("" if value is None else str(value), limit), no_wrap=True, overflow="ellipsis")


def block(value: object) -> Text:
    """Multi-line untrusted text, sanitized, with no markup."""
    return Text(safe_text("" if value is None else str(value)))


def short_id(value: str | None, length: int = 8) -> str:
    if not value:
        return "-"
    return safe_text(value[:length])


def status_style(status: str | None) -> str:
    if not status:
        return "dim"
    if is_waiting(status):
        return "bold yellow"
    if status == "Running":
        return "cyan"
    if status == "Completed":
        return "green"
    if is_live(status):
        return "cyan"
    return "bold red" if status in ("Failed", "Error", "Cancelled", "Terminated") else "magenta"


def status_text(status: str | None, limit: int = 20) -> Text:
    """A status, coloured by its class; unknown statuses show as they are."""
    return Text(one_line(status or "?", limit), style=status_style(status), no_wrap=True)
