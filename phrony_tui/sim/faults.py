"""Faults the simulator can inject, all off by default.

Request-level shares (``rate_limit_share``, ``error_share``) are deterministic:
request *n* (1-based, counted per ``Faults`` object over ``/v1`` requests) is
hit when ``floor(n * share)`` grows, so a share of 0.5 hits every second
request and 1.0 hits all of them. Replacing ``sim.faults`` restarts the count.
Stream faults count the ``data`` events sent on each connection.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, fields


@dataclass
class Faults:
    #: close each stream after this many events
    cut_after_events: int | None = None
    #: after this many events, send nothing (no heartbeat either) for ``stall_seconds``, then go on
    stall_after_events: int | None = None
    stall_seconds: float = 30.0
    #: after every N-th event, send an extra ``data`` line that is not JSON
    malformed_every: int | None = None
    #: delay before answering every request (uploads included)
    latency_ms: int = 0
    #: share of /v1 requests answered 429 with ``Retry-After: retry_after``
    rate_limit_share: float = 0.0
    retry_after: float = 1
    #: share of /v1 requests answered 500
    error_share: float = 0.0

    _count: int = field(default=0, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("rate_limit_share", "error_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {share!r}")
        for name in ("cut_after_events", "stall_after_events", "malformed_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    @staticmethod
    def _hit(n: int, share: float) -> bool:
        return share > 0 and math.floor(n * share + 1e-9) > math.floor((n - 1) * share + 1e-9)

    def next_request(self) -> str | None:
        """Count one request; ``"rate_limit"``, ``"error"`` or None for this one."""
        with self._lock:
            self._count += 1
            n = self._count
        if self._hit(n, self.rate_limit_share):
            return "rate_limit"
        if self._hit(n, self.error_share):
            return "error"
        return None

    @property
    def any_stream_fault(self) -> bool:
        return bool(self.cut_after_events or self.stall_after_events or self.malformed_every)

    @classmethod
    def from_pairs(cls, pairs: list[str]) -> Faults:
        """``["latency_ms=50", "error_share=0.1"]`` -> Faults (for the CLI)."""
        known = {f.name: f for f in fields(cls) if f.init}
        values: dict[str, object] = {}
        for pair in pairs:
            name, sep, raw = pair.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in known:
                raise ValueError(f"unknown fault {pair!r}; known: {', '.join(sorted(known))}")
            kind = known[name].type
            try:
                if "float" in str(kind):
                    values[name] = float(raw)
                else:
                    values[name] = int(raw)
            except ValueError:
                raise ValueError(f"fault {name} needs a number, got {raw!r}") from None
        return cls(**values)  # type: ignore[arg-type]
