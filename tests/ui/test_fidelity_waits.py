"""Issue 14, agent-to-agent waits in the UI, against both simulator dialects: a sub-agent
waiting for its parent agent is not "waiting on you" (no ●, no bell, no dashboard), says
"waiting for its parent agent" in the run tree; an escalation to a person is, and rings."""

from __future__ import annotations

import pytest

from phrony_tui.core.status import AGENT_WAIT_LABEL
from phrony_tui.sim.dialect import DIALECTS
from phrony_tui.ui.widgets.run_tree import RunTree
from tests.support.dialogs import SIZE, open_session
from tests.support.screen import notifications, screen_text
from tests.support.waiting import wait_for


def agent_wait_session(sim) -> str:
    """The showcase whose researcher asks its parent agent (no task for anyone)."""
    for _, run_id in sim.find_sessions("multi", "WaitingForAITL", any_run=True):
        if not sim.pending_tasks(run_id):
            return run_id
    raise AssertionError("no multi session waits for a parent agent")


def tree_labels(app) -> dict[str, str]:
    tree = app.screen.query_one(RunTree)
    labels: dict[str, str] = {}
    stack = list(tree.root.children)
    while stack:
        node = stack.pop()
        labels[node.data] = str(node.label)
        stack.extend(node.children)
    return labels


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_a_sub_agent_waiting_for_its_parent_agent_is_not_waiting_on_you(sim, make_app):
    run_id = agent_wait_session(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        state = screen.state
        child = next(run for run in state.runs.values() if run.status == "WaitingForAITL")
        assert child.parent_run_id and state.status == "Running"
        labels = tree_labels(app)
        assert AGENT_WAIT_LABEL in labels[child.id] and "●" not in labels[child.id]
        assert not any("●" in label for label in labels.values())  # nobody waits on you
        assert AGENT_WAIT_LABEL in screen_text(app)
        await pilot.press("a")  # nothing to answer, and never "go to the dashboard"
        await wait_for(lambda: notifications(app), pilot=pilot)
        said = " ".join(notifications(app))
        assert "nothing to answer" in said and "dashboard" not in said.lower()


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_an_escalation_to_a_person_is_marked_and_the_child_has_no_agent_wait_label(sim, make_app):
    found = [
        run_id
        for _, run_id in sim.find_sessions("multi", "WaitingForAITL", any_run=True)
        if [task["runId"] for task in sim.pending_tasks(run_id) if task["kind"] == "aitl_escalation"] == [run_id]
    ]
    run_id = found[0]  # the escalate variant: the root raised the task for a person
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        labels = tree_labels(app)
        assert "●" in labels[run_id]
        assert not any(AGENT_WAIT_LABEL in label for label in labels.values())
        assert screen.state.waits_on_person


@pytest.mark.parametrize("sim_dialect", DIALECTS)
async def test_the_bell_rings_for_an_escalation_not_for_a_question_to_the_parent_agent(sim, make_app, monkeypatch):
    _, asks = sim.start_session("multi", variant="ask_parent")
    rings: list[int] = []
    app = make_app(run_id=asks, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "bell", lambda: rings.append(1))
        screen = await open_session(app, pilot)
        sim.advance(12)  # the researcher asks its parent agent
        await wait_for(lambda: any(r.status == "WaitingForAITL" for r in screen.state.runs.values()), pilot=pilot)
        await wait_for(lambda: screen.settled, pilot=pilot)
        assert rings == [] and not any("Waiting on you" in n or "waits for" in n for n in notifications(app))
        _, escalates = sim.start_session("multi", variant="escalate")
        screen.open_run(escalates)
        await open_session(app, pilot)
        sim.advance(14)  # this one's orchestrator escalates to a person
        await wait_for(lambda: screen.state is not None and screen.state.pending_tasks(), pilot=pilot)
        await wait_for(lambda: rings, pilot=pilot)
        assert rings == [1]
        assert any("waits for your answer to an escalation" in n and "press a" in n for n in notifications(app))
        assert not any("dashboard" in n.lower() for n in notifications(app))
