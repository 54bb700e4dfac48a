"""Helpers shared by the dialog tests, and the tests of which actions the main screen offers.

Every dialog test runs the app against the simulator on loopback and asserts on
what the server received (``sim.received``) and on what the screen shows.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from phrony_tui.client import PhronyClient
from phrony_tui.ui.dialogs.common import ActionDialog
from phrony_tui.ui.screens.main import MainScreen
from tests.ui.conftest import wait_for
from tests.ui.helpers import main_screen, screen_text

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def attempts_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Start attempts go to a file of the test, never to the real state dir."""
    path = tmp_path / "state" / "phrony-tui" / "attempts.json"
    monkeypatch.setenv("PHRONY_TUI_ATTEMPTS_FILE", str(path))
    return path


async def open_session(app, pilot, *, state: str = "connected") -> MainScreen:
    """Wait until the session given with run_id= is open and followed."""
    screen = main_screen(app)
    await wait_for(
        pilot,
        lambda: screen.state is not None and screen.follower is not None and screen.follower.status.state == state,
    )
    await pilot.pause(0.05)
    return screen


async def press_until_dialog(app, pilot, key: str, kind: type) -> ActionDialog:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind))
    return app.screen


async def wait_closed(app, pilot) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def wait_settled(app, pilot, dialog: ActionDialog) -> None:
    """Wait for the request in flight to end (the dialog stays open on failure)."""
    await wait_for(pilot, lambda: (not dialog.busy and dialog.error is not None) or app.screen is not dialog)


def posts(sim, suffix: str) -> list:
    """The bodies the simulator received on POST routes ending with ``suffix``."""
    return [body for method, path, body in sim.received if method == "POST" and path.endswith(suffix)]


def notifications(app) -> list[str]:
    return [notification.message for notification in app._notifications]


class Flaky(httpx.AsyncBaseTransport):
    """A transport that fails like the network ("down", "timeout") until set to "up"."""

    def __init__(self, mode: str = "down") -> None:
        self.mode = mode
        self.inner = httpx.AsyncHTTPTransport()
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.mode == "down":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if self.mode == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.mode == "slow":
            await asyncio.sleep(0.4)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def swap_client(app, sim, base_url: str, *, key: str | None = None, transport=None) -> PhronyClient:
    """Give the app another client (another key, a broken network) for the next dialog;
    returns the old one, which the test closes after the app exits (the follower uses it)."""
    old = app.client
    app.client = PhronyClient(base_url, key or sim.keys.admin, transport=transport)
    return old


# -- which actions the main screen offers ------------------------------------------------


async def test_actions_are_offered_only_where_they_apply_and_say_why(sim, make_app):
    _, run_id = sim.find_sessions("timer", "WaitingForTimer")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot)
        assert screen.check_action("skip_wait", ()) is True
        assert screen.check_action("answer", ()) is None  # shown greyed out
        assert screen.check_action("message", ()) is None
        assert screen.check_action("start_run", ()) is True
        assert screen.check_action("attempts", ()) is True
        await pilot.press("a")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MainScreen)  # no dialog
        said = notifications(app)[-1]
        assert "WaitingForTimer" in said and "nothing to answer" in said and "w skips the wait" in said
        await pilot.press("m")
        await pilot.pause(0.1)
        assert "not waiting for a message" in notifications(app)[-1]
    assert posts(sim, "/messages") == []


async def test_a_running_session_offers_no_answer_and_nothing_is_sent(sim, make_app):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_session(app, pilot, state="closed")
        for action in ("answer", "message", "skip_wait"):
            assert screen.check_action(action, ()) is None
        await pilot.press("w")
        await pilot.pause(0.1)
        assert "This session is Failed (it has ended): no timer to skip." in notifications(app)
        assert isinstance(app.screen, MainScreen)
    assert [r for r in sim.received if r[0] == "POST"] == []


async def test_without_an_open_session_the_run_keys_are_hidden(sim, make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await pilot.pause(0.2)
        assert screen.state is None
        for action in ("answer", "message", "skip_wait"):
            assert screen.check_action(action, ()) is False
        assert screen.check_action("start_run", ()) is True
        # the footer is composed after the first frames: wait for it (a hang guard, not a time bound)
        await wait_for(pilot, lambda: "Start run" in screen_text(app).splitlines()[-1])
        assert "Answer" not in screen_text(app).splitlines()[-1]
        await pilot.press("a")
        await pilot.pause(0.1)
        assert "Open a session first" in notifications(app)[-1]


def test_help_lists_the_dialog_keys():
    from phrony_tui.ui.screens.help import binding_rows

    rows = {(row[0], row[1], row[2]) for row in binding_rows()}
    for expected in [
        ("y", "answer dialog", "Approve"),
        ("n", "answer dialog", "Reject"),
        ("ctrl+s", "message dialog", "Send"),
        ("ctrl+o", "message dialog", "Attach file"),
        ("y", "skip wait dialog", "Skip the wait"),
        ("ctrl+s", "start run dialog", "Start run"),
        ("A", "main screen", "Attempts"),
        ("r", "attempts screen", "Retry"),
        ("escape", "action dialog", "Cancel"),
    ]:
        assert expected in rows, expected
