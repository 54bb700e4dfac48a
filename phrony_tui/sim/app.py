"""The simulator's HTTP surface: every route of phrony-api.md, plus the pre-signed upload target.

Order of checks on ``/v1`` routes: latency, then the request-level faults
(429/500), then the API key (401), then path ids (400 malformed, 404 unknown,
403 out of scope), then the body (400). Error bodies are JSON
``{"statusCode": N, "error": "...", "message": "..."}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from phrony_tui.sim.bulk import firehose_chunks, make_firehose_session
from phrony_tui.sim.world import (
    DASHBOARD_ONLY,
    SLIM_DROP,
    Reply,
    Run,
    Session,
    TimerEnded,
    Upload,
    WaitResponse,
    WaitTask,
    WaitTimer,
    dumps,
)

if TYPE_CHECKING:
    from phrony_tui.sim.simulator import ApiKey, Simulator

REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error"}  # fmt: skip
MAX_UPLOAD = 100 * 1024 * 1024
PRESIGN_TTL_S = 900
MAX_TAKE = 500
LOG_LIMIT = 20_000  # live mode keeps at most this many entries in sim.requests / sim.received
HEARTBEAT = b": ping\n\n"
MALFORMED = b"data: {this is not json\n\n"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"statusCode": status, "error": REASONS.get(status, "Error"), "message": message}
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def _uuid(value: str, what: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ApiError(400, f"{what} must be a UUID, got {value!r}") from None
    return value


def _object(body: Any, what: str = "body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, f"{what} must be a JSON object")
    return body


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive_int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if value is None:
        raise ApiError(400, f"{name} is required (a positive integer)")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(400, f"{name} must be a positive integer, got {json.dumps(value)}")
    return value


Handler = Callable[[Request, "ApiKey | None", Any], Awaitable[Response]]


def build_app(sim: Simulator) -> Starlette:
    engine = sim.engine
    lock = sim._lock

    # ---- the common wrapper --------------------------------------------------------------
    def endpoint(handler: Handler, *, api: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            faults = sim.faults
            if faults.latency_ms:
                await asyncio.sleep(faults.latency_ms / 1000)
            method = request.method
            body: Any = None
            invalid = False
            if method in ("POST", "PUT") and api:
                raw = await request.body()
                if raw.strip():
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        invalid = True
                with lock:
                    sim.received.append((method, request.url.path, body))
            try:
                if api:
                    hit = faults.next_request()
                    if hit == "rate_limit":
                        after = faults.retry_after
                        text = str(int(after)) if float(after).is_integer() else str(after)
                        raise ApiError(429, "rate limit exceeded: slow down", {"Retry-After": text})
                    if hit == "error":
                        raise ApiError(500, "simulated server error (fault injection)")
                    key = authenticate(request)
                    if invalid:
                        raise ApiError(400, "the body is not valid JSON")
                else:
                    key = None
                response = await handler(request, key, body)
            except ApiError as exc:
                response = error_response(exc.status, exc.message, exc.headers)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            with lock:
                sim.requests.append((method, target, response.status_code))
                if sim.live and len(sim.requests) > LOG_LIMIT:  # a long-running live server
                    del sim.requests[: LOG_LIMIT // 2]
                    del sim.received[: max(0, len(sim.received) - LOG_LIMIT // 2)]
            return response

        return run

    def authenticate(request: Request) -> ApiKey:
        secret = request.headers.get("x-api-key")
        if not secret:
            raise ApiError(401, "missing X-API-Key header")
        key = sim.key_info(secret.strip())
        if key is None:
            raise ApiError(401, "invalid API key")
        return key

    def find_agent(key: ApiKey, agent_id: str):
        _uuid(agent_id, "agentId")
        agent = engine.agents_by_id.get(agent_id)
        if agent is None:
            raise ApiError(404, f"agent {agent_id} not found")
        if agent.id not in key.agent_ids:
            raise ApiError(403, f"this API key is not allowed to use agent {agent_id}")
        return agent

    def find_run(key: ApiKey, run_id: str) -> Run:
        _uuid(run_id, "runId")
        run = engine.runs.get(run_id)
        if run is None:
            raise ApiError(404, f"run {run_id} not found")
        if run.agent.id not in key.agent_ids:
            raise ApiError(403, f"this API key is not allowed to access run {run_id} (agent {run.agent.id})")
        return run

    def uploads_allowed(key: ApiKey) -> None:
        if not key.uploads:
            raise ApiError(403, 'this API key does not have "Allow file uploads"')

    # ---- agents ---------------------------------------------------------------------------
    async def start_run(request: Request, key: ApiKey, body: Any) -> Response:
        agent_id = request.path_params["agent_id"]
        with lock:
            agent = find_agent(key, agent_id)
            body = {} if body is None else _object(body)
            run_input = body.get("input", {})
            if run_input is None:
                run_input = {}
            _object(run_input, "input")
            check_input(agent.key, run_input)
            if agent.key == "firehose":
                session = make_firehose_session(engine, engine.now_ms, key.id)
            else:
                session = engine.start_session(agent, run_input=run_input, triggered_by=key.id)
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

    def check_input(scenario: str, run_input: dict[str, Any]) -> None:
        for name, value in run_input.items():
            if isinstance(value, dict) and value.get("phronyFile") is True:
                leaf = value.get("filename")
                known = {obj.object_key.rsplit("/", 1)[-1] for obj in sim.objects.values() if obj.finalized}
                if not isinstance(leaf, str) or leaf not in known:
                    raise ApiError(400, f"input.{name}: file {leaf!r} is not a finalized file of this workspace")
        if scenario == "hitl":
            if "amount" in run_input and not _is_number(run_input["amount"]):
                raise ApiError(400, "input.amount must be a number")
            if "customer" in run_input and not isinstance(run_input["customer"], str):
                raise ApiError(400, "input.customer must be a string")

    async def list_sessions(request: Request, key: ApiKey, body: Any) -> Response:
        query = request.query_params
        skip = _int_param(query.get("skip"), "skip", 0, minimum=0)
        take = _int_param(query.get("take"), "take", 20, minimum=1, maximum=MAX_TAKE)
        version = query.get("versionId") or None
        if version is not None:
            _uuid(version, "versionId")
        status = query.get("status") or None
        with lock:
            agent = find_agent(key, request.path_params["agent_id"])
            rows = [
                s
                for s in engine.session_list
                if s.agent is agent and (version is None or s.version_id == version)
                and (status is None or s.status == status)
            ]  # fmt: skip
            rows.sort(key=lambda s: (s.started_ms, s.index), reverse=True)
            page = [engine.session_row(s, listing=True) for s in rows[skip : skip + take]]
            return json_response({"items": page, "total": len(rows)})

    # ---- runs -----------------------------------------------------------------------------
    async def get_run(request: Request, key: ApiKey, body: Any) -> Response:
        with lock:
            run = find_run(key, request.path_params["run_id"])
            return json_response(engine.run_state(run))

    async def conversation(request: Request, key: ApiKey, body: Any) -> Response:
        mode = request.query_params.get("stepContent", "full") or "full"
        if mode not in ("full", "slim"):
            raise ApiError(400, f"stepContent must be 'full' or 'slim', got {mode!r}")
        slim = mode == "slim"
        with lock:
            run = find_run(key, request.path_params["run_id"])
            session = run.session
            if session.special != "big":
                return json_response(conversation_body(session, slim))
        data = await asyncio.to_thread(sim.big_conversation, slim)
        return Response(data, media_type="application/json")

    def conversation_body(session: Session, slim: bool) -> dict[str, Any]:
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

    async def messages(request: Request, key: ApiKey, body: Any) -> Response:
        run_id = request.path_params["run_id"]
        with lock:
            run = find_run(key, run_id)
            body = _object(body)
            if "runId" not in body:
                raise ApiError(400, "runId is required and must equal the run id in the path")
            if body["runId"] != run_id:
                raise ApiError(400, f"runId in the body ({body['runId']!r}) does not match the path's run id "
                                    f"({run_id})")  # fmt: skip
            session = run.session
            if body.get("userTaskId") is not None:
                answer_task(run, session, body)
            else:
                reply(run, session, body)
            engine.changed = False
            status = session.status
        sim.notify()
        return json_response({"status": status}, 202)

    def answer_task(run: Run, session: Session, body: dict[str, Any]) -> None:
        task_id = body["userTaskId"]
        if not isinstance(task_id, str):
            raise ApiError(400, "userTaskId must be a string")
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
            engine.deliver(session, answer)
        else:
            engine.complete_task(task, answer)

    def expected_field(kind: str) -> str:
        return {"approval": "approved", "hitl": "approved", "anomaly_review": "approved",
                "multi_option": "selectedOptionId", "text": "textValue", "aitl_escalation": "textValue",
                "number": "numberValue"}.get(kind, "an answer")  # fmt: skip

    def validate_answer(kind: str, options: list[dict] | None, body: dict[str, Any]) -> dict[str, Any]:
        fields = ("approved", "selectedOptionId", "textValue", "numberValue")
        expected = expected_field(kind)
        answer: dict[str, Any] = {}
        if expected in fields:
            for name in fields:
                if name != expected and name in body:
                    raise ApiError(400, f"{name} does not answer a {kind} task: send {expected}")
            if expected not in body:
                raise ApiError(400, f"{expected} is required to answer a {kind} task")
            value = body[expected]
            if expected == "approved" and not isinstance(value, bool):
                raise ApiError(400, f"approved must be true or false, got {json.dumps(value)}")
            if expected == "textValue" and (not isinstance(value, str) or not value.strip()):
                raise ApiError(400, "textValue must be a non-empty string")
            if expected == "numberValue" and not _is_number(value):
                raise ApiError(400, f"numberValue must be a number, got {json.dumps(value)}")
            if expected == "selectedOptionId":
                ids = [str(option.get("id")) for option in options or []]
                if not isinstance(value, str) or value not in ids:
                    raise ApiError(400, f"selectedOptionId {json.dumps(value)} is not one of the task's options "
                                        f"({', '.join(ids)})")  # fmt: skip
            answer[expected] = value
        else:
            answer = {name: body[name] for name in fields if name in body}
        if "metadata" in body:
            if not isinstance(body["metadata"], dict):
                raise ApiError(400, "metadata must be a JSON object")
            answer["metadata"] = body["metadata"]
        return answer

    def reply(run: Run, session: Session, body: dict[str, Any]) -> None:
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
            raise ApiError(400, "text (alias message) must be a non-empty string")
        files = body.get("files")
        attached: list[dict[str, Any]] = []
        if files is not None:
            if not isinstance(files, list):
                raise ApiError(400, "files must be an array")
            for n, file in enumerate(files):
                if not isinstance(file, dict) or file.get("phronyFile") is not True:
                    raise ApiError(400, f'files[{n}] must be an object with "phronyFile": true')
                object_key = file.get("objectKey")
                if not isinstance(object_key, str) or not object_key:
                    raise ApiError(400, f"files[{n}].objectKey is required")
                stored = sim.objects.get(object_key)
                if stored is None or not stored.finalized:
                    raise ApiError(400, f"files[{n}].objectKey {object_key!r} is not a finalized upload")
                attached.append({"objectKey": object_key, "filename": file.get("filename") or stored.filename,
                                 "mediaType": file.get("mediaType") or stored.media_type,
                                 "sizeBytes": len(stored.data or b"")})  # fmt: skip
        if text is None and not attached:
            raise ApiError(400, "a reply needs a non-empty text (alias message) and/or files")
        engine.deliver(session, Reply(text, attached))

    async def skip_wait(request: Request, key: ApiKey, body: Any) -> Response:
        with lock:
            run = find_run(key, request.path_params["run_id"])
            session = run.session
            waiting = session.waiting
            if not isinstance(waiting, WaitTimer) or (run is not waiting.run and run not in waiting.run.ancestors()):
                raise ApiError(400, f"run {run.id} is not waiting on a timer (status: {run.status})")
            engine.deliver(session, TimerEnded(skipped=True))
            engine.changed = False
            status = session.status
        sim.notify()
        return json_response({"status": status}, 202)

    # ---- the stream -----------------------------------------------------------------------
    async def stream(request: Request, key: ApiKey, body: Any) -> Response:
        faults = sim.faults
        with lock:
            run = find_run(key, request.path_params["run_id"])
            session = run.session
            cursor = len(session.events)
            firehose = session.special == "firehose" and not session.terminal
            closed = session.terminal
            scope = None if run.parent is None else run
        generation = sim.stream_generation
        if firehose:
            source = firehose_source(session, generation)
        elif closed:
            source = _empty()
        else:
            source = live_source(session, cursor, scope, generation)
        if sim.trace_streams:
            source = traced(source, request.path_params["run_id"])
        return StreamingResponse(with_faults(source, faults), media_type="text/event-stream", headers=SSE_HEADERS)

    def in_scope(run_id: str | None, scope: Run) -> bool:
        """Events of a sub-agent run's stream: its own, its descendants', and the session's."""
        if run_id is None or run_id == scope.id:
            return True
        run = engine.runs.get(run_id)
        return run is not None and scope in run.ancestors()

    async def live_source(
        session: Session, cursor: int, scope: Run | None, generation: int
    ) -> AsyncIterator[list[bytes]]:
        waiter = sim.add_waiter()
        loop_event = waiter[1]
        try:
            while sim.stream_generation == generation:
                loop_event.clear()
                with lock:
                    fresh = session.events[cursor:]
                    cursor += len(fresh)
                    end = session.terminal_event_index
                    batch = [ev.encoded for ev in fresh if scope is None or in_scope(ev.run_id, scope)]
                if batch:
                    yield batch
                if end is not None and cursor >= end:
                    return
                try:
                    await asyncio.wait_for(loop_event.wait(), sim.heartbeat_seconds)
                except TimeoutError:
                    yield [HEARTBEAT]
        finally:
            sim.remove_waiter(waiter)

    async def firehose_source(session: Session, generation: int) -> AsyncIterator[list[bytes]]:
        yield [HEARTBEAT]
        rate = sim.firehose_rate  # events per second; None: as fast as it can
        # rate-limited: about 100 batches a second, each sent when it is due
        size = 2000 if not rate else max(1, min(2000, int(rate / 100)))
        loop = asyncio.get_running_loop()
        started, sent = loop.time(), 0
        for chunk in firehose_chunks(engine, session, sim.firehose_events, size):
            if sim.stream_generation != generation:
                return
            if rate:
                delay = started + sent / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            yield chunk
            sent += len(chunk)
            await asyncio.sleep(0)
        with lock:
            cursor = len(session.events)
            # The streamed steps are not kept (200,000 dicts); what follows numbers after them.
            session.unkept += sim.firehose_events
            session.root.seq += sim.firehose_events
            engine.finish_run(session.root, "Completed", {"events": sim.firehose_events})
            engine.finish_session(session, "Completed", {"events": sim.firehose_events})
            engine.changed = False
            tail = [ev.encoded for ev in session.events[cursor:]]
        sim.notify()
        yield tail

    # ---- file library ---------------------------------------------------------------------
    async def presign(request: Request, key: ApiKey, body: Any) -> Response:
        uploads_allowed(key)
        body = _object(body)
        filename = body.get("filename")
        if not isinstance(filename, str) or not 1 <= len(filename) <= 512:
            raise ApiError(400, "filename must be a string of 1 to 512 characters")
        media_type = body.get("mediaType")
        if not isinstance(media_type, str) or not media_type.strip() or len(media_type) > 255:
            raise ApiError(400, "mediaType must be a non-empty string (e.g. text/plain)")
        size = _positive_int(body, "maxContentLength")
        if size > MAX_UPLOAD:
            raise ApiError(400, f"maxContentLength {size} is over the {MAX_UPLOAD}-byte limit")
        with lock:
            token = engine.new_id().replace("-", "")
            leaf = filename.replace("/", "_").replace("\\", "_")
            object_key = f"workspace/{engine.tenant_id}/files/{engine.new_id()}/{leaf}"
            signature = hashlib.sha256(f"{sim.seed}:{token}:{media_type}".encode()).hexdigest()[:32]
            upload = Upload(object_key, token, filename, media_type, size, signature,
                            engine.now_ms + PRESIGN_TTL_S * 1000)  # fmt: skip
            sim.uploads[token] = upload
            sim.objects[object_key] = upload
        base = f"{request.url.scheme}://{request.url.netloc}"
        return json_response({
            "objectKey": object_key,
            "uploadUrl": f"{base}/_uploads/{token}",
            "httpMethod": "PUT",
            "requiredHeaders": {"Content-Type": media_type, "x-sim-signature": signature},
            "expiresInSeconds": PRESIGN_TTL_S,
        })  # fmt: skip

    async def put_upload(request: Request, key: None, body: Any) -> Response:
        token = request.path_params["token"]
        if "x-api-key" in request.headers:
            with lock:
                sim.received.append(("PUT", request.url.path, None))
            raise ApiError(400, "do not send X-API-Key to a pre-signed upload URL")
        with lock:
            upload = sim.uploads.get(token)
        if upload is None:
            with lock:
                sim.received.append(("PUT", request.url.path, None))
            raise ApiError(404, "no such upload URL")
        try:
            if engine.now_ms > upload.expires_ms:
                raise ApiError(403, "the pre-signed upload URL has expired")
            if upload.finalized:
                raise ApiError(409, f"{upload.object_key} is already finalized")
            for name, value in (("Content-Type", upload.media_type), ("x-sim-signature", upload.signature)):
                sent = request.headers.get(name)
                if sent != value:
                    raise ApiError(403, f"header {name} is missing or differs from the signed value "
                                        f"(sent {sent!r}, signed {value!r})")  # fmt: skip
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > upload.max_content_length:
                raise ApiError(413, f"the body ({declared} bytes) is larger than maxContentLength "
                                    f"({upload.max_content_length})")  # fmt: skip
            chunks, size = [], 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > upload.max_content_length:
                    raise ApiError(413, f"the body is larger than maxContentLength ({upload.max_content_length})")
                chunks.append(chunk)
        finally:
            with lock:
                sim.received.append(("PUT", request.url.path, None))
        with lock:
            upload.data = b"".join(chunks)
        etag = hashlib.md5(upload.data).hexdigest()
        return Response(b"", status_code=200, headers={"ETag": f'"{etag}"'})

    async def finalize(request: Request, key: ApiKey, body: Any) -> Response:
        uploads_allowed(key)
        body = _object(body)
        object_key = body.get("objectKey")
        if not isinstance(object_key, str) or not object_key:
            raise ApiError(400, "objectKey is required")
        size = _positive_int(body, "maxContentLength")
        for name in ("filename", "mediaType"):
            if name in body and body[name] is not None and not isinstance(body[name], str):
                raise ApiError(400, f"{name} must be a string")
        with lock:
            upload = sim.objects.get(object_key)
            if upload is None:
                raise ApiError(404, f"no presigned upload for objectKey {object_key!r}")
            if size != upload.max_content_length:
                expected = upload.max_content_length
                raise ApiError(400, f"maxContentLength must be the value given to presign ({expected})")
            if upload.data is None:
                raise ApiError(400, f"nothing was uploaded for objectKey {object_key!r}: PUT the bytes first")
            already = upload.finalized
            upload.finalized = True
            return json_response({"objectKey": object_key, "sizeBytes": str(len(upload.data)),
                                  "alreadyFinalized": already})  # fmt: skip

    routes = [
        Route("/v1/agents/{agent_id}/runs", endpoint(start_run), methods=["POST"]),
        Route("/v1/agents/{agent_id}/sessions", endpoint(list_sessions), methods=["GET"]),
        Route("/v1/runs/{run_id}", endpoint(get_run), methods=["GET"]),
        Route("/v1/runs/{run_id}/conversation", endpoint(conversation), methods=["GET"]),
        Route("/v1/runs/{run_id}/stream", endpoint(stream), methods=["GET"]),
        Route("/v1/runs/{run_id}/messages", endpoint(messages), methods=["POST"]),
        Route("/v1/runs/{run_id}/input", endpoint(messages), methods=["POST"]),
        Route("/v1/runs/{run_id}/skip-agent-wait", endpoint(skip_wait), methods=["POST"]),
        Route("/v1/file-library/presign", endpoint(presign), methods=["POST"]),
        Route("/v1/file-library/finalize", endpoint(finalize), methods=["POST"]),
        Route("/_uploads/{token}", endpoint(put_upload, api=False), methods=["PUT"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            return error_response(405, f"{request.method} is not allowed on {request.url.path}")
        return error_response(status, f"no route {request.method} {request.url.path}")

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})


def _int_param(raw: str | None, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ApiError(400, f"{name} must be {bound}, got {value}")
    return value


async def _empty() -> AsyncIterator[list[bytes]]:
    return
    yield  # pragma: no cover


async def traced(source: AsyncIterator[list[bytes]], run_id: str) -> AsyncIterator[list[bytes]]:
    """The source, noting on stderr when its first batch leaves (benchmarks time from there)."""
    first = True
    try:
        async for batch in source:
            if first:
                print(f"stream-first-byte {run_id} {time.monotonic():.6f}", file=sys.stderr, flush=True)
                first = False
            yield batch
    finally:
        await _aclose(source)


async def with_faults(source: AsyncIterator[list[bytes]], faults: Any) -> AsyncIterator[bytes]:
    """Apply the stream faults to batches of encoded events; heartbeats are not counted."""
    cut, stall, bad = faults.cut_after_events, faults.stall_after_events, faults.malformed_every
    sent = 0
    try:
        async for batch in source:
            if not (cut or stall or bad):
                if batch:
                    yield b"".join(batch)
                continue
            out: list[bytes] = []
            for chunk in batch:
                out.append(chunk)
                if chunk is HEARTBEAT:
                    continue
                sent += 1
                if bad and sent % bad == 0:
                    out.append(MALFORMED)
                if cut and sent >= cut:
                    yield b"".join(out)
                    return
                if stall and sent == stall:
                    yield b"".join(out)
                    out = []
                    await asyncio.sleep(faults.stall_seconds)
            if out:
                yield b"".join(out)
    finally:
        await _aclose(source)


async def _aclose(source: Any) -> None:
    close = getattr(source, "aclose", None)
    if close is not None:
        await close()


__all__ = ["ApiError", "build_app"]
