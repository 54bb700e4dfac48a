"""``--demo``: the simulator in a child process, and settings to run against it.

The child starts before the UI is imported: building the simulator's world then
overlaps Textual's import on the machine's other core, instead of adding to it.
It serves until its stdin closes, so it ends with the app however the app ends.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from typing import Any

from pydantic import SecretStr

from phrony_tui.cli import Settings

AUTOSTART_SECONDS = 45  # a new demo session this often: a lively demo


class DemoError(Exception):
    """The demo simulator did not start (the message says why)."""


class DemoSimulator:
    """``phrony-tui sim --handshake`` in a child process on a free loopback port."""

    def __init__(self, proc: subprocess.Popen, log: Any) -> None:
        self.proc = proc
        self._log = log
        self.info: dict[str, Any] | None = None

    @classmethod
    def start(cls) -> DemoSimulator:
        log = tempfile.TemporaryFile()  # its warnings: never on the app's terminal
        args = [sys.executable, "-m", "phrony_tui.sim.cli", "--port", "0",
                "--autostart", str(AUTOSTART_SECONDS), "--handshake"]  # fmt: skip
        env = {key: value for key, value in os.environ.items() if not key.startswith("PHRONY_")}
        proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, start_new_session=True
        )
        return cls(proc, log)

    def wait(self, timeout: float = 30.0) -> dict[str, Any]:
        """The handshake: base URL, admin key, agents (DemoError when the child fails)."""
        if self.info is not None:
            return self.info
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        line = b""
        deadline = time.monotonic() + timeout
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                raise DemoError(f"the demo simulator did not start within {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise DemoError(f"the demo simulator exited: {self._said()}")
                line += chunk
        try:
            self.info = json.loads(line)
        except ValueError:
            raise DemoError(f"the demo simulator said {line[:200]!r}") from None
        return self.info

    def _said(self) -> str:
        self.proc.poll()
        self._log.seek(0)
        tail = self._log.read()[-400:].decode("utf-8", "replace").strip()
        return tail or f"exit status {self.proc.returncode}"

    def stop(self, timeout: float = 3.0) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()  # the child's cue to stop
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def demo_settings(sim, base_url: str, settings: Settings | None = None) -> Settings:  # noqa: ANN001
    """Settings for an in-process simulator (tests, screenshots) served at ``base_url``."""
    from phrony_tui.sim.cli import handshake

    return settings_from_handshake(handshake(sim, base_url), settings)


def settings_from_handshake(info: dict[str, Any], settings: Settings | None = None) -> Settings:
    """The simulator's root agents (sub-agents show up inside sessions), its admin key
    and its agents' display names, over whatever the person passed. ``info`` is the
    handshake (``DemoSimulator.wait``, or ``sim.cli.handshake`` for an in-process one)."""
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
