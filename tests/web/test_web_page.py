"""The page ``phrony-tui --web`` serves, without a browser: everything it links to is
on the server itself, and is there. (tests/web/test_web_browser.py checks the same
in Chromium, with what the page actually requested; this one runs everywhere.)"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from phrony_tui.ui import web

pytest.importorskip("textual_serve", reason="--web needs textual-serve (the test extra has it)")
from aiohttp.test_utils import TestClient, TestServer  # aiohttp comes with textual-serve

# Where a page names something to load: attributes, and CSS url(...).
LINKS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)["']?\s*\)""")


@pytest.fixture
def server(monkeypatch):
    """The textual-serve Server exactly as ``web.serve`` configures it (not started)."""
    import textual_serve.server

    made = []
    monkeypatch.setattr(textual_serve.server.Server, "serve", lambda self: made.append(self))
    assert web.serve(["--demo", "--web", "--web-port", "8765"], port=8765) == 0
    return made[0]


async def test_the_page_links_only_to_its_own_server_and_everything_it_links_is_there(server):
    async with TestClient(TestServer(await server._make_app())) as client:
        page = await client.get("/")
        assert page.status == 200
        html = await page.text()
        links = [a or b for a, b in LINKS.findall(html)]
        for link in links:
            parts = urlsplit(link)
            assert (parts.hostname, parts.port) == ("127.0.0.1", 8765), f"the page links outside its server: {link}"
            fetched = await client.get(parts.path)
            assert fetched.status == 200, f"{link}: {fetched.status}"
        assert any("/static/js/textual.js" in link for link in links)  # it is textual-serve's page
        assert any("/static/fonts/" in link for link in links)  # with its font, from here
