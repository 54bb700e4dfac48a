"""One safe line per timeline step, by its kind.

``summarize`` is pure and bounded (it never serializes more of a content than
the line shows); the timeline caches its result per step, so it runs when a
row is first drawn, not when 50,000 steps arrive. Each kind's line comes from
its entry in the step-kind registry (``core.step_kinds``); the functions are
in ``core.step_summaries``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phrony_tui.core.safe_text import one_line
from phrony_tui.core.step_kinds import kind_of
from phrony_tui.core.step_summaries import SUMMARY_LIMIT, first_line, present, unknown, value_text

if TYPE_CHECKING:
    from phrony_tui.client.models import ConversationItem

__all__ = ["SUMMARY_LIMIT", "first_line", "summarize"]


def summarize(item: ConversationItem, limit: int = SUMMARY_LIMIT) -> str:
    """One safe line (at most ``limit`` characters) saying what the step is."""
    kind = kind_of(item)
    try:
        text = kind.summarise(item, limit)
    except Exception:  # a content shape no summariser foresaw: show it as unknown
        text = unknown(item, limit)
    if present(item.error) and not kind.shows_error:
        text = f"{text} · error: {value_text(item.error, limit)}"
    return one_line(text, limit)
