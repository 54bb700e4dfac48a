"""`m` (a message with files) and `w` (skip a wait)."""

from __future__ import annotations

import asyncio
import os

import pytest

from phrony_tui.live import local_files as files_module
from phrony_tui.sim import Faults
from phrony_tui.ui.dialogs.files import MAX_ATTACHMENT_BYTES, check_attachment, complete_path
from phrony_tui.ui.dialogs.message import MessageDialog
from phrony_tui.ui.dialogs.skip import SkipWaitDialog
from tests.support.dialogs import (
    SIZE,
    open_session,
    posts,
    press_until_dialog,
    wait_closed,
    wait_settled,
)
from tests.support.screen import notifications, screen_text
from tests.support.waiting import wait_for


def _chat(sim) -> str:
    return sim.find_sessions("chat", "WaitingForResponse")[0][1]


async def test_message_is_multi_line_and_ctrl_s_sends_it_once(sim, make_app):
    run_id = _chat(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        assert app.focused is dialog.query_one("#message-text")
        assert "Last from the agent:" in screen_text(app)  # what the person replies to
        await pilot.press("ctrl+s")  # empty: refused in the dialog
        await wait_for(lambda: dialog.error, pilot=pilot)
        assert "Nothing to send" in dialog.error
        await pilot.press(*"Hi", "enter", *"yo", "ctrl+s", "ctrl+s")
        await wait_closed(app, pilot)
        assert any(message.startswith("Sent a message to Support Chat") for message in notifications(app))
        await wait_for(lambda: screen.state.status == "Running", pilot=pilot)
    assert posts(sim, "/messages") == [{"runId": run_id, "text": "Hi\nyo"}]


async def test_files_are_checked_uploaded_then_sent_with_the_text(sim, make_app, tmp_path):
    run_id = _chat(sim)
    report = tmp_path / "report.txt"
    report.write_text("quarterly numbers\n")
    image = tmp_path / "shot.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        await pilot.press(*"see")
        for bad, reason in [
            (str(tmp_path / "missing.pdf"), "no such file"),
            (str(tmp_path), "is a directory"),
        ]:
            await pilot.press("ctrl+o")
            path_box = dialog.query_one("#attach-path")
            assert app.focused is path_box
            path_box.value = bad
            await pilot.press("enter")
            await wait_for(lambda r=reason: r in (dialog.error or ""), pilot=pilot)
            assert dialog.attachments == []
            await pilot.press("escape")  # closes the path row, not the dialog
            assert app.screen is dialog
        for count, good in enumerate((report, image), 1):
            await pilot.press("ctrl+o")
            dialog.query_one("#attach-path").value = str(good)
            await pilot.press("enter")
            await wait_for(lambda n=count: len(dialog.attachments) == n, pilot=pilot)
        assert [a.name for a in dialog.attachments] == ["report.txt", "shot.png"]
        shown = screen_text(app)
        assert "report.txt  18 B  text/plain  — ready" in shown and "shot.png  108 B  image/png" in shown
        assert app.focused is dialog.query_one("#message-text")
        await pilot.press("ctrl+s")
        await wait_closed(app, pilot)
        assert any("with 2 files" in message for message in notifications(app))
    presigned = posts(sim, "/file-library/presign")
    assert [(body["filename"], body["mediaType"], body["maxContentLength"]) for body in presigned] == [
        ("report.txt", "text/plain", 18),
        ("shot.png", "image/png", 108),
    ]
    assert len(posts(sim, "/file-library/finalize")) == 2
    (message,) = posts(sim, "/messages")
    assert message["runId"] == run_id and message["text"] == "see"
    assert [(f["phronyFile"], f["filename"], f["mediaType"]) for f in message["files"]] == [
        (True, "report.txt", "text/plain"),
        (True, "shot.png", "image/png"),
    ]
    assert all(sim.objects[f["objectKey"]].finalized for f in message["files"])
    assert sim.objects[message["files"][0]["objectKey"]].data == b"quarterly numbers\n"


async def test_an_upload_that_fails_sends_nothing_and_keeps_draft_and_files(sim, make_app, tmp_path):
    from pydantic import SecretStr

    run_id = _chat(sim)
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    app = make_app(run_id=run_id, agent_ids=(), api_key=SecretStr(sim.keys.no_uploads))  # no "Allow file uploads"
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        await pilot.press(*"dr")
        for name in ("a.txt", "b.txt"):
            assert dialog.add_attachment(str(tmp_path / name))
        await pilot.press("ctrl+s")
        await wait_settled(app, pilot, dialog)
        assert "Uploading a.txt failed" in dialog.error and "403" in dialog.error
        assert "Allow file uploads" in dialog.error and "no message was sent" in dialog.error
        assert dialog.draft == "dr" and [a.name for a in dialog.attachments] == ["a.txt", "b.txt"]
        assert [a.state for a in dialog.attachments] == ["failed", "ready"]
        assert "upload failed" in screen_text(app)
        # the key gets the permission: the retry uploads and sends everything
        dialog.client = type(app.client)(app.client.base_url, sim.keys.admin)
        await pilot.press("ctrl+s")
        await wait_closed(app, pilot)
        await dialog.client.aclose()
    (message,) = posts(sim, "/messages")
    assert message["text"] == "dr" and [f["filename"] for f in message["files"]] == ["a.txt", "b.txt"]


async def test_a_failed_send_keeps_uploaded_files_and_does_not_upload_them_again(sim, make_app, tmp_path):
    run_id = _chat(sim)
    (tmp_path / "notes.md").write_text("# notes")
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        assert dialog.add_attachment(str(tmp_path / "notes.md"))
        await pilot.press(*"ok")
        # presign and finalize pass, the message itself gets a 500 (every 3rd request fails)
        sim.faults = Faults(error_share=1 / 3)
        await pilot.press("ctrl+s")
        await wait_settled(app, pilot, dialog)
        assert "500" in dialog.error and dialog.attachments[0].state == "uploaded"
        assert dialog.draft == "ok"
        # a 500 may have been applied: the dialog looked, and never says "nothing was lost"
        assert "Not sent again" in dialog.error and "nothing was lost" not in dialog.error
        sim.faults = Faults()
        await pilot.press("ctrl+s")  # a resend is asked first
        await wait_for(lambda: "Send it again anyway?" in (dialog.error or ""), pilot=pilot)
        assert len(posts(sim, "/messages")) == 1
        await pilot.press("ctrl+s")
        await wait_closed(app, pilot)
    assert len(posts(sim, "/file-library/presign")) == 1  # uploaded once
    assert [body.get("text") for body in posts(sim, "/messages")] == ["ok", "ok"]


async def test_a_reply_when_the_run_no_longer_waits_says_so_and_keeps_the_draft(sim, make_app):
    run_id = _chat(sim)
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        dialog = await press_until_dialog(app, pilot, "m", MessageDialog)
        follower = screen.follower
        await pilot.press(*"late")
        import httpx

        reply = await asyncio.to_thread(  # someone else replies first
            httpx.post,
            f"{app.client.base_url}/v1/runs/{run_id}/messages",
            json={"runId": run_id, "text": "first"},
            headers={"X-API-Key": sim.keys.admin},
        )
        reply.raise_for_status()
        await pilot.press("ctrl+s")
        await wait_settled(app, pilot, dialog)
        assert "409" in dialog.error or "no longer waiting" in dialog.error
        assert "not waiting for a response" in dialog.error and dialog.draft == "late"
        await wait_for(lambda: screen.follower is not follower, pilot=pilot)  # refreshed
        await pilot.press("escape")
        await wait_closed(app, pilot)
    assert [body.get("text") for body in posts(sim, "/messages")] == ["first", "late"]


def test_attachment_checks(tmp_path, monkeypatch):
    big = tmp_path / "big.bin"
    with open(big, "wb") as out:
        out.truncate(MAX_ATTACHMENT_BYTES + 1)  # sparse: costs nothing
    with pytest.raises(ValueError, match=r"over the 100\.0 MiB limit"):
        check_attachment(str(big))
    ok = tmp_path / "ok.json"
    ok.write_text("{}")
    found = check_attachment(f"  {ok}  ")
    assert (found.name, found.size, found.media_type) == ("ok.json", 2, "application/json")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        check_attachment(str(fifo))

    def unreadable(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files_module, "_open_for_check", unreadable)  # root reads anything: fake it
    with pytest.raises(ValueError, match=r"cannot read .*Permission denied"):
        check_attachment(str(ok))
    with pytest.raises(ValueError, match="give the path of a file"):
        check_attachment("   ")


def test_path_completion(tmp_path, monkeypatch):
    (tmp_path / "reports").mkdir()
    (tmp_path / "readme.md").write_text("x")
    (tmp_path / ".secret").write_text("x")
    base = str(tmp_path)
    assert complete_path(base + "/rep") == base + "/reports/"
    assert complete_path(base + "/rea") == base + "/readme.md"
    assert complete_path(base + "/re") == base + "/readme.md"  # sorted: readme.md < reports
    assert complete_path(base + "/") == base + "/readme.md"  # hidden files only when asked
    assert complete_path(base + "/.s") == base + "/.secret"
    assert complete_path(base + "/nothing") is None
    monkeypatch.setenv("HOME", base)
    assert complete_path("~/rep") == "~/reports/"
    monkeypatch.chdir(tmp_path)
    assert complete_path("rea") == "readme.md"


# -- skip a wait ------------------------------------------------------------------------


async def test_skip_wait_asks_then_y_skips(sim, make_app):
    _, run_id = sim.find_sessions("timer", "WaitingForTimer")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        await press_until_dialog(app, pilot, "w", SkipWaitDialog)
        shown = screen_text(app)
        assert "End the agent's wait now?" in shown and '"seconds": 900' in shown
        await pilot.press("enter")  # not an answer here
        await pilot.pause(0.05)
        assert [r for r in sim.received if r[1].endswith("/skip-agent-wait")] == []
        await pilot.press("y", "y")
        await wait_closed(app, pilot)
        await wait_for(lambda: screen.state.status == "Running", pilot=pilot)
    assert [r for r in sim.received if r[1].endswith("/skip-agent-wait")] == [
        ("POST", f"/v1/runs/{run_id}/skip-agent-wait", None)
    ]
    assert any(message.startswith("Skipped the wait of Follow-up Scheduler") for message in notifications(app))


async def test_skip_wait_n_and_escape_send_nothing_and_errors_keep_the_dialog(sim, make_app):
    _, run_id = sim.find_sessions("timer", "WaitingForTimer")[0]
    app = make_app(run_id=run_id, agent_ids=())
    async with app.run_test(size=SIZE) as pilot:
        await open_session(app, pilot)
        await press_until_dialog(app, pilot, "w", SkipWaitDialog)
        await pilot.press("n")
        await wait_closed(app, pilot)
        await press_until_dialog(app, pilot, "w", SkipWaitDialog)
        await pilot.press("escape")
        await wait_closed(app, pilot)
        assert [r for r in sim.received if r[1].endswith("/skip-agent-wait")] == []
        dialog = await press_until_dialog(app, pilot, "w", SkipWaitDialog)
        sim.faults = Faults(error_share=1.0)
        await pilot.press("y")
        await wait_settled(app, pilot, dialog)
        assert "500" in dialog.error and app.screen is dialog
        sim.faults = Faults()
        sim.advance(901)  # the timer runs out meanwhile: the server now answers 400
        await pilot.press("y")
        await wait_for(lambda: not dialog.busy and "not waiting on a timer" in (dialog.error or ""), pilot=pilot)
    assert len([r for r in sim.received if r[1].endswith("/skip-agent-wait")]) == 2
