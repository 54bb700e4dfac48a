"""q / ctrl+c while a send is in flight asks (wait for it / quit anyway) and says afterwards
whether it went (issue 13): the app's ``exit_note``, printed on stderr by the launcher."""

from __future__ import annotations

from phrony_tui.ui.dialogs.message import MessageDialog
from phrony_tui.ui.dialogs.quitting import QuitWhileSending
from tests.support.dialogs import SIZE, Flaky, open_session, posts, press_until_dialog, swap_client
from tests.support.waiting import wait_for


def _chat(sim) -> str:
    return sim.find_sessions("chat", "WaitingForResponse")[0][1]


async def _sending(app, pilot, sim, sim_base_url):
    await open_session(app, pilot)
    held = Flaky("held")
    old = swap_client(app, sim, sim_base_url, transport=held)
    dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
    await pilot.press(*"bye", "ctrl+s")
    await wait_for(lambda: dialog.busy and held.calls == 1, pilot=pilot)
    return dialog, held, old


async def test_ctrl_c_while_sending_waits_for_the_answer_then_says_it_went(sim, sim_base_url, make_app):
    run_id = _chat(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        _dialog, held, old = await _sending(app, pilot, sim, sim_base_url)
        await pilot.press("ctrl+c")
        await wait_for(lambda: isinstance(app.screen, QuitWhileSending), pilot=pilot)
        assert app.is_running and posts(sim, "/messages") == []
        await pilot.press("w")
        await pilot.pause(0.1)
        assert app.is_running  # still waiting for the answer
        held.release.set()
        await wait_for(lambda: app.exit_note is not None)  # no pilot: the app is ending
    await old.aclose()
    assert posts(sim, "/messages") == [{"runId": run_id, "text": "bye"}]
    assert "Sent a message" in (app.exit_note or "")


async def test_q_then_quit_anyway_says_the_outcome_is_unknown(sim, sim_base_url, make_app):
    run_id = _chat(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        dialog, held, old = await _sending(app, pilot, sim, sim_base_url)
        await app.run_action("quit")  # q (the dialog's text area takes the letter itself)
        await wait_for(lambda: isinstance(app.screen, QuitWhileSending), pilot=pilot)
        await pilot.press("escape")  # stay
        await wait_for(lambda: app.screen is dialog, pilot=pilot)
        assert app.is_running
        await pilot.press("ctrl+c")
        await wait_for(lambda: isinstance(app.screen, QuitWhileSending), pilot=pilot)
        await pilot.press("q")
        await wait_for(lambda: app.exit_note is not None)
    held.release.set()
    await old.aclose()
    assert "whether it reached the server is unknown" in (app.exit_note or "")
