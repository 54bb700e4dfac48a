"""Never sent twice: a server that applies a request and then resets the connection.

The simulator sits behind a loopback proxy (tests/hostile/proxy.py) that passes
the armed request on, lets the simulator answer it (so it is applied), then
resets the app's connection before the answer reaches it. The client says the
request may have been applied; each dialog must look, say that it went through,
and leave exactly one message, answer or run on the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from phrony_tui.core.attempts import loads
from phrony_tui.ui.dialogs.answer import AnswerDialog
from phrony_tui.ui.dialogs.attempts import AttemptsScreen
from phrony_tui.ui.dialogs.message import MessageDialog
from phrony_tui.ui.dialogs.start import StartRunDialog
from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.hostile.proxy import ApplyThenReset
from tests.support.dialogs import SIZE, open_session, posts, press_until_dialog, wait_closed, wait_settled
from tests.support.screen import notifications
from tests.support.waiting import wait_for


@pytest.fixture
async def proxy(sim_base_url: str) -> AsyncIterator[ApplyThenReset]:
    async with ApplyThenReset(sim_base_url) as running:
        yield running


def went_through(app) -> list[str]:
    return [message for message in notifications(app) if "it went through" in message]


async def test_a_reply_applied_then_reset_is_sent_once_and_said_to_have_gone_through(sim, make_app, proxy):
    _, run_id = sim.find_sessions("chat", "WaitingForResponse")[0]
    proxy.arm("POST", f"/v1/runs/{run_id}/messages")
    app = make_app(run_id=run_id, agent_ids=(), base_url=proxy.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        await press_until_dialog(app, pilot, "m", MessageDialog)
        await pilot.press(*"Order ORD-4711 please", "ctrl+s")
        await wait_closed(app, pilot)
        (said,) = went_through(app)
        assert said.startswith("Sent a message to") and "Not sent again" in said
    assert proxy.resets == [("POST", f"/v1/runs/{run_id}/messages")]
    assert posts(sim, "/messages") == [{"runId": run_id, "text": "Order ORD-4711 please"}]


async def test_an_answer_applied_then_reset_is_sent_once_and_said_to_have_gone_through(sim, make_app, proxy):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    assert len(sim.pending_tasks(run_id)) == 1
    proxy.arm("POST", f"/v1/runs/{run_id}/messages")
    app = make_app(run_id=run_id, agent_ids=(), base_url=proxy.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press("y")
        await wait_closed(app, pilot)
        (said,) = went_through(app)
        assert "no longer pending" in said and "Not sent again" in said
    assert len(proxy.resets) == 1
    assert len(posts(sim, "/messages")) == 1 and posts(sim, "/messages")[0]["approved"] is True
    assert sim.pending_tasks(run_id) == []


async def _sessions_loaded(app, pilot) -> SessionsPane:
    pane = app.screen.query_one(SessionsPane)
    await wait_for(lambda: pane.feed.total is not None and not pane.fetching, pilot=pilot)
    return pane


async def test_a_start_applied_then_reset_starts_one_run_and_opens_it(sim, make_app, proxy, attempts_file):
    agent_id = sim.agents["timer"]
    proxy.arm("POST", f"/v1/agents/{agent_id}/runs")
    app = make_app(agent_ids=(agent_id,), base_url=proxy.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await _sessions_loaded(app, pilot)
        dialog = await press_until_dialog(app, pilot, "s", StartRunDialog)
        dialog.editor.text = '{"order": "ORD-4711"}'
        await pilot.press("ctrl+s")
        await wait_closed(app, pilot)
        (said,) = went_through(app)
        assert said.startswith("Started a run of") and "with this input" in said
    assert posts(sim, f"/v1/agents/{agent_id}/runs") == [{"input": {"order": "ORD-4711"}}]
    (attempt,) = loads(attempts_file.read_text())
    # the attempt knows its run now: the attempts screen offers to open it, not to retry it
    assert attempt.outcome == "accepted" and attempt.run_id and not attempt.can_retry


async def test_a_retry_of_an_attempt_with_no_answer_looks_first(sim, make_app, proxy, attempts_file):
    """The start's reply and the look after it are both lost: the attempt stays "no
    answer" though its run started. ``r`` on it looks again before starting anything."""
    agent_id = sim.agents["timer"]
    proxy.arm("POST", f"/v1/agents/{agent_id}/runs")
    app = make_app(agent_ids=(agent_id,), base_url=proxy.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await _sessions_loaded(app, pilot)
        proxy.arm("GET", f"/v1/agents/{agent_id}/sessions")  # the look fails too
        dialog = await press_until_dialog(app, pilot, "s", StartRunDialog)
        dialog.editor.text = '{"order": "ORD-99"}'
        await pilot.press("ctrl+s")
        await wait_settled(app, pilot, dialog)
        assert "whether it went through is unknown" in dialog.error and "nothing was lost" not in dialog.error
        assert "Not sent again" in dialog.error
        await pilot.press("escape")
        await wait_closed(app, pilot)
        attempts = await press_until_dialog(app, pilot, "A", AttemptsScreen)
        assert attempts.current is not None and attempts.current.outcome == "no_answer"
        await pilot.press("r")
        await wait_for(lambda: not attempts.busy and "did start a run" in (attempts.error or ""), pilot=pilot)
        assert attempts.current is not None and attempts.current.started
    assert len(posts(sim, f"/v1/agents/{agent_id}/runs")) == 1
    (attempt,) = loads(attempts_file.read_text())
    assert attempt.outcome == "accepted" and attempt.run_id
