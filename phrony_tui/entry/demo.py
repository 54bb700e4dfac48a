"""``--demo``: the simulator in a child process, and settings to run against it.

The app must not wait for the simulator, nor pay for it on its own core. So the
parent binds the listening socket itself (the base URL is known at once), works
out the agents and admin key the simulator will have (they follow from its seed:
``sim.simulator.identity``) and starts the UI straight away, while the child,
given the socket, builds the simulator's world on the machine's other core. On
Linux, while the app runs one thread, the child is forked from the app after the
standard-library modules both import (``fork_child``), so it starts with them;
elsewhere it is a fresh interpreter (``python -c``). The
first requests wait in the socket's queue until the child serves them. The child
prints a handshake (one JSON line) when it serves, checked against the
prediction, and serves until its stdin closes: it ends with the app however the
app ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from typing import IO, TYPE_CHECKING, Any, NoReturn

# The settings' modules, json and dataclasses when first needed: ``cli.main`` starts the
# child (``DemoSimulator.start``) before anything else is imported.
if TYPE_CHECKING:
    from phrony_tui.settings import Settings
    from phrony_tui.sim import Simulator

AUTOSTART_SECONDS = 45  # a new demo session this often: a lively demo
SEED = 7
# The child's command (``python -c``): the collector off from its first import (sim.cli.CHILD).
#: The app's own variables (the person's key among them): never in the simulator's environment.
_APP_VARIABLES = "PHRONY_"
_CHILD = "import gc; gc.disable(); import sys; from phrony_tui.sim.cli import main; sys.exit(main(sys.argv[1:]))"


#: What the child and this process both import before the app's first frame (the standard
#: library under the child's asyncio server and the app's Textual start, ``typing_extensions``
#: under both): imported once, here, before the fork, the child has them at no cost. The
#: app would import each of them before its first frame anyway. Measured, the child's CPU
#: from its start to serving, min/median of 12 interleaved: a fresh interpreter 0.121/0.172 s,
#: forked after these imports 0.083/0.114 s.
SHARED_MODULES = (
    "argparse", "asyncio", "concurrent.futures", "dataclasses", "datetime", "inspect", "ipaddress", "json",
    "logging", "mimetypes", "pathlib", "pickle", "platform", "queue", "random", "shutil", "ssl", "subprocess",
    "tempfile", "typing_extensions", "urllib.parse", "uuid",
)  # fmt: skip


def can_fork() -> bool:
    """Whether the child may be forked from this process: on Linux (elsewhere a fork
    without an exec is not safe with some system libraries), and while this process runs
    no other thread (a fork copies only the calling thread: a lock another held stays
    held in the child)."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


class ForkedChild:
    """The simulator's child forked from this process, with the few members of
    ``subprocess.Popen`` that DemoSimulator uses."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.pid = pid
        self.stdin: IO[bytes] | None = stdin
        self.stdout: IO[bytes] | None = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler): its status is lost
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"simulator (pid {self.pid})", timeout or 0)
            time.sleep(0.01)
        return code

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def fork_child(args: list[str], *, keep_fd: int, log: IO[bytes]) -> ForkedChild:
    """``sim.cli.main(args)`` in a child forked from this process (``can_fork`` must hold):
    its own session (terminal signals are the app's), stdin and stdout pipes to this
    process, stderr to ``log``, no file of this process's open but ``keep_fd`` (the
    listening socket), no ``PHRONY_*`` variable in its environment. It never returns
    into the caller's code: it exits when the simulator's ``main`` does."""
    import importlib

    for name in SHARED_MODULES:
        importlib.import_module(name)
    sys.stdout.flush()  # else what is buffered would be written by both processes
    sys.stderr.flush()
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (tests/test_demo_fork.py runs it)
        _be_the_child(args, keep_fd, child_in, child_out, log.fileno())
    os.close(child_in)
    os.close(child_out)
    return ForkedChild(pid, os.fdopen(to_child, "wb"), os.fdopen(from_child, "rb"))


def _be_the_child(args: list[str], keep_fd: int, stdin: int, stdout: int, stderr: int) -> NoReturn:
    code = 1
    try:
        os.setsid()
        os.dup2(stdin, 0)
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        os.closerange(3, keep_fd)
        os.closerange(keep_fd + 1, os.sysconf("SC_OPEN_MAX"))
        for key in [key for key in os.environ if key.startswith(_APP_VARIABLES)]:
            del os.environ[key]
        import gc

        gc.disable()  # sim.cli.main freezes what the start built, then enables it
        from phrony_tui.sim.cli import main

        code = main(args)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class DemoError(Exception):
    """The demo simulator did not start (the message says why)."""


class DemoSimulator:
    """``phrony-tui sim --handshake --fd N`` in a child process, on a socket made here."""

    def __init__(self, proc: subprocess.Popen[bytes] | ForkedChild, log: IO[bytes], info: dict[str, Any]) -> None:
        self.proc = proc
        self._log = log
        self.info = info  # what the settings need: base URL, admin key, agents
        self._said: dict[str, Any] | None = None
        self._done = threading.Event()
        threading.Thread(target=self._read_handshake, name="phrony-demo-handshake", daemon=True).start()

    @classmethod
    def start(cls, seed: int = SEED, *, fork: bool | None = None) -> DemoSimulator:
        """The child started (``fork``: forked from this process, or a fresh interpreter;
        None: forked where that is safe, ``can_fork``)."""
        from phrony_tui.sim.identities import KNOWN
        from phrony_tui.sim.net import listening_socket

        sock = listening_socket("127.0.0.1", 0)
        try:
            port = sock.getsockname()[1]
            # Its warnings: never on the app's terminal. Open as long as the child runs
            # (closed by stop()), so no with-block.
            log = tempfile.TemporaryFile()  # noqa: SIM115
            args = ["--fd", str(sock.fileno()), "--seed", str(seed), "--autostart", str(AUTOSTART_SECONDS),
                    "--handshake"]  # fmt: skip
            proc: subprocess.Popen[bytes] | ForkedChild
            if fork if fork is not None else can_fork():
                proc = fork_child(args, keep_fd=sock.fileno(), log=log)
            else:
                # ``sim.cli.CHILD``, spelled here: importing sim.cli would cost this process argparse.
                env = {key: value for key, value in os.environ.items() if not key.startswith(_APP_VARIABLES)}
                proc = subprocess.Popen(
                    [sys.executable, "-c", _CHILD, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=log, env=env, pass_fds=(sock.fileno(),), start_new_session=True,
                )  # fmt: skip
        finally:
            sock.close()  # the child has its own copy; if it dies, connections are refused
        known = KNOWN.get(seed)
        if known is None:  # another seed: worked out (the simulator's engine, ~20 ms)
            from phrony_tui.sim.simulator import identity

            known = identity(seed)
        return cls(proc, log, {"baseUrl": f"http://127.0.0.1:{port}", **known})

    def _read_handshake(self) -> None:
        import json

        assert self.proc.stdout is not None
        try:
            line = self.proc.stdout.readline()
            self._said = json.loads(line) if line else None
        except (ValueError, OSError):
            self._said = None
        finally:
            self._done.set()

    def ready(self, timeout: float = 30.0) -> None:
        """Wait until the child serves, and check it is the simulator predicted
        (DemoError otherwise). The app does not wait: its first requests do."""
        if not self._done.wait(timeout):
            raise DemoError(f"the demo simulator did not start within {timeout:g} s")
        problem = self.problem()
        if problem is not None:
            raise DemoError(problem)

    def problem(self) -> str | None:
        """Why the demo simulator is not what the app was told (None: all is well, or
        it has not answered yet)."""
        if not self._done.is_set():
            return None
        said = self._said
        if said is None:
            return f"the demo simulator did not start: {self._stderr()}"
        expected = {key: value for key, value in self.info.items()}
        if said != expected:
            return "the demo simulator is not the one expected (its agents or key differ)"
        return None

    def _stderr(self) -> str:
        self.proc.poll()
        self._log.seek(0)
        tail = self._log.read()[-400:].decode("utf-8", "replace").strip()
        return tail or f"exit status {self.proc.returncode}"

    def stop(self, timeout: float = 3.0) -> None:
        """End the child and close its files (again: nothing more)."""
        if self._log.closed:
            return
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()  # the child's cue to stop
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._done.wait(1)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def demo_settings(sim: Simulator, base_url: str, settings: Settings | None = None) -> Settings:
    """Settings for an in-process simulator (tests, screenshots) served at ``base_url``."""
    from phrony_tui.sim.cli import handshake

    return settings_from_handshake(handshake(sim, base_url), settings)


def settings_from_handshake(info: dict[str, Any], settings: Settings | None = None) -> Settings:
    """The simulator's root agents (sub-agents show up inside sessions), its admin key
    and its agents' display names, over whatever the person passed. ``info`` is the
    handshake (``DemoSimulator.info``, or ``sim.cli.handshake`` for an in-process one)."""
    from dataclasses import replace

    from phrony_tui.secret import SecretStr
    from phrony_tui.settings import Settings

    settings = settings or Settings()
    agents = info["agents"]
    # The firehose agent exists for stream benchmarks, not for people.
    roots = tuple(a["id"] for a in agents if a["parentKey"] is None and a["key"] != "firehose")
    return replace(
        settings,
        base_url=info["baseUrl"],
        api_key=SecretStr(info["adminKey"]),
        agent_ids=settings.agent_ids or roots,
        agent_names={**{a["id"]: a["name"] for a in agents}, **settings.agent_names},
        demo=True,
    )
