"""Plain-httpx helpers for the simulator tests (no phrony client: it is tested against us)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from phrony_tui.sim import Simulator

SLIM_KEYS = {"session_id", "run_id", "tenant_id", "agent_id", "agent_version_id", "event_id"}


def client(base_url: str, key: str | None) -> httpx.Client:
    headers = {"X-API-Key": key} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=httpx.Timeout(10.0))


@dataclass
class Stream:
    """What a test read from an SSE response."""

    events: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    multiline: int = 0  # events whose data spanned several lines
    closed: bool = False  # the server ended the response
    times: list[float] = field(default_factory=list)  # monotonic arrival time of each event

    @property
    def subjects(self) -> list[str]:
        return [event["subject"] for event in self.events]


def _parse(response: httpx.Response) -> Iterator[tuple[str, Any, bool]]:
    """SSE per the spec: ``data:`` lines join with newlines, a blank line dispatches."""
    data: list[str] = []
    for line in response.iter_lines():
        if line == "":
            if not data:
                continue
            text, multiline, data = "\n".join(data), len(data) > 1, []
            try:
                yield "event", json.loads(text), multiline
            except ValueError:
                yield "malformed", text, multiline
            continue
        if line.startswith(":"):
            yield "comment", line[1:].strip(), False
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)


def read_sse(
    response: httpx.Response,
    *,
    until: Callable[[dict[str, Any]], bool] | None = None,
    limit: int | None = None,
    comments_wanted: int | None = None,
) -> Stream:
    """Read events until ``until`` matches, ``limit`` events, ``comments_wanted`` comments, or the end.

    May be called again on the same response: it goes on where it stopped.
    """
    parser = getattr(response, "_sim_sse", None)
    if parser is None:
        parser = _parse(response)
        response._sim_sse = parser  # type: ignore[attr-defined]
    out = Stream()
    for what, value, multiline in parser:
        if what == "comment":
            out.comments.append(value)
            if comments_wanted and len(out.comments) >= comments_wanted:
                return out
            continue
        out.multiline += multiline
        if what == "malformed":
            out.malformed.append(value)
            continue
        out.events.append(value)
        out.times.append(time.monotonic())
        if (until and until(value)) or (limit and len(out.events) >= limit):
            return out
    out.closed = True
    return out


@contextmanager
def stream(http: httpx.Client, run_id: str, read_timeout: float = 10.0) -> Iterator[httpx.Response]:
    with http.stream("GET", f"/v1/runs/{run_id}/stream", timeout=httpx.Timeout(10.0, read=read_timeout)) as response:
        yield response


def conversation(http: httpx.Client, run_id: str, mode: str | None = None) -> dict[str, Any]:
    params = {"stepContent": mode} if mode else None
    response = http.get(f"/v1/runs/{run_id}/conversation", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def start(http: httpx.Client, sim: Simulator, scenario: str, run_input: Any = None) -> dict[str, Any]:
    body = {"input": {} if run_input is None else run_input}
    response = http.post(f"/v1/agents/{sim.agents[scenario]}/runs", json=body)
    assert response.status_code == 202, response.text
    return response.json()


def pending_task(conv: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """The content of the last pending UserTaskReq (optionally of a kind)."""
    tasks = [
        item["content"]
        for item in conv["items"]
        if item["type"] == "UserTaskReq"
        and item["content"].get("status") == "Pending"
        and (kind is None or item["content"]["kind"] == kind)
    ]
    assert tasks, f"no pending {kind or ''} task in {[i['type'] for i in conv['items']]}"
    return tasks[-1]


def types(conv: dict[str, Any]) -> list[str]:
    return [item["type"] for item in conv["items"]]


def message(http: httpx.Client, run_id: str, body: dict[str, Any], route: str = "messages") -> httpx.Response:
    return http.post(f"/v1/runs/{run_id}/{route}", json={"runId": run_id, **body})
