"""``POST /v1/agents/{agentId}/runs`` and ``GET /v1/agents/{agentId}/sessions``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from phrony_tui.sim.bulk import make_firehose_session
from phrony_tui.sim.endpoint import Call, find_agent
from phrony_tui.sim.errors import ApiError, int_param, is_number, json_object, json_response, uuid_param

MAX_TAKE = 500


async def start_run(call: Call) -> Response:
    sim, engine = call.sim, call.sim.engine
    with sim.lock:
        agent = find_agent(sim, call.key, call.path("agent_id"))
        body = {} if call.body is None else json_object(call.body)
        run_input = body.get("input", {})
        if run_input is None:
            run_input = {}
        json_object(run_input, "input")
        check_input(call, agent.key, run_input)
        if agent.key == "firehose":
            session = make_firehose_session(engine, engine.now_ms, call.key.id)
        else:
            session = engine.start_session(agent, run_input=run_input, triggered_by=call.key.id)
        engine.changed = False
        result = {
            "sessionId": session.id,
            "runId": session.root.id,
            "status": session.status,
            "totalTokensUsed": session.tokens,
            "output": None,
            "agentId": agent.id,
            "triggerId": session.trigger_id,
            "duplicateDelivery": False,
        }
    sim.notify()
    return json_response(result, 202)


def check_input(call: Call, scenario: str, run_input: dict[str, Any]) -> None:
    for name, value in run_input.items():
        if isinstance(value, dict) and value.get("phronyFile") is True:
            leaf = value.get("filename")
            known = {obj.object_key.rsplit("/", 1)[-1] for obj in call.sim.objects.values() if obj.finalized}
            if not isinstance(leaf, str) or leaf not in known:
                raise ApiError(400, f"input.{name}: file {leaf!r} is not a finalized file of this workspace")
    if scenario == "hitl":
        if "amount" in run_input and not is_number(run_input["amount"]):
            raise ApiError(400, "input.amount must be a number")
        if "customer" in run_input and not isinstance(run_input["customer"], str):
            raise ApiError(400, "input.customer must be a string")


async def list_sessions(call: Call) -> Response:
    sim, engine = call.sim, call.sim.engine
    skip = int_param(call.query("skip"), "skip", 0, minimum=0)
    take = int_param(call.query("take"), "take", 20, minimum=1, maximum=MAX_TAKE)
    version = call.query("versionId") or None
    if version is not None:
        uuid_param(version, "versionId")
    status = call.query("status") or None
    with sim.lock:
        agent = find_agent(sim, call.key, call.path("agent_id"))
        rows = [
            s
            for s in engine.session_list
            if s.agent is agent and (version is None or s.version_id == version)
            and (status is None or s.status == status or not sim.dialect.status_filter)
        ]  # fmt: skip
        rows.sort(key=lambda s: (s.started_ms, s.index), reverse=sim.dialect.newest_first)
        page = [engine.session_row(s, listing=True) for s in rows[skip : skip + take]]
        return json_response({"items": page, "total": len(rows)})
