"""Issue 14, escalations in the answer dialog, against both simulator dialects: the question
for the person first, Decline (``approved: false``), a refusal kept in the dialog with the
server's words, and the raising run offered once (never silently) after a 4xx."""

from __future__ import annotations

import httpx
import pytest

from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.dialogs.answer import AnswerDialog
from tests.support.dialogs import (
    SIZE,
    open_session,
    posts,
    press_until_dialog,
    swap_client,
    wait_closed,
    wait_settled,
)
from tests.support.screen import notifications, screen_text

FOR_USER = "The researcher found two different counts of German heat-pump installations"


class Refusing(httpx.AsyncBaseTransport):
    """Answers POSTs to the runs in ``refuse`` with a NestJS 4xx (never reaching the
    simulator); everything else goes through."""

    def __init__(self, refuse: set[str], status: int = 403, message: str = "run is outside this key's scope") -> None:
        self.refuse, self.status, self.message = refuse, status, message
        self.inner = httpx.AsyncHTTPTransport()
        self.refused: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if request.method == "POST" and len(parts) > 3 and parts[3] in self.refuse:
            self.refused.append(request.url.path)
            body = {"statusCode": self.status, "message": self.message, "error": "Forbidden"}
            return httpx.Response(self.status, json=body, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def escalated(sim, *, by_root: bool) -> tuple[str, dict]:
    """A multi session holding an escalation for a person: raised by the root run (the
    escalate variant) or by a sub-agent (the fact checker); (root run id, the task)."""
    for _, run_id in sim.find_sessions("multi", "WaitingForAITL", any_run=True):
        tasks = [task for task in sim.pending_tasks(run_id) if task["kind"] == "aitl_escalation"]
        if tasks and (tasks[0]["runId"] == run_id) == by_root:
            return run_id, tasks[0]
    raise AssertionError("no such escalation")


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_the_question_for_the_person_comes_first_and_decline_sends_approved_false(sim, make_app):
    run_id, task = escalated(sim, by_root=True)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        first = str(dialog.query_one("#answer-question").render())
        assert FOR_USER in first
        assert "The agent's question" in str(dialog.query_one("#answer-agent-question").render())
        shown = screen_text(app)
        assert "ctrl+r declines: sends approved: false" in shown and "Decline" in shown
        await pilot.press("ctrl+r")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task["id"], "approved": False}]
    assert any(n.startswith("Declined aitl_escalation task") for n in notifications(app))
    assert sim.pending_tasks(run_id) == []


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_a_refused_decline_shows_the_servers_words_and_keeps_the_dialog(sim, sim_base_url, make_app):
    run_id, _task = escalated(sim, by_root=True)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        refusing = Refusing({run_id}, status=400, message="this escalation cannot be declined by API")
        old = swap_client(app, sim, sim_base_url, transport=refusing)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press("ctrl+r")
        await wait_settled(app, pilot, dialog)
        assert app.screen is dialog and "this escalation cannot be declined by API" in dialog.error
        assert "ctrl+t" not in dialog.error  # the root raised it: there is no other run to offer
        assert len(refusing.refused) == 1
    await old.aclose()
    assert posts(sim, "/messages") == [] and len(sim.pending_tasks(run_id)) == 1


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_a_4xx_from_the_opened_run_offers_the_raising_run_once(sim, sim_base_url, make_app):
    run_id, task = escalated(sim, by_root=False)
    raiser = task["runId"]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        refusing = Refusing({run_id})
        old = swap_client(app, sim, sim_base_url, transport=refusing)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press(*"EHPA", "enter")
        await wait_settled(app, pilot, dialog)
        assert "run is outside this key's scope" in dialog.error and "ctrl+t sends the same answer" in dialog.error
        assert app.screen is dialog and posts(sim, "/messages") == []  # nothing sent on its own
        await pilot.press("ctrl+t")
        await wait_closed(app, pilot)
    await old.aclose()
    assert refusing.refused == [f"/v1/runs/{run_id}/messages"]
    assert posts(sim, "/messages") == [{"runId": raiser, "userTaskId": task["id"], "textValue": "EHPA"}]
    assert any("through run" in n and "the run that raised it" in n for n in notifications(app))


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_a_second_refusal_is_shown_as_it_is_and_offers_nothing_more(sim, sim_base_url, make_app):
    run_id, task = escalated(sim, by_root=False)
    raiser = task["runId"]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        refusing = Refusing({run_id, raiser}, message="no route for this task")
        old = swap_client(app, sim, sim_base_url, transport=refusing)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press(*"EHPA", "enter")
        await wait_settled(app, pilot, dialog)
        assert "ctrl+t" in dialog.error
        dialog.error = None
        await pilot.press("ctrl+t")
        await wait_settled(app, pilot, dialog)
        assert "no route for this task" in dialog.error and "ctrl+t" not in dialog.error
        await pilot.press("ctrl+t")  # no offer left: nothing more is sent
        await pilot.pause(0.1)
        assert app.screen is dialog and dialog.query_one("#answer-input").value == "EHPA"
    await old.aclose()
    assert refusing.refused == [f"/v1/runs/{run_id}/messages", f"/v1/runs/{raiser}/messages"]
    assert posts(sim, "/messages") == []


@pytest.mark.parametrize("status", [401, 409, 429])
async def test_no_offer_after_a_bad_key_a_stale_answer_or_a_rate_limit(sim, sim_base_url, make_app, status):
    run_id, _task = escalated(sim, by_root=False)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        old = swap_client(app, sim, sim_base_url, transport=Refusing({run_id}, status=status, message="refused"))
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press(*"EHPA", "enter")
        await wait_settled(app, pilot, dialog)
        said = "Someone else answered this task" if status == 409 else str(status)
        assert said in dialog.error and "ctrl+t" not in dialog.error and dialog.offer is None
    await old.aclose()
    assert posts(sim, "/messages") == []
