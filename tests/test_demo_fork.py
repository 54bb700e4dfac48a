"""--demo's child forked from the app's process (entry/demo.py, ``fork_child``), each
check in a fresh interpreter with one thread, as the app is when it starts the child:
it serves, holds no file of the parent's but its socket and its pipes, runs in its own
session without the parent's PHRONY_* variables, ends when its pipe closes, and a child
that fails says why."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from tests.support.processes import python_c

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the child is forked on Linux only")

SERVES = textwrap.dedent(
    """
    import json, os, sys
    secret_file = open(sys.argv[1], "w")  # a file of the parent's: not the child's
    from phrony_tui.entry.demo import DemoSimulator, ForkedChild, can_fork
    assert can_fork()
    demo = DemoSimulator.start()
    child = demo.proc
    demo.ready(timeout=30)
    fds = sorted(os.readlink(f"/proc/{child.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{child.pid}/fd"))
    import http.client
    port = int(demo.info["baseUrl"].rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    agent = next(a["id"] for a in demo.info["agents"] if a["key"] == "hitl")
    conn.request("GET", f"/v1/agents/{agent}/sessions?take=1", headers={"X-API-Key": demo.info["adminKey"]})
    status = conn.getresponse().status
    conn.close()
    session = os.getsid(child.pid)
    demo.stop()
    print(json.dumps({"forked": isinstance(child, ForkedChild), "status": status, "fds": fds,
                      "own_session": session == child.pid, "code": child.returncode,
                      "secret_file": secret_file.name}))
    """
)


def test_the_forked_child_serves_alone_and_ends_with_its_pipe(tmp_path):
    done = python_c(SERVES, str(tmp_path / "parent-only.txt"))
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert seen["forked"] and seen["status"] == 200 and seen["own_session"] and seen["code"] == 0
    # Of the parent's files only stdin and stdout (pipes), stderr (the log, a deleted
    # temporary file) and the listening socket; the rest are the child's own (its event
    # loop, the connection it serves).
    assert [fd for fd in seen["fds"] if "parent-only" in fd] == []
    assert sum(fd.startswith("pipe:") for fd in seen["fds"]) == 2
    assert sum(fd.endswith("(deleted)") for fd in seen["fds"]) == 1


def test_the_forked_child_has_no_phrony_variables():
    code = textwrap.dedent(
        """
        import os, sys
        os.environ["PHRONY_API_KEY"] = "phk_parent_secret"
        from phrony_tui.entry import demo
        # A stand-in for sim.cli.main: print what the child's environment holds, then end.
        import phrony_tui.sim.cli as cli
        cli.main = lambda args: print(sorted(k for k in os.environ if k.startswith("PHRONY_")), flush=True) or 0
        import tempfile
        with tempfile.TemporaryFile() as log:
            child = demo.fork_child([], keep_fd=3, log=log)
            print(child.stdout.readline().decode().strip(), child.wait(10))
        """
    )
    done = python_c(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[] 0"


def test_a_forked_child_that_fails_is_reported_with_what_it_said():
    code = textwrap.dedent(
        """
        import tempfile
        from phrony_tui.entry import demo
        with tempfile.TemporaryFile() as log:
            child = demo.fork_child(["--no-such-flag"], keep_fd=3, log=log)
            sim = demo.DemoSimulator(child, log, {"baseUrl": "http://127.0.0.1:1", "adminKey": "x", "agents": []})
            try:
                sim.ready(timeout=30)
            except demo.DemoError as error:
                print("refused:", "no-such-flag" in str(error), child.wait(10))
            sim.stop()
        """
    )
    done = python_c(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "refused: True 2"
