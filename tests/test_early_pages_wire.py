"""--demo's early sessions pages on the wire (entry/early_pages.py's own small HTTP/1.1
reader), against a loopback server whose every answer the test writes: keep-alive,
``Connection: close``, and the answers that are not usable (chunked, cut, wrong type
or encoding, a bad status line) come back None, never an exception, and the pages
after them are still read."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from phrony_tui.core.session_feed import PageRequest
from phrony_tui.entry import early_pages
from tests.support.processes import python_c

BODY = b'{"items": [], "total": 0}'


def ok(body: bytes = BODY, *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"content-type: application/json", b"content-length: %d" % len(body), *extra]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class Server:
    """Reads one request head at a time and answers it with ``answer(n)`` (n counts the
    requests); ``None`` closes the connection without a word."""

    def __init__(self, answer: Callable[[int], bytes | None]) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                with self._lock:
                    self.requests.append(head)
                    n = len(self.requests)
                reply = self.answer(n)
                if reply is None:
                    return
                conn.sendall(reply)
                if b"connection: close" in reply.lower():
                    return


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[int], bytes | None]], Server]]:
    servers: list[Server] = []

    def start(answer: Callable[[int], bytes | None]) -> Server:
        servers.append(Server(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.sock.close()


def pages(n: int) -> list[PageRequest]:
    return [PageRequest(f"agent/{i}", skip=50 * i, take=50, status=None) for i in range(n)]


def read(server: Server, requests: list[PageRequest], key: str = "phk_test") -> list[bytes | None]:
    futures = early_pages.start(server.url, key, requests, user_agent="phrony-tui/test")
    assert futures is not None
    return [futures[request].result(timeout=10) for request in requests]


def test_one_connection_carries_every_page_and_each_is_asked_as_the_client_would(serve, monkeypatch):
    monkeypatch.setattr(early_pages, "_CONNECTIONS", 1)
    server = serve(lambda n: ok(b'{"n": %d}' % n))
    assert read(server, pages(3)) == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']
    assert server.connections == 1
    first = server.requests[0].decode().split("\r\n")
    assert first[0] == "GET /v1/agents/agent%2F0/sessions?skip=0&take=50 HTTP/1.1"
    assert f"Host: {server.url.removeprefix('http://')}" in first
    assert {"X-API-Key: phk_test", "Accept: application/json", "User-Agent: phrony-tui/test"} <= set(first)


def test_a_page_with_a_status_filter_asks_for_it(serve):
    server = serve(lambda n: ok())
    assert read(server, [PageRequest("a", skip=0, take=10, status="WaitingForHITL")]) == [BODY]
    assert server.requests[0].startswith(b"GET /v1/agents/a/sessions?skip=0&take=10&status=WaitingForHITL HTTP/1.1")


def test_connection_close_means_the_next_page_on_a_new_connection(serve, monkeypatch):
    monkeypatch.setattr(early_pages, "_CONNECTIONS", 1)
    server = serve(lambda n: ok(BODY, b"Connection: close"))
    assert read(server, pages(3)) == [BODY, BODY, BODY]
    assert server.connections == 3


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{}{}{\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n" + BODY,  # no length
        ok(BODY).replace(b"application/json", b"text/html"),
        ok(BODY, b"content-encoding: gzip"),
        ok(BODY).replace(b"200 OK", b"401 Unauthorized"),
        ok(BODY).replace(b"content-length: %d" % len(BODY), b"content-length: 99999999999"),
        ok(BODY).replace(b"content-length: %d" % len(BODY), b"content-length: -1"),
        ok(BODY)[:-5],  # the body cut: the server closes the connection after it (below)
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",  # not HTTP
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nx: " + b"y" * 70_000 + b"\r\n\r\n",  # a header line over the limit
        b"HTTP/1.1 200 OK\r\n" + b"x: y\r\n" * 101 + b"\r\n",  # too many header lines
    ],
    ids=["chunked", "no-length", "html", "gzip", "401", "too-big", "negative", "cut", "not-http", "no-colon",
         "long-line", "many-lines"],  # fmt: skip
)
def test_an_answer_that_is_not_usable_is_none_and_the_next_page_still_comes(serve, monkeypatch, reply):
    monkeypatch.setattr(early_pages, "_CONNECTIONS", 1)
    # The first connection's answer is the bad one, and the server hangs up after it
    # (as one that sent it might); a later connection gets good answers.
    server = serve(lambda n: ok())
    original = server._serve

    def serve_then_hang_up(conn: socket.socket) -> None:
        if server.connections == 1:
            with conn, conn.makefile("rb") as reader:
                while reader.readline() not in (b"\r\n", b""):
                    pass
                server.requests.append(b"bad")
                conn.sendall(reply)
            return
        original(conn)

    server._serve = serve_then_hang_up  # type: ignore[method-assign]
    assert read(server, pages(2)) == [None, BODY]
    assert server.connections == 2


def test_a_key_that_could_split_the_request_asks_for_nothing(serve):
    server = serve(lambda n: ok())
    for key in ("phk_a\r\nX-Evil: 1", "phk_ä", "phk_\x00"):
        assert early_pages.start(server.url, key, pages(1), user_agent="test") is None
    assert server.requests == []


def test_a_server_that_hangs_up_without_a_word_is_none(serve):
    server = serve(lambda n: None)
    assert read(server, pages(2)) == [None, None]


def test_reading_the_pages_imports_neither_http_client_nor_email(serve):
    """What the reader is for: the start's threads import no ``http.client`` (nor the
    ``email`` package it parses headers with), nor does the client's errors module."""
    server = serve(lambda n: ok())
    code = (
        "import sys\n"
        "from phrony_tui.client import errors\n"
        "from phrony_tui.core.session_feed import PageRequest\n"
        "from phrony_tui.entry import early_pages\n"
        "pages = early_pages.start(sys.argv[1], 'phk_x', [PageRequest('a', 0, 50, None)], user_agent='t')\n"
        "body = next(iter(pages.values())).result(timeout=10)\n"
        "print(body is not None, sorted(m for m in sys.modules if m.split('.')[0] in ('http', 'email')))\n"
    )
    done = python_c(code, server.url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split(maxsplit=1) == ["True", "[]\n"]
