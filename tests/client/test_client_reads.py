"""The client's connections read up to ``READ_BYTES`` at once (httpcore's default is
64 KiB): a busy stream or a big body then takes a quarter of the reads, each one a trip
through h11, httpx, the event loop and the stream's parser thread."""

from __future__ import annotations

import httpcore._async.http11 as http11
import pytest

from phrony_tui.client import PhronyClient
from phrony_tui.client.api import READ_BYTES


@pytest.mark.parametrize(("before", "after"), [(64 * 1024, READ_BYTES), (4 * READ_BYTES, 4 * READ_BYTES)])
async def test_the_http_client_reads_bigger_pieces_never_smaller(monkeypatch, before, after) -> None:
    assert READ_BYTES >= 256 * 1024
    monkeypatch.setattr(http11.AsyncHTTP11Connection, "READ_NUM_BYTES", before)
    async with PhronyClient("http://127.0.0.1:9", "k" * 32, allow_insecure_http=True) as client:
        client._http  # noqa: B018 - made on first use, with the read size
        read_size = http11.AsyncHTTP11Connection.READ_NUM_BYTES
        assert read_size == after
