"""Shared plumbing of the benchmark suite: the simulator process, apps in a
pseudo-terminal, an incremental escape-sequence stripper, statistics.

Nothing here imports textual or the app: the process that runs the suite only
spawns and watches other processes, so it never competes with them for the GIL.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXED_CLOCK = "2026-03-01T12:00:00Z"
SEED = 7
COLS, ROWS = 160, 45
LOOPBACK = "http://127.0.0.1:"


class BenchError(RuntimeError):
    """A measure could not be taken (said in the table instead of a figure)."""


# -- statistics ------------------------------------------------------------------------------


def min_median(values: Sequence[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


# -- processes -------------------------------------------------------------------------------


def app_command() -> list[str]:
    """The installed console script next to this interpreter (else ``python -m phrony_tui``)."""
    script = Path(sys.executable).parent / "phrony-tui"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "phrony_tui"]


def compile_app() -> None:
    """Byte-compile the app's package once, as an install does (pip compiles what it
    installs; an editable install compiles on first run). Without it each measured start
    would compile ~90 modules from source: a cost no installed app pays twice."""
    import compileall

    compileall.compile_dir(ROOT / "phrony_tui", quiet=1)


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no user config, no PHRONY_*/TEXTUAL_* leaking in, a fixed TERM."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PHRONY_", "TEXTUAL", "XDG_"))
        # the app as installed runs from cached bytecode (see compile_app)
        and key not in ("NO_COLOR", "COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")
    }
    for sub in ("config", "state", "data", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        NO_PROXY="127.0.0.1,localhost",
    )
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def vm_kib(pid: int | str, field_name: str) -> int | None:
    """A ``VmXXX`` field of /proc/<pid>/status in KiB (None when unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def kill(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGKILL one process we started (by its id) and reap it."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass


def run_json(args: list[str], *, timeout: float, env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run a child that prints one JSON object as its last stdout line: (object, wall seconds
    from spawn to exit)."""
    start = time.perf_counter()
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{Path(args[1]).name if len(args) > 1 else args[0]} timed out after {timeout:g} s") from exc
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"child exited {done.returncode}: {' | '.join(tail)}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise BenchError(f"child printed no result: {done.stdout[-200:]!r} {done.stderr[-200:]!r}")
    return json.loads(lines[-1]), wall


# -- the simulator, in its own process ---------------------------------------------------------


@dataclass
class SimProcess:
    """``phrony-tui sim`` in a child process (loopback, fixed clock, seed 7)."""

    extra_args: list[str] = field(default_factory=list)
    big_steps: int = 50_000
    firehose_events: int = 200_000
    proc: subprocess.Popen | None = None
    base_url: str = ""
    key: str = ""
    agents: dict[str, str] = field(default_factory=dict)

    def start(self, timeout: float = 60) -> SimProcess:
        args = [
            sys.executable, "-m", "phrony_tui", "sim", "--port", "0", "--fixed-clock", FIXED_CLOCK,
            "--seed", str(SEED), "--big-steps", str(self.big_steps),
            "--firehose-events", str(self.firehose_events), "--trace-streams", *self.extra_args,
        ]  # fmt: skip
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the child's life, closed in stop()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, cwd=ROOT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        out = b""
        while time.monotonic() < deadline and b"\n  phrony-tui" not in out:  # the banner's last line
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    break
                out += data
            elif self.proc.poll() is not None:
                break
        lines = out.decode("utf-8", "replace").splitlines()
        self._parse(lines)
        if not self.base_url.startswith(LOOPBACK) or not self.key:
            self._log.seek(0)
            said = self._log.read()[-300:]
            self.stop()
            raise BenchError(f"the simulator did not start: {lines[-3:]} {said!r}")
        return self

    def _parse(self, lines: list[str]) -> None:
        in_agents = False
        for line in lines:
            if line.startswith("export PHRONY_API_BASE="):
                self.base_url = line.split("=", 1)[1].strip("'")
            elif line.startswith("export PHRONY_API_KEY="):
                self.key = line.split("=", 1)[1].strip("'")
            elif line == "agents:":
                in_agents = True
            elif in_agents and line.startswith("  ") and len(line.split()) == 2:
                name, agent_id = line.split()
                self.agents[name] = agent_id
            elif in_agents and not line.strip():
                in_agents = False

    def first_byte(self, run_id: str) -> float:
        """The ``time.monotonic()`` when the run's stream sent its first byte (``--trace-streams``)."""
        self._log.seek(0)
        for line in self._log.read().decode("utf-8", "replace").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "stream-first-byte" and parts[1] == run_id:
                return float(parts[2])
        raise BenchError(f"the simulator noted no stream of {run_id} (is --trace-streams on?)")

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    kill(self.proc)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
            self._log.close()

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP helpers (loopback only) ----------------------------------------------------------
    def _client(self, timeout: float = 120):
        import httpx

        if not self.base_url.startswith(LOOPBACK):
            raise BenchError(f"refusing a non-loopback base URL {self.base_url!r}")
        return httpx.Client(base_url=self.base_url, headers={"X-API-Key": self.key}, timeout=timeout,
                            trust_env=False)  # fmt: skip

    def get(self, path: str, **params: str) -> bytes:
        with self._client() as http:
            response = http.get(path, params=params)
            response.raise_for_status()
            return response.content

    def start_session(self, scenario: str) -> str:
        """POST /v1/agents/{id}/runs: a fresh session of that scenario; its root run id."""
        with self._client() as http:
            response = http.post(f"/v1/agents/{self.agents[scenario]}/runs", json={"input": {}})
            response.raise_for_status()
            return response.json()["runId"]


def scenario_run_ids(big_steps: int, firehose_events: int) -> dict[str, str]:
    """The root run ids the served world has (same seed, same clock): computed in a child so
    this process stays small."""
    code = (
        "import json\n"
        "from phrony_tui.sim import Simulator, FixedClock\n"
        f"s = Simulator(seed={SEED}, clock=FixedClock({FIXED_CLOCK!r}), big_steps={big_steps}, "
        f"firehose_events={firehose_events})\n"
        "print(json.dumps({'big': s.find_sessions('big')[0][1], 'firehose': s.find_sessions('firehose')[0][1]}))\n"
    )
    result, _ = run_json([sys.executable, "-c", code], timeout=120)
    return result


# -- escape sequences ----------------------------------------------------------------------------

_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC ... BEL or ST
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC ... ST
    r"|\x1b[()*+][0-~]"  # charset designation
    r"|\x1b[ -/]*[0-OQ-WYZ\\`-~]"  # other short sequences (not the openers [ ] P X ^ _)
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Stripper:
    """Feed terminal output in chunks; ``tail`` is the last ``keep`` characters printed,
    escape sequences removed (a sequence split across chunks is held back until it is
    complete); ``length`` counts every character ever stripped (offsets for ``since``)."""

    def __init__(self, keep: int = 2_000_000) -> None:
        self._pending = ""
        self.keep = keep
        self.tail = ""
        self.length = 0

    def feed(self, data: bytes) -> str:
        """Returns the newly stripped text."""
        text = self._pending + data.decode("utf-8", "replace")
        self._pending = ""
        cut = text.rfind("\x1b")
        if cut != -1:
            match = _SEQUENCE.match(text, cut)
            if match is None and len(text) - cut < 4096:  # incomplete: keep it for the next chunk
                self._pending, text = text[cut:], text[:cut]
        clean = _CONTROL.sub("", _SEQUENCE.sub("", text))
        self.length += len(clean)
        self.tail = (self.tail + clean)[-self.keep :]
        return clean

    def since(self, offset: int) -> str:
        """The stripped text from character ``offset`` on (as much of it as is kept)."""
        start = len(self.tail) - (self.length - offset)
        return self.tail[max(0, start) :]


# -- an app in a pseudo-terminal ----------------------------------------------------------------


WINDOW = 64 * 1024  # characters of stripped output a marker check looks at (a frame is ~7,500)


class PtyApp:
    """A command in a pseudo-terminal of COLS x ROWS whose output we read and search.

    ``spawned`` is the perf_counter just before the fork: the timings are spawn-to-marker.
    """

    def __init__(self, args: list[str], env: dict[str, str], cols: int = COLS, rows: int = ROWS) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.master = master
        self.stripper = Stripper()
        self.bytes = 0

        def child_setup() -> None:  # runs in the child, before exec: own session, pty as ctty
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.spawned = time.perf_counter()
        # preexec_fn is safe here: the suite's process runs no threads
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                                     preexec_fn=child_setup, close_fds=True)  # noqa: PLW1509
        os.close(slave)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def pump(self, timeout: float) -> str:
        """Read what is available within ``timeout`` seconds; the new stripped text."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return ""
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            if self.proc.poll() is not None:
                raise BenchError(f"the app exited ({self.proc.returncode}): {self.stripper.tail[-300:]!r}")
            return ""
        self.bytes += len(data)
        return self.stripper.feed(data)

    def drain(self, seconds: float) -> None:
        """Keep reading (so the app never blocks on a full terminal) for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.pump(min(left, 0.1))

    def wait_for(self, done: Callable[[str], bool], timeout: float, what: str, *, since: int = 0) -> float:
        """Read until ``done(text since offset)`` is true; the perf_counter when it became true.

        ``done`` sees the stripped output from ``since`` (a character offset), at most the
        last ``WINDOW`` characters: a few whole frames. The check runs on every read, on
        the machine's other core, beside the simulator: it must stay cheap (a 1 MB window
        took enough CPU during a firehose to slow the simulator the app waits on)."""
        deadline = time.monotonic() + timeout
        while True:
            chunk_timeout = max(0.0, min(0.2, deadline - time.monotonic()))
            fresh = self.pump(chunk_timeout)
            if fresh:
                now = time.perf_counter()
                if done(self.stripper.since(max(since, self.stripper.length - WINDOW))):
                    return now
            if time.monotonic() >= deadline:
                tail = self.stripper.tail[-400:]
                raise BenchError(f"no {what} within {timeout:g} s (screen tail: {tail!r})")
            if self.proc.poll() is not None:
                # drain what is left, then give up
                while self.pump(0.05):
                    pass
                if done(self.stripper.since(max(since, self.stripper.length - WINDOW))):
                    return time.perf_counter()
                raise BenchError(f"the app exited ({self.proc.returncode}) before {what}: "
                                 f"{self.stripper.tail[-300:]!r}")  # fmt: skip

    def close(self) -> None:
        kill(self.proc)
        try:
            os.close(self.master)
        except OSError:
            pass

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def temp_home() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="phrony-bench-")

