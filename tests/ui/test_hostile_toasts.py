"""Server text in toasts, titles, export file names, the report and the start editor.

A session id of ``[/]…`` used to crash the export toast (read as markup), ``[b]…``
restyled it, and an id with ``ESC ] 0;… BEL`` named the export file with ESC and
BEL in it. Everything here comes from a server that sends such ids.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import httpx
from markdown_it import MarkdownIt
from pydantic import SecretStr
from textual.widgets import Static
from textual.widgets._toast import Toast

from phrony_tui.client import PhronyClient
from phrony_tui.client.models import Conversation, UploadedFile
from phrony_tui.core.export import export_dir, export_file_name, markdown_report, safe_slug
from phrony_tui.core.session_state import SessionState
from phrony_tui.settings import Settings
from phrony_tui.ui.app import PhronyApp
from phrony_tui.ui.dialogs.start import StartRunDialog
from phrony_tui.ui.session_tools import PathPrompt
from phrony_tui.ui.text import notify, plain
from tests.support.dialogs import SIZE, press_until_dialog
from tests.support.screen import main_screen
from tests.support.waiting import wait_for

FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\x00", "\u202e", "\u200b")
SESSION_ID = "[/]s[b]x\x1b]0;pwned\x07\u202e/../\u200bid"
AGENT = "agent-1"
RUN = "run-1"


def conversation() -> dict:
    session = {"id": SESSION_ID, "agentId": AGENT, "status": "Completed", "triggerType": "api", "input": {},
               "startContext": {}, "startedAt": "2026-03-01T12:00:00Z"}  # fmt: skip
    runs = [{"id": RUN, "sessionId": SESSION_ID, "agentId": AGENT, "parentRunId": None, "depth": 0,
             "status": "Completed", "agentName": "[b]Agent[/b]"}]  # fmt: skip
    items = [{"id": "i1", "runId": RUN, "ordinal": 1, "type": "output", "content": {"text": "done"}}]
    return {"session": session, "runs": runs, "items": items}


def handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/sessions"):
        return httpx.Response(200, json={"items": [], "total": 0})
    if path.endswith("/conversation"):
        return httpx.Response(200, json=conversation())
    if path.endswith("/stream"):
        return httpx.Response(200, text="", headers={"content-type": "text/event-stream"})
    if path == f"/v1/runs/{RUN}":
        return httpx.Response(200, json={"id": RUN, "status": "Completed"})
    return httpx.Response(404, json={"message": "[/]nope"})


def whole_screen(app) -> str:
    return "".join(segment.text for strip in app.screen._compositor.render_strips() for segment in strip)


def mock_app(tmp_path) -> PhronyApp:
    client = PhronyClient("http://127.0.0.1:1", api_key="phk_test", transport=httpx.MockTransport(handler))
    settings = Settings(base_url="http://127.0.0.1:1", api_key=SecretStr("phk_test"), agent_ids=(AGENT,),
                        run_id=RUN, export_dir=str(tmp_path / "exports"))  # fmt: skip
    return PhronyApp(settings, client=client, sessions_refresh=None, host_label="mock")


async def test_exports_of_a_hostile_session_id_a_safe_name_the_whole_path_no_overwrite(tmp_path):
    app = mock_app(tmp_path)
    folder = tmp_path / "exports"
    async with app.run_test(size=(160, 45), notifications=True) as pilot:  # toasts drawn
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        written = []
        for count in (1, 2):
            await pilot.press("x")
            await wait_for(lambda: isinstance(app.screen, PathPrompt), pilot=pilot)
            default = app.screen.query_one("#path").value
            assert default == str(folder / export_file_name(SESSION_ID, "json"))
            await pilot.press("enter")
            await wait_for(lambda: not isinstance(app.screen, PathPrompt), pilot=pilot)
            await wait_for(lambda n=count: len(list(folder.iterdir())) == n, pilot=pilot)
            written = sorted(folder.iterdir())
            await pilot.pause(0.1)
            shown = whole_screen(app)
            for bad in FORBIDDEN:
                assert bad not in shown, repr(bad)
        toasts = [str(n.message) for n in app._notifications]
        assert app.is_running
    first, second = sorted(written, key=lambda p: len(p.name))
    assert second.name == first.name.replace(".json", "-2.json")  # the first was never overwritten
    for path in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9._-]+", path.name), path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert json.loads(path.read_text())["session"]["id"] == SESSION_ID  # the data itself, exact
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # each toast says the whole path, as it is
    assert any(str(first) in t for t in toasts) and any(str(second) in t for t in toasts)


async def test_toasts_and_titles_show_markup_and_escapes_as_text(tmp_path):
    app = mock_app(tmp_path)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:  # toasts drawn
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        notify(app, f"id {SESSION_ID} [/] [b]bold", title=f"[/]title {SESSION_ID}", severity="error")
        box = screen.query_one(Static)
        box.border_title = plain(f"[/]x {SESSION_ID}")
        box.border_subtitle = plain("[b]sub[/b]")
        await wait_for(lambda: app.screen.query(Toast), pilot=pilot)
        await pilot.pause(0.1)
        shown = whole_screen(app)
        assert "[/]title" in shown and "[b]bold" in shown
        for bad in FORBIDDEN:
            assert bad not in shown, repr(bad)
        assert app.is_running


def test_a_slug_keeps_nothing_a_terminal_or_a_path_could_act_on():
    for raw in (SESSION_ID, "../../etc/passwd", ".hidden", "\x1b]0;t\x07", "", None, "é日本"):
        slug = safe_slug(raw)
        assert slug and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*|session", slug), (raw, slug)
    assert safe_slug("s-1_a.b") == "s-1_a.b"
    home = Path("/home/p")
    assert export_dir(None, home) == home / "phrony-exports"
    assert export_dir("~/out", home) == home / "out" and export_dir("/srv/x", home) == Path("/srv/x")


HTML_AND_MARKDOWN = (
    '![pixel](https://evil.example/p.png) [click](javascript:alert(1)) <img src=x onerror="alert(1)"> '
    "<script>alert(1)</script> *em* _em_ `code` https://evil.example www.evil.example &lt; | pipe"
)


def test_the_markdown_report_is_inert_in_a_markdown_viewer():
    data = conversation()
    data["session"]["id"] = HTML_AND_MARKDOWN
    data["session"]["output"] = {"note": "```\n</code><script>alert(2)</script>\n```"}
    data["runs"][0]["agentName"] = HTML_AND_MARKDOWN
    data["items"][0]["content"] = {"text": HTML_AND_MARKDOWN}
    report = markdown_report(SessionState(RUN, Conversation.model_validate(data)))
    html = MarkdownIt("gfm-like").render(report)
    for active in ("<img", "<script", "<a ", "<em>", "<strong>x", "href="):
        assert active not in html, active
    # the text itself is all there, escaped for HTML
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "![pixel](https" in html
    assert "&lt;/code&gt;&lt;script&gt;alert(2)" in html  # inside the output's code block, inert


async def test_the_start_editor_never_shows_an_object_keys_controls_raw(sim, make_app, tmp_path):
    agent_id = sim.agents["chat"]
    doc = tmp_path / "brief.txt"
    doc.write_text("read me")
    hostile_key = "uploads/t/\u009b31m\u202eevil\u200b.txt"
    app = make_app(agent_ids=(agent_id,))
    async with app.run_test(size=SIZE) as pilot:

        async def upload_file(path, media_type=None):
            return UploadedFile(object_key=hostile_key, size_bytes=7, media_type="text/plain", filename="brief.txt")

        app.client.upload_file = upload_file
        dialog = await press_until_dialog(app, pilot, "s", StartRunDialog)
        assert isinstance(dialog, StartRunDialog)
        assert dialog.attach_file(str(doc), "doc")
        await wait_for(lambda: not dialog.busy and dialog.files, pilot=pilot)
        text = dialog.editor.text
        for bad in ("\u009b", "\u202e", "\u200b"):
            assert bad not in text and bad not in whole_screen(app)
        assert "\\u009b31m\\u202eevil\\u200b.txt" in text
        # the value itself is the server's, exactly (an escape in JSON is the same string)
        assert json.loads(text)["doc"]["filename"] == "\u009b31m\u202eevil\u200b.txt"
        assert any("invisible characters" in str(n.message) for n in app._notifications)
