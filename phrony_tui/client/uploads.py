"""File-library helpers: what to upload, and the presigned PUT.

``PhronyClient.upload_file`` does presign -> PUT -> finalize; this module holds
the parts that are not Phrony routes. The PUT goes to ``uploadUrl`` (often
another host, e.g. object storage) as a request of its own: exactly the
``requiredHeaders`` (plus Host and Content-Length, which HTTP needs), no
``X-API-Key``, none of the client's default headers or cookies, no redirects.
Files are read into memory (in a thread): attachments are documents and
images, and a presigned PUT needs the length up front anyway.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import urlsplit

import httpx

from phrony_tui.client.errors import PhronyUsageError
from phrony_tui.client.security import is_loopback_host, plain_http_refusal

__all__ = ["FilePayload", "build_put_request", "guess_media_type", "load_payload", "safe_url"]

FALLBACK_MEDIA_TYPE = "application/octet-stream"
MAX_FILENAME = 512


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
        path = Path(source).expanduser()
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise PhronyUsageError(f"no such file: {path}") from None
        except IsADirectoryError:
            raise PhronyUsageError(f"not a file (a directory): {path}") from None
        except OSError as exc:
            raise PhronyUsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        filename = filename or path.name
    else:
        raise PhronyUsageError(
            f"upload_file takes a path or bytes, not {type(source).__name__}"
        )
    filename = PurePath(filename).name if filename else ""
    if not filename or len(filename) > MAX_FILENAME:
        raise PhronyUsageError(f"the file name must be 1 to {MAX_FILENAME} characters")
    return FilePayload(data=data, filename=filename, media_type=media_type or guess_media_type(filename))


def safe_url(url: str) -> str:
    """A URL for messages: scheme, host and path; no query (a presigned signature) or userinfo."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def build_put_request(
    upload_url: str,
    method: str,
    required_headers: dict[str, str],
    payload: FilePayload,
    *,
    allow_insecure_http: bool,
) -> httpx.Request:
    """The presigned upload request (sent with ``client.send``, so no defaults are merged)."""
    parts = urlsplit(upload_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PhronyUsageError(f"the server returned an unusable uploadUrl: {safe_url(upload_url)!r}")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise PhronyUsageError(
            plain_http_refusal(f"to upload to {safe_url(upload_url)}", carried="the file and its signed URL")
        )
    method = (method or "PUT").upper()
    if method not in ("PUT", "POST"):
        raise PhronyUsageError(f"the server asked for an upload with {method!r}; only PUT is supported")
    headers = {str(k): str(v) for k, v in required_headers.items() if str(k).lower() != "x-api-key"}
    return httpx.Request(method, upload_url, headers=headers, content=payload.data)
