"""``GET /v1/runs/{runId}``, ``GET …/conversation`` and ``POST …/skip-agent-wait``."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from phrony_tui.sim.endpoint import Call, find_run
from phrony_tui.sim.engine import Engine
from phrony_tui.sim.errors import ApiError, json_response
from phrony_tui.sim.world import SLIM_DROP, Session, TimerEnded, WaitTimer


async def get_run(call: Call) -> Response:
    with call.sim.lock:
        run = find_run(call.sim, call.key, call.path("run_id"))
        return json_response(call.sim.engine.run_state(run))


async def conversation(call: Call) -> Response:
    sim = call.sim
    mode = call.query("stepContent") or "full"
    if mode not in ("full", "slim"):
        raise ApiError(400, f"stepContent must be 'full' or 'slim', got {mode!r}")
    slim = mode == "slim"
    with sim.lock:
        session = find_run(sim, call.key, call.path("run_id")).session
        if session.special != "big":
            return json_response(conversation_body(sim.engine, session, slim))
    if sim.gzip and "gzip" in (call.request.headers.get("accept-encoding") or "").lower():
        # As a gateway may: compressed when asked (once, then cached; ~10x fewer bytes).
        data = await asyncio.to_thread(sim.big_conversation_gzip, slim)
        return Response(data, media_type="application/json",
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})  # fmt: skip
    data = await asyncio.to_thread(sim.big_conversation, slim)
    return Response(data, media_type="application/json")


def conversation_body(engine: Engine, session: Session, slim: bool) -> dict[str, Any]:
    items = engine.visible_items(session)
    if slim:
        items = [
            {**item, "content": {k: v for k, v in item["content"].items() if k not in SLIM_DROP}}
            if isinstance(item["content"], dict)
            else item
            for item in items
        ]
    return {
        "session": engine.session_row(session, listing=False),
        "runs": [engine.run_row(r) for r in session.runs],
        "items": items,
    }


async def skip_wait(call: Call) -> Response:
    sim = call.sim
    with sim.lock:
        run = find_run(sim, call.key, call.path("run_id"))
        session = run.session
        waiting = session.waiting
        if not isinstance(waiting, WaitTimer) or (run is not waiting.run and run not in waiting.run.ancestors()):
            raise ApiError(400, f"run {run.id} is not waiting on a timer (status: {run.status})")
        sim.engine.deliver(session, TimerEnded(skipped=True))
        sim.engine.changed = False
        status = session.status
    sim.notify()
    return json_response({"status": status}, 202)
