"""A loopback proxy in front of a real server (the simulator) that applies, then resets.

    async with ApplyThenReset(sim_base_url) as proxy:
        proxy.arm("POST", f"/v1/runs/{run_id}/messages")
        app = make_app(base_url=proxy.base_url, ...)

Every request is passed on, one per connection (``Connection: close``), and its
answer piped back (streams included). An armed request is passed on too, so the
server applies it, and its whole answer is read; then the client's connection is
reset (RST) before one byte of that answer reaches it: the client has sent the
whole request and gets no answer, the case where it may not know what happened.
``resets`` lists the (method, path) of each request answered so.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class ApplyThenReset:
    upstream: str
    armed: dict[tuple[str, str], int] = field(default_factory=dict)
    resets: list[tuple[str, str]] = field(default_factory=list)
    server: asyncio.base_events.Server | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)

    def arm(self, method: str, path_suffix: str, times: int = 1) -> None:
        """Reset the next ``times`` requests whose path ends with ``path_suffix``, after the server answered."""
        self.armed[(method.upper(), path_suffix)] = times

    async def __aenter__(self) -> ApplyThenReset:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for task in list(self._tasks):
            task.cancel()

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def _take(self, method: str, path: str) -> bool:
        for (armed_method, suffix), left in self.armed.items():
            if armed_method == method and path.endswith(suffix) and left > 0:
                self.armed[(armed_method, suffix)] = left - 1
                return True
        return False

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            path = target.split("?", 1)[0]
            kept, length = [lines[0]], 0
            for line in lines[1:]:
                if not line:
                    continue
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
                if name.strip().lower() in ("connection", "keep-alive"):
                    continue
                kept.append(line)
            kept.append("Connection: close")
            body = await reader.readexactly(length) if length else b""
            url = urlsplit(self.upstream)
            up_reader, upstream_writer = await asyncio.open_connection(url.hostname, url.port)
            upstream_writer.write(("\r\n".join(kept) + "\r\n\r\n").encode("latin-1") + body)
            await upstream_writer.drain()
            if self._take(method, path):
                await up_reader.read()  # the server answered in full: it has applied the request
                self.resets.append((method, path))
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            while chunk := await up_reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            if upstream_writer is not None:
                upstream_writer.close()
            with contextlib.suppress(Exception):
                writer.close()
            if task is not None:
                self._tasks.discard(task)
