"""``POST /v1/runs/{runId}/messages`` (and its twin ``…/input``): answer a user task or reply to a chat.

Checks, in order: ``runId`` equals the path's, the task exists in the session (404),
the run may answer it (400), the task is pending (409), it is not dashboard-only
(400), the answer field fits the kind (400), ``metadata`` is an object (400).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from phrony_tui.sim.endpoint import Call, find_run
from phrony_tui.sim.errors import ApiError, invalid, is_number, json_object, json_response
from phrony_tui.sim.world import DASHBOARD_ONLY, Reply, Run, Session, WaitResponse, WaitTask

ANSWER_FIELDS = ("approved", "selectedOptionId", "textValue", "numberValue")
#: task kinds a person may decline (``approved: false``) instead of answering
DECLINABLE = frozenset({"aitl_escalation"})


async def messages(call: Call) -> Response:
    sim = call.sim
    run_id = call.path("run_id")
    with sim.lock:
        run = find_run(sim, call.key, run_id)
        body = json_object(call.body)
        if "runId" not in body:
            raise invalid("runId", {"isNotEmpty": "runId should not be empty", "isUuid": "runId must be a UUID"},
                          "runId is required and must equal the run id in the path")  # fmt: skip
        if body["runId"] != run_id:
            raise ApiError(400, f"runId in the body ({body['runId']!r}) does not match the path's run id "
                                f"({run_id})")  # fmt: skip
        session = run.session
        if body.get("userTaskId") is not None:
            answer_task(call, run, session, body)
        else:
            reply(call, run, session, body)
        sim.engine.changed = False
        status = session.status
    sim.notify()
    return json_response({"status": status}, 202)

def answer_task(call: Call, run: Run, session: Session, body: dict[str, Any]) -> None:
    task_id = body["userTaskId"]
    if not isinstance(task_id, str):
        raise invalid("userTaskId", {"isString": "userTaskId must be a string"}, "userTaskId must be a string")
    task = session.tasks.get(task_id)
    if task is None:
        raise ApiError(404, f"user task {task_id} not found in this run's session")
    if run is not task.run and run not in task.run.ancestors():
        raise ApiError(400, f"user task {task_id} was raised by run {task.run.id}: "
                            f"answer it through that run or one of its parent runs")  # fmt: skip
    if task.status != "Pending":
        raise ApiError(409, f"user task {task_id} is no longer pending ({task.status})")
    if task.kind in DASHBOARD_ONLY:
        raise ApiError(400, f"user task {task_id} ({task.kind}) can only be completed in the Phrony dashboard")
    for name in ("text", "message", "files"):
        if name in body:
            raise ApiError(400, f"{name} is for conversational turns; a user task takes an answer field "
                                f"({expected_field(task.kind)})")  # fmt: skip
    answer = validate_answer(task.kind, task.options, body)
    if isinstance(session.waiting, WaitTask) and session.waiting.task is task:
        call.sim.engine.deliver(session, answer)
    else:
        call.sim.engine.complete_task(task, answer)

def expected_field(kind: str) -> str:
    return {"approval": "approved", "hitl": "approved", "anomaly_review": "approved",
            "multi_option": "selectedOptionId", "text": "textValue", "aitl_escalation": "textValue",
            "number": "numberValue"}.get(kind, "an answer")  # fmt: skip

def validate_answer(kind: str, options: list[dict] | None, body: dict[str, Any]) -> dict[str, Any]:
    fields = ANSWER_FIELDS
    expected = expected_field(kind)
    answer: dict[str, Any] = {}
    if kind in DECLINABLE and "approved" in body:
        if not isinstance(body["approved"], bool):
            raise invalid("approved", {"isBoolean": "approved must be a boolean value"},
                          f"approved must be true or false, got {json.dumps(body['approved'])}")  # fmt: skip
        if body["approved"] is False:  # declined: no answer text needed
            answer = {"approved": False}
            if "textValue" in body:
                answer["textValue"] = body["textValue"]
            return with_metadata(answer, body)
        answer["approved"] = True
    if expected in fields:
        for name in fields:
            if name != expected and name in body and not (name == "approved" and kind in DECLINABLE):
                raise ApiError(400, f"{name} does not answer a {kind} task: send {expected}")
        if expected not in body:
            decline = " (or approved: false to decline it)" if kind in DECLINABLE else ""
            raise invalid(expected, {"isDefined": f"{expected} should not be null or undefined"},
                          f"{expected} is required to answer a {kind} task{decline}")  # fmt: skip
        value = body[expected]
        if expected == "approved" and not isinstance(value, bool):
            raise invalid("approved", {"isBoolean": "approved must be a boolean value"},
                          f"approved must be true or false, got {json.dumps(value)}")  # fmt: skip
        if expected == "textValue" and (not isinstance(value, str) or not value.strip()):
            raise invalid("textValue", {"isNotEmpty": "textValue should not be empty"}, "textValue must be a non-empty string")
        if expected == "numberValue" and not is_number(value):
            raise invalid("numberValue", {"isNumber": "numberValue must be a number conforming to the specified constraints"},
                          f"numberValue must be a number, got {json.dumps(value)}")  # fmt: skip
        if expected == "selectedOptionId":
            ids = [str(option.get("id")) for option in options or []]
            if not isinstance(value, str) or value not in ids:
                raise ApiError(400, f"selectedOptionId {json.dumps(value)} is not one of the task's options "
                                    f"({', '.join(ids)})")  # fmt: skip
        answer[expected] = value
    else:
        answer = {name: body[name] for name in fields if name in body}
    return with_metadata(answer, body)


def with_metadata(answer: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    if "metadata" in body:
        if not isinstance(body["metadata"], dict):
            raise invalid("metadata", {"isObject": "metadata must be an object"}, "metadata must be a JSON object")
        answer["metadata"] = body["metadata"]
    return answer

def reply(call: Call, run: Run, session: Session, body: dict[str, Any]) -> None:
    if session.terminal:
        raise ApiError(409, f"session {session.id} is already {session.status}")
    waiting = session.waiting
    if not isinstance(waiting, WaitResponse):
        hint = " (answer its pending user task with userTaskId)" if isinstance(waiting, WaitTask) else ""
        raise ApiError(409, f"run {run.id} is not waiting for a response (status: {session.status}){hint}")
    if run is not waiting.run and run not in waiting.run.ancestors():
        raise ApiError(400, f"the conversation waits on run {waiting.run.id}, not on run {run.id}")
    text = body.get("text", body.get("message"))
    if text is not None and (not isinstance(text, str) or not text.strip()):
        raise invalid("text", {"isNotEmpty": "text should not be empty"}, "text (alias message) must be a non-empty string")
    files = body.get("files")
    attached: list[dict[str, Any]] = []
    if files is not None:
        if not isinstance(files, list):
            raise invalid("files", {"isArray": "files must be an array"}, "files must be an array")
        for n, file in enumerate(files):
            if not isinstance(file, dict) or file.get("phronyFile") is not True:
                raise ApiError(400, f'files[{n}] must be an object with "phronyFile": true')
            object_key = file.get("objectKey")
            if not isinstance(object_key, str) or not object_key:
                raise ApiError(400, f"files[{n}].objectKey is required")
            stored = call.sim.objects.get(object_key)
            if stored is None or not stored.finalized:
                raise ApiError(400, f"files[{n}].objectKey {object_key!r} is not a finalized upload")
            attached.append({"objectKey": object_key, "filename": file.get("filename") or stored.filename,
                             "mediaType": file.get("mediaType") or stored.media_type,
                             "sizeBytes": len(stored.data or b"")})  # fmt: skip
    if text is None and not attached:
        raise invalid("text", {"isNotEmpty": "text should not be empty"},
                      "a reply needs a non-empty text (alias message) and/or files")  # fmt: skip
    call.sim.engine.deliver(session, Reply(text, attached))
