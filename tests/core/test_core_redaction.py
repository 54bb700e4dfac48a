"""One redaction rule and one wording of its note, read by every place that shows it."""

from __future__ import annotations

from phrony_tui.client.models import Conversation
from phrony_tui.core import redaction
from phrony_tui.core.export import markdown_report
from phrony_tui.core.session_state import SessionState


def _conversation(items: list, trigger: str = "api", **session) -> Conversation:
    return Conversation.model_validate(
        {"session": {"id": "s", "status": "Completed", "triggerType": trigger, **session},
         "runs": [{"id": "r", "status": "Completed"}], "items": items}
    )


def test_the_rule() -> None:
    done = [{"id": "a", "runId": "r", "ordinal": 1, "type": "run_completed", "content": {}}]
    assert redaction.is_redacted(_conversation(done, trigger="schedule"))
    assert redaction.is_redacted(_conversation([]))  # an API session showing no input
    assert not redaction.is_redacted(_conversation([], input={"q": 1}))
    assert not redaction.is_redacted(_conversation([], trigger="schedule"))
    steps = [*done, {"id": "b", "runId": "r", "ordinal": 2, "type": "reasoning", "content": {}}]
    assert not redaction.is_redacted(_conversation(steps))


def test_every_place_reads_the_one_note() -> None:
    from phrony_tui.live import follower
    from phrony_tui.ui.widgets import status_bar, timeline_pane

    assert follower.REDACTED_NOTE is redaction.REDACTED_NOTE
    assert status_bar.REDACTED_NOTE is redaction.REDACTED_NOTE
    assert timeline_pane.REDACTED_NOTE is redaction.REDACTED_NOTE
    state = SessionState("r", _conversation([]))
    assert state.redacted and redaction.REDACTED_NOTE in markdown_report(state)
