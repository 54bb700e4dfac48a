"""The API key never shows: not on screen, not in logs, not in exceptions, not in
Textual's crash traceback (which prints every frame's locals), not in exports or
any file the app writes."""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from textual.worker import WorkerFailed

from phrony_tui.client import PhronyAPIError, PhronyClient, PhronyConnectionError
from phrony_tui.core.export import conversation_json, markdown_report
from phrony_tui.core.format import parse_ts
from phrony_tui.entry.demo import demo_settings
from phrony_tui.settings import Settings
from phrony_tui.ui.app import PhronyApp
from phrony_tui.ui.widgets.sessions import SessionsPane
from tests.support.waiting import wait_for

KEY = "phk_secretsTEST_0123456789abcdef"
RUN = "11111111-1111-4111-8111-111111111111"


def leaks(text: str, key: str) -> bool:
    """The key, or its secret part without the ``phk_`` prefix, anywhere in ``text``."""
    return key in text or key.removeprefix("phk_") in text


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def rendered_exit(app) -> str:
    """Textual's rendered crash traceback, if it has not printed it (to stderr) yet."""
    out = []
    for renderable in app._exit_renderables:
        segments = getattr(renderable, "segments", None)
        out.append("".join(s.text for s in segments) if segments is not None else str(renderable))
    return "".join(out)


def frame_locals_text(error: BaseException) -> str:
    """repr() of every local of every frame of the traceback (what show_locals prints,
    without its truncation), the chained exceptions' frames too."""
    parts = []
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for frame, _ in traceback.walk_tb(error.__traceback__):
            for name, value in frame.f_locals.items():
                try:
                    parts.append(f"{name}={value!r}")
                except Exception as exc:
                    parts.append(f"{name}=<repr failed: {exc}>")
        error = error.__cause__ or error.__context__ or getattr(error, "error", None)
    return "\n".join(parts)


@pytest.fixture
def private_dirs(tmp_path, monkeypatch) -> Path:
    """Every place the app may write (config, state, attempts, temp files) under tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("PHRONY_TUI_ATTEMPTS_FILE", str(home / "attempts.json"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def sim_app(sim, base_url: str, **changes) -> PhronyApp:
    settings = replace(demo_settings(sim, base_url), **changes)
    return PhronyApp(settings, clock=lambda: parse_ts(sim.now_iso()), sessions_refresh=None, host_label="sim")


# -- screen, logs, files ---------------------------------------------------------------------------


@pytest.mark.slow
async def test_key_not_on_screen_in_logs_or_in_written_files(sim, sim_base_url, private_dirs, caplog):
    key = sim.keys.admin
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included, at DEBUG
    for name in ("httpx", "httpcore", "phrony_tui", "phrony_tui.client"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    _, run_id = sim.find_sessions("hitl", "WaitingForHITL")[0]
    app = sim_app(sim, sim_base_url, run_id=run_id)
    screens: list[str] = []
    exports = private_dirs / "exports"
    exports.mkdir()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            await wait_for(lambda: screen.state is not None and screen.query_one(SessionsPane).feed.total, pilot=pilot)
            screens.append(screen_text(app))
            await pilot.press("enter")  # the step details
            await pilot.pause()
            screens.append(screen_text(app))
            await pilot.press("escape")
            await pilot.press("question_mark")  # help: every binding
            await pilot.pause()
            screens.append(screen_text(app))
            await pilot.press("escape")
            for fmt, name in (("json", "session.json"), ("markdown", "session.md")):
                screen.action_export(fmt)
                await pilot.pause()
                field = app.screen.query_one("#path")
                field.value = str(exports / name)
                await pilot.press("enter")
                await wait_for(lambda n=name: (exports / n).exists() and (exports / n).stat().st_size > 0, pilot=pilot)
            # start a run: the attempt is recorded in a file
            await pilot.press("s")
            await pilot.pause()
            screens.append(screen_text(app))
            await pilot.press("ctrl+s")
            await wait_for(lambda: any(private_dirs.rglob("attempts*.json")), pilot=pilot)
            await pilot.pause(0.2)
            screens.append(screen_text(app))
    finally:
        for name in ("httpx", "httpcore", "phrony_tui", "phrony_tui.client"):
            logging.getLogger(name).setLevel(logging.WARNING if name.startswith("http") else logging.NOTSET)
    assert len(screens) == 5
    for text in screens:
        assert "Refund" in text or "Start" in text or "step" in text.lower()  # a real screen
        assert not leaks(text, key)
    assert any(r.name.startswith("httpx") or r.name.startswith("phrony_tui") for r in caplog.records)
    assert not leaks(caplog.text, key)
    for record in caplog.records:
        assert not leaks(record.getMessage(), key)
        assert not leaks(repr(record.args), key)
    written = [path for path in private_dirs.rglob("*") if path.is_file()]
    assert {p.name for p in written} >= {"session.json", "session.md"}
    assert any(p.name.startswith("attempts") for p in written)
    for path in written:
        assert not leaks(path.read_bytes().decode("utf-8", "replace"), key), path


@pytest.mark.full_world
def test_exports_of_a_state_hold_no_key(sim, sim_base_url):
    import json

    from phrony_tui.client.models import Conversation
    from phrony_tui.core.session_state import SessionState

    key = sim.keys.admin
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    body = httpx.get(f"{sim_base_url}/v1/runs/{run_id}/conversation", headers={"X-API-Key": key}).content
    state = SessionState(run_id, Conversation.model_validate_json(body))
    for text in (conversation_json(state), markdown_report(state)):
        assert state.session.id in text  # the export is real
        assert not leaks(text, key)
    assert json.loads(conversation_json(state))["session"]["id"] == state.session.id


# -- reprs and exceptions ---------------------------------------------------------------------------


def test_reprs_of_settings_client_and_auth_hide_the_key():
    settings = Settings(base_url="https://api.example.com", api_key=SecretStr(KEY), agent_ids=("a",))
    client = PhronyClient("https://api.example.com", KEY)
    for text in (repr(settings), str(settings), repr(client), repr(client._auth), repr(client._http),
                 repr(vars(client)), repr(client._http.headers)):  # fmt: skip
        assert not leaks(text, KEY), text
    asyncio.run(client.aclose())


async def test_errors_never_hold_the_key_even_when_the_server_echoes_it():
    def handler(request: httpx.Request) -> httpx.Response:
        sent = request.headers["x-api-key"]
        if request.url.path.endswith("/stream"):
            return httpx.Response(403, text=f"key {sent} is not allowed to stream")
        if request.url.path.endswith("/conversation"):
            return httpx.Response(500, json={"message": f"internal error for key={sent}", "key": sent})
        return httpx.Response(401, json={"error": {"message": f"invalid key {sent}"}}, headers={"Retry-After": "1"})

    async with PhronyClient("https://api.example.com", KEY, transport=httpx.MockTransport(handler)) as client:
        caught: list[Exception] = []
        for call in (client.get_run(RUN), client.get_conversation(RUN), client.list_sessions("agent-1")):
            with pytest.raises(PhronyAPIError) as info:
                await call
            caught.append(info.value)
        with pytest.raises(PhronyAPIError) as info:
            async with client.stream_run_events(RUN):
                pass
        caught.append(info.value)
    assert {error.status for error in caught} == {401, 403, 500}
    for error in caught:
        texts = (str(error), repr(error), error.body, error.server_message, repr(error.args),
                 "".join(traceback.format_exception(error)), frame_locals_text(error))  # fmt: skip
        for text in texts:
            assert not leaks(text, KEY), text
        assert "phk_***" in error.body  # the echo was redacted, not dropped


async def test_network_errors_never_hold_the_key():
    """Connection errors are raised ``from None``: the httpx frames (with the request
    headers in their locals) are not chained into the traceback."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with PhronyClient("https://api.example.com", KEY, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(PhronyConnectionError) as info:
            await client.get_run(RUN)
    error = info.value
    assert error.__cause__ is None and error.__suppress_context__
    text = "".join(traceback.format_exception(error)) + frame_locals_text(error)
    assert "connection refused" in text and not leaks(text, KEY)


# -- Textual's crash traceback ------------------------------------------------------------------------


def mock_app(handler, run_id: str | None = RUN) -> PhronyApp:
    client = PhronyClient("https://api.example.com", KEY, transport=httpx.MockTransport(handler))
    settings = Settings(base_url="https://api.example.com", api_key=SecretStr(KEY), agent_ids=("agent-1",),
                        run_id=run_id)  # fmt: skip
    return PhronyApp(settings, client=client, sessions_refresh=None, host_label="mock")


def empty_sessions(request: httpx.Request) -> httpx.Response | None:
    if request.url.path.endswith("/sessions"):
        return httpx.Response(200, json={"items": [], "total": 0})
    return None


async def test_crash_inside_an_http_call_shows_no_key_in_the_traceback(capsys):
    """A bug deep in a request (here the transport raising something that is not an
    httpx error) crashes the app: Textual renders the traceback with every frame's
    locals (httpx's, the client's, the follower's, the screen's)."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = empty_sessions(request)
        if answer is not None:
            return answer
        assert request.headers["x-api-key"] == KEY  # the key really was in flight
        raise RuntimeError("boom in the transport")

    app = mock_app(handler)
    with pytest.raises((RuntimeError, WorkerFailed), match="boom in the transport") as info:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(2.0)
    # Textual prints its exit renderables (the traceback) on stderr as the app ends
    rendered = rendered_exit(app) + capsys.readouterr().err
    assert "boom in the transport" in rendered and "Traceback" in rendered
    assert "locals" in rendered.lower() or "│" in rendered  # show_locals panels
    assert not leaks(rendered, KEY)
    assert not leaks(frame_locals_text(info.value), KEY)


async def test_crash_in_a_handler_shows_no_key_in_the_traceback_or_on_stderr(monkeypatch, capsys):
    """Raise from a key handler whose frame holds the settings and the client."""

    def handler(request: httpx.Request) -> httpx.Response:
        return empty_sessions(request) or httpx.Response(404, json={"message": "nope"})

    def explode(self) -> None:
        # locals a crash report prints: the settings, the client, the SecretStr itself
        settings = self.settings
        client = self.client  # noqa: F841
        key = settings.api_key  # noqa: F841
        raise RuntimeError("boom in a handler")

    monkeypatch.setattr(PhronyApp, "action_help", explode)
    app = mock_app(handler, run_id=None)
    with pytest.raises(RuntimeError, match="boom in a handler") as info:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)
            await pilot.press("question_mark")
            await pilot.pause(0.3)
    rendered = rendered_exit(app) + capsys.readouterr().err
    assert "boom in a handler" in rendered and "settings" in rendered
    assert "**********" in rendered  # the SecretStr, shown as what it is
    assert not leaks(rendered, KEY)
    assert not leaks(frame_locals_text(info.value), KEY)

    # a real headless run prints that traceback on stderr as it exits
    app = mock_app(handler, run_id=None)

    async def crash_soon() -> None:
        await wait_for(lambda: app.is_running)
        app.call_later(app.action_help)

    task = asyncio.ensure_future(crash_soon())
    await app.run_async(headless=True, size=(120, 40))
    await task
    err = capsys.readouterr().err
    assert "boom in a handler" in err and "Traceback" in err
    assert not leaks(err, KEY)
