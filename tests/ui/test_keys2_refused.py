"""A 403 on some of the configured agents says how many and which, by name."""

from __future__ import annotations

from pydantic import SecretStr

from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for


async def test_the_agents_that_refused_are_counted_and_named(sim, make_app):
    names = make_app().settings.agent_names
    multi, named, unnamed = sim.agents["multi"], sim.agents["hitl"], sim.agents["chat"]
    app = make_app(
        api_key=SecretStr(sim.keys.root_only),  # only the multi agent is in its scope
        agent_ids=(named, multi, unnamed),
        agent_names={agent: name for agent, name in names.items() if agent != unnamed},
    )
    async with app.run_test(size=(160, 45)) as pilot:
        pane = main_screen(app).query_one(SessionsPane)
        await wait_for(lambda: pane.error is not None and not pane.fetching, pilot=pilot)
        assert pane.error.startswith(f"2 of 3 agents refused (403): {names[named]}, {unnamed[:8]}…; "), pane.error
        assert pane.feed.rows and all(row.agent_id == multi for row in pane.feed.rows)  # the one that answered
        assert "2 of 3 agents refused (403)" in screen_text(app)
