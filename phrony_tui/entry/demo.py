"""``--demo``: the simulator in a child process, and settings to run against it.

The app must not wait for the simulator, nor pay for it on its own core. So the
parent binds the listening socket itself (the base URL is known at once), works
out the agents and admin key the simulator will have (they follow from its seed:
``sim.simulator.identity``) and starts the UI straight away, while the child,
given the socket, builds the simulator's world on the machine's other core. The
first requests wait in the socket's queue until the child serves them. The child
prints a handshake (one JSON line) when it serves, checked against the
prediction, and serves until its stdin closes: it ends with the app however the
app ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from typing import IO, TYPE_CHECKING, Any

# The settings' modules, json and dataclasses when first needed: ``cli.main`` starts the
# child (``DemoSimulator.start``) before anything else is imported.
if TYPE_CHECKING:
    from phrony_tui.settings import Settings
    from phrony_tui.sim import Simulator

AUTOSTART_SECONDS = 45  # a new demo session this often: a lively demo
SEED = 7
# The child's command (``python -c``): the collector off from its first import (sim.cli.CHILD).
_CHILD = "import gc; gc.disable(); import sys; from phrony_tui.sim.cli import main; sys.exit(main(sys.argv[1:]))"


class DemoError(Exception):
    """The demo simulator did not start (the message says why)."""


class DemoSimulator:
    """``phrony-tui sim --handshake --fd N`` in a child process, on a socket made here."""

    def __init__(self, proc: subprocess.Popen[bytes], log: IO[bytes], info: dict[str, Any]) -> None:
        self.proc = proc
        self._log = log
        self.info = info  # what the settings need: base URL, admin key, agents
        self._said: dict[str, Any] | None = None
        self._done = threading.Event()
        threading.Thread(target=self._read_handshake, name="phrony-demo-handshake", daemon=True).start()

    @classmethod
    def start(cls, seed: int = SEED) -> DemoSimulator:
        from phrony_tui.sim.identities import KNOWN
        from phrony_tui.sim.net import listening_socket

        sock = listening_socket("127.0.0.1", 0)
        try:
            port = sock.getsockname()[1]
            # Its warnings: never on the app's terminal. Open as long as the child runs
            # (closed by stop()), so no with-block.
            log = tempfile.TemporaryFile()  # noqa: SIM115
            # ``sim.cli.CHILD``, spelled here: importing sim.cli would cost this process argparse.
            args = [sys.executable, "-c", _CHILD, "--fd", str(sock.fileno()), "--seed", str(seed),
                    "--autostart", str(AUTOSTART_SECONDS), "--handshake"]  # fmt: skip
            env = {key: value for key, value in os.environ.items() if not key.startswith("PHRONY_")}
            proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                pass_fds=(sock.fileno(),), start_new_session=True,
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
