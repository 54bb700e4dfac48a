"""Keeping the API key secret, and refusing base URLs that would leak it.

- The key lives in a ``SecretStr`` (``phrony_tui.secret``: pydantic's, without
  pydantic; pydantic's own is accepted too) and is added to each API request by
  :class:`ApiKeyAuth`, never to the ``httpx.AsyncClient`` default headers:
  httpx only masks ``Authorization`` in ``Headers`` reprs, so an ``X-API-Key``
  default header would show in full in the client's and requests' reprs.
- Plain ``http://`` is refused unless the host is loopback or the caller opts
  in, because the key travels in a header on every request.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
import sys
import threading
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from phrony_tui.client.errors import PhronyUsageError
from phrony_tui.secret import SecretStr

if TYPE_CHECKING:
    import httpx

    ApiKeyAuth: Callable[[SecretLike | None], httpx.Auth]  # made on first use: api_key_auth_class

__all__ = [
    "ApiKeyAuth",
    "check_base_url",
    "check_transport",
    "clear_text_warning",
    "coerce_api_key",
    "is_loopback_host",
    "redact",
]

class SecretLike(Protocol):
    """A secret: ours (``phrony_tui.secret.SecretStr``) or pydantic's ``SecretStr``."""

    def get_secret_value(self) -> str: ...


# The transport rule, in the one wording every refusal uses (base URLs, uploads).
INSECURE_HTTP_RULE = "plain http:// is only allowed to loopback hosts (localhost, 127.0.0.0/8, ::1)"
# How a caller opts out, said in the refusal: the library's argument by default;
# the command line names its flag, a profile its setting.
OPT_IN_ARGUMENT = "pass allow_insecure_http=True"
OPT_IN_FLAG = "pass --allow-insecure-http"


def plain_http_refusal(target: str, opt_in: str = OPT_IN_ARGUMENT, *, carried: str = "the API key") -> str:
    """The message refusing plain http to ``target`` (a URL without userinfo)."""
    return (
        f"refusing {target}: {INSECURE_HTTP_RULE}, because {carried} would travel in clear text. "
        f"Use https://, or {opt_in} to send it anyway."
    )


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (the rule ``check_base_url`` applies)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, allow_insecure_http: bool = False, *, opt_in: str = OPT_IN_ARGUMENT) -> str:
    """Validate a base URL and return it without trailing slashes.

    Refuses (``PhronyUsageError``) anything that is not ``http(s)://host[:port][/prefix]``,
    URLs with credentials, a query or a fragment, and plain ``http://`` to a
    non-loopback host unless ``allow_insecure_http`` is true (``opt_in``: how the
    message names that switch). The CLI calls this (through ``check_transport``)
    before starting anything; ``PhronyClient`` calls it again.
    """
    if not isinstance(url, str) or not url.strip():
        raise PhronyUsageError("the base URL is empty: set PHRONY_API_BASE or --base-url")
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise PhronyUsageError(
            f"the base URL must start with https:// (or http:// for loopback), got {_safe(url)!r}"
        )
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise PhronyUsageError(f"the base URL has an invalid port: {_safe(url)!r}") from None
    if not host:
        raise PhronyUsageError(f"the base URL has no host: {_safe(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise PhronyUsageError(
            "the base URL must not contain credentials (user:password@); "
            "the API key goes in PHRONY_API_KEY"
        )
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise PhronyUsageError(f"the base URL must not have a query or fragment: {_safe(url)!r}")
    if scheme == "http" and not allow_insecure_http and not is_loopback_host(host):
        raise PhronyUsageError(plain_http_refusal(_safe(url), opt_in))
    return url.rstrip("/")


def check_transport(url: str, allow_insecure_http: bool = False, *, opt_in: str = OPT_IN_FLAG) -> str | None:
    """``check_base_url`` for a caller that reports rather than raises: why the URL is
    refused (the key would leak, or it is malformed), or None. Before any request."""
    try:
        check_base_url(url, allow_insecure_http, opt_in=opt_in)
    except PhronyUsageError as error:
        return str(error)
    return None


def clear_text_warning(url: str, allow_insecure_http: bool) -> str | None:
    """What to warn about when ``allow_insecure_http`` lets plain http through to a host
    that is not loopback (None otherwise, and for a URL ``check_base_url`` refuses)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    if not allow_insecure_http or parts.scheme.lower() != "http" or not host or is_loopback_host(host):
        return None
    where = f"http://{parts.netloc.rsplit('@', 1)[-1]}"  # never echo user:password@
    return f"the API key goes to {where} over plain http://, readable by anyone on the network path."


def _safe(url: str) -> str:
    """The URL without any userinfo, for messages."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        netloc = parts.netloc.rsplit("@", 1)[1]
        return parts._replace(netloc=f"***@{netloc}").geturl()
    return url


def coerce_api_key(api_key: str | SecretLike | None) -> SecretStr | None:
    """Wrap the key in ``SecretStr``; refuse values that cannot be a header. A secret of
    another kind (pydantic's ``SecretStr``: anything with ``get_secret_value``) is taken.

    The messages never quote the key. (httpx would otherwise fail with an error
    quoting the whole header value.)
    """
    if api_key is None:
        return None
    if isinstance(api_key, str):
        raw = api_key
    elif callable(getattr(api_key, "get_secret_value", None)) and isinstance(api_key.get_secret_value(), str):
        raw = api_key.get_secret_value()
    else:
        raise PhronyUsageError(f"api_key must be a str or SecretStr, not {type(api_key).__name__}")
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isprintable() or any(c.isspace() for c in raw):
        raise PhronyUsageError(
            "the API key contains spaces, control or non-ASCII characters: "
            "check PHRONY_API_KEY (copy the key again from the Phrony dashboard)"
        )
    return SecretStr(raw)


def redact(text: str, secret: SecretLike | None) -> str:
    """``text`` with every occurrence of the secret replaced (for server text we keep)."""
    if secret is None:
        return text
    value = secret.get_secret_value()
    if value and value in text:
        return text.replace(value, "phk_***")
    return text


@functools.cache
def api_key_auth_class() -> Callable[[SecretLike | None], httpx.Auth]:
    """``ApiKeyAuth``, an ``httpx.Auth``: made when first asked for, as httpx is imported by
    the client's first request, not with this module (the CLI checks URLs with it)."""
    import httpx

    class ApiKeyAuth(httpx.Auth):
        """Adds ``X-API-Key`` to each request it is used for. Its repr hides the key."""

        def __init__(self, api_key: SecretLike | None) -> None:
            self._api_key = api_key

        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            if self._api_key is not None:
                request.headers["X-API-Key"] = self._api_key.get_secret_value()
            yield request

        def __repr__(self) -> str:
            return f"ApiKeyAuth(api_key={'**********' if self._api_key else None})"

    ApiKeyAuth.__module__, ApiKeyAuth.__qualname__ = __name__, "ApiKeyAuth"
    return ApiKeyAuth


def __getattr__(name: str) -> Any:
    if name == "ApiKeyAuth":
        return api_key_auth_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _RootsOnFirstUse(ssl.SSLContext):
    """httpx's default verifying context, its trusted roots loaded at the first TLS
    connection rather than when it is made: a client of a plain-http API (the simulator
    on loopback, ``--demo``) never pays for them (~15-30 ms of CPU on the start)."""

    _roots: tuple[str | None, str | None]
    _loaded: bool
    _roots_lock: threading.Lock

    def _load_roots(self) -> None:
        with self._roots_lock:
            if not self._loaded:
                cafile, capath = self._roots
                if cafile is None and capath is None:
                    import certifi

                    cafile = certifi.where()
                self.load_verify_locations(cafile=cafile, capath=capath)
                self._loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # the sync path
        self._load_roots()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:  # asyncio's and anyio's
        self._load_roots()
        return super().wrap_bio(*args, **kwargs)

    def cert_store_stats(self) -> dict[str, int]:
        self._load_roots()
        return super().cert_store_stats()

    def get_ca_certs(self, binary_form: bool = False) -> Any:
        self._load_roots()
        return super().get_ca_certs(binary_form)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default verifying context (``httpx.create_ssl_context()``: certifi's roots,
    SSL_CERT_FILE/DIR honoured), made once per process (the --run prefetch and the app
    each have a client), its roots loaded at the first TLS connection (see above)."""
    context = _RootsOnFirstUse(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    cafile, capath = os.environ.get("SSL_CERT_FILE") or None, None
    if cafile is None:
        capath = os.environ.get("SSL_CERT_DIR") or None
    context._roots = (cafile, capath)
    context._loaded = False
    context._roots_lock = threading.Lock()
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:  # as ssl.create_default_context does
        context.keylog_filename = keylog
    return context

