"""Reading response bodies with bounded work, whatever the server sends.

- Bodies are decompressed here, a megabyte at a time (``zlib`` with ``max_length``),
  not by httpx (which inflates each network chunk whole: a 64 KiB read of a gzip bomb
  is 64 MiB at once). Decoded size is capped: a success body at the client's
  ``max_body_bytes``, refused with a clear error past it; an error body at
  :data:`ERROR_BODY_LIMIT`, cut there (a message needs no more).
- Only ``gzip``, ``deflate`` and ``identity`` are asked for and understood.
- An error body's text is decoded leniently: a charset that is unknown, not a text
  codec (``rot13``, ``hex``, ``base64``), no character set (``idna``, ``punycode``,
  ``undefined``) or implausible (``utf-16`` with no BOM over ASCII bytes) falls back
  to UTF-8 with replacement.
  Decoding never raises.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from phrony_tui.client.errors import PhronyProtocolError

if TYPE_CHECKING:
    import httpx  # the responses read here are httpx's: imported by the client's first request

__all__ = [
    "ACCEPT_ENCODING",
    "CHUNK",
    "DEFAULT_MAX_BODY_BYTES",
    "ERROR_BODY_LIMIT",
    "BodyTooLarge",
    "decoded_chunks",
    "lenient_text",
    "read_body",
]

ACCEPT_ENCODING = "gzip, deflate"
CHUNK = 1 << 20  # decoded bytes produced at a time
# The simulator's 50,000-step session is 39.6 MB and costs ~320 MB to hold decoded; a
# body six times that is past what a viewer can show, and still far below what would
# take the machine down. Configurable (PhronyClient(max_body_bytes=...)).
DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024
ERROR_BODY_LIMIT = 64 * 1024
# Text codecs that are no character set for a body: they re-interpret ASCII (punycode,
# the escapes, UTF-7's "+...-") or refuse everything (undefined).
_NOT_CHARSETS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "utf-7"})


class BodyTooLarge(PhronyProtocolError):
    """A body that decodes to more than the client's ``max_body_bytes``."""


class _Inflater:
    """One Content-Encoding, decoded incrementally, at most CHUNK bytes per piece."""

    def __init__(self, encoding: str, path: str) -> None:
        self.encoding = encoding
        self.path = path
        self._raw_deflate_tried = False
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        else:  # deflate: zlib-wrapped by the spec, raw by some servers (tried on error)
            self._z = zlib.decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        z = self._z
        while data and not z.eof:
            try:
                out = z.decompress(data, CHUNK)
            except zlib.error as exc:
                if self.encoding == "deflate" and not self._raw_deflate_tried:
                    self._raw_deflate_tried = True
                    self._z = z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise PhronyProtocolError(
                    f"{self.path}: the {self.encoding} body could not be decoded ({exc})", path=self.path
                ) from None
            self._raw_deflate_tried = True  # the first bytes decoded: the format is settled
            if out:
                yield out
            tail = z.unconsumed_tail
            if not out and len(tail) == len(data):
                break  # no progress (cannot happen with max_length > 0; a guard)
            data = tail

    def flush(self) -> Iterator[bytes]:
        out = self._z.flush(CHUNK) if not self._z.eof else b""
        if out:
            yield out


async def decoded_chunks(response: httpx.Response, path: str) -> AsyncIterator[bytes]:
    """The body of a streamed response, Content-Encoding removed, in pieces of at most
    CHUNK bytes (identity pieces are as the network gives them)."""
    if response.is_stream_consumed:
        # Read already (an in-memory response, e.g. from httpx.MockTransport): httpx decoded it.
        content = response.content
        for start in range(0, len(content), CHUNK):
            yield content[start : start + CHUNK]
        return
    header = response.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        raise PhronyProtocolError(
            f"{path}: the server used Content-Encoding {header[:60]!r}, which the client did not ask "
            f"for ({ACCEPT_ENCODING} only)",
            path=path,
        )
    if not codings:
        async for raw in response.aiter_raw():
            yield raw
        return
    inflater = _Inflater(codings[0], path)
    async for raw in response.aiter_raw():
        for piece in inflater.feed(raw):
            yield piece
    for piece in inflater.flush():
        yield piece


async def read_body(response: httpx.Response, path: str, limit: int, *, cut: bool = False) -> bytes:
    """The decoded body, at most ``limit`` bytes. Past the limit: ``cut`` stops reading
    and returns the first ``limit`` bytes (error bodies); otherwise :class:`BodyTooLarge`."""
    parts: list[bytes] = []
    size = 0
    async for piece in decoded_chunks(response, path):
        if size + len(piece) > limit:
            if cut:
                parts.append(piece[: limit - size])
                break
            raise BodyTooLarge(
                f"{path} sent a body larger than {limit:,} bytes once decoded: refused "
                "(PhronyClient(max_body_bytes=...) raises the limit)",
                path=path,
            )
        parts.append(piece)
        size += len(piece)
    return b"".join(parts)


def lenient_text(body: bytes, content_type: str | None) -> str:
    """``body`` as text by its declared charset when that works, else UTF-8 with
    replacement. Never raises."""
    charset = _charset(content_type)
    if charset:
        try:
            info = codecs.lookup(charset)
        except (LookupError, ValueError):
            info = None
        if (
            info is not None
            and getattr(info, "_is_text_encoding", True)
            and info.name.replace("_", "-") not in _NOT_CHARSETS
            and _plausible(info.name, body)
        ):
            try:
                return body.decode(info.name, errors="replace")
            except (UnicodeError, LookupError, ValueError, TypeError):
                pass  # idna/punycode accept only errors="strict", and other oddities
    return body.decode("utf-8", errors="replace")


def _charset(content_type: str | None) -> str:
    if not content_type:
        return ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'")[:40]
    return ""


def _plausible(codec: str, body: bytes) -> bool:
    """A UTF-16/32 declaration over bytes with no BOM and no NUL is ASCII (or UTF-8) text
    mislabelled: decoding it as declared gives CJK-looking noise."""
    if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:4096]:
        return body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return True
