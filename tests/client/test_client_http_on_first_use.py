"""``PhronyClient`` builds its ``httpx.AsyncClient`` (and loads TLS roots) on first use,
not when constructed: an app's start does not pay for it before its first request."""

from __future__ import annotations

import httpx
import pytest

from phrony_tui.client import PhronyClient


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"runId": "r1", "status": "Completed", "output": None})


async def test_the_http_client_is_built_on_first_use(monkeypatch) -> None:
    built: list[object] = []
    real = httpx.AsyncClient

    def counting(*args, **kwargs):
        built.append(kwargs.get("transport"))
        return real(*args, **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", counting)
    transport = httpx.MockTransport(answer)
    client = PhronyClient("http://127.0.0.1:9", "phk_test", transport=transport)
    assert built == []  # construction built nothing
    await client.get_run("r1")
    await client.get_run("r1")
    assert built == [transport]  # once, on the first request, with the transport given
    await client.aclose()


async def test_a_client_closed_before_use_refuses_requests() -> None:
    client = PhronyClient("http://127.0.0.1:9", "phk_test", transport=httpx.MockTransport(answer))
    await client.aclose()  # nothing to close: nothing was built
    with pytest.raises(RuntimeError, match="closed"):
        await client.get_run("r1")
