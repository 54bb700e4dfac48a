"""The route handlers called directly, without a server: a Call built from a bare ASGI scope."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.requests import Request

from phrony_tui.sim import Simulator
from phrony_tui.sim.app import build_app
from phrony_tui.sim.endpoint import Call
from phrony_tui.sim.errors import ApiError
from phrony_tui.sim.faults import Faults
from phrony_tui.sim.handlers import agents, answers, runs, streams

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def call(sim: Simulator, path_params: dict[str, str], query: dict[str, Any] | None = None,
         body: Any = None, key: str | None = None) -> Call:  # fmt: skip
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "app": build_app(sim),
             "query_string": urlencode(query or {}).encode(), "path_params": path_params}  # fmt: skip
    return Call(sim, Request(scope), sim.key_info(key or sim.keys.admin), body)  # type: ignore[arg-type]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.full_world
def test_list_sessions_directly(sim: Simulator) -> None:
    response = run(agents.list_sessions(call(sim, {"agent_id": sim.agents["hitl"]}, {"take": 3})))
    page = json.loads(response.body)
    assert response.status_code == 200 and len(page["items"]) == 3 and page["total"] > 100
    assert page["items"][0]["id"] == sim.find_sessions("hitl")[0][0]


def test_a_handler_raises_api_errors_for_the_wrapper(sim: Simulator) -> None:
    with pytest.raises(ApiError) as exc:
        run(runs.get_run(call(sim, {"run_id": UNKNOWN})))
    assert exc.value.status == 404
    with pytest.raises(ApiError) as exc:
        run(runs.get_run(call(sim, {"run_id": sim.find_sessions("hitl")[0][1]}, key=sim.keys.root_only)))
    assert exc.value.status == 403


def test_answer_a_task_directly(sim: Simulator) -> None:
    _, run_id = sim.find_sessions("number", "WaitingForHITL")[0]
    task = sim.pending_tasks(run_id)[0]
    body = {"runId": run_id, "userTaskId": task["id"], "numberValue": "12"}
    with pytest.raises(ApiError) as exc:
        run(answers.messages(call(sim, {"run_id": run_id}, body=body)))
    assert exc.value.status == 400 and "numberValue" in exc.value.message
    response = run(answers.messages(call(sim, {"run_id": run_id}, body={**body, "numberValue": 12})))
    assert response.status_code == 202 and json.loads(response.body) == {"status": "Running"}


def test_validate_answer_is_a_pure_function() -> None:
    options = [{"id": "a", "label": "A"}]
    assert answers.validate_answer("multi_option", options, {"selectedOptionId": "a"}) == {"selectedOptionId": "a"}
    with pytest.raises(ApiError, match="not one of the task's options"):
        answers.validate_answer("multi_option", options, {"selectedOptionId": "b"})


def test_with_faults_cuts_after_n_events_not_counting_heartbeats() -> None:
    async def source() -> Any:
        yield [streams.HEARTBEAT, b"data: 1\n\n", b"data: 2\n\n"]
        yield [streams.HEARTBEAT, b"data: 3\n\n", b"data: 4\n\n"]

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in streams.with_faults(source(), Faults(cut_after_events=3))])

    out = run(collect())
    assert out.count(b"data:") == 3 and out.count(streams.HEARTBEAT) == 2 and out.endswith(b"data: 3\n\n")
