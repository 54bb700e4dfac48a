"""``phrony-tui --demo --web`` in a real browser: headless Chromium, driven over the
DevTools protocol, opens the page, starts the app, answers a waiting approval from
the inbox, and the answer reaches the simulator. Every request the page made went
to this machine.

Skips when no Chromium is installed (Debian: ``apt-get install chromium``; or point
$PHRONY_TEST_CHROMIUM at one). The screen is read from the page's own terminal
(xterm.js's buffer), so what is checked is what the browser shows.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from phrony_tui.entry.demo import SEED
from phrony_tui.sim.simulator import identity
from tests.web.cdp import CdpError, Page, chromium, find_browser

pytest.importorskip("textual_serve", reason="--web needs textual-serve (the test extra has it)")
BROWSER = find_browser()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BROWSER is None,
        reason="no Chromium found (chromium / chromium-browser / google-chrome on PATH, or "
        "$PHRONY_TEST_CHROMIUM): apt-get install chromium",
    ),
]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Run in the page before its scripts: textual-serve keeps its xterm.js Terminal in a
# closure; its constructor sets `this.fitAddon` right after `this.terminal`, so a
# setter on that name hands the terminal to the test. Test-side only: the served
# page is unchanged.
TERMINAL_HOOK = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true, enumerable: true});
    window.__phronyTerminal = this.terminal;
  },
});
"""
SCREEN = """(() => {
  const term = window.__phronyTerminal;
  if (!term) return null;
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()"""
KEYS = {"Enter": ("Enter", 13, "\r"), "Escape": ("Escape", 27, "")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    """``phrony-tui --demo --web --web-port N`` as a subprocess (its own process group:
    textual-serve starts the app, the app starts the simulator); its base URL."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PHRONY_")}
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "phrony_tui", "--demo", "--web", "--web-port", str(port)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # hang guard
        while True:
            try:
                if httpx.get(base + "/", trust_env=False, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                said = (tmp_path / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"phrony-tui --web did not serve on {base} (exit {proc.returncode}): {said}")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)  # textual-serve stops its apps, each app its simulator
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of our own group is left
        except ProcessLookupError:
            pass
        proc.wait()
        log.close()


async def quietly(page: Page, expression: str) -> object:
    """Evaluate, as None while the page navigates (its old context is gone)."""
    try:
        return await page.evaluate(expression)
    except CdpError:
        return None


async def screen(page: Page) -> str:
    return str(await quietly(page, SCREEN) or "")


async def wait_screen(page: Page, pattern: str, what: str, *, timeout: float = 60.0) -> re.Match[str]:
    """Until the page's terminal shows ``pattern`` (a regex): the match."""
    last = ""

    async def check() -> re.Match[str] | None:
        nonlocal last
        last = await screen(page)
        return re.search(pattern, last)

    try:
        return await page.wait_for(check, what, timeout=timeout)
    except CdpError as error:
        raise AssertionError(f"{error}; the page's terminal shows:\n{last}") from None


async def press(page: Page, key: str) -> None:
    """A key as the browser gets it from a keyboard (keydown, keypress, keyup)."""
    if key in KEYS:
        name, code, text = KEYS[key]
    else:
        name, code, text = key, ord(key.upper()), key
    down = {"type": "keyDown", "key": name, "windowsVirtualKeyCode": code, "text": text}
    await page.send("Input.dispatchKeyEvent", down)
    await page.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "windowsVirtualKeyCode": code})


async def press_until(page: Page, key: str, pattern: str, what: str, *, tries: int = 4) -> re.Match[str]:
    """Press ``key`` until the screen shows ``pattern``, for a key that may reach the widget
    that is losing focus (a no-op there) and does the same when pressed again."""
    for attempt in range(tries):
        await press(page, key)
        try:
            return await wait_screen(page, pattern, what, timeout=10 if attempt < tries - 1 else 60)
        except AssertionError:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


async def click(page: Page, selector: str) -> None:
    """A mouse click in the middle of the element, where a person would click."""
    box = await page.evaluate(f"document.querySelector({selector!r}).getBoundingClientRect().toJSON()")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for kind in ("mousePressed", "mouseReleased"):
        await page.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


async def refund_session(sim: httpx.AsyncClient, agent: str, short_id: str) -> dict:
    page = (await sim.get(f"/v1/agents/{agent}/sessions", params={"take": 200})).raise_for_status().json()
    found = [row for row in page["items"] if row["id"].startswith(short_id)]
    assert len(found) == 1, f"session {short_id}… is not (once) among the Refund Desk's sessions"
    return found[0]


async def issued_refund(sim: httpx.AsyncClient, run_id: str) -> bool:
    """The refund scenario calls issue_refund only after an approval (sim/scenarios.py)."""
    conversation = (await sim.get(f"/v1/runs/{run_id}/conversation")).raise_for_status().json()
    return any(
        item["type"] == "ToolCall" and (item.get("content") or {}).get("name") == "issue_refund"
        for item in conversation["items"]
    )


async def test_the_web_page_answers_a_waiting_approval_and_fetches_nothing_from_outside(web_server):
    assert BROWSER is not None
    async with chromium(BROWSER) as page:
        await page.send("Network.enable")
        await page.send("Page.enable")
        await page.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        await page.send("Page.addScriptToEvaluateOnNewDocument", {"source": TERMINAL_HOOK})

        # textual-serve's page with its Start button (?delay), as after "Session ended".
        await page.send("Page.navigate", {"url": web_server + "/?delay=1"})
        shown = "(() => { const b = document.querySelector('#start'); return !!b && getComputedStyle(b).display !== 'none'; })()"
        await page.wait_for(lambda: quietly(page, shown), "the Start button", timeout=30)
        await click(page, "#start")

        # The app runs, over the page's websocket, with the demo's sessions.
        status = await wait_screen(page, r"phrony (127\.0\.0\.1:\d+) │", "the app's status bar", timeout=90)
        await wait_screen(page, r"Sessions \(\d+\)[\s\S]*WaitingForHITL", "the demo's sessions")
        await page.evaluate("window.__phronyTerminal.focus()")

        # The inbox, narrowed to the Refund Desk (its pauses are approvals), first row opened.
        # Textual moves focus a moment after the key that asks for it (call_later): a key
        # that arrives in between goes to the widget that had it. So each key waits for
        # the screen to show it may be pressed: the footer lists the focused pane's keys,
        # the filter box shows what it got.
        await wait_screen(page, r"i Inbox", "the sessions list taking keys (its keys in the footer)")
        await press(page, "i")
        await wait_screen(page, r"inbox: waiting on a human · \d+ of \d+", "the inbox")
        await press(page, "/")
        await wait_screen(page, r"filter loaded sessions", "the filter box")
        await press(page, "R")
        await wait_screen(page, r"“R”", "the filter box taking keys")
        for char in "efund Desk":
            await press(page, char)
        await wait_screen(page, r"[1-9]\d* match “Refund", "the Refund Desk's waiting sessions")
        await press(page, "Enter")  # the filter box hands the keys back to the list...
        opened = await press_until(page, "Enter", r"session (\w+) run (\w+) WaitingForHITL", "the opened session")
        session_short = opened.group(1)

        # Ask the simulator directly (the demo's key follows from its seed; the address is
        # the one the app's status bar shows): it waits, no refund issued yet.
        names = identity(SEED)
        agent = next(a["id"] for a in names["agents"] if a["key"] == "hitl")
        async with httpx.AsyncClient(base_url=f"http://{status.group(1)}", headers={"X-API-Key": names["adminKey"]},
                                     trust_env=False, timeout=15) as sim:  # fmt: skip
            before = await refund_session(sim, agent, session_short)
            assert before["status"] == "WaitingForHITL"
            assert not await issued_refund(sim, before["entryRunId"])

            await wait_screen(page, r"a Answer", "the session's keys in the footer")
            await press(page, "a")
            await wait_screen(page, r"Answer a user task[\s\S]*kind approval", "the answer dialog")
            await press(page, "y")
            await wait_screen(page, rf"session {session_short} run \w+ (Running|Completed)", "the session moving on")

            async def refund_issued() -> bool:
                return await issued_refund(sim, before["entryRunId"])

            await page.wait_for(refund_issued, "issue_refund in the simulator's conversation", timeout=60)
            after = await refund_session(sim, agent, session_short)
            assert after["status"] in ("Running", "Completed")

        # Every request the page made, websockets included, went to this machine, and the
        # font came from textual-serve's static folder (no public font host).
        requests = [e["params"]["request"]["url"] for e in page.events if e["method"] == "Network.requestWillBeSent"]
        sockets = [e["params"]["url"] for e in page.events if e["method"] == "Network.webSocketCreated"]
        assert requests and sockets
        outside = [url for url in requests + sockets
                   if urlsplit(url).scheme != "data" and urlsplit(url).hostname not in LOCAL_HOSTS]  # fmt: skip
        assert outside == [], f"the page fetched from outside the machine: {outside}"
        fonts = {e["params"]["requestId"] for e in page.events if e["method"] == "Network.requestWillBeSent"
                 and "/static/fonts/RobotoMono" in e["params"]["request"]["url"]}  # fmt: skip
        served = [e["params"]["response"]["status"] for e in page.events
                  if e["method"] == "Network.responseReceived" and e["params"]["requestId"] in fonts]  # fmt: skip
        assert fonts and served and set(served) == {200}, "the page's font was not served from this machine"
