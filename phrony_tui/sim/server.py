"""SimServer: the simulator's ASGI app served by uvicorn in a daemon thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from phrony_tui.sim.simulator import Simulator


class SimServer:
    """``with SimServer(sim) as server: server.base_url`` -> ``http://127.0.0.1:PORT``.

    The socket is bound before the thread starts (``port=0`` picks a free port),
    so ``port``/``base_url`` are known at once; ``start()`` returns when uvicorn
    accepts connections.
    """

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning") -> None:
        self.sim = sim
        self.host = host
        self.port = port
        self.log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SimServer:
        if self._thread is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.sim.app,
            loop="asyncio",
            http="h11",
            lifespan="off",
            log_level=self.log_level,
            access_log=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name=f"phrony-sim:{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the simulator server thread died while starting")
            if time.monotonic() > deadline:
                raise TimeoutError("the simulator server did not start in time")
            time.sleep(0.002)
        self.sim.start_live()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.sim.stop_live()
        self.sim.shutdown_streams()
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"<SimServer {self.base_url} {state}>"
