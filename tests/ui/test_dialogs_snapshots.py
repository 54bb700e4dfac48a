"""SVG snapshots of each dialog (fixed seed, fixed clock, no cursor blink).

Regenerate after an intended change with:
    pytest tests/ui/test_dialogs_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from phrony_tui.core.attempts import Attempt, dumps
from phrony_tui.sim import Faults
from phrony_tui.ui.dialogs.answer import AnswerDialog
from phrony_tui.ui.dialogs.attempts import AttemptsScreen
from phrony_tui.ui.dialogs.message import MessageDialog
from phrony_tui.ui.dialogs.skip import SkipWaitDialog
from phrony_tui.ui.dialogs.start import StartRunDialog
from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.dialogs import SIZE, open_session, press_until_dialog, wait_settled
from tests.support.screen import main_screen
from tests.support.waiting import wait_for

pytestmark = pytest.mark.full_world  # the sessions list and dialogs as a user with history sees them


@pytest.fixture(autouse=True)
def attempts_in_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The attempts file under a fake home, so the screen shows the same ``~/...`` path every run."""
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / ".local" / "state" / "phrony-tui" / "attempts.json"
    monkeypatch.setenv("PHRONY_TUI_ATTEMPTS_FILE", str(path))
    return path


def still(app) -> None:
    """No cursor blink in a snapshot: the cursor drawn, whatever the blink's phase was."""
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
        if isinstance(widget, TextArea):
            # TextArea caches its lines by a key that has the cursor only while it blinks
            # visibly: a line cached in the blink's hidden phase was reused, cursor and all
            # missing (one snapshot in a loaded run). Drawn again here.
            widget._line_cache.clear()
            widget.refresh()


def open_dialog(app, key: str, kind: type, then=None):
    async def run_before(pilot) -> None:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, key, kind)
        if then is not None:
            await then(pilot, dialog)
        still(app)
        await wait_for(lambda: main_screen(app).settled, pilot=pilot)
        await pilot.pause(0.1)

    return run_before


def test_approval_dialog(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog(app, "a", AnswerDialog))


def test_multi_option_dialog(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("options", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())

    async def then(pilot, dialog) -> None:
        await pilot.press("down")

    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog(app, "a", AnswerDialog, then))


def test_number_dialog_refusing_a_value(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("number", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())

    async def then(pilot, dialog) -> None:
        await pilot.press(*"12abc", "enter")

    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog(app, "a", AnswerDialog, then))


def test_escalation_dialog_after_a_server_error(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("multi", "WaitingForAITL")[0]
    app = make_app(run_id=run_id, agent_ids=())

    async def then(pilot, dialog) -> None:
        dialog.query_one("#answer-input").value = "Use EHPA"
        sim.faults = Faults(error_share=1.0)
        await pilot.press("enter")
        await wait_settled(app, pilot, dialog)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog(app, "a", AnswerDialog, then))


def test_message_dialog_with_files(snap_compare, sim, make_app, tmp_path):
    _, run_id = sim.find_sessions("chat", "WaitingForResponse")[0]
    (tmp_path / "invoice-march.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * 2048)
    app = make_app(run_id=run_id, agent_ids=())

    async def then(pilot, dialog) -> None:
        dialog.query_one("#message-text").text = "The invoice\nis attached."
        assert dialog.add_attachment(str(tmp_path / "invoice-march.pdf"))
        await pilot.press("ctrl+o")

    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog(app, "m", MessageDialog, then))


def test_skip_wait_dialog(snap_compare, sim, make_app):
    _, run_id = sim.find_sessions("timer", "WaitingForTimer")[0]
    app = make_app(run_id=run_id, agent_ids=())
    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog(app, "w", SkipWaitDialog))


def test_start_run_dialog(snap_compare, sim, make_app):
    app = make_app(agent_ids=(sim.agents["hitl"], sim.agents["chat"]))

    async def run_before(pilot) -> None:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and main_screen(app).settled, pilot=pilot)
        dialog = await press_until_dialog(app, pilot, "s", StartRunDialog)
        dialog.query_one("#start-input").text = '{\n  "customer": "Ada Lovelace",\n  "amount": [1, 2\n}'
        await pilot.press("ctrl+s")
        still(app)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_attempts_screen(snap_compare, sim, sim_server, make_app, attempts_in_home):
    hitl, chat = sim.agents["hitl"], sim.agents["chat"]
    base = sim_server.base_url

    def attempt(n: int, **fields) -> Attempt:
        return Attempt.new(at=f"2026-03-01T11:5{n}:00Z", base_url=base, attempt_id=f"a{n}c0ffee"[:8], **fields)

    attempts = [
        attempt(1, agent_id=hitl, agent_name="Refund Desk", payload={"amount": "lots"}, outcome="rejected",
                status=400, message="input.amount must be a number"),
        attempt(2, agent_id=hitl, agent_name="Refund Desk", payload={"amount": 120}, outcome="rate_limited",
                status=429, retry_after=3.0),
        attempt(3, agent_id=hitl, agent_name="Refund Desk", payload={"amount": 120}, outcome="accepted",
                retry_of="a2c0ffee", run_id="0b5e7c1a-0000-4000-8000-000000000001", run_status="Running"),
        attempt(4, agent_id=chat, agent_name="Support Chat", payload={}, outcome="no_answer",
                message="cannot connect to 127.0.0.1: connection refused"),
        attempt(5, agent_id=chat, agent_name="Support Chat", payload={}, outcome="duplicate",
                run_id="0b5e7c1a-0000-4000-8000-000000000002"),
    ]  # fmt: skip
    attempts_in_home.parent.mkdir(parents=True)
    attempts_in_home.write_text(dumps(attempts))
    app = make_app(agent_ids=(hitl, chat))

    async def run_before(pilot) -> None:
        pane = app.screen.query_one(SessionsPane)
        await wait_for(lambda: pane.feed.total is not None and main_screen(app).settled, pilot=pilot)
        await press_until_dialog(app, pilot, "A", AttemptsScreen)
        await pilot.press("down")  # on the no-answer row: retry offered
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
