"""``--run``'s conversation read with the standard library, first thing in ``main``.

Importing pydantic, httpx and Textual takes longer than downloading a big session,
so ``cli.main`` starts this download before importing any of them (this module
imports nothing else), in a thread whose network waits overlap the imports; the
standard library's read also costs a fraction of httpx's CPU (one GIL).

It is a guess made before the settings exist, so it is taken only when nothing the
full settings decide could differ: the base URL from ``--base-url`` or
``PHRONY_API_BASE`` and the key from ``PHRONY_API_KEY`` (which no profile
overrides), an ``https://`` URL or plain ``http://`` to loopback (no opt-in
needed), no proxy in the environment, no ``--profile``/``--demo``/``--web``. The
launcher uses the body only if the settings it loads say the same
(:meth:`EarlyFetch.matches`); anything but a 200 with a body within the client's
cap is dropped, and the usual client read takes over (its errors, its wording).
Redirects are not followed (the key stays with the host it was meant for); it is
``http.client`` alone (urllib.request's opener costs this thread ~6 ms of imports).
``PHRONY_NO_EARLY_FETCH=1`` turns it off (the benchmarks compare both).

The body is read in pieces (inflated here when it comes gzip-compressed: zlib lets go of
the GIL while it works): ``pieces()`` hands each over as it arrives, so the launcher
decodes the items while the rest is on its way (client/lazy.py's ``ConversationReader``)
and the first rows can be drawn before the last byte; ``body()`` is the whole of it.
"""

from __future__ import annotations

import sys
import threading
import zlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from http.client import HTTPResponse

__all__ = ["EarlyFetch", "EarlyReadFailed", "start"]

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy")
_SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_WITH_VALUE = ("--base-url", "--run", "--agent")  # the flags with a value it accepts
_REFUSED = ("--profile", "--demo", "--web", "-h", "--help", "--version")
_MAX_BODY = 256 * 1024 * 1024  # client.transfer.DEFAULT_MAX_BODY_BYTES: beyond, the client says no
_TIMEOUT = 30.0
_PIECE = 1 << 20  # bytes asked of the socket at a time (it gives what has arrived, up to this)


class EarlyReadFailed(RuntimeError):
    """The early read did not end with a whole body (the client's read says why)."""


def _flags(argv: Sequence[str]) -> dict[str, str] | None:
    """The flags this guess reads (None when argv has anything that could change it)."""
    found: dict[str, str] = {}
    args = list(argv)
    index = 0
    while index < len(args):
        arg = args[index]
        name, eq, value = arg.partition("=")
        if name in _REFUSED or name.startswith("--profile") or arg in ("sim", "config"):
            return None
        if name in _WITH_VALUE:
            if not eq:
                index += 1
                if index >= len(args):
                    return None
                value = args[index]
            if name in found and name != "--agent":
                return None  # repeated: let argparse decide
            found[name] = value
        elif arg != "--allow-insecure-http":
            return None  # a flag it does not know (or a stray value): no guess
        index += 1
    return found


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EarlyFetch:
    """One download in a thread: ``body()`` waits for all of it (None: not usable);
    ``pieces()`` yields it as it arrives. One of the two, once."""

    def __init__(self, base_url: str, api_key: str, run_id: str, user_agent: str) -> None:
        self.base_url = base_url
        self.run_id = run_id
        self._key = api_key
        self._user_agent = user_agent
        self._pieces: list[bytes] = []
        self._ok: bool | None = None  # None while reading
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="phrony-early-fetch", daemon=True)

    def __repr__(self) -> str:  # never the key
        return f"EarlyFetch(base_url={self.base_url!r}, run_id={self.run_id!r})"

    def matches(self, base_url: str, api_key: str | None, run_id: str | None) -> bool:
        """Whether the settings ask for exactly this read."""
        return (base_url, api_key, run_id) == (self.base_url, self._key, self.run_id)

    def body(self, timeout: float | None = None) -> bytes | None:
        with self._ready:
            self._ready.wait_for(lambda: self._ok is not None, timeout)
            if not self._ok:
                return None
            body, self._pieces = b"".join(self._pieces), []  # not kept here: given out once
            return body

    def pieces(self) -> Iterator[bytes]:
        """The body's bytes as they arrive (each piece given out once, then dropped here);
        :class:`EarlyReadFailed` when the read ends without a whole body."""
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._pieces or self._ok is not None)
                taken, self._pieces = self._pieces, []
                ok = self._ok
            yield from taken
            if ok is not None and not taken:
                if not ok:
                    raise EarlyReadFailed("the early read of the conversation failed")
                return

    def start(self) -> EarlyFetch:
        # The main thread imports meanwhile and holds the GIL for whole switch intervals;
        # this thread needs it for each read (live/prefetch.py does the same).
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, 0.0005))
        self._thread.start()
        return self

    def _work(self) -> None:
        ok = False
        try:
            ok = self._read()
        except Exception:  # any failure: the client's read says what it is
            ok = False
        finally:
            sys.setswitchinterval(self._interval)
            with self._ready:
                self._ok = ok
                self._ready.notify_all()

    def _put(self, piece: bytes) -> None:
        if piece:
            with self._ready:
                self._pieces.append(piece)
                self._ready.notify_all()

    def _read(self) -> bool:
        # http.client, not urllib.request: the same connection and response classes
        # (urllib's are these), without the opener's imports (hashlib, tempfile, the
        # handlers: ~6 ms of this thread's GIL time, while the main thread imports). It
        # follows no redirect and reads no proxy from the environment, as the opener here
        # was told; https verifies the server as urllib's default context does.
        import http.client

        parts = urlsplit(self.base_url)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.hostname or "", parts.port, timeout=_TIMEOUT)
        headers = {
            "X-API-Key": self._key,
            "User-Agent": self._user_agent,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "Connection": "close",
        }
        try:
            connection.request(
                "GET", f"{parts.path}/v1/runs/{self.run_id}/conversation?stepContent=full", headers=headers
            )
            return self._read_response(connection.getresponse())
        finally:
            connection.close()

    def _read_response(self, response: HTTPResponse) -> bool:
        with response:
            if response.status != 200:
                return False
            encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
            if encoding not in ("identity", "gzip"):
                return False
            inflate = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
            size = 0
            while piece := response.read1(_PIECE):
                if inflate is not None:
                    piece = inflate.decompress(piece, _MAX_BODY + 1 - size)
                    if inflate.unconsumed_tail:
                        return False  # bigger than the cap
                size += len(piece)
                if size > _MAX_BODY:
                    return False  # beyond, the client says no
                self._put(piece)
            if getattr(response, "length", None):
                return False  # the connection closed before Content-Length bytes came
            if inflate is not None:
                self._put(inflate.flush())
                if not inflate.eof:
                    return False  # truncated
        return True


def start(argv: Sequence[str], environ: dict[str, str], user_agent: str) -> EarlyFetch | None:
    """Start the read when the command line and environment surely ask for it; else None."""
    flags = _flags(argv)
    if not flags or "--run" not in flags:
        return None
    run_id = flags["--run"]
    base = (flags.get("--base-url") or environ.get("PHRONY_API_BASE") or "").strip().rstrip("/")
    key = environ.get("PHRONY_API_KEY") or ""
    if not base or not key or not run_id or not set(run_id) <= _SAFE_ID:
        return None
    if any(environ.get(name) or environ.get(name.upper()) for name in _PROXY_VARS):
        return None  # the client would go through it (httpx reads the environment)
    parts = urlsplit(base)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if parts.username or parts.password or parts.query or parts.fragment:
        return None
    if not (scheme == "https" and host) and not (scheme == "http" and _loopback(host)):
        return None
    if environ.get("PHRONY_NO_EARLY_FETCH"):
        return None
    return EarlyFetch(base, key, run_id, user_agent).start()
