"""``--demo``'s first sessions pages, read with the standard library while the app starts.

The sessions list is the demo's first screen, and its first pages are known as soon as
the settings are: the simulator's base URL and key (entry/demo.py predicts them), the
agents, the filters. So the launcher asks for them here, in threads, before it imports
the client (httpx) and Textual: the requests wait in the listening socket's queue until
the simulator's child serves, and are answered while this process imports. The main
screen's first load takes each body from here instead of sending the request again
(``MainScreen.load_sessions``), and decodes it as the client would (msgspec rows,
client/session_rows.py). Anything but a 200 with a JSON body within the cap is dropped
(the body comes back None): that page is then asked of the client, whose errors say
what is wrong, in its words.

Only a plain ``http://`` loopback URL (the demo's): no TLS, no proxy, no redirect.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

if TYPE_CHECKING:
    from http.client import HTTPConnection

    from phrony_tui.core.session_feed import PageRequest

__all__ = ["start"]

_MAX_BODY = 16 * 1024 * 1024  # a page of 50 rows is a few kilobytes
_TIMEOUT = 30.0  # the client's read timeout
_CONNECTIONS = 6  # MainScreen's PAGE_REQUESTS_AT_ONCE


def start(
    base_url: str, api_key: str, requests: Iterable[PageRequest], *, user_agent: str
) -> Mapping[PageRequest, Future[bytes | None]] | None:
    """Ask for these pages now (threads); each future gets the body, or None when the
    answer is not a usable one. None when the URL is not plain http to loopback."""
    parts = urlsplit(base_url)
    host, port = parts.hostname, parts.port
    if parts.scheme != "http" or host not in ("127.0.0.1", "::1", "localhost") or not port:
        return None
    if parts.path.strip("/") or parts.query or parts.username or parts.password:
        return None
    pages: dict[PageRequest, Future[bytes | None]] = {request: Future() for request in requests}
    todo = list(pages)
    if not todo:
        return None
    headers = {"X-API-Key": api_key, "User-Agent": user_agent, "Accept": "application/json"}
    lock = threading.Lock()

    def work() -> None:
        import http.client

        connection = http.client.HTTPConnection(host, port, timeout=_TIMEOUT)
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    request = todo.pop(0)
                body = None
                try:
                    body = _read(connection, request, headers)
                except Exception:  # any failure: the client's read says what it is
                    connection.close()  # the next one on a fresh connection
                finally:
                    pages[request].set_result(body)
        finally:
            connection.close()

    for n in range(min(_CONNECTIONS, len(todo))):
        threading.Thread(target=work, name=f"phrony-early-pages-{n}", daemon=True).start()
    return pages


def _read(connection: HTTPConnection, request: PageRequest, headers: dict[str, str]) -> bytes | None:
    """One page, as ``PhronyClient.list_sessions`` asks for it (None: not a usable answer)."""
    params: dict[str, object] = {"skip": request.skip, "take": request.take}
    if request.status is not None:
        params["status"] = request.status
    path = f"/v1/agents/{quote(request.agent_id, safe='')}/sessions?{urlencode(params)}"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    if response.status != 200 or (response.length or 0) > _MAX_BODY:
        connection.close()  # its body is not read: the connection cannot carry another
        return None
    body = response.read()  # all of it, or IncompleteRead
    if len(body) > _MAX_BODY:
        return None
    kind = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if kind != "application/json" or encoding != "identity":
        return None
    return body
