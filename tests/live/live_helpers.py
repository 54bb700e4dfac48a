"""Helpers for the follower tests: a scripted fake Phrony (MockTransport), a driver
that moves the simulator along, and a folder that applies drained batches to a
``SessionState`` with the main screen's own rule (``live.apply.apply_batch``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from phrony_tui.client import PhronyClient
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.status import is_terminal
from phrony_tui.live.apply import apply_batch
from phrony_tui.live.follower import FollowBatch, FollowStatus, RunFollower

KEY = "phk_live_SECRET_0123456789abcdef"
BASE = "https://api.example.test"
RUN = "run-root"
SESSION = "sess-1"
TS = "2026-03-01T12:00:00Z"


# -- wire documents ----------------------------------------------------------------------------


def item(n: int, *, run_id: str = RUN, type_: str = "reasoning", **extra: Any) -> dict:
    return {"id": f"step-{n}", "runId": run_id, "sequence": n, "ordinal": n, "type": type_,
            "content": {"message": f"step {n}"}, "startedAt": TS, "finishedAt": TS, **extra}  # fmt: skip


def conversation(status: str = "Running", items: list[dict] | None = None, *, run_status: str | None = None,
                 session: dict | None = None) -> dict:  # fmt: skip
    run = {"id": RUN, "sessionId": SESSION, "agentId": "agent-1", "parentRunId": None, "depth": 0,
           "status": run_status or status, "startedAt": TS}  # fmt: skip
    row = {"id": SESSION, "agentId": "agent-1", "status": status, "triggerType": "api", "input": {},
           "startContext": {}, "startedAt": TS, **(session or {})}  # fmt: skip
    return {"session": row, "runs": [run], "items": items or []}


def sse(*events: dict | str | bytes) -> bytes:
    """Events as SSE: dicts as JSON data, str as raw ``data:`` text, bytes as they are."""
    out = b""
    for event in events:
        if isinstance(event, bytes):
            out += event
        elif isinstance(event, str):
            out += f"data: {event}\n\n".encode()
        else:
            out += b"data: " + json.dumps(event).encode() + b"\n\n"
    return out


def step_event(n: int, **extra: Any) -> dict:
    return {"ts": TS, "kind": "step", "subject": "engine.step.reasoning", "data": {**item(n), **extra}}


def run_event(subject: str, status: str, run_id: str = RUN) -> dict:
    return {"ts": TS, "kind": "run", "subject": subject, "data": {"runId": run_id, "status": status}}


def session_event(status: str) -> dict:
    return {"ts": TS, "kind": "session", "subject": f"engine.session.{status.lower()}",
            "data": {"sessionId": SESSION, "status": status}}  # fmt: skip


# -- a scripted server ---------------------------------------------------------------------------

Part = bytes | float  # bytes are sent, floats are pauses (seconds)


class _Body(httpx.AsyncByteStream):
    """A response body played from a script; counts itself open while it is."""

    def __init__(self, server: Scripted, parts: list[Part], hang: bool) -> None:
        self.server = server
        self.parts = parts
        self.hang = hang
        server.open_streams += 1
        server.max_open_streams = max(server.max_open_streams, server.open_streams)
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            if isinstance(part, float):
                await asyncio.sleep(part)
            else:
                yield part
        if self.hang:
            await asyncio.sleep(3600)

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            self.server.open_streams -= 1


@dataclass
class Stream:
    """One stream connection: ``parts`` then end (or hang forever)."""

    parts: list[Part] = field(default_factory=list)
    hang: bool = False
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/event-stream"
    text: str | None = None  # the body of an error status (JSON {"message": "no"} by default)


@dataclass
class Answer:
    """A plain answer: a status and a JSON (or text) body."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None


class Scripted:
    """A fake Phrony for one run. Each stream connection plays the next ``Stream``,
    each ``/conversation`` the next document (the last one repeats), each
    ``GET /v1/runs/{id}`` the next status. Records every request, and the most
    requests ever in flight at once (a stream is in flight until its body closes)."""

    def __init__(self, streams: list[Stream], conversations: list[dict | Answer],
                 runs: list[str | Answer] | None = None) -> None:  # fmt: skip
        self.streams = list(streams)
        self.conversations = list(conversations)
        self.runs = list(runs or [])
        self.log: list[tuple[str, int]] = []  # (route, status)
        self.in_flight = 0  # requests other than streams being answered
        self.max_in_flight = 0
        self.open_streams = 0  # stream bodies not closed yet
        self.max_open_streams = 0
        self.on_request: Callable[[str], None] | None = None

    def _enter(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    @staticmethod
    def _next(queue: list):
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        route = path.rsplit("/", 1)[-1] if path.count("/") > 3 else "run"
        if self.on_request is not None:
            self.on_request(route)
        if route == "stream":
            spec: Stream = self._next(self.streams)
            self.log.append((route, spec.status))
            if spec.status != 200:
                if spec.text is not None:
                    return httpx.Response(spec.status, text=spec.text, headers=spec.headers)
                return httpx.Response(spec.status, json={"message": "no"}, headers=spec.headers)
            body = _Body(self, spec.parts, spec.hang)
            return httpx.Response(200, stream=body, headers={"content-type": spec.content_type, **spec.headers})
        queue = self.conversations if route == "conversation" else self.runs
        answer = self._next(queue)
        self._enter()
        await asyncio.sleep(0.002)  # long enough for an overlapping request to show
        self.in_flight -= 1
        if isinstance(answer, str):  # a run status
            answer = Answer(body={"runId": RUN, "status": answer, "output": None})
        if isinstance(answer, dict):
            answer = Answer(body=answer)
        self.log.append((route, answer.status))
        if answer.text is not None:
            return httpx.Response(answer.status, text=answer.text, headers=answer.headers)
        return httpx.Response(answer.status, json=answer.body, headers=answer.headers)

    def client(self, **kwargs: Any) -> PhronyClient:
        return PhronyClient(BASE, KEY, transport=httpx.MockTransport(self.handler), **kwargs)

    def count(self, route: str) -> int:
        return sum(1 for r, _ in self.log if r == route)


# -- following -----------------------------------------------------------------------------------


class Folder:
    """Applies drained batches to a SessionState with the main screen's own rule
    (``live.apply.apply_batch``), and counts live step events whose step the
    timeline already had (duplicates)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.state: SessionState | None = None
        self.batches = 0
        self.events = 0
        self.step_events = 0
        self.duplicates = 0
        self.superseded = 0
        self.labels: list[str] = []
        self.last_status: FollowStatus | None = None

    async def apply(self, batch: FollowBatch) -> None:
        if not batch.changed:
            return
        self.batches += 1
        self.last_status = batch.status
        if not self.labels or self.labels[-1] != batch.status.label:
            self.labels.append(batch.status.label)
        self.events += len(batch.events)
        self.superseded += batch.superseded
        # Counted against the timeline as it is once this batch's back-fill is merged.
        timeline = self.state.timeline if self.state is not None else None
        backfilled = {row.id for row in batch.conversation.items} if batch.conversation is not None else None
        if timeline is not None or backfilled is not None:
            for event in batch.fresh_events:
                if event.kind == "step":
                    self.step_events += 1
                    step_id = (event.data or {}).get("id") if isinstance(event.data, dict) else None
                    known = step_id in (backfilled or ()) or (timeline is not None and step_id in timeline)
                    if step_id is not None and known:
                        self.duplicates += 1
        applied = await apply_batch(self.state, batch, new_state=lambda c: SessionState(self.run_id, c))
        self.state = applied.state

    def ids(self) -> list[str]:
        assert self.state is not None
        return [row.id for row in self.state.timeline]


async def follow(follower: RunFollower, folder: Folder | None = None, *, timeout: float = 20.0,
                 drain_every: float = 0.02) -> Folder:  # fmt: skip
    """Run the follower to its end, draining like the UI's timer. ``timeout`` only
    guards against a hang (a test failure), it is not a performance bound."""
    folder = folder or Folder(follower.run_id)
    task = asyncio.ensure_future(follower.run())
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=drain_every)
            await folder.apply(follower.drain())
            timeout -= drain_every
            if timeout < 0:
                raise AssertionError(f"the follower did not finish: {follower.status}")
        task.result()
    finally:
        if not task.done():
            follower.stop()
            task.cancel()
            await asyncio.wait({task})
    await folder.apply(follower.drain())
    return folder


class SleepLog:
    """An injectable ``sleep`` that records each wait (with how many requests the
    server had seen by then) and waits ``real`` seconds instead."""

    def __init__(self, requests: Callable[[], int] | None = None, real: float = 0.0) -> None:
        self.waits: list[tuple[float, int]] = []
        self.requests = requests or (lambda: 0)
        self.real = real

    async def __call__(self, seconds: float) -> None:
        self.waits.append((seconds, self.requests()))
        await asyncio.sleep(self.real)

    @property
    def seconds(self) -> list[float]:
        return [s for s, _ in self.waits]


# -- the simulator ---------------------------------------------------------------------------------


class Driver:
    """Moves the simulator along while a follower follows: advances simulated time
    in small steps, completes any pending task the way a person would in the
    dashboard, until the session is over."""

    def __init__(self, sim, run_id: str, *, step: float = 0.5, pause: float = 0.01) -> None:
        self.sim = sim
        self.run_id = run_id
        self.step = step
        self.pause = pause
        self.task: asyncio.Task | None = None
        self.answered: list[str] = []

    async def _run(self) -> None:
        sim = self.sim
        while not is_terminal(sim.status(self.run_id)):
            sim.advance(self.step)
            for task in sim.pending_tasks(self.run_id):
                sim.dashboard_complete(task["id"])
                self.answered.append(task["kind"])
            await asyncio.sleep(self.pause)

    def start(self) -> Driver:
        self.task = asyncio.ensure_future(self._run())
        return self

    async def wait(self, timeout: float = 20.0) -> None:
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


def server_ids(sim, run_id: str) -> list[str]:
    """The step ids of the session as the server holds them, in ordinal order."""
    session = sim.session_of(run_id)
    with sim._lock:
        items = sorted(session.items, key=lambda i: i["ordinal"])
        return [i["id"] for i in items]


def sim_client(sim, base_url: str, **kwargs: Any) -> PhronyClient:
    return PhronyClient(base_url, sim.keys.admin, **kwargs)


def stream_requests(sim, run_id: str) -> list[int]:
    """Statuses of the stream requests the simulator saw for the run."""
    with sim._lock:
        return [status for method, target, status in sim.requests if target.startswith(f"/v1/runs/{run_id}/stream")]


def run_requests(sim, run_id: str) -> list[tuple[str, int]]:
    with sim._lock:
        return [(target, status) for method, target, status in sim.requests if target.startswith(f"/v1/runs/{run_id}")]
