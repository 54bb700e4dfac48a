"""The simulator's HTTP surface: the route table of phrony-api.md, plus the pre-signed upload target.

The handlers live in ``phrony_tui.sim.handlers`` (one module per route group);
``endpoint`` holds the wrapper every ``/v1`` route shares (latency, faults, the
key, the request log). The app carries its simulator in ``app.state.sim``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from phrony_tui.sim.endpoint import api, plain, simulator_of
from phrony_tui.sim.errors import ApiError, render
from phrony_tui.sim.handlers import agents, answers, files, runs, streams

if TYPE_CHECKING:
    from phrony_tui.sim.simulator import Simulator

ROUTES = [
    Route("/v1/agents/{agent_id}/runs", api(agents.start_run), methods=["POST"]),
    Route("/v1/agents/{agent_id}/sessions", api(agents.list_sessions), methods=["GET"]),
    Route("/v1/runs/{run_id}", api(runs.get_run), methods=["GET"]),
    Route("/v1/runs/{run_id}/conversation", api(runs.conversation), methods=["GET"]),
    Route("/v1/runs/{run_id}/stream", api(streams.stream), methods=["GET"]),
    Route("/v1/runs/{run_id}/messages", api(answers.messages), methods=["POST"]),
    Route("/v1/runs/{run_id}/input", api(answers.messages), methods=["POST"]),
    Route("/v1/runs/{run_id}/skip-agent-wait", api(runs.skip_wait), methods=["POST"]),
    Route("/v1/file-library/presign", api(files.presign), methods=["POST"]),
    Route("/v1/file-library/finalize", api(files.finalize), methods=["POST"]),
    Route("/_uploads/{token}", plain(files.put_upload), methods=["PUT"]),
]


async def not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    nest = simulator_of(request).dialect.nest_errors
    if status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = f"no route {request.method} {request.url.path}"
    return render(ApiError(status, message, nest=f"Cannot {request.method} {request.url.path}"), nest)


def build_app(sim: Simulator) -> Starlette:
    app = Starlette(routes=ROUTES, exception_handlers={404: not_found, 405: not_found})
    app.state.sim = sim
    return app


__all__ = ["ROUTES", "build_app"]
