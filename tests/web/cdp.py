"""A small Chrome DevTools Protocol client for the browser test: headless Chromium
started here, one page, commands and events over aiohttp's websocket client (aiohttp
comes with textual-serve, so nothing new is installed for it).

Every wait is bounded (a hang guard that fails with what was seen), none is timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless, and quiet: no first-run pages, no sync, no component or safe-browsing
# updates, so the browser itself has no reason to reach out either.
FLAGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
    "--remote-debugging-port=0",
    "--window-size=1280,800",
]


def find_browser() -> str | None:
    """The Chromium to drive: $PHRONY_TEST_CHROMIUM, else the first on PATH."""
    chosen = os.environ.get("PHRONY_TEST_CHROMIUM")
    if chosen:
        return chosen
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class CdpError(Exception):
    pass


class Page:
    """One page target, attached with a flat session: send() and the events it raised."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self.session_id: str | None = None
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            else:
                self.events.append(data)
                self._changed.set()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CdpError("the browser closed the DevTools connection"))

    async def send(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 15.0,
                   browser: bool = False) -> dict[str, Any]:  # fmt: skip
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if not browser and self.session_id is not None:
            message["sessionId"] = self.session_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_str(json.dumps(message))
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise CdpError(f"{method}: no reply within {timeout:g} s") from None
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def evaluate(self, expression: str, *, timeout: float = 15.0) -> Any:
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise CdpError(f"{expression[:60]!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, check: Callable[[], Any], what: str, *, timeout: float = 60.0) -> Any:
        """Until ``check()`` (sync, or a coroutine function) gives a true value: that value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = check()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
            if loop.time() > deadline:
                raise CdpError(f"hang guard: {what} did not happen within {timeout:g} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 0.2)

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


@contextlib.asynccontextmanager
async def chromium(executable: str, *, timeout: float = 30.0) -> AsyncIterator[Page]:
    """Headless Chromium with a fresh profile, and a Page attached to a blank tab."""
    profile = Path(tempfile.mkdtemp(prefix="phrony-chromium-"))
    log_path = profile / "stderr.log"
    log = log_path.open("wb")
    proc = await asyncio.create_subprocess_exec(
        executable, *FLAGS, f"--user-data-dir={profile}", "about:blank",
        stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    session: aiohttp.ClientSession | None = None
    page: Page | None = None
    try:
        # Chromium writes its DevTools port and browser path here once it listens.
        active = profile / "DevToolsActivePort"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(said := _read(active).split()) < 2:
            if proc.returncode is not None or loop.time() > deadline:
                log.flush()
                raise CdpError(f"Chromium did not start (exit {proc.returncode}): {_read(log_path)[-1500:]}")
            await asyncio.sleep(0.1)
        port, path = said[:2]
        session = aiohttp.ClientSession()
        ws = await asyncio.wait_for(session.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0), timeout)
        page = Page(ws)
        targets = await page.send("Target.getTargets", browser=True)
        tab = next(t for t in targets["targetInfos"] if t["type"] == "page")
        attached = await page.send("Target.attachToTarget", {"targetId": tab["targetId"], "flatten": True},
                                   browser=True)  # fmt: skip
        page.session_id = attached["sessionId"]
        yield page
    finally:
        if page is not None:
            with contextlib.suppress(Exception):
                await page.send("Browser.close", browser=True, timeout=5)
            await page.close()
        if session is not None:
            await session.close()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()  # the browser this helper started, by its own handle
            await proc.wait()
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
