"""Rich ``Text`` from server strings: always through core's sanitizer, never markup.

Every widget that shows server text builds it here (or in the timeline's row
source, which uses the same ``safe_text``/``one_line``).
"""

from __future__ import annotations

from typing import Any, Literal

from rich.text import Text
from textual.content import Content

from phrony_tui.core.safe_text import one_line, safe_text, truncate
from phrony_tui.core.status import is_live, is_waiting

# Sanitized short cells, by (text, limit): a list of hundreds of sessions repeats a few
# agent names, triggers and models (the sanitizer's pass is most of a cell's cost).
_LINES: dict[tuple[str, int], str] = {}
_LINES_MAX = 4_096
_CACHED_UP_TO = 200  # characters: longer texts are not kept


def _line(text: str, limit: int) -> str:
    """``one_line(text, limit)``, kept for short texts."""
    if len(text) > _CACHED_UP_TO:
        return one_line(text, limit)
    key = (text, limit)
    line = _LINES.get(key)
    if line is None:
        if len(_LINES) >= _LINES_MAX:
            _LINES.clear()
        line = _LINES[key] = one_line(text, limit)
    return line


def cell(value: object, limit: int = 80) -> Text:
    """One line of untrusted text, sanitized and truncated, with no markup."""
    return Text(_line("" if value is None else str(value), limit), no_wrap=True, overflow="ellipsis")


def block(value: object) -> Text:
    """Multi-line untrusted text, sanitized, with no markup."""
    return Text(safe_text("" if value is None else str(value)))


# A toast is a few lines; the rest of a long message is cut.
NOTIFY_LIMIT = 2_000

Severity = Literal["information", "warning", "error"]


def plain(value: object, limit: int = 200) -> Content:
    """A title (``border_title``, ``border_subtitle``, a toast's): one safe line, never markup.

    Textual reads a ``str`` title as markup: ``[/]`` in a session id raises, ``[b]`` restyles."""
    return Content(one_line("" if value is None else str(value), limit))


def notify(
    target: Any,
    message: object,
    *,
    title: object = "",
    severity: Severity = "information",
    timeout: float | None = None,
) -> None:
    """Every toast goes through here: the message and title sanitized, never read as markup.

    ``target``: anything with Textual's ``notify`` (an App, a Screen, a Widget)."""
    text = safe_text(truncate("" if message is None else str(message), NOTIFY_LIMIT))
    head = one_line("" if title is None else str(title), 80)
    if timeout is None:
        target.notify(text, title=head, severity=severity, markup=False)
    else:
        target.notify(text, title=head, severity=severity, markup=False, timeout=timeout)


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
    return Text(_line(status or "?", limit), style=status_style(status), no_wrap=True)
