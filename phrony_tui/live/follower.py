"""Follow one run while it is live: stream, reconnect, back-fill, poll. No textual.

The follower owns a buffer; the UI drains it on a timer (``drain``) and so
draws a batch at a time, never one repaint per event. ``wake`` is called when
something the person should see at once arrives (a conversation, a state
change); events themselves wait for the timer.

Each connection: open the stream first, then read ``/conversation``, then the
events. A step that happens between the two reads arrives by one path or both
(the timeline de-duplicates by step id), never by neither. Events received
before a back-fill are *superseded* by it (the conversation was read after
them, so it holds their effect): ``FollowBatch.fresh_events`` are the ones to
apply to the session state, ``FollowBatch.events`` all of them, for the log.

- The stream ends, breaks, or goes silent (no byte, heartbeats included) for
  ``stall_timeout`` seconds (the watchdog here) or the client's
  ``stream_read_timeout``, while the run is live: reconnect with capped
  exponential backoff and jitter (the first retry within ``Backoff.initial``
  seconds, 0.5 by default; cap 30 s; reset after a healthy connection: one
  that brought an event or lived ``healthy_after`` seconds). ``429`` waits what
  ``Retry-After`` says. One request at a time: never two attempts in flight.
- The session or the followed run turns terminal (an event, a back-fill or a
  poll says so): one last back-fill (the synthetic ``RunCompleted`` /
  ``SessionCompleted`` rows are not streamed), then stop: no further requests.
  ``stop()`` stops at once, cancelling what is in flight; so does cancelling
  the task that runs ``run()``.
- The stream is refused (403/404/405/410/501, or not an event stream) or the
  trigger hides the timeline (redacted, output-only): poll
  ``GET /v1/runs/{id}`` every ``poll_interval`` and read ``/conversation``
  when the status changes (each poll while ``Running``, unless redacted: a
  redacted conversation has no steps to gain), so status still moves.
- ``401`` (a bad key) stops at once with the error: no retry can fix it.
- A pause is confirmed, not assumed (the docs promise no ``status`` in events): a
  task-like step, a ``user_task``/``aitl`` event or a run/session event without a
  status (``live.pause_signals``) schedules one ``GET /v1/runs/{id}`` after
  ``CONFIRM_DELAY`` (a burst costs one call), then a back-fill when a task may
  have appeared or the status moved. A back-fill is handed over only if no event
  arrived while it was read (it is then newer than everything buffered).
- A silent stream is probed before it is dropped: when the watchdog fires while
  the run waits on someone and ``GET /v1/runs/{id}`` says it still waits in the
  same way, the stream is kept (a long human pause has no heartbeat to send);
  otherwise it is reconnected (and back-filled) as before.
- A connection resets the backoff when it lived ``Backoff.healthy_after`` s, or
  brought ``healthy_events`` events, or brought some and lived
  ``event_healthy_after`` s: a server that sends one event and closes at once backs
  off like any other failure (each reconnect costs a back-fill).

Every error text that reaches ``FollowStatus`` goes through
``core.safe_text.one_line`` (server words end up in the live log header).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    PhronyConnectionError,
    PhronyError,
    PhronyProtocolError,
)
from phrony_tui.client.sse import StreamStats
from phrony_tui.core.events import is_terminal_event
from phrony_tui.core.redaction import REDACTED_NOTE, is_redacted
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import is_running, is_terminal, is_waiting
from phrony_tui.live.pause_signals import PauseSignals, read_signals
from phrony_tui.live.prefetch import ConversationParts

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, ConversationItem, RunEvent

log = logging.getLogger(__name__)

__all__ = ["REDACTED_NOTE", "Backoff", "FollowBatch", "FollowStalled", "FollowStatus", "RunFollower"]

_GET_KIND = attrgetter("kind")
_STEPS_ONLY = {"step"}
# The follower's status counters are refreshed every this many events (and on drain).
STATUS_EVERY = 1000
YIELD_EVERY = 0.004  # seconds of reading at most between two turns of the UI's event loop
SHOWN_WAIT = 1.0  # seconds the stream waits for the UI to draw a prefetched conversation
# Statuses that say "you may not stream this run": poll instead of retrying.
REFUSED = frozenset({403, 404, 405, 410, 501})
# Errors that no retry can fix: stop and show them.
FATAL = frozenset({401})
# In polling mode, read the whole conversation at least every this many polls.
FULL_POLL_EVERY = 10
# The last back-fill after the end: tries, for transient errors.
FINAL_BACKFILL_ATTEMPTS = 3
ERROR_LIMIT = 200
# A burst of pause-like events is confirmed once, this long (seconds) after its first.
CONFIRM_DELAY = 0.2
# A confirming back-fill that events overtook is read again at most this many times.
CONFIRM_BACKFILL_TRIES = 3


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.5
    cap: float = 30.0
    # A connection that lived this long resets the backoff...
    healthy_after: float = 10.0
    # ... and so does one that brought this many events, or brought any and lived at
    # least ``event_healthy_after`` s: a stream that sends one event and closes at once is
    # a failure like any other (each reconnect costs a whole back-fill).
    healthy_events: int = 3
    event_healthy_after: float = 1.0
    # Retry-After is obeyed, up to this (a bogus "Retry-After: 1e9" must not hang the follower).
    max_retry_after: float = 900.0

    def delay(self, failures: int, rng: Callable[[], float] = random.random) -> float:
        """Jitter in [d/2, d] where d doubles per failure (1, 2, 3...) up to the cap."""
        ceiling = min(self.cap, self.initial * (2 ** min(max(failures - 1, 0), 60)))
        return ceiling * (0.5 + 0.5 * rng())

    def wait(self, failures: int, retry_after: float | None, rng: Callable[[], float] = random.random) -> float:
        """What to wait before the next attempt: ``Retry-After`` when the server gave one."""
        if retry_after is not None and retry_after > 0:
            return min(retry_after, self.max_retry_after)
        return self.delay(failures, rng)


@dataclass(frozen=True)
class FollowStatus:
    state: str = "connecting"  # connecting | connected | reconnecting | polling | closed
    retry_in: float | None = None  # seconds until the next attempt, while waiting for it
    received: int = 0  # events received (handed to the buffer) over every connection
    malformed: int = 0  # data that was not a JSON event, skipped (every connection)
    reconnects: int = 0  # reconnect attempts scheduled
    error: str | None = None  # the last problem, safe to show
    fatal: bool = False  # closed by an error no retry can fix
    note: str | None = None  # why the follower polls (shown when there is no error)

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    @property
    def label(self) -> str:
        """One line for the live log header: ``connected``, ``reconnecting in 1.2s — why``..."""
        if self.state == "reconnecting" and self.retry_in is not None:
            text = f"reconnecting in {self.retry_in:.1f}s"
        else:
            text = self.state
        detail = self.error or self.note
        if detail:
            text += f" — {detail}"
        return text


@dataclass
class FollowBatch:
    """What arrived since the last ``drain``.

    ``events``: every event, in order (for the live log). ``conversation``: the
    newest back-fill, if one arrived. ``superseded``: how many of ``events``
    came before that back-fill and are already in it; ``fresh_events`` are the
    rest, the ones to apply on top of it. Applying a superseded event after the
    newer conversation could move a status backwards.
    """

    events: list[RunEvent] = field(default_factory=list)
    conversation: Conversation | None = None
    status: FollowStatus = field(default_factory=FollowStatus)
    changed: bool = False
    superseded: int = 0
    # The first conversation read in parts (ConversationParts): rows that came after its
    # first part, to add to it; ``opening`` while more of it is to come.
    more_items: list[ConversationItem] = field(default_factory=list)
    opening: bool = False

    @property
    def fresh_events(self) -> list[RunEvent]:
        return self.events[self.superseded :] if self.superseded else self.events


class FollowStalled(PhronyConnectionError):
    """The stream sent no byte (not even a heartbeat) for ``stall_timeout`` seconds."""


class _Outcome:
    OVER = "over"  # the back-fill says the session or the followed run is over
    TERMINAL = "terminal"  # an event says so (a last back-fill brings the final rows)
    REDACTED = "redacted"  # the trigger hides the timeline: poll instead
    ENDED = "ended"  # the server closed the stream while the run is live


class RunFollower:
    """Follows ``run_id`` until it is over or ``stop()`` is called. ``run()`` once.

    ``sleep`` is what waits between attempts and polls (inject one to record
    the waits); ``rng`` the jitter; ``monotonic`` the clock of the backoff's
    "healthy connection" rule. The stall watchdog uses the event loop's clock.
    """

    def __init__(
        self,
        client: PhronyClient,
        run_id: str,
        *,
        backoff: Backoff = Backoff(),
        poll_interval: float = 3.0,
        stall_timeout: float | None = 45.0,
        wake: Callable[[], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
        initial: Awaitable[Conversation] | ConversationParts | None = None,
        shown: Callable[[], Awaitable[object]] | None = None,
        parse_off_loop: bool = True,
        confirm_window: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if stall_timeout is not None and stall_timeout <= 0:
            raise ValueError("stall_timeout must be positive (or None to rely on the client's read timeout)")
        self.client = client
        self.run_id = run_id
        # The stream's big chunks are parsed in a thread of its own (client.stream): this
        # loop (the UI's) only reads the socket and takes the events, ready, in order.
        self.parse_off_loop = parse_off_loop
        # A conversation already on its way (read while the app was starting): shown
        # at once (in parts as they come, when it is read so); a live session is still
        # back-filled after its stream opens.
        self._initial = initial
        self._more_items: list[ConversationItem] = []
        self._opening = False
        self._parts_head: Conversation | None = None  # the parts' head, once handed over
        self._parts_ended = False
        # Awaited (at most SHOWN_WAIT s) once that conversation is handed over, before the
        # stream opens: the UI draws the session first, then the stream's burst comes.
        self._shown = shown
        self.backoff = backoff
        self.poll_interval = poll_interval
        self.stall_timeout = stall_timeout
        self.status = FollowStatus()
        self._wake = wake
        self._sleep = sleep
        self._rng = rng
        self._monotonic = monotonic
        # the buffer the UI drains
        self._events: list[RunEvent] = []
        self._conversation: Conversation | None = None
        self._superseded = 0
        self._changed = False
        # the loop
        self._stopped = False
        self._started = False
        self._task: asyncio.Task[None] | None = None
        self._watch: StreamStats | None = None  # the stream being read (after its back-fill)
        self._phase = "stream"  # "stream" while connecting, "backfill" while reading /conversation
        self._got_event = False  # the current connection brought an event
        self._connected_at: float | None = None  # when it opened (monotonic)
        self._last_run_status: str | None = None  # the followed run's status in the last back-fill
        self._received = 0  # events handed to the buffer, every connection
        self._received_at_connect = 0  # ... when the current connection was attempted
        self._malformed_before = 0
        # figures, for tests and a debug view
        self.connections = 0  # streams opened
        self.backfills = 0  # conversations read
        self.polls = 0  # GET /v1/runs/{id} made while polling
        self.stalls = 0  # streams the watchdog gave up on
        self.confirms = 0  # GET /v1/runs/{id} made to confirm a pause the events did not state
        self.confirm_backfills = 0  # conversations read (and handed over) after such a confirmation
        self.probes = 0  # GET /v1/runs/{id} made when a stream went silent
        self.kept_silent = 0  # silent streams kept because the run still waits the same way
        self._signals = PauseSignals()  # what the events said about pauses since the last confirmation
        self._confirmer: asyncio.Task[None] | None = None
        # Awaited with CONFIRM_DELAY before a confirmation: the window a burst is folded
        # over (a test holds it open until its whole burst has arrived).
        self._confirm_window = confirm_window
        self.heartbeats = 0  # comment lines over every connection
        self.bytes = 0  # stream bytes over every connection
        self.waits: list[float] = []  # every wait between attempts and polls, in order

    # -- what the UI reads ---------------------------------------------------
    def drain(self) -> FollowBatch:
        if self._watch is not None:
            self._push_stats(self._watch)
        elif self._received != self.status.received:
            self.status = replace(self.status, received=self._received)
        batch = FollowBatch(self._events, self._conversation, self.status, self._changed, self._superseded,
                            self._more_items, self._opening)  # fmt: skip
        self._more_items = []
        self._events = []
        self._conversation = None
        self._superseded = 0
        self._changed = False
        return batch

    @property
    def has_news(self) -> bool:
        """Something arrived that ``drain`` has not handed out yet."""
        return self._changed

    def stop(self) -> None:
        """Stop following now: no further requests; what is in flight is cancelled."""
        if self._stopped and self.status.closed:
            return
        self._stopped = True
        self._set(state="closed", retry_in=None)
        self._cancel_confirmer()
        task = self._task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    @property
    def stopped(self) -> bool:
        return self._stopped

    # -- the loop --------------------------------------------------------------
    async def run(self) -> None:
        """Follow until the run is over, ``stop()`` or cancellation. Returns normally
        after ``stop()``; re-raises ``CancelledError`` when its own task is cancelled."""
        if self._started:
            raise RuntimeError("RunFollower.run() was already called: make a new follower")
        self._started = True
        if self._stopped:
            return
        task = asyncio.ensure_future(self._follow())
        self._task = task
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the caller cancelled us (the person left the run): not ours to swallow
            # stop() cancelled the inner task: a normal end
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
            self._task = None
            self._stopped = True
            confirmer = self._confirmer
            self._cancel_confirmer()
            if confirmer is not None and not confirmer.done():
                await asyncio.wait({confirmer})
            if not self.status.closed:
                self._set(state="closed", retry_in=None)

    async def _follow(self) -> None:
        if self._initial is not None:
            initial, self._initial = self._initial, None
            try:
                if isinstance(initial, ConversationParts):
                    conversation = await self._read_parts(initial)
                else:
                    conversation = self._deliver(await initial)
            except PhronyError:
                pass  # the usual path below reads it again and reports what fails
            else:
                if _conversation_over(conversation, self.run_id):
                    return self._close()
                if self._shown is not None:
                    try:
                        await asyncio.wait_for(self._shown(), SHOWN_WAIT)
                    except TimeoutError:
                        pass  # drawn or not, the stream must not wait longer
        failures = 0
        while not self._stopped:
            self._set(state="connecting" if self.connections == 0 else "reconnecting", retry_in=None)
            retry_after: float | None = None
            error: Exception | None = None
            self._phase = "stream"
            self._got_event = False
            self._connected_at = None
            self._received_at_connect = self._received
            try:
                outcome = await self._supervise(asyncio.ensure_future(self._connection()))
            except PhronyAPIError as exc:
                if exc.status in FATAL:
                    return self._close(error=str(exc), fatal=True)
                if exc.status in REFUSED:
                    if self._phase == "stream":
                        return await self._poll(note=f"stream refused ({exc.status})")
                    return self._close(error=str(exc), fatal=True)
                if exc.status == 429:
                    retry_after = exc.retry_after
                error = exc
            except PhronyProtocolError as exc:
                if self._phase == "stream":  # not an event stream (a proxy?): poll instead
                    return await self._poll(note=f"no event stream ({_short(exc)})")
                error = exc  # a conversation that does not parse: retry later
            except PhronyError as exc:  # connection errors, timeouts, stalls
                error = exc
            else:
                if outcome == _Outcome.OVER:
                    return self._close()
                if outcome == _Outcome.TERMINAL:
                    await self._final_backfill()
                    return self._close()
                if outcome == _Outcome.REDACTED:
                    return await self._poll(note=REDACTED_NOTE, redacted=True, fresh=True)
            if self._stopped:
                return
            rate_limited = isinstance(error, PhronyAPIError) and error.status == 429
            # No stream yet: show the conversation meanwhile (never right after a 429).
            if self.backfills == 0 and error is not None and not rate_limited and await self._try_backfill():
                return self._close()
            lived = self._monotonic() - self._connected_at if self._connected_at is not None else 0.0
            if self._healthy(lived):
                failures = 0
            failures += 1
            wait = self.backoff.wait(failures, retry_after, self._rng)
            reason = _short(error) if error is not None else "the server ended the stream"
            self._set(state="reconnecting", retry_in=wait, reconnects=self.status.reconnects + 1, error=reason)
            await self._wait(wait)

    async def _supervise(self, connection: asyncio.Future[str]) -> str:
        """Wait for one connection; give up on it when its stream goes silent."""
        try:
            if self.stall_timeout is None:
                return await connection
            loop = asyncio.get_running_loop()
            tick = max(0.01, min(1.0, self.stall_timeout / 5))
            watched: StreamStats | None = None
            seen = -1
            last = loop.time()
            while True:
                done, _ = await asyncio.wait({connection}, timeout=tick)
                if done:
                    return connection.result()
                stats = self._watch
                if stats is None:
                    continue  # connecting or back-filling: the client's timeouts apply
                self._push_stats(stats)
                now = loop.time()
                if stats is not watched or stats.bytes != seen:
                    watched, seen, last = stats, stats.bytes, now
                elif now - last >= self.stall_timeout:
                    if await self._still_waiting():
                        last = now  # a person's pause: silence is what such a stream sends
                        self.kept_silent += 1
                        continue
                    connection.cancel()
                    await asyncio.wait({connection})
                    if not connection.cancelled():
                        return connection.result()  # it ended by itself meanwhile
                    self.stalls += 1
                    raise FollowStalled(
                        f"the stream sent nothing for {self.stall_timeout:g} s (not even a heartbeat)"
                    )
        finally:
            if not connection.done():
                connection.cancel()
                await asyncio.wait({connection})

    async def _connection(self) -> str:
        """One stream: connect, back-fill, read events. Errors propagate."""
        stream = self.client.stream_run_events(self.run_id, lazy=True, parse_off_loop=self.parse_off_loop)
        try:
            async with stream:
                self.connections += 1
                self._connected_at = self._monotonic()
                self._set(state="connected", retry_in=None, error=None)
                self._phase = "backfill"
                conversation = await self._backfill()
                self._phase = "events"
                if _conversation_over(conversation, self.run_id):
                    return _Outcome.OVER
                if _conversation_redacted(conversation):
                    return _Outcome.REDACTED
                self._watch = stream.stats
                loop = asyncio.get_running_loop()
                yielded = loop.time()
                async for events in stream.batches():  # a list per chunk read: busy streams come in bursts
                    if self._stopped:
                        return _Outcome.ENDED
                    self._got_event = True
                    if set(map(_GET_KIND, events)) != _STEPS_ONLY:  # a step never ends a run
                        for index, event in enumerate(events):
                            if event.kind != "step" and self._is_end(event):
                                self._push_events(events[: index + 1], stream.stats)
                                return _Outcome.TERMINAL
                    self._push_events(events, stream.stats)
                    self._note_signals(events)
                    if loop.time() - yielded > YIELD_EVERY:
                        # Reading a socket that always has data never suspends: let the UI in.
                        await asyncio.sleep(0)
                        yielded = loop.time()
                return _Outcome.ENDED
        finally:
            self._watch = None
            self._push_stats(stream.stats, final=True)

    def _healthy(self, lived: float) -> bool:
        """The connection that just ended worked: the backoff starts again from the bottom."""
        backoff = self.backoff
        if lived >= backoff.healthy_after:
            return True
        brought = self._received - self._received_at_connect
        return brought >= backoff.healthy_events or (brought > 0 and lived >= backoff.event_healthy_after)

    # -- confirming what the events do not say ------------------------------------
    def _note_signals(self, events: list[RunEvent]) -> None:
        # Folded over the whole CONFIRM_DELAY window: a step and the status event that
        # states its pause may come in different reads.
        signals = read_signals(events, self._signals)
        if (signals.task or signals.unsure) and (self._confirmer is None or self._confirmer.done()):
            self._confirmer = asyncio.ensure_future(self._confirm())

    async def _confirm(self) -> None:
        """One status call per burst; a back-fill when a task may have appeared or the
        status moved. A 429 is waited out (``Retry-After``) and asked again; other
        failures are left to the stream's own handling (logged only)."""
        failures = 0
        while not self._stopped:
            await self._confirm_window(CONFIRM_DELAY)
            signals, self._signals = self._signals, PauseSignals()
            if not signals.must_confirm:
                return  # the events said it themselves meanwhile
            try:
                status = (await self.client.get_run(self.run_id)).status
                self.confirms += 1
                if signals.task or status != self._last_run_status:
                    await self._confirming_backfill()
                return
            except PhronyAPIError as exc:
                if exc.status != 429 or failures >= FINAL_BACKFILL_ATTEMPTS:
                    log.info("confirming a pause of %s failed: %s", self.run_id, _short(exc))
                    return
                failures += 1
                self._signals.task |= signals.task
                self._signals.unsure |= signals.unsure
                await self._wait(self.backoff.wait(failures, exc.retry_after, self._rng))
            except PhronyError as exc:
                log.info("confirming a pause of %s failed: %s", self.run_id, _short(exc))
                return

    async def _confirming_backfill(self) -> None:
        for _ in range(CONFIRM_BACKFILL_TRIES):
            before = self._received
            conversation = await self.client.get_conversation(self.run_id, lazy=True)
            if self._stopped:
                return
            if self._received == before:  # newer than every event buffered or drained
                self.confirm_backfills += 1
                self._deliver(conversation)
                return
        log.info("a confirming back-fill of %s was overtaken by events %d times", self.run_id, CONFIRM_BACKFILL_TRIES)

    async def _still_waiting(self) -> bool:
        """The stream is silent: does the run still wait the way the last back-fill said?"""
        if not is_waiting(self._last_run_status):
            return False
        try:
            status = (await self.client.get_run(self.run_id)).status
        except PhronyError:
            return False
        finally:
            self.probes += 1
        return status == self._last_run_status

    def _cancel_confirmer(self) -> None:
        confirmer = self._confirmer
        if confirmer is not None and not confirmer.done() and confirmer is not asyncio.current_task():
            confirmer.cancel()

    async def _backfill(self) -> Conversation:
        """Read the whole conversation into the buffer; the events before it are superseded."""
        return self._deliver(await self.client.get_conversation(self.run_id, lazy=True))

    def prime(self) -> bool:
        """Take the parts of a first conversation read in parts that are in already, now
        (before ``run()``'s task gets to them), so the UI can draw them in its first frame;
        True when that handed a conversation over. The rest comes as usual."""
        parts = self._initial
        if not isinstance(parts, ConversationParts) or self._parts_head is not None:
            return False
        pieces = parts.take_nowait()
        if any(kind == "error" for kind, _ in pieces) or not any(kind in ("head", "whole") for kind, _ in pieces):
            parts.put_back(pieces)  # nothing to draw yet, or a failure the usual path reports
            return False
        self._opening = True
        self._parts_ended = self._take_parts(pieces)
        return True

    async def _read_parts(self, parts: ConversationParts) -> Conversation:
        """Hand the first conversation over as its parts come: the head builds the state,
        more rows are added to it (``FollowBatch.more_items``), a whole one is merged.
        Returns the head (its session and runs are whole) or the last whole one."""
        self._opening = True
        try:
            while not self._parts_ended:
                self._parts_ended = self._take_parts(await parts.take())
            head = self._parts_head
            if head is None:  # "end" before any conversation: the usual path reads it
                raise PhronyProtocolError("the conversation read while starting came empty")
            return head
        finally:
            self._parts_head = None
            self._opening = False
            self._changed = True
            self._poke()

    def _take_parts(self, pieces: Sequence[tuple[str, Any]]) -> bool:
        """Into the buffer; True at the end."""
        for kind, value in pieces:
            if kind in ("head", "whole"):
                self._parts_head = self._deliver(value)
                self._more_items = []  # in it (a whole one), or none yet (a head)
            elif kind == "items":
                self._more_items.extend(value)
                self._changed = True
                self._poke()
            elif kind == "error":
                raise value
            else:
                return True
        return False

    def _deliver(self, conversation: Conversation) -> Conversation:
        self.backfills += 1
        self._last_run_status = _run_status(conversation, self.run_id)
        self._conversation = conversation
        self._superseded = len(self._events)
        self._changed = True
        self._poke()
        return conversation

    async def _try_backfill(self) -> bool:
        """A back-fill whose failure only means "try again later"; True when the run is over."""
        try:
            return _conversation_over(await self._backfill(), self.run_id)
        except PhronyError:
            return False

    async def _final_backfill(self) -> None:
        """The run is over: read the conversation once more (the synthetic completion
        rows and the final task statuses are not streamed). Transient errors (5xx,
        429, the network) are retried a few times with the usual waits; others give up."""
        for attempt in range(1, FINAL_BACKFILL_ATTEMPTS + 1):
            try:
                await self._backfill()
                return
            except PhronyAPIError as exc:
                if attempt == FINAL_BACKFILL_ATTEMPTS or not (exc.status == 429 or exc.status >= 500):
                    return
                wait = self.backoff.wait(attempt, exc.retry_after if exc.status == 429 else None, self._rng)
            except PhronyConnectionError:
                if attempt == FINAL_BACKFILL_ATTEMPTS:
                    return
                wait = self.backoff.delay(attempt, self._rng)
            except PhronyError:
                return
            if self._stopped:
                return
            await self._wait(wait)

    async def _poll(self, *, note: str, redacted: bool = False, fresh: bool = False) -> None:
        """No stream to be had: poll the run's status; read the conversation when it moves.
        ``fresh``: a back-fill was just read (poll first, read the conversation when due)."""
        failures = 0
        ticks = 1 if fresh else 0
        last_status: str | None = self._last_run_status if fresh else None
        run_route = True  # False once GET /v1/runs/{id} is refused: conversations only
        self._set(state="polling", retry_in=None, error=None, note=one_line(note, ERROR_LIMIT))
        if fresh:
            await self._wait(self.poll_interval)
        while not self._stopped:
            try:
                status: str | None = None
                if run_route:
                    try:
                        status = (await self.client.get_run(self.run_id)).status
                        self.polls += 1
                    except PhronyAPIError as exc:
                        if exc.status not in REFUSED:
                            raise
                        run_route = False
                    except PhronyProtocolError:  # a run body we cannot read: conversations only
                        run_route = False
                changed = status != last_status
                last_status = status
                due = (
                    not run_route
                    or changed
                    or ticks % FULL_POLL_EVERY == 0
                    or (not redacted and is_running(status))
                )
                if status is not None and is_terminal(status):
                    await self._final_backfill()
                    return self._close()
                if due and _conversation_over(await self._backfill(), self.run_id):
                    return self._close()
                failures = 0
                ticks += 1
                wait = self.poll_interval
                self._set(state="polling", retry_in=None, error=None)
            except PhronyAPIError as exc:
                if exc.status in FATAL or exc.status in REFUSED:
                    return self._close(error=str(exc), fatal=True)
                failures += 1
                wait = self.backoff.wait(failures, exc.retry_after if exc.status == 429 else None, self._rng)
                self._set(error=_short(exc))
            except PhronyError as exc:
                failures += 1
                wait = self.backoff.wait(failures, None, self._rng)
                self._set(error=_short(exc))
            await self._wait(wait)

    # -- helpers -----------------------------------------------------------------
    async def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self._sleep(seconds)

    def _is_end(self, event: RunEvent) -> bool:
        """A completion of the session, or of the run being followed."""
        return is_terminal_event(event, root_run_id=self.run_id)

    def _push_events(self, events: list[RunEvent], stats: StreamStats) -> None:
        # Only the buffer: the status (a frozen dataclass) is refreshed on drain and
        # now and then, not 20,000 times a second.
        before = self._received
        self._events.extend(events)
        self._received += len(events)
        self._changed = True
        if self._received // STATUS_EVERY != before // STATUS_EVERY:
            self._push_stats(stats)

    def _push_stats(self, stats: StreamStats, *, final: bool = False) -> None:
        # ``received`` counts the events handed to the buffer (the stream may have
        # parsed a few more in the same chunk as the end); ``malformed`` the data skipped.
        malformed = self._malformed_before + stats.skipped
        if self._received != self.status.received or malformed != self.status.malformed:
            self.status = replace(self.status, received=self._received, malformed=malformed)
            self._changed = True
        if final:
            self._malformed_before = malformed
            self.heartbeats += stats.heartbeats
            self.bytes += stats.bytes

    def _close(self, *, error: str | None = None, fatal: bool = False) -> None:
        self._stopped = True
        self._cancel_confirmer()
        self._set(
            state="closed",
            retry_in=None,
            error=one_line(error, ERROR_LIMIT) if error else None,
            fatal=fatal,
            note=None,
        )

    def _set(self, **changes) -> None:
        if "error" in changes and changes["error"] is not None:
            changes["error"] = one_line(changes["error"], ERROR_LIMIT)
        self.status = replace(self.status, **changes)
        self._changed = True
        self._poke()

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake()


def _conversation_over(conversation: Conversation, run_id: str) -> bool:
    """The session is over, or the followed run is."""
    status = conversation.session.status
    if status and is_terminal(status):
        return True
    for run in conversation.runs:
        if run.id == run_id:
            return bool(run.status) and is_terminal(run.status)
    return False


def _run_status(conversation: Conversation, run_id: str) -> str | None:
    for run in conversation.runs:
        if run.id == run_id:
            return run.status
    return None


def _conversation_redacted(conversation: Conversation) -> bool:
    """The trigger hides the timeline (core.redaction's rule, as ``SessionState.redacted``)."""
    return is_redacted(conversation)


def _short(error: BaseException) -> str:
    return one_line(str(error) or type(error).__name__, ERROR_LIMIT)
