"""The file library: ``POST /v1/file-library/presign`` and ``…/finalize``, and the pre-signed upload
target ``PUT /_uploads/{token}`` (same server, outside ``/v1``: no key, no faults)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from phrony_tui.sim.endpoint import Call, uploads_allowed
from phrony_tui.sim.errors import ApiError, invalid, json_object, json_response, positive_int
from phrony_tui.sim.world import Upload

if TYPE_CHECKING:
    from phrony_tui.sim.simulator import Simulator

MAX_UPLOAD = 100 * 1024 * 1024
PRESIGN_TTL_S = 900


async def presign(call: Call) -> Response:
    sim, engine, request = call.sim, call.sim.engine, call.request
    uploads_allowed(call.key)
    body = json_object(call.body)
    filename = body.get("filename")
    if not isinstance(filename, str) or not 1 <= len(filename) <= 512:
        raise invalid("filename", {"isLength": "filename must be longer than or equal to 1 and shorter than or equal to 512 characters"},
                      "filename must be a string of 1 to 512 characters")  # fmt: skip
    media_type = body.get("mediaType")
    if not isinstance(media_type, str) or not media_type.strip() or len(media_type) > 255:
        raise invalid("mediaType", {"isNotEmpty": "mediaType should not be empty"},
                      "mediaType must be a non-empty string (e.g. text/plain)")  # fmt: skip
    size = positive_int(body, "maxContentLength")
    if size > MAX_UPLOAD:
        raise ApiError(400, f"maxContentLength {size} is over the {MAX_UPLOAD}-byte limit")
    with sim.lock:
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

async def put_upload(sim: Simulator, request: Request) -> Response:
    engine = sim.engine
    lock = sim.lock
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

async def finalize(call: Call) -> Response:
    sim = call.sim
    uploads_allowed(call.key)
    body = json_object(call.body)
    object_key = body.get("objectKey")
    if not isinstance(object_key, str) or not object_key:
        raise invalid("objectKey", {"isNotEmpty": "objectKey should not be empty"}, "objectKey is required")
    size = positive_int(body, "maxContentLength")
    for name in ("filename", "mediaType"):
        if name in body and body[name] is not None and not isinstance(body[name], str):
            raise invalid(name, {"isString": f"{name} must be a string"})
    with sim.lock:
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
