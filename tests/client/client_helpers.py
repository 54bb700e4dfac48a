"""Shared helpers for the client tests: a recording MockTransport and a raw loopback server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

KEY = "phk_test_SECRET_0123456789abcdef"
BASE = "https://api.example.test"


@dataclass
class Recorder:
    """A MockTransport handler that records requests and answers from a route table."""

    routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, status: int = 200, body: Any = None, headers: dict | None = None,
           content: bytes | None = None) -> None:
        def answer(request: httpx.Request) -> httpx.Response:
            if content is not None:
                return httpx.Response(status, content=content, headers=headers)
            return httpx.Response(status, json=body if body is not None else {}, headers=headers)

        self.routes[(method, path)] = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, json={"message": f"no route {request.method} {request.url.path}"})
        return handler(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


class RawServer:
    """A loopback TCP server whose connection handler writes raw bytes (for SSE edge cases).

    ``script(writer)`` writes the HTTP response however it likes (chunks, stalls...).
    """

    def __init__(self, script: Callable[[asyncio.StreamWriter], Awaitable[None]]) -> None:
        self.script = script
        self.server: asyncio.base_events.Server | None = None
        self.requests: list[bytes] = []

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        # Server.wait_closed can hang on handlers still stalling: do not wait for it.

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head)
        try:
            await self.script(writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"cache-control: no-store\r\nconnection: close\r\n\r\n"
)


def event(kind: str = "step", subject: str = "engine.step.x", n: int = 0) -> bytes:
    obj = {"ts": "2025-01-01T00:00:00Z", "kind": kind, "subject": subject, "data": {"n": n}}
    return b"data: " + json.dumps(obj).encode() + b"\n\n"
