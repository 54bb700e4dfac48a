"""A hostile HTTP server on loopback: each route answers with scripted raw bytes.

    async with HostileServer() as server:
        server.route("GET", "/v1/runs/r1", raw(500, b"...", {"content-type": "text/html; charset=rot13"}))
        async with PhronyClient(server.base_url, KEY) as client: ...

A route's answer is ``bytes`` (written at once) or an async ``script(writer)`` that
writes what it likes (trickles, bombs, resets). The request (head and body) is read
in full first, so the client has sent everything by the time the script runs.
``server.requests`` records (method, path, body) of every request.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import socket
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

Script = Callable[[asyncio.StreamWriter], Awaitable[None]]

REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity", 500: "Internal Server Error"}


def raw(status: int, body: bytes = b"", headers: dict[str, str] | None = None, *, length: bool = True) -> bytes:
    """A whole HTTP/1.1 response (``connection: close``; Content-Length unless ``length=False``)."""
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    merged = {"content-type": "application/json", **(headers or {})}
    if length:
        merged.setdefault("content-length", str(len(body)))
    merged["connection"] = "close"
    head += [f"{k}: {v}" for k, v in merged.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def head_only(status: int, headers: dict[str, str]) -> bytes:
    """The status line and headers, no body (a script writes the body itself)."""
    return raw(status, b"", headers, length=False)


def writes(*parts: bytes | float) -> Script:
    """A script: bytes are written and flushed, floats are pauses (seconds)."""

    async def script(writer: asyncio.StreamWriter) -> None:
        for part in parts:
            if isinstance(part, float):
                await asyncio.sleep(part)
            else:
                writer.write(part)
                await writer.drain()

    return script


def trickle(prefix: bytes, body: bytes, every: float = 1.0) -> Script:
    """The prefix at once, then the body one byte every ``every`` seconds."""

    async def script(writer: asyncio.StreamWriter) -> None:
        writer.write(prefix)
        await writer.drain()
        for i in range(len(body)):
            writer.write(body[i : i + 1])
            await writer.drain()
            await asyncio.sleep(every)

    return script


def reset(after: bytes = b"") -> Script:
    """Write ``after`` (maybe nothing), then reset the connection (RST, not FIN)."""

    async def script(writer: asyncio.StreamWriter) -> None:
        if after:
            writer.write(after)
            await writer.drain()
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    return script


def gzip_zeros(decoded_size: int) -> bytes:
    """A gzip member of ``decoded_size`` zero bytes, made without holding them (about 1/1000)."""
    out = io.BytesIO()
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    left = decoded_size
    while left > 0:
        n = min(left, len(block))
        out.write(compressor.compress(block[:n]))
        left -= n
    out.write(compressor.flush())
    return out.getvalue()


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


@dataclass
class HostileServer:
    routes: dict[tuple[str, str], bytes | Script] = field(default_factory=dict)
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    server: asyncio.base_events.Server | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)

    def route(self, method: str, path: str, answer: bytes | Script) -> None:
        self.routes[(method, path)] = answer

    def routes_from(self, table: Iterable[tuple[str, str, bytes | Script]]) -> None:
        for method, path, answer in table:
            self.route(method, path, answer)

    async def __aenter__(self) -> HostileServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for task in list(self._tasks):
            task.cancel()
        # Server.wait_closed can hang on scripts still trickling: do not wait for it.

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            path = target.split("?", 1)[0]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            self.requests.append((method, path, body))
            answer = self.routes.get((method, path))
            if answer is None:
                writer.write(raw(404, b'{"message": "no such route on the hostile server"}'))
                await writer.drain()
            elif isinstance(answer, bytes):
                writer.write(answer)
                await writer.drain()
            else:
                await answer(writer)
        except (ConnectionError, asyncio.CancelledError, asyncio.IncompleteReadError):
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
