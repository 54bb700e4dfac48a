"""The client's TLS context: its trusted roots are loaded at the first TLS connection,
never for a plain-http API (loopback, the simulator), and they verify as httpx's own.

Each check runs in a fresh interpreter (the context is made once per process, and
SSL_CERT_FILE is read when it is made). The server's certificate is a self-signed one
made here with the ``openssl`` command."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from tests.support.processes import python_c

COUNT_LOADS = """
import ssl
loads = []
_load = ssl.SSLContext.load_verify_locations
def counting(self, *args, **kwargs):
    loads.append(1)
    return _load(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counting
"""

PLAIN_HTTP = COUNT_LOADS + textwrap.dedent(
    """
    import asyncio
    from phrony_tui.client import PhronyClient
    from phrony_tui.sim import SimServer, Simulator

    sim = Simulator(seed=7, live=False)
    server = SimServer(sim, host="127.0.0.1", port=0)
    server.start()

    async def main():
        async with PhronyClient(server.base_url, sim.keys.admin) as client:
            page = await client.list_sessions(sim.agents["hitl"], take=2, lazy=True)
        print(len(page.items), len(loads))

    asyncio.run(main())
    server.stop()
    """
)

TLS = COUNT_LOADS + textwrap.dedent(
    """
    import asyncio, ssl, sys
    from phrony_tui.client import PhronyClient, PhronyConnectionError

    async def main():
        served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        served.load_cert_chain(sys.argv[1], sys.argv[2])

        async def answer(reader, writer):
            await reader.readuntil(b"\\r\\n\\r\\n")
            body = b'{"items": [], "total": 0}'
            writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: %d\\r\\n\\r\\n%s"
                         % (len(body), body))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=served)
        port = server.sockets[0].getsockname()[1]
        async with PhronyClient(f"https://localhost:{port}", "phk_x") as client:
            try:
                page = await client.list_sessions("agent", lazy=True)
                print("accepted", page.total, len(loads))
            except PhronyConnectionError as error:
                print("refused", "certificate" in str(error).lower(), len(loads))
        server.close()

    asyncio.run(main())
    """
)


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> list[str]:
    done = python_c(code, *args, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_a_plain_http_api_loads_no_tls_roots():
    assert _run(PLAIN_HTTP) == ["2", "0"]


@pytest.fixture
def self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_the_roots_load_at_the_first_tls_connection_and_verify(self_signed, monkeypatch):
    cert, key = self_signed
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    import os

    assert _run(TLS, str(cert), str(key), env=dict(os.environ)) == ["refused", "True", "1"]  # not trusted
    trusted = {**os.environ, "SSL_CERT_FILE": str(cert)}  # honoured, as httpx's own context does
    assert _run(TLS, str(cert), str(key), env=trusted) == ["accepted", "0", "1"]
