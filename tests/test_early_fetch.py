"""``--run``'s early read (entry/early.py): started before pydantic, httpx and Textual are
imported, only when the settings cannot say otherwise, and used only when they agree."""

from __future__ import annotations

import subprocess
import sys

import pytest

from phrony_tui.client.lazy import decode_conversation
from phrony_tui.entry import early

ENV = {"PHRONY_API_BASE": "http://127.0.0.1:9", "PHRONY_API_KEY": "phk_test"}


def test_main_starts_the_read_before_the_heavy_imports() -> None:
    code = """
import sys
from phrony_tui.entry import cli, early
def start(argv, environ, user_agent):
    print(sorted(name for name in ("pydantic", "httpx", "textual") if name in sys.modules))
    raise SystemExit(0)
early.start = start
cli.main(["--run", "r1"])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--agent", "a"], ENV),  # no --run
        (["--run", "r1", "--profile", "work"], ENV),  # a profile may say otherwise
        (["--run", "r1", "--demo"], ENV),
        (["--run", "r1", "--web"], ENV),
        (["--run", "r1", "--unknown"], ENV),
        (["--run", "r1"], {"PHRONY_API_BASE": "http://127.0.0.1:9"}),  # the key from the config file
        (["--run", "r1"], {"PHRONY_API_KEY": "phk_test"}),  # the base URL from the config file
        (["--run", "r1"], {**ENV, "PHRONY_API_BASE": "http://api.example.com"}),  # plain http, not loopback
        (["--run", "r1"], {**ENV, "HTTPS_PROXY": "http://proxy:3128"}),
        (["--run", "r1"], {**ENV, "PHRONY_NO_EARLY_FETCH": "1"}),
        (["--run", "../x"], ENV),
        (["--run", "r1", "--run", "r2"], ENV),
        (["sim", "--run", "r1"], ENV),
    ],
)
def test_no_read_when_the_settings_could_differ(argv: list[str], env: dict[str, str]) -> None:
    assert early.start(argv, env, user_agent="t") is None


@pytest.mark.full_world
def test_the_read_against_the_simulator_is_the_clients_conversation(sim, sim_base_url) -> None:
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    env = {"PHRONY_API_BASE": sim_base_url + "/", "PHRONY_API_KEY": sim.keys.admin}
    fetch = early.start(["--run", run_id], env, user_agent="phrony-tui/test")
    assert fetch is not None and "phk" not in repr(fetch)
    body = fetch.body(timeout=30)
    assert body is not None
    assert len(decode_conversation(body).items) > 0
    assert fetch.matches(sim_base_url, sim.keys.admin, run_id)
    assert not fetch.matches(sim_base_url, "phk_other", run_id)


def test_a_refused_read_gives_no_body(sim, sim_base_url) -> None:
    env = {"PHRONY_API_BASE": sim_base_url, "PHRONY_API_KEY": "phk_wrong"}
    fetch = early.start(["--run", "nope"], env, user_agent="t")
    assert fetch is not None and fetch.body(timeout=30) is None  # the client's read will say why


class FakeFetch:
    def __init__(self, body: bytes | None) -> None:
        self._body = body

    def body(self, timeout: float | None = None) -> bytes | None:
        return self._body


def test_the_launcher_decodes_the_early_body_or_falls_back_to_the_client() -> None:
    from concurrent.futures import Future

    from phrony_tui.entry.launch import _decoded

    body = b'{"session": {"id": "s1", "status": "Completed"}, "runs": [], "items": [{"id": "a", "ordinal": 1}]}'
    calls: list[str] = []

    def fallback() -> Future:
        calls.append("client")
        future: Future = Future()
        future.set_exception(RuntimeError("the client's own error"))
        return future

    got = _decoded(FakeFetch(body), fallback, lambda: __import__("contextlib").nullcontext())  # type: ignore[arg-type]
    assert [item.id for item in got.result(timeout=30).items] == ["a"] and calls == []
    failed = _decoded(FakeFetch(None), fallback, lambda: __import__("contextlib").nullcontext())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="the client's own error"):
        failed.result(timeout=30)
    assert calls == ["client"]
