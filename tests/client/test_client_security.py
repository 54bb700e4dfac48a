"""Base URL rules, key handling, and the no-textual import boundary."""

from __future__ import annotations

import pytest
from client_helpers import KEY
from pydantic import SecretStr

from phrony_tui.client import PhronyClient, PhronyUsageError, check_base_url
from phrony_tui.client.security import INSECURE_HTTP_RULE, ApiKeyAuth, coerce_api_key
from tests.support.processes import python_c


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
    assert f"{INSECURE_HTTP_RULE}, because the API key would travel in clear text" in str(info.value)
    assert "plain http:// is only allowed to loopback hosts (localhost, 127.0.0.0/8, ::1)" in str(info.value)
    assert "pass allow_insecure_http=True" in str(info.value)
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
    result = python_c(code, timeout=60)
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


def test_importing_the_client_has_no_side_effects():
    """A library import: every module it adds to sys.modules is one the import system
    loaded (no stand-in put under another module's name, as the app's entry point
    does for httpx's CLI), and none of it is textual."""
    code = (
        "import sys, types\n"
        "before = dict(sys.modules)\n"
        "import phrony_tui.client\n"
        "changed = sorted(n for n, m in before.items() if sys.modules.get(n) is not m)\n"
        "added = {n: m for n, m in sys.modules.items() if n not in before and isinstance(m, types.ModuleType)}\n"
        # (a module may sit under a second name too, importlib._bootstrap say: same spec)
        "spec = lambda m: getattr(m, '__spec__', None)\n"
        "foreign = sorted(n for n, m in added.items() if spec(m) is None or sys.modules.get(spec(m).name) is not m)\n"
        "textual = sorted(n for n in added if n == 'textual' or n.startswith('textual.'))\n"
        "print(changed, foreign, textual)\n"
        "sys.exit(1 if changed or foreign or textual else 0)\n"
    )
    result = python_c(code, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_and_the_warning_share_one_rule():
    from phrony_tui.client import check_transport, clear_text_warning

    problem = check_transport("http://api.example.com", opt_in="pass --allow-insecure-http")
    assert problem is not None and INSECURE_HTTP_RULE in problem and "--allow-insecure-http" in problem
    assert check_transport("http://api.example.com", allow_insecure_http=True) is None
    assert check_transport("http://127.0.0.1:8765") is None and check_transport("https://api.example.com") is None
    warning = clear_text_warning("http://api.example.com:8080/base", allow_insecure_http=True)
    assert warning is not None and "http://api.example.com:8080" in warning and "plain http://" in warning
    assert clear_text_warning("http://api.example.com", allow_insecure_http=False) is None  # refused, not warned
    assert clear_text_warning("http://localhost:1", allow_insecure_http=True) is None


def test_one_default_base_url():
    import phrony_tui.client.api
    import phrony_tui.settings
    from phrony_tui.client import DEFAULT_BASE_URL

    assert DEFAULT_BASE_URL is phrony_tui.settings.DEFAULT_BASE_URL
    assert PhronyClient().base_url == DEFAULT_BASE_URL
    assert phrony_tui.client.api.DEFAULT_BASE_URL is DEFAULT_BASE_URL


def test_the_package_exports_every_wire_model():
    import phrony_tui.client
    from phrony_tui.client import models

    assert set(models.__all__) <= set(phrony_tui.client.__all__)
    assert all(getattr(phrony_tui.client, name) is getattr(models, name) for name in models.__all__)
