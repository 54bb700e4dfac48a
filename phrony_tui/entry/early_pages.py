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

import socket
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote, urlencode, urlsplit

if TYPE_CHECKING:
    from phrony_tui.core.session_feed import PageRequest

__all__ = ["start"]

_MAX_BODY = 16 * 1024 * 1024  # a page of 50 rows is a few kilobytes
_TIMEOUT = 30.0  # the client's read timeout
_CONNECTIONS = 6  # MainScreen's PAGE_REQUESTS_AT_ONCE
_MAX_LINE = 65_536  # a status or header line (http.client's limit)
_MAX_FIELDS = 100  # header lines (http.client's limit)


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
    if not all(value.isascii() and value.isprintable() for value in headers.values()):
        return None  # a key with a line break (say): the client refuses it, in its words
    lock = threading.Lock()

    def work() -> None:
        connection = _Connection(host, port)
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    request = todo.pop(0)
                body = None
                try:
                    body = connection.get(_path(request), headers)
                except Exception:  # any failure: the client's read says what it is
                    connection.close()  # the next one on a fresh connection
                finally:
                    pages[request].set_result(body)
        finally:
            connection.close()

    for n in range(min(_CONNECTIONS, len(todo))):
        threading.Thread(target=work, name=f"phrony-early-pages-{n}", daemon=True).start()
    return pages


def _path(request: PageRequest) -> str:
    """The page's path and query, as ``PhronyClient.list_sessions`` asks for it."""
    params: dict[str, object] = {"skip": request.skip, "take": request.take}
    if request.status is not None:
        params["status"] = request.status
    return f"/v1/agents/{quote(request.agent_id, safe='')}/sessions?{urlencode(params)}"


class _Connection:
    """One keep-alive HTTP/1.1 connection, for GETs answered with a ``Content-Length``
    body: what the simulator sends. Anything else (chunked, no length, a body over the
    cap, a status other than 200) is not a usable answer: None, and the connection is
    closed. ``http.client`` would do the same here, but importing it (and the ``email``
    package it parses headers with) costs the start about 5 ms under the GIL."""

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._host = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
        self._sock: socket.socket | None = None
        self._file: BinaryIO | None = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._file = None

    def get(self, path: str, headers: Mapping[str, str]) -> bytes | None:
        if self._sock is None or self._file is None:
            self._sock = socket.create_connection(self._address, timeout=_TIMEOUT)
            self._file = self._sock.makefile("rb")
        lines = [f"GET {path} HTTP/1.1", f"Host: {self._host}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        self._sock.sendall("\r\n".join(lines).encode("ascii"))
        status = self._file.readline(_MAX_LINE).split(None, 2)
        if len(status) < 2 or not status[0].startswith(b"HTTP/1.") or not status[1].isdigit():
            raise ValueError("not an HTTP/1.x status line")
        fields = self._fields()
        length = fields.get(b"content-length", b"")
        usable = (
            status[1] == b"200" and length.isdigit() and int(length) <= _MAX_BODY
            and b"transfer-encoding" not in fields
            and fields.get(b"content-type", b"").split(b";")[0].strip().lower() == b"application/json"
            and fields.get(b"content-encoding", b"identity").strip().lower() == b"identity"
        )  # fmt: skip
        if not usable:
            self.close()  # its body is not read: the connection cannot carry another
            return None
        body = self._file.read(int(length))
        if len(body) != int(length):
            raise ValueError("the body ended early")
        if fields.get(b"connection", b"").lower() == b"close":
            self.close()
        return body

    def _fields(self) -> dict[bytes, bytes]:
        """The header fields, names lowercased (ValueError: cut, too long or too many)."""
        assert self._file is not None
        fields: dict[bytes, bytes] = {}
        for _ in range(_MAX_FIELDS):
            line = self._file.readline(_MAX_LINE)
            if not line.endswith(b"\n"):
                raise ValueError("a header line cut or too long")
            if line in (b"\r\n", b"\n"):
                return fields
            name, colon, value = line.partition(b":")
            if not colon:
                raise ValueError("a header line without a colon")
            fields[name.strip().lower()] = value.strip()
        raise ValueError("too many header lines")
