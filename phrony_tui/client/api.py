"""``PhronyClient``: one async method per route of the Phrony public API.

Names follow the official TypeScript SDK in snake_case (``startRun`` ->
``start_run``); keyword arguments are snake_case, the wire is camelCase. See
docs/client.md for the whole surface and docs/phrony-api.md for the contract.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload
from urllib.parse import quote, urlsplit

from phrony_tui import __version__
from phrony_tui.client.errors import (
    PhronyAPIError,
    PhronyConnectionError,
    PhronyError,
    PhronyProtocolError,
    PhronyTimeoutError,
    PhronyUsageError,
    parse_retry_after,
    redact_encoded,
    server_message,
)
from phrony_tui.client.security import (
    SecretLike,
    api_key_auth_class,
    check_base_url,
    coerce_api_key,
    redact,
    shared_ssl_context,
)
from phrony_tui.client.transfer import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_BODY_BYTES,
    ERROR_BODY_LIMIT,
    lenient_text,
    read_body,
)
from phrony_tui.client.uploads import FilePayload, build_put_request, load_payload, safe_url
from phrony_tui.settings import DEFAULT_BASE_URL

# pydantic and the models are imported on first use (a method that returns one), not
# with this module: an app's start reads the sessions list through session_rows.py
# (msgspec), and pydantic with the models costs more to import than the rest of it.
# httpx (httpcore, anyio, h11...) is imported at the first request too: a client is made
# on an app's start, a connection is not needed before its first frame (--run's
# conversation comes by entry/early.py), and httpx costs a fifth of Textual to import.
if TYPE_CHECKING:
    import httpx

    from phrony_tui.client.models import (
        Conversation,
        FinalizeResult,
        MessageResult,
        PhronyModel,
        PresignResult,
        RunState,
        SessionPage,
        StartRunResult,
        UploadedFile,
    )
    from phrony_tui.client.session_rows import SessionRowPage
    from phrony_tui.client.stream import RunEventStream

__all__ = ["DEFAULT_BASE_URL", "USER_AGENT", "PhronyClient"]

USER_AGENT = f"phrony-tui/{__version__}"

log = logging.getLogger("phrony_tui.client")

M = TypeVar("M", bound="PhronyModel")



@functools.cache
def _no_auth() -> httpx.Auth:
    """An explicit no-op auth: the presigned PUT must carry no credentials at all, even if
    a caller-provided httpx client has an ``auth`` of its own."""
    import httpx

    return httpx.Auth()


# Methods that change nothing: a failure of one never "may have been applied".
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_REQUEST_DEADLINE = 120.0
# An idle pooled connection is dropped after this many seconds, well before a server
# closes it: Node's HTTP server (NestJS) and uvicorn close an idle keep-alive
# connection after 5 s, httpx's own default. With both at 5 s, a request sent just as
# the server closed its connection failed after being sent ("it may have been
# applied"): a start or a reply made ambiguous by the pool, seen on a loaded machine.
KEEPALIVE_EXPIRY = 2.0
# Bytes one socket read may take (httpcore's HTTP/1.1 default: 64 KiB). A busy stream or a
# big body then comes in a quarter of the reads, each one a trip through h11, httpx, the
# event loop and (a stream) the parser thread: a firehose's cost per read, not per byte.
READ_BYTES = 256 * 1024
_read_bytes: int | None = None  # set by raise_read_size: applied as the first HTTP client is made


def raise_read_size(read_bytes: int = READ_BYTES) -> None:
    """Let every HTTP/1.1 connection of the process read up to ``read_bytes`` at once,
    from the first HTTP client a :class:`PhronyClient` makes (httpcore is imported then,
    not now). It is httpcore's class attribute, a process-wide switch: the app's entry
    point turns it on; the client used as a library leaves httpcore as it is."""
    global _read_bytes
    _read_bytes = read_bytes


def _bigger_reads(read_bytes: int) -> None:
    """httpcore's read size raised to ``read_bytes`` (never lowered)."""
    from httpcore._async.http11 import AsyncHTTP11Connection

    if getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", read_bytes) < read_bytes:
        AsyncHTTP11Connection.READ_NUM_BYTES = read_bytes


@dataclass(frozen=True, slots=True, repr=False)
class _Reply:
    """A response read in full (within the client's bounds)."""

    status_code: int
    content: bytes
    headers: httpx.Headers

    def __repr__(self) -> str:  # not the body: a server may echo the key (crash reports print locals)
        return f"_Reply(status_code={self.status_code}, {len(self.content)} bytes)"


class _SendProbe:
    """httpcore's ``trace`` extension: whether the request left in full (for
    ``PhronyConnectionError.maybe_applied``). ``seen`` stays False on transports
    that do not trace (a MockTransport): the error's type decides then."""

    __slots__ = ("seen", "sent")

    def __init__(self) -> None:
        self.seen = False
        self.sent = False

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        self.seen = True
        if name.endswith("send_request_body.complete"):
            self.sent = True


class PhronyClient:
    """Async client of the Phrony public API.

    ``base_url`` is checked with :func:`check_base_url` (plain http only to
    loopback unless ``allow_insecure_http``); trailing slashes are stripped.
    ``api_key`` is kept as a ``SecretStr`` and sent per request as ``X-API-Key``.

    Pass ``http_client`` to use your own ``httpx.AsyncClient`` (it is not
    closed by ``aclose``), or ``transport`` (e.g. ``httpx.MockTransport``) to
    have the client built on it. ``timeout`` is the read/write timeout of
    ordinary requests, ``connect_timeout`` the connect (and pool) timeout;
    streams use ``stream_read_timeout`` between bytes: long enough for a quiet
    stream kept alive by heartbeats, short enough to notice a dead one.
    ``around_bulk_decode`` (a context manager factory) is entered around the lazy
    decode of a whole conversation: the app pauses its garbage collector there.

    ``request_deadline`` bounds a whole ordinary request, answer included (a reply
    trickled a byte at a time ends in ``PhronyTimeoutError``); streams have none
    (they last as long as the run) and keep their read timeout. ``max_body_bytes``
    caps a body's decoded size (a gzip bomb is refused, see transfer.py).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | SecretLike | None = None,
        *,
        allow_insecure_http: bool = False,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        stream_read_timeout: float = 60.0,
        around_bulk_decode: Callable[[], AbstractContextManager[object]] = nullcontext,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if http_client is not None and transport is not None:
            raise PhronyUsageError("pass http_client or transport, not both")
        self.base_url = check_base_url(base_url, allow_insecure_http)
        self.allow_insecure_http = allow_insecure_http
        self._api_key = coerce_api_key(api_key)
        self._host = urlsplit(self.base_url).netloc
        self._timeouts = (float(timeout), float(connect_timeout), float(stream_read_timeout))
        self._httpx_parts: tuple[httpx.Auth, httpx.Timeout, httpx.Timeout] | None = None  # built with httpx
        if not request_deadline > 0:
            raise PhronyUsageError("request_deadline must be a positive number of seconds")
        _positive(max_body_bytes, "max_body_bytes")
        self.request_deadline = float(request_deadline)
        self.max_body_bytes = max_body_bytes
        self._owns_http = http_client is None
        # Built on first use (see _http): its TLS roots cost tens of milliseconds, off an
        # app's start. No default headers with the key: see security.py.
        self._http_client = http_client
        self._transport = transport
        self._closed = False
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING}
        # Entered around the lazy decode of a whole conversation (CPU only, no await):
        # an app pauses its garbage collector there; the library changes nothing itself.
        self._around_bulk_decode = around_bulk_decode

    def __repr__(self) -> str:
        return f"PhronyClient(base_url={self.base_url!r})"

    @property
    def _auth(self) -> httpx.Auth:
        return self._made_with_httpx()[0]

    @property
    def timeout(self) -> httpx.Timeout:
        """The read/write timeout of ordinary requests, and the connect (and pool) one."""
        return self._made_with_httpx()[1]

    @property
    def stream_timeout(self) -> httpx.Timeout:
        """A stream's: ``stream_read_timeout`` between bytes."""
        return self._made_with_httpx()[2]

    def _made_with_httpx(self) -> tuple[httpx.Auth, httpx.Timeout, httpx.Timeout]:
        parts = self._httpx_parts
        if parts is None:
            import httpx

            timeout, connect, stream_read = self._timeouts
            parts = self._httpx_parts = (
                api_key_auth_class()(self._api_key),
                httpx.Timeout(timeout, connect=connect, pool=connect),
                httpx.Timeout(timeout, connect=connect, read=stream_read, pool=connect),
            )
        return parts

    @property
    def _http(self) -> httpx.AsyncClient:
        client = self._http_client
        if client is None:
            if self._closed:  # as httpx says of a closed client
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            import httpx

            if _read_bytes is not None:
                _bigger_reads(_read_bytes)
            client = self._http_client = httpx.AsyncClient(
                transport=self._transport,
                timeout=self.timeout,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY),
                follow_redirects=False,
                verify=shared_ssl_context(),
            )
        return client

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    # -- lifecycle ---------------------------------------------------------
    async def __aenter__(self) -> PhronyClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this client made it."""
        self._closed = True
        if self._owns_http and self._http_client is not None:
            await self._http_client.aclose()

    # -- agents ------------------------------------------------------------
    async def start_run(self, agent_id: str, input: Mapping[str, Any] | None = None) -> StartRunResult:
        """``POST /v1/agents/{agentId}/runs``: start a run (input defaults to ``{}``)."""
        if input is not None and not isinstance(input, Mapping):
            raise PhronyUsageError("input must be a JSON object (a dict)")
        path = f"/v1/agents/{_seg(agent_id, 'agent_id')}/runs"
        response = await self._request("POST", path, json={"input": dict(input or {})})
        return self._parse(_models().StartRunResult, response, path)

    @overload
    async def list_sessions(
        self, agent_id: str, *, skip: int = ..., take: int = ..., version_id: str | None = ...,
        status: str | None = ..., lazy: Literal[False] = False,
    ) -> SessionPage: ...

    @overload
    async def list_sessions(
        self, agent_id: str, *, skip: int = ..., take: int = ..., version_id: str | None = ...,
        status: str | None = ..., lazy: bool,
    ) -> SessionPage | SessionRowPage: ...

    async def list_sessions(
        self,
        agent_id: str,
        *,
        skip: int = 0,
        take: int = 50,
        version_id: str | None = None,
        status: str | None = None,
        lazy: bool = False,
    ) -> SessionPage | SessionRowPage:
        """``GET /v1/agents/{agentId}/sessions``: one page, newest first, and the total.

        ``lazy=True`` is the fast path of an app's first screen: the rows are
        ``client.session_rows.SessionRow`` (msgspec; the attributes of ``SessionSummary``,
        ``to_model()`` gives it), decoded without importing pydantic (see session_rows.py).
        """
        if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
            raise PhronyUsageError("skip must be an integer >= 0")
        if isinstance(take, bool) or not isinstance(take, int) or take < 1:
            raise PhronyUsageError("take must be an integer >= 1")
        params: dict[str, Any] = {"skip": skip, "take": take}
        if version_id is not None:
            params["versionId"] = version_id
        if status is not None:
            params["status"] = status
        path = f"/v1/agents/{_seg(agent_id, 'agent_id')}/sessions"
        response = await self._request("GET", path, params=params)
        if lazy:
            from phrony_tui.client.session_rows import decode_page

            page = decode_page(response.content)
            if page is not None:
                return page  # else: the tolerant path below says what is wrong with the body
        return self._parse(_models().SessionPage, response, path)

    # -- runs --------------------------------------------------------------
    async def get_run(self, run_id: str) -> RunState:
        """``GET /v1/runs/{runId}``: poll a run."""
        path = f"/v1/runs/{_seg(run_id, 'run_id')}"
        return self._parse(_models().RunState, await self._request("GET", path), path)

    async def get_conversation(
        self, run_id: str, step_content: Literal["full", "slim"] = "full", *, lazy: bool = False
    ) -> Conversation:
        """``GET /v1/runs/{runId}/conversation``: the session, its runs and every step.

        ``lazy=True`` is the fast path for viewers of big sessions: the items are
        ``client.lazy.LazyItem`` (same attributes; ``content`` decoded on first
        read), about ten times faster than validating every step (see lazy.py).
        """
        if step_content not in ("full", "slim"):
            raise PhronyUsageError('step_content must be "full" or "slim"')
        path = f"/v1/runs/{_seg(run_id, 'run_id')}/conversation"
        response = await self._request("GET", path, params={"stepContent": step_content})
        if lazy:
            from pydantic import ValidationError

            from phrony_tui.client.lazy import decode_conversation

            try:
                with self._around_bulk_decode():
                    return decode_conversation(response.content)
            except ValidationError:
                pass  # the strict path below says what is wrong with the body
        # Straight from bytes: one pass in pydantic-core, no json.loads first.
        return self._parse(_models().Conversation, response, path)

    async def send_run_message(
        self,
        run_id: str,
        *,
        user_task_id: str | None = None,
        approved: bool | None = None,
        selected_option_id: str | None = None,
        text_value: str | None = None,
        number_value: int | float | None = None,
        metadata: Mapping[str, Any] | None = None,
        text: str | None = None,
        files: Sequence[UploadedFile | Mapping[str, Any]] | None = None,
        path: Literal["messages", "input"] = "messages",
    ) -> MessageResult:
        """``POST /v1/runs/{runId}/messages`` (or ``/input``): answer a pause.

        The body is ``runId`` plus only the fields given (see messages.py);
        a message with no user task, no non-empty text and no files is refused.
        """
        from phrony_tui.client.messages import MESSAGE_PATHS, build_message_body

        if path not in MESSAGE_PATHS:
            raise PhronyUsageError('path must be "messages" or "input"')
        seg = _seg(run_id, "run_id")
        body = build_message_body(
            run_id,
            user_task_id=user_task_id,
            approved=approved,
            selected_option_id=selected_option_id,
            text_value=text_value,
            number_value=number_value,
            metadata=metadata,
            text=text,
            files=files,
        )
        route = f"/v1/runs/{seg}/{path}"
        return self._parse(_models().MessageResult, await self._request("POST", route, json=body), route)

    async def skip_agent_wait(self, run_id: str) -> MessageResult:
        """``POST /v1/runs/{runId}/skip-agent-wait``: end a ``phrony_wait`` timer early."""
        path = f"/v1/runs/{_seg(run_id, 'run_id')}/skip-agent-wait"
        return self._parse(_models().MessageResult, await self._request("POST", path), path)

    skip_agent_wait_timer = skip_agent_wait  # the SDK's name (skipAgentWaitTimer)

    def stream_run_events(
        self, run_id: str, *, max_event_bytes: int | None = None, lazy: bool = False, parse_off_loop: bool = False
    ) -> RunEventStream:
        """``GET /v1/runs/{runId}/stream``: a :class:`RunEventStream` (one connection).

        Iterate it for :class:`RunEvent` objects; its ``stats`` counts events,
        skipped (unparsable) data, heartbeats and bytes. Use ``async with`` to
        connect eagerly and to close the connection when leaving early.
        ``lazy=True`` yields ``client.lazy.LazyEvent`` instead (same attributes,
        ``data`` decoded on first read, steps as compact items): for busy streams.
        ``parse_off_loop=True`` parses big chunks in a worker thread of the stream's, in
        order (``client.stream``): the event loop only reads the socket.
        """
        from phrony_tui.client.stream import RunEventStream

        path = f"/v1/runs/{_seg(run_id, 'run_id')}/stream"

        @asynccontextmanager
        async def connect():
            request = self._http.build_request(
                "GET",
                self.base_url + path,
                headers={**self._headers, "Accept": "text/event-stream", "Cache-Control": "no-store"},
                timeout=self.stream_timeout,
            )
            started = time.perf_counter()
            response = await self._http.send(request, auth=self._auth, stream=True, follow_redirects=False)
            try:
                log.debug("GET %s -> %s (stream opened in %.0f ms)", path, response.status_code,
                          (time.perf_counter() - started) * 1000)
                if not response.is_success:
                    reply = _Reply(response.status_code, await _error_body(response, path), response.headers)
                    raise self._api_error("GET", path, reply)
                yield response
            finally:
                await response.aclose()

        return RunEventStream(
            run_id,
            connect,
            lambda exc: self._connection_error(exc, self._host, self.stream_timeout),
            path=path,
            max_event_bytes=max_event_bytes,
            lazy=lazy,
            parse_off_loop=parse_off_loop,
        )

    # -- file library ------------------------------------------------------
    async def presign_file(self, filename: str, media_type: str, max_content_length: int) -> PresignResult:
        """``POST /v1/file-library/presign``: where and how to PUT the bytes."""
        if not isinstance(filename, str) or not 1 <= len(filename) <= 512:
            raise PhronyUsageError("filename must be 1 to 512 characters")
        if not isinstance(media_type, str) or not media_type:
            raise PhronyUsageError("media_type must be a non-empty string (e.g. text/plain)")
        _positive(max_content_length, "max_content_length")
        path = "/v1/file-library/presign"
        body = {"filename": filename, "mediaType": media_type, "maxContentLength": max_content_length}
        return self._parse(_models().PresignResult, await self._request("POST", path, json=body), path)

    async def finalize_file(
        self,
        object_key: str,
        max_content_length: int,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> FinalizeResult:
        """``POST /v1/file-library/finalize``: make an uploaded object usable (idempotent)."""
        if not isinstance(object_key, str) or not object_key:
            raise PhronyUsageError("object_key must be a non-empty string")
        _positive(max_content_length, "max_content_length")
        body: dict[str, Any] = {"objectKey": object_key, "maxContentLength": max_content_length}
        if filename is not None:
            body["filename"] = filename
        if media_type is not None:
            body["mediaType"] = media_type
        path = "/v1/file-library/finalize"
        return self._parse(_models().FinalizeResult, await self._request("POST", path, json=body), path)

    async def upload_file(
        self,
        source: str | os.PathLike[str] | bytes,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> UploadedFile:
        """Presign -> PUT the bytes to ``uploadUrl`` -> finalize. Returns an :class:`UploadedFile`.

        ``source`` is a path or bytes (bytes need ``filename``). The media type
        is guessed from the name when not given (``application/octet-stream``
        as the fallback). ``maxContentLength`` is the real size.
        """
        payload = await load_payload(source, filename, media_type)
        presign = await self.presign_file(payload.filename, payload.media_type, payload.max_content_length)
        await self._put_upload(presign, payload)
        final = await self.finalize_file(
            presign.object_key, payload.max_content_length, payload.filename, payload.media_type
        )
        size = payload.size
        if final.size_bytes is not None and str(final.size_bytes).strip().isdigit():
            size = int(str(final.size_bytes).strip())
        return _models().UploadedFile(
            object_key=final.object_key or presign.object_key,
            size_bytes=size,
            media_type=payload.media_type,
            filename=payload.filename,
            already_finalized=final.already_finalized,
        )

    upload_workspace_file = upload_file  # the SDK's name (uploadWorkspaceFile)

    async def _put_upload(self, presign: PresignResult, payload: FilePayload) -> None:
        request = build_put_request(
            presign.upload_url,
            presign.http_method,
            presign.required_headers,
            payload,
            allow_insecure_http=self.allow_insecure_http,
        )
        where = safe_url(presign.upload_url)
        host = urlsplit(presign.upload_url).netloc.rsplit("@", 1)[-1]
        request.extensions["timeout"] = self.timeout.as_dict()
        reply = await self._exchange(request, _no_auth(), host, where)
        log.debug("%s %s -> %s (presigned upload, %d bytes)", request.method, where, reply.status_code,
                  payload.size)
        if not 200 <= reply.status_code < 300:
            raise self._api_error(
                f"{request.method} (upload to {host})", urlsplit(presign.upload_url).path, reply
            )

    # -- plumbing ----------------------------------------------------------
    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> _Reply:
        request = self._http.build_request(
            method, self.base_url + path, params=params, json=json, headers=self._headers, timeout=self.timeout
        )
        started = time.perf_counter()
        reply = await self._exchange(request, self._auth, self._host, path)
        log.debug("%s %s -> %s in %.0f ms (%d bytes)", method, path, reply.status_code,
                  (time.perf_counter() - started) * 1000, len(reply.content))
        if not 200 <= reply.status_code < 300:
            raise self._api_error(method, path, reply)
        return reply

    async def _exchange(self, request: httpx.Request, auth: httpx.Auth, host: str, path: str) -> _Reply:
        """Send, and read the answer within the client's bounds: the overall deadline, the
        decoded-size cap (a success body), ERROR_BODY_LIMIT (an error body: cut)."""
        import httpx

        probe = _SendProbe()
        request.extensions["trace"] = probe
        method = request.method
        try:
            async with asyncio.timeout(self.request_deadline):
                response = await self._http.send(request, auth=auth, stream=True, follow_redirects=False)
                try:
                    if response.is_success:
                        body = await read_body(response, path, self.max_body_bytes)
                    else:
                        body = await _error_body(response, path)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise PhronyTimeoutError(
                f"{method} {path}: no complete answer from {host} within {self.request_deadline:g} s",
                host=host,
                maybe_applied=method not in _SAFE_METHODS and (probe.sent or not probe.seen),
            ) from None
        except httpx.HTTPError as exc:
            # ``from None``: the httpx/httpcore frames' locals hold the headers.
            raise self._connection_error(exc, host, self.timeout, method=method, probe=probe) from None
        return _Reply(response.status_code, body, response.headers)

    def _api_error(self, method: str, path: str, reply: _Reply) -> PhronyAPIError:
        text = self._redact(lenient_text(reply.content, reply.headers.get("content-type")))
        key = self._api_key.get_secret_value() if self._api_key is not None else ""
        return PhronyAPIError(
            reply.status_code,
            path,
            text,
            parse_retry_after(reply.headers.get("retry-after")),
            method=method,
            # Redacted again after decoding: JSON escapes in the body become characters here.
            said=self._redact(server_message(text)),
            workspace_token=key.startswith("pwt_"),
        )

    def _redact(self, text: str) -> str:
        if self._api_key is None:
            return text
        text = redact(text, self._api_key)
        placeholder = redact(self._api_key.get_secret_value(), self._api_key)
        return redact_encoded(text, self._api_key.get_secret_value(), placeholder)

    def _parse(self, model: type[M], response: _Reply, path: str) -> M:
        from pydantic import ValidationError

        from phrony_tui.client import decoding

        try:
            return decoding.validate(model, response.content, where=path)
        except ValidationError as error:
            exc = error
            first = exc.errors(include_url=False, include_input=False)[:1]
            where = ".".join(str(p) for p in first[0]["loc"]) if first and first[0]["loc"] else ""
            detail = f"{where}: {first[0]['msg']}" if first else str(exc.error_count())
            raise PhronyProtocolError(
                f"{path} answered {response.status_code} with a body that does not match the API "
                f"({exc.error_count()} problem(s); first: {detail})",
                path=path,
            ) from None

    def _connection_error(
        self,
        exc: httpx.HTTPError,
        host: str,
        timeout: httpx.Timeout,
        *,
        method: str = "GET",
        probe: _SendProbe | None = None,
    ) -> PhronyError:
        import httpx

        # httpx's text is the transport's: no known path puts the key there, but be sure.
        detail = self._redact(str(exc).strip()) or type(exc).__name__
        applied = _maybe_applied(exc, method, probe)
        after = " after the request was sent: it may have been applied" if applied else ""
        if isinstance(exc, httpx.ConnectTimeout):
            return PhronyTimeoutError(f"timed out connecting to {host} (after {timeout.connect:g} s)", host=host)
        if isinstance(exc, httpx.ReadTimeout):
            return PhronyTimeoutError(
                f"{host} sent nothing for {timeout.read:g} s: the connection is considered dead{after}",
                host=host,
                maybe_applied=applied,
            )
        if isinstance(exc, httpx.WriteTimeout):
            return PhronyTimeoutError(f"timed out sending to {host} (after {timeout.write:g} s)", host=host)
        if isinstance(exc, httpx.PoolTimeout):
            return PhronyTimeoutError(f"no free connection to {host} (after {timeout.pool:g} s)", host=host)
        if isinstance(exc, httpx.TimeoutException):
            return PhronyTimeoutError(f"timed out talking to {host}: {detail}{after}", host=host,
                                      maybe_applied=applied)
        if isinstance(exc, httpx.ConnectError):
            return PhronyConnectionError(f"cannot connect to {host}: {detail}", host=host)
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            return PhronyConnectionError(f"the connection to {host} broke{after}: {detail}", host=host,
                                         maybe_applied=applied)
        return PhronyConnectionError(f"request to {host} failed{after}: {detail}", host=host,
                                     maybe_applied=applied)


async def _error_body(response: httpx.Response, path: str) -> bytes:
    """An error status's body, at most ERROR_BODY_LIMIT; one that cannot be decoded (an
    encoding not asked for, broken gzip) is no reason to lose the status: empty then."""
    try:
        return await read_body(response, path, ERROR_BODY_LIMIT, cut=True)
    except PhronyProtocolError:
        return b""


def _maybe_applied(exc: httpx.HTTPError, method: str, probe: _SendProbe | None) -> bool:
    """Whether the server may have applied the request: it had left in full."""
    import httpx

    if method.upper() in _SAFE_METHODS:
        return False
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return False
    if probe is not None and probe.seen:
        return probe.sent
    # A transport that does not trace: a failure while reading the answer means it was sent.
    return isinstance(exc, (httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError))


def _models() -> Any:
    """The pydantic models module, imported on first use (see the imports above)."""
    from phrony_tui.client import models

    return models


def _seg(value: str, name: str) -> str:
    """One path segment: a non-empty id, percent-encoded (no ``/`` or ``..`` tricks)."""
    if not isinstance(value, str) or not value.strip():
        raise PhronyUsageError(f"{name} must be a non-empty string")
    if value in (".", ".."):
        raise PhronyUsageError(f"{name} must be an id, not {value!r}")
    return quote(value, safe="")


def _positive(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PhronyUsageError(f"{name} must be a positive integer")
