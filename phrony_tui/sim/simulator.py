"""``Simulator``: the simulated Phrony workspace behind the ASGI app.

One lock guards the whole world, so tests may call ``advance`` from their own
thread while the server thread answers requests. Streams wait on an
``asyncio.Event`` per connection, set (thread-safely) whenever the world changes.
"""

from __future__ import annotations

import asyncio
import gc
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from phrony_tui.sim.bulk import make_big_session, make_firehose_session, render_big
from phrony_tui.sim.clock import FixedClock, WallClock
from phrony_tui.sim.dialect import FRIENDLY, make_dialect
from phrony_tui.sim.engine import Engine
from phrony_tui.sim.faults import Faults
from phrony_tui.sim.scenarios import AUTOSTART, autopilot, build_world, make_agents
from phrony_tui.sim.world import Session, Upload


@dataclass(frozen=True)
class ApiKey:
    secret: str
    id: str
    name: str
    agent_ids: frozenset[str]
    uploads: bool

    def __repr__(self) -> str:  # never print the secret
        return f"ApiKey(name={self.name!r}, id={self.id!r}, uploads={self.uploads})"


@dataclass(frozen=True)
class Keys:
    """The demo keys (``phk_...`` strings)."""

    admin: str  # every demo agent, file uploads allowed
    no_uploads: str  # every demo agent, file uploads not allowed
    root_only: str  # only the multi scenario's root agent

    def __repr__(self) -> str:
        return "Keys(admin=..., no_uploads=..., root_only=...)"


class Simulator:
    """A deterministic, local stand-in for the Phrony public API (see docs/simulator.md)."""

    def __init__(
        self,
        seed: int = 7,
        clock: FixedClock | WallClock | None = None,
        live: bool = False,
        faults: Faults | None = None,
        big_steps: int = 50_000,
        *,
        firehose_events: int = 200_000,
        firehose_rate: float | None = None,
        firehose_step_ids: bool = True,
        gzip: bool = False,
        heartbeat_seconds: float = 3.0,
        autostart_seconds: float | None = None,
        dialect: str = FRIENDLY,
        history: bool = True,
    ) -> None:
        self.seed = seed
        self.clock = clock if clock is not None else WallClock()
        self.live = live
        self.faults = faults if faults is not None else Faults()
        self.big_steps = max(10, int(big_steps))
        self.firehose_events = max(0, int(firehose_events))
        #: firehose events per second (None or 0: as fast as it can); read when a stream opens
        self.firehose_rate = float(firehose_rate) if firehose_rate else None
        #: False: the firehose's step events carry the step's content only, no step id
        #: (``run_id``, ``sequence``, ``step_kind``, the message); read when a stream opens
        self.firehose_step_ids = firehose_step_ids
        #: the big session's conversation gzip-compressed for a request that accepts it
        #: (``--gzip``; a gateway may compress, the docs do not say)
        self.gzip = gzip
        self.heartbeat_seconds = heartbeat_seconds
        #: benchmarks: print "stream-first-byte RUN_ID MONOTONIC" to stderr as each stream
        #: sends its first byte (``phrony-tui sim --trace-streams``)
        self.trace_streams = False
        #: start a new session every this many simulated seconds (None: never), rotating over
        #: AUTOSTART; a colleague answers its pauses after a while (a lively demo)
        self.autostart_ms = round(autostart_seconds * 1000) if autostart_seconds else None
        self._autostarts = 0
        self.received: list[tuple[str, str, Any]] = []
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.RLock()
        #: how the simulator speaks (``friendly`` or ``docs-minimal``; phrony_tui.sim.dialect)
        self.dialect = make_dialect(dialect)
        self.engine = engine = Engine(seed, self.clock.now(), dialect=self.dialect)
        make_agents(engine)
        self._api_keys = self._make_keys()
        admin_key = self._api_keys[self.keys.admin]
        # building the world allocates ~100k objects and nothing cyclic worth collecting:
        # without this, collections scan the caller's whole heap several times (slow in big test runs)
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            build_world(engine, admin_key.id, self.big_steps, history=history)
            self.big_session = make_big_session(engine, self.big_steps, admin_key.id)
            self.firehose_session = make_firehose_session(engine, -3600_000, admin_key.id)
        finally:
            if gc_was_enabled:
                gc.enable()
        engine.changed = False
        self.agents: dict[str, str] = {key: agent.id for key, agent in engine.agents.items()}
        self.uploads: dict[str, Upload] = {}  # by token
        self.objects: dict[str, Upload] = {}  # by object key
        self._big_cache: dict[bool, bytes] = {}
        self._big_gzip: dict[bool, bytes] = {}
        self._big_lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._waiters_lock = threading.Lock()
        self.stream_generation = 0
        self._ticker: threading.Thread | None = None
        self._ticker_stop = threading.Event()

    @property
    def lock(self) -> threading.RLock:
        """The one lock of the world (re-entrant): hold it to read or change anything."""
        return self._lock

    # ---- keys ------------------------------------------------------------------------------
    def _make_keys(self) -> dict[str, ApiKey]:
        self.keys, keys = make_keys(self.seed, self.engine)
        return keys

    def key_info(self, secret: str) -> ApiKey | None:
        return self._api_keys.get(secret)

    # ---- time ------------------------------------------------------------------------------
    @property
    def now_ms(self) -> int:
        """Simulated milliseconds since the clock's start."""
        return self.engine.now_ms

    def now_iso(self) -> str:
        return self.engine.ts(self.engine.now_ms)

    def advance(self, seconds: float) -> None:
        """Move simulated time forward; scenarios progress deterministically. Thread-safe."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            engine = self.engine
            target = engine.now_ms + round(seconds * 1000)
            if self.autostart_ms:
                while (self._autostarts + 1) * self.autostart_ms <= target:
                    self._autostarts += 1
                    engine.run_until(self._autostarts * self.autostart_ms)
                    scenario, options = AUTOSTART[(self._autostarts - 1) % len(AUTOSTART)]
                    engine.start_session(engine.agents[scenario], triggered_by=None, trigger_type="scheduled",
                                         autopilot=autopilot("ok"), options=options)  # fmt: skip
            engine.run_until(target)
            changed, engine.changed = engine.changed, False
        if changed:
            self.notify()

    def start_live(self) -> None:
        """With ``live=True``: advance simulated time with the real time, in a daemon thread."""
        if not self.live or self._ticker is not None:
            return
        self._ticker_stop.clear()
        self._ticker = threading.Thread(target=self._tick, name="phrony-sim-clock", daemon=True)
        self._ticker.start()

    def stop_live(self) -> None:
        ticker = self._ticker
        if ticker is None:
            return
        self._ticker_stop.set()
        ticker.join(2)
        self._ticker = None

    def _tick(self) -> None:
        last = time.monotonic()
        while not self._ticker_stop.wait(0.1):
            now = time.monotonic()
            self.advance(now - last)
            last = now

    # ---- stream wake-ups -------------------------------------------------------------------
    def add_waiter(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._waiters_lock:
            self._waiters.add(entry)
        return entry

    def remove_waiter(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._waiters_lock:
            self._waiters.discard(entry)

    def notify(self) -> None:
        with self._waiters_lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop closed
                self.remove_waiter((loop, event))

    def shutdown_streams(self) -> None:
        """End every open stream (the server is stopping)."""
        self.stream_generation += 1
        self.notify()

    # ---- helpers for tests and the demo ----------------------------------------------------
    def start_session(self, scenario: str, run_input: Any = None, **options: Any) -> tuple[str, str]:
        """Start a session of a scenario agent in-process: ``(session_id, root_run_id)``."""
        with self._lock:
            engine = self.engine
            agent = engine.agents[scenario]
            if agent.key == "firehose":
                session = make_firehose_session(engine, engine.now_ms, None)
            else:
                session = engine.start_session(agent, run_input=run_input, triggered_by=None, options=options)
            engine.changed = False
        self.notify()
        return session.id, session.root.id

    def session_of(self, run_id: str) -> Session:
        with self._lock:
            return self.engine.runs[run_id].session

    def status(self, run_or_session_id: str) -> str:
        """The status of a session (by session id or any of its run ids)."""
        with self._lock:
            engine = self.engine
            session = engine.sessions.get(run_or_session_id) or engine.runs[run_or_session_id].session
            return session.status

    def pending_tasks(self, run_or_session_id: str) -> list[dict[str, Any]]:
        """The pending user tasks of a session: ``[{"id", "kind", "runId", "question", "options"}]``."""
        with self._lock:
            engine = self.engine
            session = engine.sessions.get(run_or_session_id) or engine.runs[run_or_session_id].session
            return [
                {"id": t.id, "kind": t.kind, "runId": t.run.id, "question": t.question, "options": t.options}
                for t in session.tasks.values()
                if t.status == "Pending"
            ]

    def find_sessions(self, scenario: str, status: str | None = None, *, any_run: bool = False) -> list[tuple[str, str]]:
        """``(session_id, root_run_id)`` of a scenario agent's sessions, newest first. ``any_run``: a
        session counts when any of its runs has ``status`` (docs-minimal keeps a sub-agent's
        ``Waiting*`` off the session)."""
        with self._lock:
            agent = self.engine.agents[scenario]
            found = [
                s for s in self.engine.session_list
                if s.agent is agent and (status is None or s.status == status
                                         or (any_run and any(r.status == status for r in s.runs)))
            ]  # fmt: skip
            found.sort(key=lambda s: (s.started_ms, s.index), reverse=True)
            return [(s.id, s.root.id) for s in found]

    def dashboard_complete(self, task_id: str, approved: bool = True) -> None:
        """What a person does in the Phrony dashboard (for dashboard-only tasks)."""
        with self._lock:
            for session in self.engine.sessions.values():
                task = session.tasks.get(task_id)
                if task is None:
                    continue
                if task.status != "Pending":
                    raise ValueError(f"user task {task_id} is no longer pending ({task.status})")
                answer = {"approved": approved, "completedByEmail": "ops@example.com"}
                waiting = session.waiting
                if getattr(waiting, "task", None) is task:
                    self.engine.deliver(session, answer)
                else:
                    self.engine.complete_task(task, answer)
                self.engine.changed = False
                break
            else:
                raise KeyError(task_id)
        self.notify()

    # ---- the big session -------------------------------------------------------------------
    def big_conversation(self, slim: bool) -> bytes:
        """The big session's conversation bytes, rendered on first use and cached."""
        cached = self._big_cache.get(slim)
        if cached is not None:
            return cached
        with self._big_lock:
            cached = self._big_cache.get(slim)
            if cached is None:
                with self._lock:  # rows only; items are immutable
                    session = self.big_session
                cached = render_big(self.engine, session, self.big_steps, slim)
                self._big_cache[slim] = cached
        return cached

    def big_conversation_gzip(self, slim: bool) -> bytes:
        """The same, gzip-compressed (level 6), compressed on first use and cached."""
        cached = self._big_gzip.get(slim)
        if cached is None:
            import gzip

            body = self.big_conversation(slim)
            with self._big_lock:
                cached = self._big_gzip.get(slim)
                if cached is None:
                    cached = self._big_gzip[slim] = gzip.compress(body, compresslevel=6, mtime=0)
        return cached

    def __repr__(self) -> str:
        return (f"<Simulator seed={self.seed} dialect={self.dialect.name} live={self.live} "
                f"t={self.engine.now_ms / 1000:.1f}s>")  # fmt: skip


def make_keys(seed: int, engine: Engine) -> tuple[Keys, dict[str, ApiKey]]:
    """The demo keys of a world (its agents made): the same for the same seed."""
    rng = random.Random(f"phrony-sim:{seed}:keys")
    everything = frozenset(agent.id for agent in engine.agents.values())
    specs = [
        ("admin", everything, True),
        ("no_uploads", everything, False),
        ("root_only", frozenset({engine.agents["multi"].id}), False),
    ]
    keys: dict[str, ApiKey] = {}
    secrets: dict[str, str] = {}
    for name, scope, uploads in specs:
        secret = "phk_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
        key_id = f"apk_{rng.getrandbits(64):016x}"
        keys[secret] = ApiKey(secret, key_id, name, scope, uploads)
        secrets[name] = secret
    return Keys(**secrets), keys


def identity(seed: int = 7) -> dict[str, Any]:
    """The agents and admin key a simulator with this seed will have, without building
    its world (milliseconds): what --demo needs before the simulator is up. The shape
    of ``sim.cli.handshake`` without ``baseUrl``."""
    engine = Engine(seed, WallClock().now())
    make_agents(engine)
    keys, _ = make_keys(seed, engine)
    agents = [{"id": a.id, "key": a.key, "name": a.name, "parentKey": a.parent_key} for a in engine.agents.values()]
    return {"adminKey": keys.admin, "agents": agents}

