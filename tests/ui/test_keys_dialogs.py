"""One wrong key costs nothing: escape keeps a draft, nothing is edited while it is sent,
tab indents the JSON input, and a dashboard-only task says so before a key is pressed."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from textual.widgets import TextArea

from phrony_tui.ui.dialogs.answer import AnswerDialog
from phrony_tui.ui.dialogs.common import ChoiceList, DraftStore
from phrony_tui.ui.dialogs.message import MessageDialog
from phrony_tui.ui.dialogs.start import StartRunDialog
from phrony_tui.ui.widgets.sessions import SessionsPane
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
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("attempts_file")  # start attempts go to the test's own file


class Gate(httpx.AsyncBaseTransport):
    """Holds every request until ``open()``: the test sees the dialog while it sends."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.event = asyncio.Event()

    def open(self) -> None:
        self.event.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.event.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _chat(sim) -> str:
    return sim.find_sessions("chat", "WaitingForResponse")[0][1]


async def test_escape_keeps_the_message_draft_and_its_files_and_reopening_restores_them(sim, make_app, tmp_path):
    run_id = _chat(sim)
    report = tmp_path / "report.txt"
    report.write_text("numbers\n")
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        await pilot.press(*"half a thought")
        assert dialog.add_attachment(str(report))
        await pilot.press("escape")
        await wait_closed(app, pilot)
        assert any(message.startswith("Draft kept") for message in notifications(app))
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        assert dialog.draft == "half a thought"
        assert [a.name for a in dialog.attachments] == ["report.txt"]
        assert "report.txt" in screen_text(app) and "Your draft from last time is back" in screen_text(app)
        await pilot.press(*", done", "ctrl+s")  # typed at the end of the draft
        await wait_closed(app, pilot)
        assert DraftStore.of(app).get(f"message:{run_id}") is None  # sent: nothing to restore
    (sent,) = posts(sim, "/messages")
    assert sent["text"] == "half a thought, done" and len(sent["files"]) == 1


async def test_a_store_the_screen_hands_over_is_the_one_used(sim, make_app):
    run_id = _chat(sim)
    store = DraftStore()
    store.keep(f"message:{run_id}", "from the screen's store")
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        dialog = MessageDialog(app.client, run_id, drafts=store)
        app.push_screen(dialog)
        await wait_for(lambda: app.screen is dialog, pilot=pilot)
        assert dialog.draft == "from the screen's store"
        assert screen is not None


async def test_the_message_is_read_only_while_it_is_sent(sim, sim_base_url, make_app):
    run_id = _chat(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        gate = Gate()
        old = swap_client(app, sim, sim_base_url, transport=gate)
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        await pilot.press(*"hello", "ctrl+s")
        await wait_for(lambda: dialog.busy, pilot=pilot)
        area = dialog.query_one("#message-text", TextArea)
        assert area.read_only
        await pilot.press(*"XYZ")  # typed while it is in flight: the text that is sent does not change
        assert area.text == "hello"
        gate.open()
        await wait_closed(app, pilot)
    await old.aclose()
    assert posts(sim, "/messages") == [{"runId": run_id, "text": "hello"}]


async def _sessions_loaded(app, pilot) -> SessionsPane:
    pane = app.screen.query_one(SessionsPane)
    await wait_for(lambda: pane.feed.total is not None and bool(pane.feed.rows), pilot=pilot)
    return pane


async def test_start_tab_indents_escape_keeps_the_draft_and_ctrl_s_sends_the_editor(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _sessions_loaded(app, pilot)
        agent_id = pane.current.agent_id
        dialog = await press_until_dialog(app, pilot, "s", StartRunDialog)
        editor = dialog.editor
        editor.text = "{\n}"
        editor.move_cursor((1, 0))
        await pilot.press("tab")  # indents; the focus stays in the editor
        assert app.focused is editor and editor.text == "{\n  }"
        await pilot.press(*'"amount": 12', "enter")
        draft = editor.text
        await pilot.press("escape")  # leaves the dialog, keeping the draft
        await wait_closed(app, pilot)
        assert any(message.startswith("Draft kept for") for message in notifications(app))
        dialog = await press_until_dialog(app, pilot, "s", StartRunDialog)
        assert dialog.editor.text == draft and app.focused is dialog.editor
        await pilot.press("ctrl+s")
        await wait_closed(app, pilot)
    assert posts(sim, f"/v1/agents/{agent_id}/runs") == [{"input": {"amount": 12}}]


async def test_the_start_input_is_read_only_while_it_is_sent(sim, sim_base_url, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _sessions_loaded(app, pilot)
        gate = Gate()
        old = swap_client(app, sim, sim_base_url, transport=gate)
        dialog = await press_until_dialog(app, pilot, "s", StartRunDialog)
        await pilot.press("ctrl+s")
        await wait_for(lambda: dialog.busy, pilot=pilot)
        assert dialog.editor.read_only
        await pilot.press(*"xx")
        assert dialog.editor.text == "{}"
        gate.open()
        await wait_closed(app, pilot)
    await old.aclose()


async def test_multi_option_opens_with_nothing_highlighted(sim, make_app):
    _, run_id = sim.find_sessions("options", "WaitingForHITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        options = dialog.query_one(ChoiceList)
        assert app.focused is options and options.highlighted is None
        await pilot.press("enter", "enter")
        await pilot.pause(0.1)
        assert app.screen is dialog and posts(sim, "/messages") == []
        await pilot.press("down")
        assert options.highlighted == 0


async def test_a_dashboard_only_task_says_so_before_any_key(sim, make_app):
    _, run_id = sim.find_sessions("multi", "WaitingForHITL")[0]  # the anomaly variant
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        assert dialog.shown_task.kind == "anomaly_review"
        assert "Only the Phrony dashboard can complete this task" in screen_text(app)
    assert posts(sim, "/messages") == []


async def test_a_kind_the_server_refuses_for_the_dashboard_is_said_before_y_next_time(sim, make_app):
    _, run_id = sim.find_sessions("multi", "WaitingForAITL")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "a", AnswerDialog)
        while dialog.shown_task.kind != "anomaly_alert":
            await pilot.press("ctrl+n")
            await pilot.pause(0.05)
        assert "Only the Phrony dashboard" not in screen_text(app)  # not known yet
        await pilot.press("y")
        await wait_settled(app, pilot, dialog)
        assert "dashboard" in dialog.error
        await pilot.press("ctrl+n", "ctrl+n")  # away and back: drawn again
        await pilot.pause(0.1)
        assert dialog.shown_task.kind == "anomaly_alert"
        assert "Only the Phrony dashboard can complete this task (kind anomaly_alert)" in screen_text(app)
