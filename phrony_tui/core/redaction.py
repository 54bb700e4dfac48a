"""The output-only trigger setting: when a session's timeline is hidden, and the
one wording that says so.

A trigger set to output-only redacts the conversation and the stream (not
``GET /v1/runs/{id}``): the timeline then holds only the completion rows, or
nothing at all while the session runs. Say "timeline hidden by the trigger's
settings", never "empty"; with redaction on, user task steps and their ids
may be missing, so the API cannot answer such tasks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phrony_tui.core.step_kinds import lookup

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation

__all__ = ["REDACTED_NOTE", "REDACTED_TASK_HINT", "is_redacted", "looks_redacted"]

# The note, in every place that shows it (status bar, timeline title, follower, report).
REDACTED_NOTE = "timeline hidden by the trigger's settings (output-only)"
# Why a paused session may show no task to answer.
REDACTED_TASK_HINT = "its timeline may be hidden by the trigger's settings"


def looks_redacted(conversation: Conversation) -> bool:
    """The items are only ``SessionCompleted`` and ``RunCompleted`` rows. A running
    session's redacted timeline is empty and cannot be told from a new one here."""
    items = conversation.items
    if not items:
        return False
    for item in items:
        kind = lookup(item.type)
        if kind is None or not kind.completes:
            return False
    return True


def is_redacted(conversation: Conversation) -> bool:
    """The rule: only completion rows, or no rows at all for an API-triggered
    session that shows neither its input nor its start context."""
    session = conversation.session
    return looks_redacted(conversation) or (
        not conversation.items
        and session.input is None
        and session.start_context is None
        and (session.trigger_type or "").lower() == "api"
    )
