"""The app's connections read up to ``READ_BYTES`` at once (httpcore's default is 64 KiB):
a busy stream or a big body then takes a quarter of the reads, each one a trip through h11,
httpx, the event loop and the stream's parser thread. A process-wide switch that the app's
entry point turns on: the client as a library leaves httpcore's default alone."""

from __future__ import annotations

import httpcore._async.http11 as http11
import pytest

from phrony_tui.client import PhronyClient, api
from phrony_tui.client.api import READ_BYTES


@pytest.mark.parametrize(("before", "after"), [(64 * 1024, READ_BYTES), (4 * READ_BYTES, 4 * READ_BYTES)])
async def test_the_http_client_reads_bigger_pieces_never_smaller(monkeypatch, before, after) -> None:
    assert READ_BYTES >= 256 * 1024
    monkeypatch.setattr(http11.AsyncHTTP11Connection, "READ_NUM_BYTES", before)
    monkeypatch.setattr(api, "_read_bytes", None)
    api.raise_read_size()
    async with PhronyClient("http://127.0.0.1:9", "k" * 32, allow_insecure_http=True) as client:
        client._http  # noqa: B018 - made on first use, with the read size
        read_size = http11.AsyncHTTP11Connection.READ_NUM_BYTES
        assert read_size == after


async def test_the_client_as_a_library_leaves_the_read_size_alone(monkeypatch) -> None:
    monkeypatch.setattr(http11.AsyncHTTP11Connection, "READ_NUM_BYTES", 64 * 1024)
    monkeypatch.setattr(api, "_read_bytes", None)
    async with PhronyClient("http://127.0.0.1:9", "k" * 32, allow_insecure_http=True) as client:
        client._http  # noqa: B018
        assert http11.AsyncHTTP11Connection.READ_NUM_BYTES == 64 * 1024


def test_the_apps_entry_point_turns_the_bigger_reads_on(monkeypatch) -> None:
    from phrony_tui.entry import cli

    monkeypatch.setattr(api, "_read_bytes", None)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["config", "--help"])
    assert stopped.value.code == 0
    assert api._read_bytes == READ_BYTES
