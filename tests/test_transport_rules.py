"""Transport rules at start: plain http:// to a host that is not loopback is refused
before any request (non-zero exit, a message naming the rule); ``--allow-insecure-http``
lets it through with a warning; httpx's request logs (full URLs) stay off."""

from __future__ import annotations

import logging

import httpx
import pytest

from phrony_tui.entry import cli

KEY = "phk_transport_SECRET_0123456789"


@pytest.fixture
def started(monkeypatch):
    """Records what would have started (the UI) and fails on any HTTP request."""
    calls: list = []
    requests: list = []

    def launch(settings, reload_settings=None, **early):  # early: --run's download, --demo's child
        calls.append(settings)
        return 0

    async def no_async_send(self, request, **kwargs):
        requests.append(request)
        raise AssertionError(f"no request expected, got {request.method} {request.url}")

    def no_send(self, request, **kwargs):
        requests.append(request)
        raise AssertionError(f"no request expected, got {request.method} {request.url}")

    import phrony_tui.entry.launch

    monkeypatch.setattr(phrony_tui.entry.launch, "launch", launch)
    monkeypatch.setattr(httpx.AsyncClient, "send", no_async_send)
    monkeypatch.setattr(httpx.Client, "send", no_send)
    for name in ("PHRONY_API_BASE", "PHRONY_API_KEY", "PHRONY_AGENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PHRONY_API_KEY", KEY)
    monkeypatch.setenv("PHRONY_AGENT_ID", "agent-1")
    return calls, requests


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--base-url", "http://api.example.com"], {}),
        ([], {"PHRONY_API_BASE": "http://api.example.com/"}),
        (["--base-url", "http://10.0.0.7:8080"], {}),
        (["--base-url", "http://127.0.0.1.example.com"], {}),  # looks loopback, is not
        (["--base-url", "HTTP://API.EXAMPLE.COM"], {}),
    ],
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(started, capsys, monkeypatch, args, env):
    calls, requests = started
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code != 0
    assert calls == [] and requests == []  # nothing started, nothing sent
    assert "plain http:// is only allowed to loopback hosts" in err  # the rule, by name
    assert "--allow-insecure-http" in err  # and the way out
    assert KEY not in err


def test_credentials_in_the_url_are_not_echoed(started, capsys):
    code = cli.main(["--base-url", "http://alice:hunter2@api.example.com"])
    err = capsys.readouterr().err
    assert code != 0 and "hunter2" not in err and "alice" not in err


def test_allow_insecure_http_starts_with_a_warning(started, capsys):
    calls, requests = started
    code = cli.main(["--base-url", "http://api.example.com", "--allow-insecure-http"])
    err = capsys.readouterr().err
    assert code == 0 and len(calls) == 1 and requests == []
    assert calls[0].allow_insecure_http and calls[0].base_url == "http://api.example.com"
    assert "warning" in err and "plain http://" in err and "api.example.com" in err
    assert KEY not in err


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "http://localhost:8765/", "http://[::1]:8765", "http://127.2.3.4", "https://api.example.com"]
)
def test_loopback_http_and_https_start_without_a_warning(started, capsys, url):
    calls, _ = started
    assert cli.main(["--base-url", url]) == 0
    assert len(calls) == 1 and capsys.readouterr().err == ""


@pytest.mark.parametrize("url", ["ftp://api.example.com", "https://user:pw@api.example.com", "https://x.example/?k=v"])
def test_other_bad_base_urls_are_refused_at_start(started, capsys, url):
    calls, requests = started
    assert cli.main(["--base-url", url]) != 0
    err = capsys.readouterr().err
    assert err.startswith("phrony-tui: ") and calls == [] and requests == []
    assert "pw@" not in err


def test_demo_is_not_subject_to_the_base_url_rule(started):
    calls, _ = started
    assert cli.main(["--demo", "--base-url", "http://api.example.com"]) == 0
    assert len(calls) == 1


def test_httpx_request_logs_are_kept_at_warning(started, monkeypatch):
    for name in cli.QUIET_LOGGERS:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    cli.main(["--base-url", "https://api.example.com"])
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        assert logger.level == logging.WARNING
        assert not logger.isEnabledFor(logging.INFO)


def test_presigned_url_is_not_logged_by_httpx(started, monkeypatch, caplog):
    """httpx's INFO line would print the upload URL with its signature."""
    monkeypatch.undo()  # real sends again (a MockTransport below)
    cli.quiet_http_loggers()
    caplog.set_level(logging.DEBUG)  # even with the root logger at DEBUG
    logging.getLogger("httpx").setLevel(logging.WARNING)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.put("https://bucket.example/obj?X-Amz-Signature=SIGNATURE123", content=b"x")
    assert "SIGNATURE123" not in caplog.text
