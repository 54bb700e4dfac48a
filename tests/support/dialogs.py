"""Helpers for the dialog tests (tests/ui/test_dialogs_*.py).

Every dialog test runs the app against the simulator on loopback and asserts on
what the server received (``sim.received``) and on what the screen shows.
"""

from __future__ import annotations

import asyncio

import httpx

from phrony_tui.client import PhronyClient
from phrony_tui.ui.dialogs.common import ActionDialog
from phrony_tui.ui.screens.main import MainScreen
from tests.support.screen import main_screen
from tests.support.waiting import wait_for

SIZE = (120, 40)


async def open_session(app, pilot, *, state: str = "connected") -> MainScreen:
    """Wait until the session given with run_id= is open and followed."""
    screen = main_screen(app)
    await wait_for(
        lambda: screen.state is not None and screen.follower is not None and screen.follower.status.state == state,
        pilot=pilot,
    )
    await pilot.pause(0.05)
    return screen


async def press_until_dialog(app, pilot, key: str, kind: type) -> ActionDialog:
    await pilot.press(key)
    await wait_for(lambda: isinstance(app.screen, kind), pilot=pilot)
    return app.screen


async def wait_closed(app, pilot) -> None:
    await wait_for(lambda: isinstance(app.screen, MainScreen), pilot=pilot)


async def wait_settled(app, pilot, dialog: ActionDialog) -> None:
    """Wait for the request in flight to end (the dialog stays open on failure)."""
    await wait_for(lambda: (not dialog.busy and dialog.error is not None) or app.screen is not dialog, pilot=pilot)


def posts(sim, suffix: str) -> list:
    """The bodies the simulator received on POST routes ending with ``suffix``."""
    return [body for method, path, body in sim.received if method == "POST" and path.endswith(suffix)]


class Flaky(httpx.AsyncBaseTransport):
    """A transport that fails like the network ("down", "timeout") until set to "up";
    "held" keeps each request in flight until ``release`` is set (no race with the keys)."""

    def __init__(self, mode: str = "down") -> None:
        self.mode = mode
        self.inner = httpx.AsyncHTTPTransport()
        self.calls = 0
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.mode == "down":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if self.mode == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.mode == "held":
            await self.release.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def swap_client(app, sim, base_url: str, *, key: str | None = None, transport=None) -> PhronyClient:
    """Give the app another client (another key, a broken network) for the next dialog;
    returns the old one, which the test closes after the app exits (the follower uses it)."""
    old = app.client
    app.client = PhronyClient(base_url, key or sim.keys.admin, transport=transport)
    return old
