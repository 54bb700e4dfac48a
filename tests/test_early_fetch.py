"""``--run``'s early read (entry/early.py): started before pydantic, httpx and Textual are
imported, only when the settings cannot say otherwise, and used only when they agree."""

from __future__ import annotations

import pytest

from phrony_tui.client.lazy import decode_conversation
from phrony_tui.entry import early
from tests.support.processes import python_c

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
    done = python_c(code, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_early_read_does_without_urllibs_opener() -> None:
    # http.client alone: urllib.request's imports cost the read's thread ~6 ms of the GIL
    # while the main thread imports (a refused connection: the read is made, and fails).
    code = """
import sys
from phrony_tui.entry import early
fetch = early.start(["--run", "r1"], {"PHRONY_API_BASE": "http://127.0.0.1:9", "PHRONY_API_KEY": "phk_t"}, "t")
print(fetch.body(timeout=30), "http.client" in sys.modules, "urllib.request" in sys.modules)
"""
    done = python_c(code, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "True", "False"]


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
    """Stands in for EarlyFetch: its pieces, then the end (or a failure)."""

    def __init__(self, pieces: list[bytes], *, fails: bool = False) -> None:
        self._pieces = pieces
        self._fails = fails

    def pieces(self):
        yield from self._pieces
        if self._fails:
            raise early.EarlyReadFailed("cut")


BODY = (
    b'{"session": {"id": "s1", "status": "Completed"}, "runs": [], "items": ['
    b'{"id": "a", "ordinal": 1}, {"id": "b", "ordinal": 2}, {"id": "c", "ordinal": 3}]}'
)


async def _all_parts(parts) -> list[tuple[str, object]]:
    got: list[tuple[str, object]] = []
    while not got or got[-1][0] != "end":
        got += await parts.take()
    return got


def _launch_parts(fetch: FakeFetch, fallback):
    from contextlib import nullcontext

    from phrony_tui.entry.launch import _read_in_parts

    return _read_in_parts(fetch, fallback, nullcontext)  # type: ignore[arg-type]


def _failing_client():
    from concurrent.futures import Future

    calls: list[str] = []

    def fallback() -> Future:
        calls.append("client")
        future: Future = Future()
        future.set_exception(RuntimeError("the client's own error"))
        return future

    return fallback, calls


async def test_the_launcher_hands_the_early_body_over_in_parts_as_it_arrives() -> None:
    fallback, calls = _failing_client()
    cut = BODY.index(b'{"id": "b"') + 3  # the first item whole in the first piece
    got = await _all_parts(_launch_parts(FakeFetch([BODY[:cut], BODY[cut:]]), fallback))
    kinds = [kind for kind, _ in got]
    assert kinds == ["head", "items", "end"] and calls == []
    head, more = got[0][1], got[1][1]
    assert [item.id for item in head.items] == ["a"]  # before the last piece
    assert [item.id for item in more] == ["b", "c"]


async def test_the_launcher_falls_back_to_the_client_when_the_early_read_fails() -> None:
    fallback, calls = _failing_client()
    got = await _all_parts(_launch_parts(FakeFetch([BODY[: BODY.index(b"{\"id\": \"b\"")]], fails=True), fallback))
    assert [kind for kind, _ in got] == ["head", "error", "end"] and calls == ["client"]
    assert isinstance(got[1][1], RuntimeError)
    got = await _all_parts(_launch_parts(FakeFetch([], fails=True), fallback))
    assert [kind for kind, _ in got] == ["error", "end"]


async def test_a_failed_early_read_is_made_whole_by_the_clients_read() -> None:
    from concurrent.futures import Future

    whole = decode_conversation(BODY)

    def fallback() -> Future:
        future: Future = Future()
        future.set_result(whole)
        return future

    got = await _all_parts(_launch_parts(FakeFetch([BODY[: BODY.index(b"{\"id\": \"b\"")]], fails=True), fallback))
    assert [kind for kind, _ in got] == ["head", "whole", "end"] and got[1][1] is whole


def test_the_early_read_of_a_gzipped_big_session_comes_in_pieces() -> None:
    """Accept-Encoding: gzip is sent (the simulator compresses only when asked), and the
    inflated pieces are the body."""
    from phrony_tui.sim import FixedClock, Simulator
    from phrony_tui.sim.server import SimServer

    sim = Simulator(seed=7, clock=FixedClock("2026-03-01T12:00:00Z"), live=False, big_steps=3_000, gzip=True)
    _, run_id = sim.find_sessions("big")[0]
    with SimServer(sim, host="127.0.0.1", port=0) as server:
        env = {"PHRONY_API_BASE": server.base_url, "PHRONY_API_KEY": sim.keys.admin}
        fetch = early.start(["--run", run_id], env, user_agent="t")
        assert fetch is not None
        pieces = list(fetch.pieces())
    assert len(sim._big_gzip) == 1  # the compressed copy was asked for and served
    assert b"".join(pieces) == sim.big_conversation(False)
    assert len(decode_conversation(b"".join(pieces)).items) == 3_000
