"""A throttling TCP proxy on loopback: a slow, far link for the ``link`` benchmark.

    python -m tests.benchmarks.proxy --target 127.0.0.1:8787 --mbit 20 --rtt-ms 50

Each direction is a link of ``--mbit`` megabits a second with half the round trip as
its delay: a chunk leaves when the link is free and it has been serialized
(its size over the rate), and arrives one-way-delay later. Prints
``proxy-listening PORT`` when ready; serves until killed. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

CHUNK = 16 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, bits_per_s: float, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(deliver())
    free_at = 0.0
    try:
        while data := await reader.read(CHUNK):
            free_at = max(loop.time(), free_at) + len(data) * 8 / bits_per_s
            queue.put_nowait((free_at + delay, data))
    except ConnectionError:
        pass
    queue.put_nowait((free_at + delay, b""))
    try:
        await sender
    except ConnectionError:
        pass


async def _serve(target_host: str, target_port: int, bits_per_s: float, delay: float) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(delay * 2)  # the TCP handshake's round trip
        try:
            server_reader, server_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, server_writer, bits_per_s, delay),
            _pipe(server_reader, client_writer, bits_per_s, delay),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"proxy-listening {port}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, metavar="HOST:PORT")
    parser.add_argument("--mbit", type=float, default=20.0)
    parser.add_argument("--rtt-ms", type=float, default=50.0)
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        parser.error("the proxy forwards to loopback only")
    try:
        asyncio.run(_serve(host, int(port), args.mbit * 1e6, args.rtt_ms / 2000))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
