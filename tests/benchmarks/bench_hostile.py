"""The client against a hostile loopback server: time and peak memory, beside a floor.

    .venv/bin/python -m tests.benchmarks.bench_hostile            # every case
    .venv/bin/python -m tests.benchmarks.bench_hostile --only bomb --sse-mb 20

Not part of the test suite. Each case runs in a fresh process (so its peak RSS is
its own) with the server of ``tests/hostile/server.py`` in the same process:

| case | hostile | floor (same run) |
|---|---|---|
| bomb | ``get_conversation``: a ~1 MB gzip body of 1 GiB of zeros | a 1 MB plain conversation |
| trickle | ``get_run``: a 60-byte answer trickled 1 byte/s | the request deadline itself |
| line | a stream: one ``data:`` line of ``--sse-mb`` MB with no newline, then one event | the same bytes read raw (``aiter_raw``), no parsing |
| storm | 50 streams that each send one event and close, back to back | 50 plain ``GET /v1/runs/{id}`` |

"peak" is the process's ``ru_maxrss`` growth over its RSS before the case. The storm's
backoff belongs to the live follower; the client alone shows what one round costs.
It runs against whatever ``phrony_tui`` is importable (``PYTHONPATH=<old checkout>``
gives the "before" figures): options the old client lacks are left out, and a case
that does not end within ``--guard`` seconds is reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import resource
import subprocess
import sys
import time

CASES = ("bomb", "trickle", "line", "storm")
KEY = "phk_bench_0123456789abcdef"
RUN = "r1"


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _client(base_url: str, **options):
    from phrony_tui.client import PhronyClient

    accepted = inspect.signature(PhronyClient).parameters
    return PhronyClient(base_url, KEY, **{k: v for k, v in options.items() if k in accepted})


async def _measure(coro_factory, guard: float) -> dict:
    before = _rss_mb()
    started = time.perf_counter()
    outcome = "ok"
    try:
        await asyncio.wait_for(coro_factory(), guard)
    except TimeoutError:
        outcome = f"still running after the {guard:g} s guard"
    except Exception as exc:  # a hostile case is meant to end in a clear error
        outcome = f"{type(exc).__name__}: {str(exc)[:110]}"
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "peak_mb": round(max(0.0, _peak_mb() - before), 1), "outcome": outcome}


async def _case(name: str, floor: bool, args: argparse.Namespace) -> dict:
    from tests.hostile.server import HostileServer, gzip_zeros, head_only, raw, trickle

    async with HostileServer() as server:
        base = server.base_url
        if name == "bomb":
            if floor:
                plain = json.dumps({"session": {"id": "s1"}, "runs": [], "items": [], "pad": "x" * (1 << 20)})
                server.route("GET", f"/v1/runs/{RUN}/conversation", raw(200, plain.encode()))
            else:
                bomb = gzip_zeros(1 << 30)
                server.route("GET", f"/v1/runs/{RUN}/conversation", raw(200, bomb, {"content-encoding": "gzip"}))

            async def run():
                async with _client(base) as api:
                    await api.get_conversation(RUN)

        elif name == "trickle":
            body = json.dumps({"runId": RUN, "status": "Running", "output": None, "pad": "x" * 8}).encode()
            prefix = raw(200, b"", {"content-length": str(len(body))})
            server.route("GET", f"/v1/runs/{RUN}", raw(200, body) if floor else trickle(prefix, body, 1.0))

            async def run():
                async with _client(base, request_deadline=args.deadline) as api:
                    await api.get_run(RUN)

        elif name == "line":
            size = args.sse_mb * (1 << 20)
            block = b"x" * (1 << 16)
            good = b'data: {"ts": "t", "kind": "run", "subject": "after", "data": {}}\n\n'

            async def long_line(writer):
                writer.write(head_only(200, {"content-type": "text/event-stream"}) + b"data: ")
                for _ in range(size // len(block)):
                    writer.write(block)
                    await writer.drain()
                writer.write(b"\n\n" + good)
                await writer.drain()

            server.route("GET", f"/v1/runs/{RUN}/stream", long_line)

            async def run():
                if floor:
                    import httpx

                    async with httpx.AsyncClient() as http, http.stream("GET", f"{base}/v1/runs/{RUN}/stream") as r:
                        async for _ in r.aiter_raw():
                            pass
                    return
                async with _client(base) as api:
                    events = [e async for e in api.stream_run_events(RUN)]
                assert [e.subject for e in events] == ["after"], events

        elif name == "storm":
            one = b'data: {"ts": "t", "kind": "run", "subject": "once", "data": {}}\n\n'
            server.route("GET", f"/v1/runs/{RUN}/stream", raw(200, one, {"content-type": "text/event-stream"}))
            server.route("GET", f"/v1/runs/{RUN}", raw(200, json.dumps({"runId": RUN, "status": "Running"}).encode()))

            async def run():
                async with _client(base) as api:
                    for _ in range(50):
                        if floor:
                            await api.get_run(RUN)
                        else:
                            _ = [e async for e in api.stream_run_events(RUN)]

        else:
            raise SystemExit(f"unknown case {name!r}")
        return await _measure(run, args.guard)


def _child(args: argparse.Namespace) -> None:
    result = asyncio.run(_case(args.child, args.floor, args))
    print(json.dumps(result))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=CASES)
    parser.add_argument("--sse-mb", type=int, default=200, help="size of the long SSE line (MB)")
    parser.add_argument("--deadline", type=float, default=5.0, help="request_deadline for the trickle (s)")
    parser.add_argument("--guard", type=float, default=120.0, help="give up on a case after this long (s)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return 0
    import phrony_tui

    print(f"phrony_tui from {os.path.dirname(phrony_tui.__file__)}")
    print(f"{'case':8} {'side':6} {'seconds':>9} {'peak MB':>9}  outcome")
    for name in args.only or CASES:
        for floor in (True, False):
            command = [sys.executable, "-m", "tests.benchmarks.bench_hostile", "--child", name,
                       "--sse-mb", str(args.sse_mb), "--deadline", str(args.deadline), "--guard", str(args.guard)]
            if floor:
                command.append("--floor")
            done = subprocess.run(command, capture_output=True, text=True, check=False,
                                  timeout=args.guard + 120)
            try:
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                result = {"seconds": float("nan"), "peak_mb": float("nan"),
                          "outcome": f"the child failed: {done.stderr.strip()[-200:]}"}
            side = "floor" if floor else "client"
            print(f"{name:8} {side:6} {result['seconds']:9.2f} {result['peak_mb']:9.1f}  {result['outcome']}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
