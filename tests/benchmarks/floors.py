"""The floor processes: the least a Python process must do for the same result.

Each runs as its own process (``python -m tests.benchmarks.floors KIND ...``), is
timed by the suite from spawn to exit (interpreter start included, like the
app's timings), and prints one JSON line with what it saw and its peak
resident memory (``VmHWM``).

- ``download BASE KEY RUN_ID``: GET the conversation with the standard library
  (``urllib``) and ``json.loads`` it. ``--httpx`` does the GET with httpx instead
  (the app's HTTP stack; reported as a note).
- ``sse BASE KEY RUN_ID``: read the run's event stream with httpx + httpx-sse,
  ``json.loads`` every event's data, exit after ``engine.session.completed``; prints
  the ``time.monotonic()`` of that moment (the suite times from the simulator's first byte).

Only loopback base URLs are accepted.
"""

from __future__ import annotations

import json
import sys
import time


def _vmhwm_kib() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _check(base: str) -> None:
    if not base.startswith("http://127.0.0.1:"):
        raise SystemExit(f"refusing a non-loopback base URL {base!r}")


def download(base: str, key: str, run_id: str, use_httpx: bool) -> dict:
    _check(base)
    url = f"{base}/v1/runs/{run_id}/conversation?stepContent=full"
    if use_httpx:
        import httpx

        body = httpx.get(url, headers={"X-API-Key": key}, timeout=300, trust_env=False).content
    else:
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(urllib.request.Request(url, headers={"X-API-Key": key}), timeout=300) as response:
            body = response.read()
    data = json.loads(body)
    return {"items": len(data["items"]), "bytes": len(body), "vmhwm_kib": _vmhwm_kib()}


def sse(base: str, key: str, run_id: str) -> dict:
    _check(base)
    import httpx
    from httpx_sse import connect_sse

    events = 0
    last = None
    timeout = httpx.Timeout(60, connect=10)
    with (
        httpx.Client(headers={"X-API-Key": key}, timeout=timeout, trust_env=False) as client,
        connect_sse(client, "GET", f"{base}/v1/runs/{run_id}/stream") as source,
    ):
        for sse_event in source.iter_sse():
            if not sse_event.data:
                continue
            event = json.loads(sse_event.data)
            events += 1
            last = event.get("subject")
            if last == "engine.session.completed":
                break
    done = time.monotonic()  # the simulator notes its first byte on the same clock
    return {"events": events, "last": last, "done_monotonic": done, "vmhwm_kib": _vmhwm_kib()}


def main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "download":
        use_httpx = "--httpx" in rest
        base, key, run_id = [a for a in rest if a != "--httpx"]
        result = download(base, key, run_id, use_httpx)
    elif kind == "sse":
        result = sse(*rest)
    else:
        raise SystemExit(f"unknown floor {kind!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
