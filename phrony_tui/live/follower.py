"""Follow one run while it is live: stream, reconnect, back-fill, poll. No textual.

The follower owns a buffer; the UI drains it on a timer (``drain``) and so
draws a batch at a time, never one repaint per event. Order of work on each
connection: open the stream first, then read ``/conversation``, then the
events: a step that happens between the two reads arrives by one path or
both (the timeline de-duplicates by step id), never by neither.

- The stream ends, breaks or goes silent past the client's read timeout while
  the run is live: reconnect with capped exponential backoff and full jitter
  (first retry within 0.5 s, cap 30 s, reset after a healthy connection);
  ``429`` waits what ``Retry-After`` says. One connection attempt at a time.
- The session or the followed run turns terminal (an event, or the back-fill
  says so): stop, no further reconnects. ``stop()`` does the same.
- The stream is refused (403/404/405, or not an event stream) or hidden by
  the trigger's settings: poll ``/conversation`` instead, so status still moves.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    PhronyConnectionError,
    PhronyError,
    PhronyProtocolError,
)
from phrony_tui.client.models import Conversation, RunEvent
from phrony_tui.core.events import is_terminal_event
from phrony_tui.core.status import is_terminal

# Statuses that say "you may not stream this run": poll instead of retrying.
REFUSED = {403, 404, 405, 410, 501}
# Errors that no retry can fix: stop and show them.
FATAL = {401}


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.5
    cap: float = 30.0
    # A connection that lived this long (or brought an event) resets the backoff.
    healthy_after: float = 10.0

    def delay(self, failures: int, rng: Callable[[], float] = random.random) -> float:
        """Full jitter: uniform in [d/2, d] where d doubles per failure up to the cap."""
        ceiling = min(self.cap, self.initial * (2 ** max(failures - 1, 0)))
        return ceiling * (0.5 + 0.5 * rng())


@dataclass(frozen=True)
class FollowStatus:
    state: str = "connecting"  # connecting | connected | reconnecting | polling | closed
    retry_in: float | None = None
    received: int = 0  # events received over every connection
    malformed: int = 0  # data that was not a JSON event, skipped
    reconnects: int = 0
    error: str | None = None
    fatal: bool = False

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    @property
    def label(self) -> str:
        if self.state == "reconnecting" and self.retry_in is not None:
            text = f"reconnecting in {self.retry_in:.1f}s"
        else:
            text = self.state
        if self.error:
            text += f" — {self.error}"
        return text


@dataclass
class FollowBatch:
    """What arrived since the last ``drain``."""

    events: list[RunEvent] = field(default_factory=list)
    conversation: Conversation | None = None
    status: FollowStatus = field(default_factory=FollowStatus)
    changed: bool = False


class RunFollower:
    def __init__(
        self,
        client: PhronyClient,
        run_id: str,
        *,
        backoff: Backoff = Backoff(),
        poll_interval: float = 3.0,
        wake: Callable[[], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.run_id = run_id
        self.backoff = backoff
        self.poll_interval = poll_interval
        self.status = FollowStatus()
        self._wake = wake
        self._sleep = sleep
        self._rng = rng
        self._monotonic = monotonic
        self._events: list[RunEvent] = []
        self._conversation: Conversation | None = None
        self._changed = False
        self._stopped = False
        self._received_before = 0  # events of earlier connections
        self._malformed_before = 0
        self.backfills = 0

    # -- what the UI reads ---------------------------------------------------
    def drain(self) -> FollowBatch:
        batch = FollowBatch(self._events, self._conversation, self.status, self._changed)
        self._events = []
        self._conversation = None
        self._changed = False
        return batch

    def stop(self) -> None:
        self._stopped = True
        self._set(state="closed", retry_in=None)

    @property
    def stopped(self) -> bool:
        return self._stopped

    # -- the loop --------------------------------------------------------------
    async def run(self) -> None:
        failures = 0
        while not self._stopped:
            delay: float | None = None
            connected_at: float | None = None
            healthy = False
            stream = self.client.stream_run_events(self.run_id)
            try:
                self._set(state="connecting" if failures == 0 else "reconnecting", retry_in=None)
                async with stream:
                    connected_at = self._monotonic()
                    self._set(state="connected", error=None)
                    if await self._backfill():
                        return self._close()
                    async for event in stream:
                        healthy = True
                        self._push_event(event, stream.stats)
                        if self._is_end(event):
                            return self._close()
            except PhronyAPIError as exc:
                if exc.status in FATAL:
                    return self._close(error=str(exc), fatal=True)
                if exc.status in REFUSED:
                    return await self._poll(reason=f"stream refused ({exc.status})")
                delay = exc.retry_after if exc.status == 429 and exc.retry_after else None
                self._set(error=_short(exc))
            except PhronyProtocolError as exc:
                return await self._poll(reason=_short(exc))
            except PhronyConnectionError as exc:
                self._set(error=_short(exc))
            except PhronyError as exc:  # pragma: no cover - any other client error
                self._set(error=_short(exc))
            finally:
                self._push_stats(stream.stats, final=True)
            if self._stopped:
                break
            if self.backfills == 0 and await self._try_backfill():
                return self._close()  # no stream, but the conversation says it is over
            lived = self._monotonic() - connected_at if connected_at is not None else 0.0
            if healthy or lived >= self.backoff.healthy_after:
                failures = 0
            failures += 1
            wait = delay if delay is not None else self.backoff.delay(failures, self._rng)
            self._set(state="reconnecting", retry_in=wait, reconnects=self.status.reconnects + 1)
            await self._sleep(wait)

    async def _backfill(self) -> bool:
        """Read the whole conversation; True when the session is over."""
        conversation = await self.client.get_conversation(self.run_id)
        self.backfills += 1
        self._conversation = conversation
        self._changed = True
        self._poke()
        return _conversation_over(conversation, self.run_id)

    async def _try_backfill(self) -> bool:
        """A back-fill whose failure only means "try again later"."""
        try:
            return await self._backfill()
        except PhronyError:
            return False

    async def _poll(self, *, reason: str) -> None:
        """No stream to be had: read the conversation every ``poll_interval``."""
        failures = 0
        while not self._stopped:
            self._set(state="polling", retry_in=None, error=reason)
            try:
                if await self._backfill():
                    return self._close()
                failures = 0
                wait = self.poll_interval
            except PhronyAPIError as exc:
                if exc.status in FATAL or exc.status in REFUSED:
                    return self._close(error=str(exc), fatal=True)
                failures += 1
                wait = exc.retry_after or self.backoff.delay(failures, self._rng)
                self._set(error=_short(exc))
            except PhronyError as exc:
                failures += 1
                wait = self.backoff.delay(failures, self._rng)
                self._set(error=_short(exc))
            await self._sleep(wait)

    # -- helpers -----------------------------------------------------------------
    def _is_end(self, event: RunEvent) -> bool:
        """A completion of the session, or of the run being followed."""
        return is_terminal_event(event, root_run_id=self.run_id)

    def _push_event(self, event: RunEvent, stats) -> None:
        self._events.append(event)
        self._changed = True
        self._push_stats(stats)

    def _push_stats(self, stats, *, final: bool = False) -> None:
        received = self._received_before + stats.events
        malformed = self._malformed_before + stats.skipped
        if received != self.status.received or malformed != self.status.malformed:
            self.status = replace(self.status, received=received, malformed=malformed)
            self._changed = True
        if final:
            self._received_before, self._malformed_before = received, malformed

    def _close(self, *, error: str | None = None, fatal: bool = False) -> None:
        self._stopped = True
        self._set(state="closed", retry_in=None, error=error, fatal=fatal)

    def _set(self, **changes) -> None:
        self.status = replace(self.status, **changes)
        self._changed = True
        self._poke()

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake()


def _conversation_over(conversation: Conversation, run_id: str) -> bool:
    status = conversation.session.status
    if status and is_terminal(status):
        return True
    for run in conversation.runs:
        if run.id == run_id and run.parent_run_id is None:
            return bool(run.status) and is_terminal(run.status)
    return False


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 160 else text[:159] + "…"
