"""Base URL rules, key handling, and the no-textual import boundary."""

from __future__ import annotations

import subprocess
import sys

import pytest
from client_helpers import KEY
from pydantic import SecretStr

from phrony_tui.client import PhronyClient, PhronyUsageError, check_base_url
from phrony_tui.client.security import ApiKeyAuth, coerce_api_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.phrony.com/", "https://api.phrony.com"),
        ("https://api.phrony.com///", "https://api.phrony.com"),
        ("https://phrony.internal:8443/base/", "https://phrony.internal:8443/base"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
        ("http://127.4.5.6", "http://127.4.5.6"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("  https://api.phrony.com  ", "https://api.phrony.com"),
    ],
)
def test_accepted_base_urls(url, expected):
    assert check_base_url(url) == expected


@pytest.mark.parametrize("url", ["http://api.phrony.com", "http://10.0.0.5:8080", "http://128.0.0.1",
                                 "http://localhost.evil.com", "http://[::2]"])
def test_plain_http_refused_with_the_rule(url):
    with pytest.raises(PhronyUsageError) as info:
        check_base_url(url)
    assert "plain http:// is only allowed to loopback hosts (localhost, 127.0.0.0/8, ::1); " \
        "use https:// or pass allow_insecure_http=True" in str(info.value)
    assert check_base_url(url, allow_insecure_http=True) == url


@pytest.mark.parametrize("url", ["", "   ", "api.phrony.com", "ftp://api.phrony.com", "https://",
                                 "https://api.phrony.com?x=1", "https://api.phrony.com#f",
                                 "https://host:notaport"])
def test_malformed_base_urls(url):
    with pytest.raises(PhronyUsageError):
        check_base_url(url)


def test_credentials_in_url_refused_without_echoing_them():
    with pytest.raises(PhronyUsageError) as info:
        check_base_url("https://user:hunter2@api.phrony.com")
    assert "hunter2" not in str(info.value)


def test_client_strips_and_checks():
    assert PhronyClient("https://api.phrony.com/", KEY).base_url == "https://api.phrony.com"
    with pytest.raises(PhronyUsageError):
        PhronyClient("http://api.phrony.com", KEY)


def test_repr_shows_base_url_only():
    client = PhronyClient("https://api.phrony.com", KEY)
    assert repr(client) == "PhronyClient(base_url='https://api.phrony.com')"
    assert KEY not in repr(client._http) and KEY not in repr(client._http.headers)
    assert KEY not in repr(client._auth) and KEY not in repr(vars(client))


@pytest.mark.parametrize("bad", ["phk_a b", "phk_\x00x", "phk_\r\nX-Evil: 1", "phk_é"])
def test_bad_keys_refused_without_echo(bad):
    with pytest.raises(PhronyUsageError) as info:
        coerce_api_key(bad)
    assert bad.strip() not in str(info.value)


def test_key_coercion():
    assert coerce_api_key(None) is None and coerce_api_key("  ") is None
    assert coerce_api_key(f" {KEY}\n").get_secret_value() == KEY
    assert coerce_api_key(SecretStr(KEY)).get_secret_value() == KEY
    assert "**" in repr(ApiKeyAuth(coerce_api_key(KEY)))


def test_client_module_does_not_import_textual():
    code = (
        "import sys, phrony_tui.client, phrony_tui.client.api, phrony_tui.client.stream\n"
        # (rich may be loaded: httpx imports it for its CLI when installed)
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(bad)\n"
        "assert 'phrony_tui.client.api' in sys.modules\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_clients_share_one_verifying_tls_context():
    import ssl

    from phrony_tui.client import PhronyClient
    from phrony_tui.client.security import shared_ssl_context

    context = shared_ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    async with PhronyClient("https://api.example.test", "phk_x") as one, PhronyClient("https://b.test", "phk_y") as two:
        pools = [client._http._transport._pool for client in (one, two)]  # httpx internals, checked here only
        assert all(pool._ssl_context is context for pool in pools)


def test_httpx_cli_is_loaded_only_when_used():
    """httpx imports its CLI (click, pygments) at import time; the client defers that to
    the first use of httpx.main, which still works."""
    import subprocess
    import sys

    code = (
        "import sys, phrony_tui.client, httpx\n"
        "assert 'click' not in sys.modules and 'pygments' not in sys.modules, 'CLI loaded at import'\n"
        "try:\n    httpx.main(['--help'])\nexcept SystemExit as exit:\n    assert exit.code == 0\n"
        "assert 'click' in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip().endswith("ok") and "--help" in done.stdout
