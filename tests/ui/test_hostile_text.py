"""Server text is untrusted: markup shows literally and no escape sequence reaches any pane.

The server here is a MockTransport that puts hostile strings in every field a
pane shows (sessions, run tree, timeline, live log, status line, details).
"""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from phrony_tui.client import PhronyClient
from phrony_tui.settings import Settings
from phrony_tui.ui.app import PhronyApp
from phrony_tui.ui.widgets.live_log import LiveLog
from phrony_tui.ui.widgets.run_tree import RunTree
from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.status_bar import StatusBar
from phrony_tui.ui.widgets.timeline_pane import TimelinePane
from tests.support.screen import main_screen
from tests.support.waiting import wait_for

MARKUP = "[bold red]URGENT[/bold red][link=https://evil.example]x[/link]"
OSC_TITLE = "\x1b]0;pwned\x07"
OSC_LINK = "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"
CSI = "\x1b[2J\x1b[31m"
C1 = "\u009b31m\u009d0;t\u0007"
BIDI = "\u202eevil\u202c"
HOSTILE = f"{MARKUP} {OSC_TITLE} {OSC_LINK} {CSI} {C1} {BIDI} \x00\x08\x7f end"
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\x00", "\x08", "\x7f", "\u202e")

AGENT = "agent-1"
RUN = "run-root"
SUB = "run-sub"


def conversation() -> dict:
    runs = [
        {"id": RUN, "sessionId": "s-1", "agentId": AGENT, "parentRunId": None, "depth": 0,
         "status": "WaitingForHITL", "agentName": HOSTILE, "startedAt": "2026-03-01T12:00:00Z"},
        {"id": SUB, "sessionId": "s-1", "agentId": "agent-2", "parentRunId": RUN, "depth": 1,
         "status": f"Weird{CSI}", "agentName": HOSTILE, "error": HOSTILE, "startedAt": "2026-03-01T12:00:01Z"},
    ]  # fmt: skip
    items = [
        {"id": f"step-{n}", "runId": RUN if n % 2 else SUB, "ordinal": n, "sequence": n, "type": kind,
         "content": content, "error": HOSTILE if kind == "ToolResult" else None,
         "startedAt": "2026-03-01T12:00:02Z"}
        for n, (kind, content) in enumerate(
            [
                ("reasoning", {"preview": HOSTILE, "message": HOSTILE}),
                ("ToolCall", {"name": HOSTILE, "arguments": {"q": HOSTILE}}),
                ("ToolResult", {"result": {"successful": False, "error": HOSTILE}}),
                ("UserTaskReq", {"user_task_id": "t1", "kind": "approval", "question": HOSTILE}),
                (f"Unknown{OSC_TITLE}", HOSTILE),
                ("output", [HOSTILE, {"k": HOSTILE}]),
            ],
            start=1,
        )
    ]  # fmt: skip
    session = {"id": "s-1", "agentId": AGENT, "status": "WaitingForHITL", "llmModel": HOSTILE,
               "triggerType": "api", "triggerName": HOSTILE, "input": {}, "startContext": {},
               "startedAt": "2026-03-01T12:00:00Z"}  # fmt: skip
    return {"session": session, "runs": runs, "items": items}


def handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/sessions"):
        row = {**conversation()["session"], "status": f"Waiting{OSC_TITLE}", "rootRunId": RUN, "entryRunId": RUN,
               "runCount": 2, "totalTokensUsed": 12}  # fmt: skip
        return httpx.Response(200, json={"items": [row], "total": 1})
    if path.endswith("/conversation"):
        return httpx.Response(200, json=conversation())
    if path.endswith("/stream"):
        events = [
            {"ts": "2026-03-01T12:00:03Z", "kind": "step", "subject": f"engine.step.{HOSTILE}",
             "data": {"message": HOSTILE}},
            {"ts": "2026-03-01T12:00:04Z", "kind": HOSTILE, "subject": HOSTILE, "data": HOSTILE},
        ]  # fmt: skip
        body = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: not json \x1b]0;x\x07\n\n"
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
    return httpx.Response(404, text=HOSTILE)


def rendered(widget) -> str:
    """Everything the screen sends to the terminal inside the widget's region."""
    region = widget.region
    strips = widget.screen._compositor.render_strips()
    rows = strips[region.y : region.y + region.height]
    return "\n".join("".join(seg.text for seg in strip.crop(region.x, region.right)) for strip in rows)


@pytest.mark.slow
async def test_no_pane_lets_markup_or_escapes_through():
    client = PhronyClient("http://127.0.0.1:1", api_key="phk_test", transport=httpx.MockTransport(handler))
    settings = Settings(base_url="http://127.0.0.1:1", api_key=SecretStr("phk_test"), agent_ids=(AGENT,), run_id=RUN)
    app = PhronyApp(settings, client=client, sessions_refresh=None, host_label="mock")
    async with app.run_test(size=(200, 50)) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and app.screen.query_one(LiveLog).received >= 2, pilot=pilot)
        await wait_for(lambda: app.screen.query_one(SessionsPane).feed.total == 1, pilot=pilot)
        panes = {
            "sessions": app.screen.query_one(SessionsPane),
            "runs": app.screen.query_one(RunTree),
            "timeline": app.screen.query_one(TimelinePane),
            "live": app.screen.query_one(LiveLog),
            "status": app.screen.query_one(StatusBar),
        }
        for name, pane in panes.items():
            text = rendered(pane)
            assert text.strip(), name
            for bad in FORBIDDEN:
                assert bad not in text, (name, repr(bad))
        # markup is shown as the characters it is made of
        assert "[bold red]URGENT" in rendered(panes["timeline"])
        assert "[bold red]URGENT" in rendered(panes["runs"])
        assert "[bold red]URGENT" in rendered(panes["live"])
        assert "[bold red]URGENT" in rendered(panes["status"])
        # the step details of every row
        for index in range(screen.state.step_count):
            screen.query_one(TimelinePane).timeline.move_to(index)
            await pilot.press("enter")
            await pilot.pause()
            detail = "".join(segment.text for strip in app.screen._compositor.render_strips() for segment in strip)
            for bad in FORBIDDEN:
                assert bad not in detail, (index, repr(bad))
            await pilot.press("escape")
            await pilot.pause()
        # the whole screen, as the terminal would get it
        whole = "".join(segment.text for strip in app.screen._compositor.render_strips() for segment in strip)
        for bad in FORBIDDEN:
            assert bad not in whole, repr(bad)
