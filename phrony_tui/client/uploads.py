"""File-library helpers: what to upload, and the presigned PUT.

``PhronyClient.upload_file`` does presign -> PUT -> finalize; this module holds
the parts that are not Phrony routes. The PUT goes to ``uploadUrl`` (often
another host, e.g. object storage) as a request of its own: exactly the
``requiredHeaders`` (plus Host and Content-Length, which HTTP needs), no
``X-API-Key``, none of the client's default headers or cookies, no redirects.
A presign reply the client cannot use safely (an invalid ``uploadUrl``, a header
value that is not printable ASCII, a header the client must own) is refused with
``PhronyProtocolError`` before anything is sent.
Files are read into memory (in a thread): attachments are documents and
images, and a presigned PUT needs the length up front anyway.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from phrony_tui.client.errors import PhronyProtocolError, PhronyUsageError
from phrony_tui.client.security import is_loopback_host, plain_http_refusal

if TYPE_CHECKING:
    import httpx  # imported by the upload that builds a request (with the client's first request)

__all__ = [
    "FilePayload",
    "build_put_request",
    "check_required_headers",
    "check_upload_url",
    "guess_media_type",
    "load_payload",
    "safe_url",
]

FALLBACK_MEDIA_TYPE = "application/octet-stream"
MAX_FILENAME = 512
PRESIGN_PATH = "/v1/file-library/presign"
# Headers HTTP (or the key) makes the client's business: a presign reply may not set them.
OWNED_HEADERS = frozenset({
    "content-length", "transfer-encoding", "host", "connection", "x-api-key", "te", "upgrade",
    "keep-alive", "proxy-connection", "proxy-authorization", "expect", "trailer", "authorization", "cookie",
})  # fmt: skip
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True, slots=True)
class FilePayload:
    data: bytes
    filename: str
    media_type: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def max_content_length(self) -> int:
        # The real size; the API wants a positive integer, so an empty file declares 1.
        return max(1, len(self.data))


def guess_media_type(filename: str) -> str:
    """From the file name (``mimetypes``), else ``application/octet-stream``."""
    guessed, _encoding = mimetypes.guess_type(filename, strict=False)
    return guessed or FALLBACK_MEDIA_TYPE


async def load_payload(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview,
    filename: str | None = None,
    media_type: str | None = None,
) -> FilePayload:
    """Bytes, name and media type for an upload. Bytes need a ``filename``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not filename:
            raise PhronyUsageError("upload_file(bytes) needs filename=... (the name to store)")
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path, data = await asyncio.to_thread(_read_file, source)
        filename = filename or path.name
    else:
        raise PhronyUsageError(
            f"upload_file takes a path or bytes, not {type(source).__name__}"
        )
    filename = PurePath(filename).name if filename else ""
    if not filename or len(filename) > MAX_FILENAME:
        raise PhronyUsageError(f"the file name must be 1 to {MAX_FILENAME} characters")
    return FilePayload(data=data, filename=filename, media_type=media_type or guess_media_type(filename))


def _read_file(source: str | os.PathLike[str]) -> tuple[Path, bytes]:
    path = Path(source).expanduser()
    try:
        return path, path.read_bytes()
    except FileNotFoundError:
        raise PhronyUsageError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise PhronyUsageError(f"not a file (a directory): {path}") from None
    except OSError as exc:
        raise PhronyUsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def safe_url(url: str) -> str:
    """A URL for messages: scheme, host and path; no query (a presigned signature) or userinfo."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an invalid URL)"
    if port:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}{parts.path}"


def _refuse(problem: str) -> PhronyProtocolError:
    return PhronyProtocolError(f"the presign reply cannot be used: {problem}", path=PRESIGN_PATH)


def check_upload_url(upload_url: str, *, allow_insecure_http: bool) -> None:
    """Refuse an ``uploadUrl`` that is not a usable http(s) URL (PhronyProtocolError),
    or plain http to a non-loopback host (PhronyUsageError, like a base URL)."""
    if not isinstance(upload_url, str) or not upload_url or not upload_url.isascii() or not upload_url.isprintable():
        raise _refuse("uploadUrl is empty or holds spaces, control or non-ASCII characters")
    try:
        parts = urlsplit(upload_url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a non-numeric or out-of-range port
    except ValueError as exc:
        raise _refuse(f"uploadUrl is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise _refuse(f"uploadUrl must be http(s), not {parts.scheme[:20] or 'no scheme'!r}")
    if not host:
        raise _refuse("uploadUrl has no host")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(host):
        raise PhronyUsageError(
            plain_http_refusal(f"to upload to {safe_url(upload_url)}", carried="the file and its signed URL")
        )


def check_required_headers(required_headers: dict[str, str]) -> dict[str, str]:
    """The headers to send, or PhronyProtocolError naming the first one refused."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in required_headers.items():
        name, value = str(raw_name), str(raw_value)
        if not _TOKEN.fullmatch(name):
            raise _refuse(f"requiredHeaders has a header name that is not a valid token ({name[:40]!r})")
        if name.lower() in OWNED_HEADERS:
            raise _refuse(f"requiredHeaders sets {name}, which the client must own")
        if not value.isascii() or not all(" " <= ch <= "~" or ch == "\t" for ch in value):
            raise _refuse(f"requiredHeaders[{name!r}] holds non-ASCII or control characters")
        headers[name] = value
    return headers


def build_put_request(
    upload_url: str,
    method: str,
    required_headers: dict[str, str],
    payload: FilePayload,
    *,
    allow_insecure_http: bool,
) -> httpx.Request:
    """The presigned upload request (sent with ``client.send``, so no defaults are merged)."""
    import httpx

    check_upload_url(upload_url, allow_insecure_http=allow_insecure_http)
    method = (method or "PUT").upper()
    if method not in ("PUT", "POST"):
        raise _refuse(f"it asks for an upload with {method[:20]!r}; only PUT is supported")
    headers = check_required_headers(required_headers)
    try:
        return httpx.Request(method, upload_url, headers=headers, content=payload.data)
    except (httpx.InvalidURL, ValueError) as exc:
        raise _refuse(f"uploadUrl is not a valid URL ({exc})") from None
