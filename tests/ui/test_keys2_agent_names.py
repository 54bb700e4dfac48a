"""Agent names, not UUID prefixes: learned from ``runs[].agentName`` of every conversation
opened, remembered in the state file (the config's names win), shown in the sessions
list, the start picker, the palette and the attempts; ``config init`` writes them."""

from __future__ import annotations

import json

import pytest

from phrony_tui import config as configfile
from phrony_tui.entry import cli
from phrony_tui.ui import prefs
from phrony_tui.ui.commands import palette_commands
from phrony_tui.ui.dialogs.start import StartRunDialog
from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.dialogs import open_session, press_until_dialog, wait_closed
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("attempts_file")
SIZE = (160, 45)


def _names(sim, make_app) -> dict[str, str]:
    return make_app().settings.agent_names  # the simulator's own names (the handshake)


async def _listed(app, pilot) -> SessionsPane:
    pane = main_screen(app).query_one(SessionsPane)
    await wait_for(lambda: pane.feed.rows and not pane.fetching, pilot=pilot)
    await pilot.pause(0.05)
    return pane


async def test_names_are_learned_from_an_opened_conversation_and_remembered(sim, make_app, tmp_path):
    names = _names(sim, make_app)
    hitl, chat = sim.agents["hitl"], sim.agents["chat"]
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = make_app(agent_ids=(hitl, chat), agent_names={}, state_dir=tmp_path, run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        pane = await _listed(app, pilot)
        assert app.settings.agent_names.get(hitl) == names[hitl]
        cells = {row.agent_id: str(pane._cells(row, app.clock())[2]) for row in pane.feed.rows}
        assert cells[hitl] == names[hitl][:18] and cells[chat] == chat[:8]  # chat not opened yet
        commands = [command.title for command in palette_commands(main_screen(app))]
        assert f"Only agent: {names[hitl]}" in commands
    saved = json.loads((tmp_path / prefs.FILE_NAME).read_text())
    assert saved["agent_names"] == {hitl: names[hitl]}

    # Next time: known before any conversation is opened, in the list and the start picker.
    again = make_app(agent_ids=(hitl, chat), agent_names={}, state_dir=tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await _listed(again, pilot)
        assert names[hitl] in screen_text(again)
        pane = main_screen(again).query_one(SessionsPane)
        pane.table.move_cursor(row=next(i for i, r in enumerate(pane._shown) if r.agent_id == hitl))
        dialog = await press_until_dialog(again, pilot, "s", StartRunDialog)
        assert (hitl, names[hitl]) in dialog.agents
        await pilot.press("ctrl+s")
        await wait_closed(again, pilot)
        attempt = dialog.attempt_log.attempts()[-1]
        assert attempt.agent_name == names[hitl]  # the attempts and their toasts name it too


async def test_the_configs_names_win(sim, make_app, tmp_path):
    hitl = sim.agents["hitl"]
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    prefs.remember(tmp_path, agent_names={hitl: "Old name from the state file"})
    app = make_app(agent_ids=(hitl,), agent_names={hitl: "My own name"}, state_dir=tmp_path, run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        await _listed(app, pilot)
        assert app.settings.agent_names[hitl] == "My own name"
        assert "My own name" in screen_text(app)
    # the conversation's name is not written over the config's
    assert prefs.agent_names(prefs.load(tmp_path)) == {hitl: "Old name from the state file"}


def test_a_hand_edited_state_file_gives_only_text_names(tmp_path):
    (tmp_path / prefs.FILE_NAME).write_text(json.dumps({"agent_names": {"a": "A", "b": 3, "c": ["x"], "d": "x" * 500}}))
    names = prefs.agent_names(prefs.load(tmp_path))
    assert names == {"a": "A", "d": "x" * prefs.MAX_NAME_LENGTH}


def test_config_init_writes_the_names_it_knows(tmp_path, capsys):
    environ = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    where = configfile.paths(environ)
    prefs.remember(where.state_dir, agent_names={"0b6f1a2c-1": 'Refund "Desk"\n', "9d-2": "Budget"})
    assert cli.config_command(["init"], environ) == 0
    loaded = configfile.load(where.config)
    assert loaded.profiles["default"].agent_names == {"0b6f1a2c-1": 'Refund "Desk"\n', "9d-2": "Budget"}


def test_config_init_without_names_is_the_plain_template(tmp_path, capsys):
    environ = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    assert cli.config_command(["init"], environ) == 0
    assert configfile.paths(environ).config.read_text() == configfile.TEMPLATE
