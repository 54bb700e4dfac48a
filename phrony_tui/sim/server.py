"""SimServer: the simulator's ASGI app served by uvicorn in a daemon thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import TYPE_CHECKING

from phrony_tui.sim.app import build_app
from phrony_tui.sim.net import listening_socket
from phrony_tui.sim.uvicorn_lite import Config, Server

if TYPE_CHECKING:
    from phrony_tui.sim.simulator import Simulator


class _QuickServer(Server):
    """uvicorn.Server that notices ``should_exit`` within ~5 ms and shuts down without fixed sleeps.

    Stock uvicorn checks for exit every 100 ms and sleeps another 100 ms while shutting
    down: fine for one server, slow for a test suite that starts hundreds.
    """

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            for _ in range(20):  # 20 x 5 ms: uvicorn's 100 ms tick
                await asyncio.sleep(0.005)
                if self.should_exit:
                    break
            counter = (counter + 1) % 864000
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        state = getattr(self, "server_state", None)
        if state is None:  # pragma: no cover - a uvicorn without the attributes we rely on
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(self.config.timeout_graceful_shutdown or 1)
        # uvicorn's connection and task sets have no event to wait on: poll them
        while (state.connections or state.tasks) and loop.time() < deadline and not self.force_exit:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        for task in list(state.tasks):
            task.cancel()
        for server in self.servers:
            try:
                await asyncio.wait_for(server.wait_closed(), 0.5)
            except (TimeoutError, asyncio.CancelledError):  # pragma: no cover
                pass


class SimServer:
    """``with SimServer(sim) as server: server.base_url`` -> ``http://127.0.0.1:PORT``.

    The socket is bound before the thread starts (``port=0`` picks a free port),
    so ``port``/``base_url`` are known at once; ``start()`` returns when uvicorn
    accepts connections.
    """

    def __init__(
        self,
        sim: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        log_level: str = "warning",
        sock: socket.socket | None = None,
    ) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        self.log_level = log_level
        # A socket already bound and listening (--demo's parent made it): served as it is.
        self._given = sock
        if sock is not None:
            self.host, self.port = sock.getsockname()[:2]
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SimServer:
        if self._thread is not None:
            return self
        sock = self._given if self._given is not None else listening_socket(self.host, self.port)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = Config(
            build_app(self.sim),
            loop="asyncio",
            http="h11",
            lifespan="off",
            log_level=self.log_level,
            access_log=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        server = _QuickServer(config)
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
