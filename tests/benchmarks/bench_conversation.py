"""How fast is ``get_conversation`` on a 50,000-step session (~36 MB of JSON)?

Run from the project root::

    .venv/bin/python -m tests.benchmarks.bench_conversation [--steps 50000] [--repeat 5]

Three measurements on the same bytes, each repeated, min and median reported:

(a) the floor: ``json.loads(body)`` alone: what any JSON parse costs;
(b) ``PhronyClient.get_conversation`` over loopback: HTTP + parse + models;
(c) ``Conversation.model_validate_json(body)`` alone: our parse.

The server runs in a child process (the simulator's "big" scenario when
``phrony_tui.sim`` provides one, else a generated conversation of the same
shape served by a tiny ASGI app), so it does not compete with the timed client
for the GIL.

Peak memory: each measurement runs once more in a fresh child process and
reports the growth of ``ru_maxrss`` over a baseline taken just before the
operation (modules imported, body already read). We use ``ru_maxrss`` rather
than ``tracemalloc`` because tracemalloc only sees allocations made through
Python's allocators (pydantic-core's Rust side allocates with the system
allocator) and because it slows the traced code several-fold. The growth is
the peak extra resident memory the operation needed: Python objects for
50,000 items, plus the response buffer in (b).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RUN_ID = "00000000-0000-4000-8000-00000000b16b"
KEY = "phk_bench_key"


# -- a conversation of the documented shape (used when the simulator has no big scenario) ----------

def generate_conversation(steps: int) -> bytes:
    """A realistic ``/conversation`` body: full-mode contents, tool calls, results, reasoning."""
    session_id = "5e55e55e-0000-4000-8000-000000000001"
    tenant = "7e7a7e7a-0000-4000-8000-000000000001"
    agent = "a9e7a9e7-0000-4000-8000-000000000001"
    version = "fe25fe25-0000-4000-8000-000000000001"
    run_ids = [RUN_ID] + [f"00000000-0000-4000-8000-{i:012x}" for i in range(1, 4)]
    runs = [
        {"id": rid, "sessionId": session_id, "agentId": agent, "agentVersionId": version,
         "parentRunId": None if i == 0 else RUN_ID, "depth": 0 if i == 0 else 1, "status": "Completed",
         "totalTokensUsed": 1234567, "output": {"summary": "done"}, "error": None,
         "startedAt": "2025-03-01T10:00:00.000Z", "finishedAt": "2025-03-01T18:00:00.000Z",
         "triggerType": "api" if i == 0 else "subagent", "triggeredBy": "key_1", "triggerId": None,
         "triggerName": None, "agentName": f"Agent {i}", "versionLabel": "v3", "llmModel": "gpt-4.1-mini",
         "input": {"month": "2025-02"}}
        for i, rid in enumerate(run_ids)
    ]
    kinds = ["llm_request_prepared", "reasoning", "ToolCall", "ToolResult", "output"]
    items = []
    seq = {rid: 0 for rid in run_ids}
    for n in range(1, steps + 1):
        rid = run_ids[(n // 500) % len(run_ids)]
        seq[rid] += 1
        kind = kinds[n % len(kinds)]
        base = {"run_id": rid, "session_id": session_id, "tenant_id": tenant, "agent_id": agent,
                "agent_version_id": version, "event_id": f"evt-{n:08d}", "sequence": seq[rid],
                "step_kind": kind, "iteration": n // 5}
        if kind == "llm_request_prepared":
            base["model"] = "gpt-4.1-mini"
        elif kind == "reasoning":
            base.update(message=f"Shard {n}: scanning for error bursts and correlating with deploys.",
                        preview="Shard scan", tokens_used=212)
        elif kind == "ToolCall":
            base.update(name="read_log_shard", tool_call_id=f"call_{n:08d}", operation_name="logs.read",
                        arguments={"shard": n, "filters": {"level": ["ERROR", "WARN"]}, "limit": 500})
        elif kind == "ToolResult":
            base.update(tool_call_id=f"call_{n - 1:08d}",
                        result={"data": {"lines": 500, "errors": n % 17, "sample": "E1201 timeout"},
                                "error": None, "log_id": f"log-{n}", "successful": True})
        else:
            base.update(tokens_used=40, total_tokens_used=n * 40)
        items.append({"runId": rid, "id": f"itm-{n:08d}", "sequence": seq[rid], "ordinal": n, "type": kind,
                      "content": base, "tokensUsed": 212 if kind == "reasoning" else None, "error": None,
                      "startedAt": "2025-03-01T10:00:00.000Z", "finishedAt": "2025-03-01T10:00:01.000Z"})
    session = {"id": session_id, "tenantId": tenant, "agentId": agent, "agentVersionId": version,
               "llmModel": "gpt-4.1-mini", "triggerType": "api", "triggeredBy": "key_1", "triggerId": None,
               "triggerName": "API", "status": "Completed", "totalTokensUsed": 1234567, "output": None,
               "error": None, "input": {"month": "2025-02"}, "startContext": {"temperature": 0.2},
               "startedAt": "2025-03-01T10:00:00.000Z", "finishedAt": "2025-03-01T18:00:00.000Z"}
    return json.dumps({"session": session, "runs": runs, "items": items}, separators=(",", ":")).encode()


# -- the server child process --------------------------------------------------------------------

def _simulator_cls():
    try:
        from phrony_tui.sim import Simulator
    except ImportError:
        return None
    return Simulator


def serve(steps: int, ready_file: str, source: str = "auto") -> None:
    """Child: serve a big conversation on loopback, write '<base_url> <key> <run_id> <source>' to ready_file."""
    Simulator = _simulator_cls() if source != "generated" else None
    if source == "sim" and Simulator is None:
        raise SystemExit("phrony_tui.sim has no Simulator")
    if Simulator is not None:
        base_url, key, run_id, _server = _serve_sim(Simulator, steps)  # held: the server lives as long as this
        label = "the simulator's big scenario"
    else:
        base_url, key, run_id, _server = _serve_generated(steps)  # held, as above
        label = "generated" + (" (no simulator available)" if source == "auto" else "")
    partial = Path(ready_file + ".part")
    partial.write_text(f"{base_url} {key} {run_id} {label}")
    partial.replace(ready_file)  # atomic: the parent never reads half a line
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def _serve_sim(Simulator, steps: int):
    from phrony_tui.sim import SimServer

    sim = Simulator(seed=7, big_steps=steps)
    server = SimServer(sim).start()
    return server.base_url, sim.keys.admin, sim.big_session.root.id, server


def _serve_generated(steps: int):
    import threading

    import uvicorn

    body = generate_conversation(steps)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        ok = scope["path"] == f"/v1/runs/{RUN_ID}/conversation"
        payload = body if ok else b'{"message":"not found"}'
        await send({"type": "http.response.start", "status": 200 if ok else 404,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", KEY, RUN_ID, server


# -- measurements --------------------------------------------------------------------------------

async def _get(base_url: str, key: str, run_id: str, lazy: bool = False):
    from phrony_tui.client import PhronyClient

    async with PhronyClient(base_url, key, timeout=300) as client:
        return await client.get_conversation(run_id, lazy=lazy)


def operations(body: bytes, base_url: str, key: str, run_id: str) -> dict[str, Any]:
    from phrony_tui.client import Conversation
    from phrony_tui.client.lazy import decode_conversation

    return {
        "json.loads (floor)": lambda: json.loads(body),
        "get_conversation (HTTP)": lambda: asyncio.run(_get(base_url, key, run_id)),
        "model_validate_json": lambda: Conversation.model_validate_json(body),
        # The viewer's fast path (client/lazy.py): content stays raw until read.
        "get_conversation lazy (HTTP)": lambda: asyncio.run(_get(base_url, key, run_id, lazy=True)),
        "decode_conversation (lazy)": lambda: decode_conversation(body),
    }


def time_it(fn, repeat: int) -> list[float]:
    fn()  # warm-up (imports, caches, connection code paths)
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        del result
    return times


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Linux: reset VmHWM (the peak RSS) so the next peak is the operation's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def measure_memory_child(name: str, body_file: str, base_url: str, key: str, run_id: str) -> None:
    """Child: run one operation once, print its peak resident-memory growth in bytes.

    Linux: the peak RSS (VmHWM) is reset just before the operation, so the growth
    is VmHWM after minus VmRSS before. Elsewhere: ru_maxrss after minus before
    (a lower bound when the baseline's own peak was higher).
    """
    body = Path(body_file).read_bytes()
    ops = operations(body, base_url, key, run_id)
    import httpx  # noqa: F401  (imported before the baseline, like the client's modules)

    import phrony_tui.client  # noqa: F401

    # The body (read above) is part of the baseline: the growth is what the operation adds.
    gc.collect()
    if _reset_peak() and (before := _status_kib("VmRSS")) is not None:
        result = ops[name]()
        growth = (_status_kib("VmHWM") - before) * 1024
    else:
        before = _maxrss_bytes()
        result = ops[name]()
        growth = _maxrss_bytes() - before
    print(growth, len(result["items"]) if isinstance(result, dict) else len(result.items))


def memory_of(name: str, body_file: str, base_url: str, key: str, run_id: str) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_conversation", "--memory-child", name, body_file,
         base_url, key, run_id],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    ).stdout.split()
    return int(out[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--source", choices=["auto", "sim", "generated"], default="auto",
                        help="where the conversation comes from (auto: the simulator if available)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory child runs")
    parser.add_argument("--serve", metavar="READY_FILE", help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.steps, args.serve, args.source)
        return
    if args.memory_child:
        measure_memory_child(*args.memory_child)
        return

    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready"
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.bench_conversation", "--serve", str(ready),
             "--steps", str(args.steps), "--source", args.source],
            cwd=root,
        )
        try:
            deadline = time.monotonic() + 600
            while not ready.exists() or not ready.read_text().strip():
                if server.poll() is not None:
                    raise SystemExit("the server process died")
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
            base_url, key, run_id, source = ready.read_text().split(" ", 3)
            run(args, Path(tmp), base_url, key, run_id, source)
        finally:
            server.terminate()
            server.wait(10)


def run(args, tmp: Path, base_url: str, key: str, run_id: str, source: str) -> None:
    import httpx

    body = httpx.get(f"{base_url}/v1/runs/{run_id}/conversation", params={"stepContent": "full"},
                     headers={"X-API-Key": key}, timeout=300).content
    body_file = tmp / "conversation.json"
    body_file.write_bytes(body)
    items = len(json.loads(body)["items"])
    print(f"source: {source}; {items:,} items, {len(body) / 1e6:.1f} MB of JSON; "
          f"Python {sys.version.split()[0]}; repeat {args.repeat} (+1 warm-up)\n")

    ops = operations(body, base_url, key, run_id)
    rows = []
    for name, fn in ops.items():
        times = time_it(fn, args.repeat)
        mem = None if args.no_memory else memory_of(name, str(body_file), base_url, key, run_id)
        rows.append((name, min(times), statistics.median(times), mem))
        print(f"  measured {name}", file=sys.stderr, flush=True)

    floor_med = rows[0][2]
    floor_mem = rows[0][3]
    header = f"{'measurement':<26} {'min s':>8} {'median s':>9} {'x floor':>8} {'peak MB':>8} {'x floor':>8}"
    print(header)
    print("-" * len(header))
    for name, tmin, tmed, mem in rows:
        mem_s = f"{mem / 1e6:8.0f}" if mem is not None else f"{'-':>8}"
        mem_r = f"{mem / floor_mem:8.2f}" if mem is not None and floor_mem else f"{'-':>8}"
        print(f"{name:<26} {tmin:8.3f} {tmed:9.3f} {tmed / floor_med:8.2f} {mem_s} {mem_r}")
    print("\nx floor: median time (and peak memory) divided by json.loads's on the same bytes.")


if __name__ == "__main__":
    main()
