"""The wrapper every route shares, and the lookups the handlers share.

A handler is a plain ``async`` function of one ``Call`` (the simulator, the request,
the caller's key, the parsed JSON body): importable and testable without a server.
``api(handler)`` makes it a Starlette endpoint: the simulator comes from
``request.app.state.sim``. Order of checks on ``/v1`` routes: latency, then the
request-level faults (429/500), then the API key (401), then the handler's own
(path ids: 400 malformed, 404 unknown, 403 out of scope; then the body: 400).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from phrony_tui.sim.errors import ApiError, render, uuid_param
from phrony_tui.sim.world import Agent, Run

if TYPE_CHECKING:
    from phrony_tui.sim.simulator import ApiKey, Simulator

LOG_LIMIT = 20_000  # live mode keeps at most this many entries in sim.requests / sim.received


@dataclass(frozen=True)
class Call:
    """One authenticated ``/v1`` request, as a handler sees it."""

    sim: Simulator
    request: Request
    key: ApiKey
    body: Any = None

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)


ApiHandler = Callable[[Call], Awaitable[Response]]
PlainHandler = Callable[["Simulator", Request], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def simulator_of(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def api(handler: ApiHandler) -> Endpoint:
    """A ``/v1`` route: latency and faults, the body parsed and logged, the key checked."""

    async def endpoint(request: Request) -> Response:
        sim = simulator_of(request)
        faults = sim.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        body: Any = None
        invalid = False
        if request.method in ("POST", "PUT"):
            raw = await request.body()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    invalid = True
            with sim.lock:
                sim.received.append((request.method, request.url.path, body))
        try:
            hit = faults.next_request()
            if hit == "rate_limit":
                after = faults.retry_after
                text = str(int(after)) if float(after).is_integer() else str(after)
                raise ApiError(429, "rate limit exceeded: slow down", {"Retry-After": text},
                               nest="ThrottlerException: Too Many Requests")  # fmt: skip
            if hit == "error":
                raise ApiError(500, "simulated server error (fault injection)", nest="Internal server error")
            key = authenticate(sim, request)
            if invalid:
                raise ApiError(400, "the body is not valid JSON")
            response = await handler(Call(sim, request, key, body))
        except ApiError as exc:
            response = render(exc, sim.dialect.nest_errors)
        log(sim, request, response)
        return response

    return endpoint


def plain(handler: PlainHandler) -> Endpoint:
    """A route outside ``/v1`` (the pre-signed upload target): latency only, no key, no faults."""

    async def endpoint(request: Request) -> Response:
        sim = simulator_of(request)
        if sim.faults.latency_ms:
            await asyncio.sleep(sim.faults.latency_ms / 1000)
        try:
            response = await handler(sim, request)
        except ApiError as exc:
            response = render(exc, sim.dialect.nest_errors)
        log(sim, request, response)
        return response

    return endpoint


def log(sim: Simulator, request: Request, response: Response) -> None:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    with sim.lock:
        sim.requests.append((request.method, target, response.status_code))
        if sim.live and len(sim.requests) > LOG_LIMIT:  # a long-running live server
            del sim.requests[: LOG_LIMIT // 2]
            del sim.received[: max(0, len(sim.received) - LOG_LIMIT // 2)]


def authenticate(sim: Simulator, request: Request) -> ApiKey:
    secret = request.headers.get("x-api-key")
    if not secret:
        raise ApiError(401, "missing X-API-Key header")
    key = sim.key_info(secret.strip())
    if key is None:
        raise ApiError(401, "invalid API key")
    return key


def find_agent(sim: Simulator, key: ApiKey, agent_id: str) -> Agent:
    uuid_param(agent_id, "agentId")
    agent = sim.engine.agents_by_id.get(agent_id)
    if agent is None:
        raise ApiError(404, f"agent {agent_id} not found")
    if agent.id not in key.agent_ids:
        raise ApiError(403, f"this API key is not allowed to use agent {agent_id}")
    return agent


def find_run(sim: Simulator, key: ApiKey, run_id: str) -> Run:
    uuid_param(run_id, "runId")
    run = sim.engine.runs.get(run_id)
    if run is None:
        raise ApiError(404, f"run {run_id} not found")
    if run.agent.id not in key.agent_ids:
        raise ApiError(403, f"this API key is not allowed to access run {run_id} (agent {run.agent.id})")
    return run


def uploads_allowed(key: ApiKey) -> None:
    if not key.uploads:
        raise ApiError(403, 'this API key does not have "Allow file uploads"')
