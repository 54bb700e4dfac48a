"""`a`: answering each kind of user task, and every way it can fail; against both
simulator dialects (docs-minimal keeps a sub-agent's pause off the session and the root)."""

from __future__ import annotations

import pytest

from phrony_tui.sim import Faults
from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.dialogs.answer import AnswerDialog
from phrony_tui.ui.widgets.run_tree import RunTree
from tests.support.dialogs import (
    SIZE,
    Flaky,
    open_session,
    posts,
    press_until_dialog,
    swap_client,
    wait_closed,
    wait_settled,
)
from tests.support.screen import notifications, screen_text
from tests.support.waiting import wait_for

pytestmark = pytest.mark.parametrize("sim_dialect", DIALECTS)


def sub_agent_escalation(sim) -> str:
    """The newest multi session whose fact checker (a sub-agent) escalated to a person."""
    for _, run_id in sim.find_sessions("multi", "WaitingForAITL", any_run=True):
        if any(t["kind"] == "aitl_escalation" and t["runId"] != run_id for t in sim.pending_tasks(run_id)):
            return run_id
    raise AssertionError("no sub-agent escalation")


def _task(sim, run_id: str, kind: str | None = None) -> dict:
    tasks = [task for task in sim.pending_tasks(run_id) if kind is None or task["kind"] == kind]
    assert len(tasks) == 1, tasks
    return tasks[0]


@pytest.mark.full_world
async def test_approval_shows_the_guarded_call_y_approves_n_rejects(sim, make_app):
    (_, run_id), (_, other) = sim.find_sessions("hitl", "WaitingForHITL")[:2]
    task, other_task = _task(sim, run_id), _task(sim, other)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        shown = screen_text(app)
        assert "Refund Desk" in shown and "kind approval" in shown
        assert task["question"] in shown
        assert "Guarded tool call: issue_refund" in shown and '"currency": "EUR"' in shown
        assert app.focused is None  # nothing pre-focused: a stray enter approves nothing
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert posts(sim, "/messages") == [] and app.screen is dialog
        await pilot.press("y", "y")  # a second keypress while in flight sends nothing more
        await wait_closed(app, pilot)
        await pilot.press("y")  # on the main screen: no dialog, so nothing more is sent
        await pilot.pause(0.1)
        assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task["id"], "approved": True}]
        assert any("Approved approval task" in message for message in notifications(app))
        await wait_for(lambda: screen.state is not None and screen.state.status != "WaitingForHITL", pilot=pilot)
        assert sim.status(run_id) == "Running"
        screen.open_run(other)  # another refund: rejected with n
        await open_session(app, pilot)
        await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press("n")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages")[1:] == [{"runId": other, "userTaskId": other_task["id"], "approved": False}]


async def test_multi_option_picks_with_arrows_and_enter(sim, make_app):
    _, run_id = sim.find_sessions("options", "WaitingForHITL")[0]
    task = _task(sim, run_id)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        await press_until_dialog(app, pilot, "a", AnswerDialog)
        shown = screen_text(app)
        assert all(option["label"] in shown for option in task["options"])
        await pilot.press("y", "n")  # not an approval: these keys do nothing here
        await pilot.press("enter")  # nothing is highlighted: a stray enter sends nothing
        await pilot.pause(0.1)
        assert posts(sim, "/messages") == [] and isinstance(app.screen, AnswerDialog)
        assert "Choose and send" not in screen_text(app).splitlines()[-1]  # not offered yet
        await pilot.press("down", "down", "down", "enter")  # the first arrow highlights the first option
        await wait_closed(app, pilot)
    chosen = task["options"][2]["id"]
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task["id"], "selectedOptionId": chosen}]


async def test_text_answer_is_typed_and_sent_with_enter(sim, make_app):
    _, run_id = sim.find_sessions("text", "WaitingForHITL")[0]
    task = _task(sim, run_id)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        assert app.focused is dialog.query_one("#answer-input")
        await pilot.press("enter")  # empty: refused in the dialog
        await wait_for(lambda: dialog.error, pilot=pilot)
        assert "the answer is empty" in dialog.error
        await pilot.press(*"Go, 2", "enter")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task["id"], "textValue": "Go, 2"}]


async def test_number_refuses_what_does_not_parse_then_sends_a_number(sim, make_app):
    _, run_id = sim.find_sessions("number", "WaitingForHITL")[0]
    task = _task(sim, run_id)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        assert "EUR" in screen_text(app)  # the unit the task gives
        await pilot.press(*"4,5", "enter")
        await wait_for(lambda: dialog.error, pilot=pilot)
        assert "not a number" in dialog.error and app.screen is dialog
        assert posts(sim, "/messages") == []
        dialog.query_one("#answer-input").value = ""
        await pilot.press(*"-2.5", "enter")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task["id"], "numberValue": -2.5}]


async def test_aitl_escalation_from_a_sub_agent_goes_to_the_opened_root_run(sim, make_app):
    run_id = sub_agent_escalation(sim)
    task = _task(sim, run_id, "aitl_escalation")
    assert task["runId"] != run_id  # raised by a sub-agent (the fact checker)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        # the anomaly alert is pending too, but the escalation is what holds the session up
        assert dialog.shown_task.kind == "aitl_escalation" and len(dialog.tasks) == 2
        shown = screen_text(app)
        assert "Fact Checker" in shown and "kind aitl_escalation" in shown and "Task 2 of 2 pending" in shown
        assert "356,000 (EHPA)" in shown  # the claims the task carries
        await pilot.press(*"EHPA", "enter")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task["id"], "textValue": "EHPA"}]


async def test_the_run_selected_in_the_tree_decides_and_ctrl_n_moves_on(sim, make_app):
    run_id = sub_agent_escalation(sim)
    alert = _task(sim, run_id, "anomaly_alert")
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        tree = screen.query_one(RunTree)
        tree.move_cursor(tree.get_node_at_line(0))  # the root run, which raised the alert
        await pilot.pause(0.05)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        assert dialog.shown_task.kind == "anomaly_alert"
        assert "acknowledges" in screen_text(app) and "Task 1 of 2 pending" in screen_text(app)
        await pilot.press("ctrl+n")
        await wait_for(lambda: "Task 2 of 2 pending" in screen_text(app), pilot=pilot)
        assert dialog.shown_task.kind == "aitl_escalation"
        await pilot.press("ctrl+n")
        await wait_for(lambda: "Task 1 of 2 pending" in screen_text(app), pilot=pilot)
        # an alert is acknowledged with y; the simulator (like Phrony) keeps alerts to the dashboard
        await pilot.press("y")
        await wait_settled(app, pilot, dialog)
        assert app.screen is dialog and "must be answered in the Phrony dashboard" in dialog.error
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": alert["id"], "approved": True}]


async def test_anomaly_review_refused_by_the_api_says_dashboard_and_keeps_the_dialog(sim, make_app):
    _, run_id = sim.find_sessions("multi", "WaitingForHITL", any_run=True)[0]  # the anomaly variant
    review = _task(sim, run_id, "anomaly_review")
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        assert dialog.shown_task.kind == "anomaly_review"
        assert "export_table" in screen_text(app) and "40x the usual row count" in screen_text(app)
        await pilot.press("y")
        await wait_settled(app, pilot, dialog)
        assert "400" in dialog.error and "dashboard" in dialog.error
        assert "can only be completed in the Phrony dashboard" in screen_text(app)
        assert app.screen is dialog
        await pilot.press("escape")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": review["id"], "approved": True}]
    assert sim.pending_tasks(run_id)  # still pending


async def test_an_unknown_kind_shows_the_raw_task_and_sends_a_chosen_field(sim, make_app):
    _, run_id = sim.find_sessions("chat", "WaitingForResponse")[0]
    with sim._lock:
        session = sim.engine.runs[run_id].session
        task = sim.engine.create_task(session.root, "mystery_check", "Is the [b]mystery[/b] solved?",
                                      extra={"hint": "look closer"})  # fmt: skip
        sim.engine.changed = False
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        shown = screen_text(app)
        assert "does not know the kind 'mystery_check'" in shown and "Phrony dashboard" in shown
        assert "Is the [b]mystery[/b] solved?" in shown  # markup shown literally
        assert '"hint": "look closer"' in shown  # the raw task
        assert app.focused is dialog.query_one("#answer-input")
        dialog.query_one("#answer-field").value = "number"
        await pilot.press(*"12", "enter")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task.id, "numberValue": 12}]


async def test_escape_sends_nothing(sim, make_app):
    _, run_id = sim.find_sessions("text", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press("d", "escape")
        await wait_closed(app, pilot)
    assert posts(sim, "/messages") == []


# -- failures: the dialog stays, with the server's words and the input -----------------------


async def test_answered_elsewhere_in_between_says_so_and_refreshes(sim, make_app):
    _, run_id = sim.find_sessions("text", "WaitingForHITL")[0]
    task = _task(sim, run_id)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        follower = screen.follower
        await pilot.press(*"mine")
        sim.dashboard_complete(task["id"])  # a colleague answers first
        await pilot.press("enter")
        await wait_settled(app, pilot, dialog)
        assert "Someone else answered this task" in dialog.error and "no longer pending" in dialog.error
        assert dialog.query_one("#answer-input").value == "mine"
        await wait_for(lambda: screen.follower is not follower, pilot=pilot)  # the session was reloaded
        await pilot.press("enter")  # sending again is refused locally
        await wait_for(lambda: "already answered elsewhere" in (dialog.error or ""), pilot=pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "userTaskId": task["id"], "textValue": "mine"}]


async def test_rate_limit_then_retry_keeps_the_input(sim, make_app):
    _, run_id = sim.find_sessions("number", "WaitingForHITL")[0]
    task = _task(sim, run_id)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        sim.faults = Faults(rate_limit_share=1.0, retry_after=2)
        await pilot.press(*"42", "enter")
        await wait_settled(app, pilot, dialog)
        assert "429" in dialog.error and "retry after 2 s" in dialog.error
        assert dialog.query_one("#answer-input").value == "42" and app.screen is dialog
        sim.faults = Faults()
        await pilot.press("enter")
        await wait_closed(app, pilot)
    body = {"runId": run_id, "userTaskId": task["id"], "numberValue": 42}
    assert posts(sim, "/messages") == [body, body]  # the 429'd one, then the retry
    assert sim.pending_tasks(run_id) == []


async def test_server_error_keeps_the_dialog(sim, make_app):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        sim.faults = Faults(error_share=1.0)
        await pilot.press("y")
        await wait_settled(app, pilot, dialog)
        said = "simulated server error" if sim.dialect.name == "friendly" else "Internal server error"
        assert "500" in dialog.error and said in dialog.error  # the server's words, as it words them
        assert "500 Internal Server Error" in screen_text(app)
        assert app.screen is dialog
    assert len(posts(sim, "/messages")) == 1
    assert len(sim.pending_tasks(run_id)) == 1


async def test_a_key_out_of_scope_gets_403(sim, sim_base_url, make_app):
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        old = swap_client(app, sim, sim_base_url, key=sim.keys.root_only)  # only the multi agent
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press("y")
        await wait_settled(app, pilot, dialog)
        assert "403" in dialog.error and "not allowed to access run" in dialog.error
    await old.aclose()
    assert len(sim.pending_tasks(run_id)) == 1


async def test_network_down_then_up(sim, sim_base_url, make_app):
    _, run_id = sim.find_sessions("options", "WaitingForHITL")[0]
    task = _task(sim, run_id)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        flaky = Flaky("down")
        old = swap_client(app, sim, sim_base_url, transport=flaky)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press("down", "enter")  # the first option (nothing is highlighted on open)
        await wait_settled(app, pilot, dialog)
        assert "cannot connect" in dialog.error and app.screen is dialog
        flaky.mode = "timeout"
        await pilot.press("enter")
        await wait_for(lambda: not dialog.busy and "sent nothing for" in (dialog.error or ""), pilot=pilot)
        # a timeout after sending may have been applied: the dialog looked (through the same
        # broken network, so it cannot tell) and a resend is asked first
        assert "whether it went through is unknown" in dialog.error and "nothing was lost" not in dialog.error
        flaky.mode = "held"
        await pilot.press("enter")
        await wait_for(lambda: "Send it again anyway?" in (dialog.error or ""), pilot=pilot)
        await pilot.press("enter", "escape", "enter")  # escape waits for the answer; enter sends no more
        assert app.screen is dialog and dialog.busy
        assert "A request is in flight" in notifications(app)[-1]
        flaky.release.set()  # the answer arrives
        await wait_closed(app, pilot)
    await old.aclose()
    assert posts(sim, "/messages") == [
        {"runId": run_id, "userTaskId": task["id"], "selectedOptionId": task["options"][0]["id"]}
    ]


async def test_a_bad_key_401_and_an_unknown_task_404_show_what_to_check(sim, sim_base_url, make_app):
    _, run_id = sim.find_sessions("text", "WaitingForHITL")[0]
    _, other = sim.find_sessions("number", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        old = swap_client(app, sim, sim_base_url, key="phk_" + "0" * 32)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        await pilot.press(*"x", "enter")
        await wait_settled(app, pilot, dialog)
        assert "401" in dialog.error and "PHRONY_API_KEY" in dialog.error
        assert "phk_0000" not in screen_text(app)  # the key never shows
        await dialog.client.aclose()
        dialog.client = old
        dialog.run_id = other  # a run of another session: the task is not in it
        dialog.error = None
        await pilot.press("enter")
        await wait_settled(app, pilot, dialog)
        assert "404" in dialog.error and "not found in this run's session" in dialog.error
        assert dialog.query_one("#answer-input").value == "x"
    assert len(posts(sim, "/messages")) == 2
    assert len(sim.pending_tasks(run_id)) == 1
