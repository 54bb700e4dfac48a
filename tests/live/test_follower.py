"""The follower against a scripted fake Phrony: each behaviour on its own, deterministic."""

from __future__ import annotations

import asyncio

import pytest
from live_helpers import (
    RUN,
    Answer,
    Folder,
    Scripted,
    SleepLog,
    Stream,
    conversation,
    follow,
    item,
    run_event,
    session_event,
    sse,
    step_event,
)

from phrony_tui.live.follower import REDACTED_NOTE, Backoff, RunFollower
from tests.support.waiting import wait_for

FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\u200b", "\x00")
DONE = [run_event("engine.run.completed", "Completed")]


def follower_for(server: Scripted, sleep: SleepLog | None = None, **kwargs) -> RunFollower:
    """A follower on the scripted server; ``follower.labels`` records every label it
    showed (through ``wake``, which is called on each state change)."""
    kwargs.setdefault("rng", lambda: 1.0)  # the top of each jitter range: deterministic waits
    labels: list[str] = []
    follower = RunFollower(server.client(), RUN, sleep=sleep or SleepLog(), wake=lambda: record(), **kwargs)

    def record() -> None:
        if not labels or labels[-1] != follower.status.label:
            labels.append(follower.status.label)

    follower.labels = labels  # type: ignore[attr-defined]
    return follower


# -- merging ---------------------------------------------------------------------------------------


async def test_live_duplicates_of_backfilled_steps_are_kept_once_and_order_holds():
    # The stream opens before the back-fill reads steps 1-2; the stream then also
    # delivers 1 and 2 (they happened between the two reads), then 3 and the end.
    final = conversation("Completed", [item(n) for n in (1, 2, 3)] + [item(4, type_="RunCompleted")])
    server = Scripted(
        [Stream([sse(step_event(1), step_event(2), step_event(3)), 0.1, sse(*DONE)])],
        [conversation("Running", [item(1), item(2)]), final],
    )
    follower = follower_for(server)
    folder = await follow(follower)
    assert folder.duplicates == 2  # two live events repeated back-filled steps...
    assert folder.step_events == 3
    assert folder.ids() == ["step-1", "step-2", "step-3", "step-4"]  # ...and each step is there once
    assert [row.ordinal for row in folder.state.timeline] == [1, 2, 3, 4]
    assert follower.status.state == "closed" and follower.status.received == 4
    # the end came as an event: one last back-fill brought the synthetic RunCompleted row
    assert server.count("conversation") == 2 and follower.connections == 1


async def test_events_before_a_backfill_are_superseded_so_status_never_moves_back():
    # Connection 1 says the run resumed, then is cut; while we reconnect the run
    # completes (its end is not streamed to us). Drained in one batch, the old
    # "Running" must not be applied on top of the newer "Completed" conversation.
    server = Scripted(
        [Stream([sse(run_event("engine.run.resumed", "Running"))]), Stream([sse()], hang=True)],
        [conversation("WaitingForHITL"), conversation("Completed", [item(1, type_="SessionCompleted")])],
    )
    follower = follower_for(server)
    task = asyncio.ensure_future(follower.run())
    await asyncio.wait_for(task, 10)
    batch = follower.drain()  # everything in one batch: the UI was slow
    assert len(batch.events) == 1 and batch.superseded == 1 and batch.fresh_events == []
    folder = Folder(RUN)
    await folder.apply(batch)
    assert folder.state.status == "Completed"
    assert folder.state.runs[RUN].status == "Completed"


# -- ending ----------------------------------------------------------------------------------------


async def test_terminal_event_stops_with_one_last_backfill_and_nothing_after():
    server = Scripted(
        [Stream([sse(step_event(1), session_event("Completed"))], hang=True)],
        [conversation("Running"), conversation("Completed", [item(1), item(2, type_="SessionCompleted")])],
    )
    follower = follower_for(server)
    folder = await follow(follower)
    assert folder.state.status == "Completed"
    assert folder.ids() == ["step-1", "step-2"]
    log = list(server.log)
    await asyncio.sleep(0.1)
    assert server.log == log == [("stream", 200), ("conversation", 200), ("conversation", 200)]
    assert server.open_streams == 0  # the hanging stream was closed, not left open
    assert follower.waits == []


async def test_a_terminal_backfill_closes_without_reading_events():
    server = Scripted([Stream([sse(step_event(1))], hang=True)], [conversation("Failed")])
    follower = follower_for(server)
    await follow(follower)
    assert follower.status.closed and follower.status.error is None
    assert server.log == [("stream", 200), ("conversation", 200)] and server.open_streams == 0


async def test_stop_while_connected_to_a_quiet_stream_returns_at_once():
    server = Scripted([Stream([sse(step_event(1))], hang=True)], [conversation("Running")])
    follower = follower_for(server)
    task = asyncio.ensure_future(follower.run())
    await wait_for(lambda: follower.status.received == 1)
    follower.stop()
    await asyncio.wait_for(task, 2)  # returns normally (no CancelledError)
    assert follower.status.closed and server.open_streams == 0
    log = list(server.log)
    await asyncio.sleep(0.1)
    assert server.log == log  # nothing after stop()


async def test_stop_during_a_backoff_wait_makes_no_further_request():
    server = Scripted([Stream(status=503)], [conversation("Running")])
    follower = follower_for(server, SleepLog(real=3600))  # a wait that would last an hour
    task = asyncio.ensure_future(follower.run())
    await wait_for(lambda: follower.status.state == "reconnecting" and follower.status.retry_in is not None)
    requests = len(server.log)
    follower.stop()
    await asyncio.wait_for(task, 2)
    await asyncio.sleep(0.05)
    assert len(server.log) == requests and follower.status.closed


async def test_cancelling_the_worker_closes_the_stream_and_propagates():
    server = Scripted([Stream([sse(step_event(1))], hang=True)], [conversation("Running")])
    follower = follower_for(server)
    task = asyncio.ensure_future(follower.run())
    await wait_for(lambda: follower.status.received == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert server.open_streams == 0 and follower.status.closed and follower.stopped
    log = list(server.log)
    await asyncio.sleep(0.05)
    assert server.log == log


async def test_run_twice_is_refused():
    server = Scripted([Stream([sse(*DONE)])], [conversation("Completed")])
    follower = follower_for(server)
    await follower.run()
    with pytest.raises(RuntimeError):
        await follower.run()


# -- reconnecting ------------------------------------------------------------------------------------


async def test_backoff_doubles_to_the_cap_and_resets_after_a_healthy_connection():
    failing = [Stream(status=502)] * 9
    server = Scripted(
        [*failing, Stream([sse(step_event(1))]), Stream(status=502), Stream([sse(*DONE)])],
        [conversation("Running")],
    )
    sleep = SleepLog()
    clock = iter(range(0, 10_000, 2))  # each connection "lives" 2 s: long enough to bring events
    follower = follower_for(server, sleep, backoff=Backoff(initial=0.5, cap=30.0), monotonic=lambda: next(clock))
    await follow(follower)
    # rng=1.0: the top of each range. First retry within 0.5 s, doubling, capped at 30 s;
    # after the connection that brought an event, back to 0.5 s, then doubling again.
    assert sleep.seconds == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 0.5, 1.0]
    assert follower.status.reconnects == 11


async def test_a_stream_that_sends_one_event_and_closes_backs_off_like_a_failure():
    # A hostile or broken server: every stream brings one event and ends at once. Each
    # reconnect costs a whole back-fill, so an event alone must not reset the backoff.
    storm = [Stream([sse(step_event(n))]) for n in range(1, 9)]
    server = Scripted([*storm, Stream([sse(*DONE)])], [conversation("Running")])
    sleep = SleepLog()
    follower = follower_for(server, sleep, backoff=Backoff(initial=0.5, cap=30.0), monotonic=lambda: 0.0)
    await follow(follower)
    assert sleep.seconds == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert server.count("conversation") == 9 + 1  # one per connection, and the last after the end


def test_jitter_stays_in_range_and_first_retry_is_well_under_a_second():
    backoff = Backoff()
    lows = [backoff.delay(1, lambda: 0.0), backoff.delay(1, lambda: 0.999)]
    assert 0.25 <= lows[0] < lows[1] < 0.5
    assert backoff.delay(50, lambda: 0.0) == 15.0 and backoff.delay(10_000, lambda: 1.0) == 30.0
    assert backoff.wait(3, 7.0) == 7.0  # Retry-After wins
    assert backoff.wait(3, 1e9) == backoff.max_retry_after  # but a bogus one cannot hang us
    assert backoff.wait(1, 0.0, lambda: 1.0) == 0.5  # "Retry-After: 0" is no reason to hammer


async def test_429_waits_retry_after_before_the_next_request():
    server = Scripted(
        [Stream(status=429, headers={"Retry-After": "7"}), Stream([sse(*DONE)])],
        [conversation("Running")],
    )
    sleep = SleepLog(requests=lambda: len(server.log))
    follower = follower_for(server, sleep)
    await follow(follower)
    # One wait of exactly 7 s, taken right after the 429 (1 request seen), and no
    # back-fill squeezed in between the 429 and the wait.
    assert sleep.waits[0] == (7.0, 1)
    assert server.log[:2] == [("stream", 429), ("stream", 200)]


async def test_429_on_the_backfill_also_waits_retry_after():
    server = Scripted(
        [Stream([sse()], hang=True), Stream([sse(*DONE)])],
        [Answer(429, {"message": "slow down"}, {"Retry-After": "3"}), conversation("Running")],
    )
    sleep = SleepLog(requests=lambda: len(server.log))
    await follow(follower_for(server, sleep))
    assert sleep.waits[0] == (3.0, 2)
    assert server.log[:3] == [("stream", 200), ("conversation", 429), ("stream", 200)]


async def test_one_connection_attempt_at_a_time():
    server = Scripted(
        [Stream([sse(step_event(1))]), Stream(status=500), Stream(status=429, headers={"Retry-After": "1"}),
         Stream([sse(step_event(2))], hang=True), Stream([sse(step_event(3), *DONE)])],
        [conversation("Running"), Answer(500, {"message": "oops"}), conversation("Running")],
    )  # fmt: skip
    follower = follower_for(server, stall_timeout=0.1)
    await follow(follower)
    # the stream stays open while its back-fill is read (by design); never two streams,
    # never two other requests at once
    assert server.max_open_streams == 1 and server.max_in_flight == 1
    assert follower.connections == 3 and server.count("stream") == 5


async def test_the_stream_ending_while_live_reconnects_and_says_so():
    server = Scripted([Stream([sse(step_event(1))]), Stream([sse(*DONE)])], [conversation("Running")])
    follower = follower_for(server)
    await follow(follower)
    assert any(label.startswith("reconnecting in 0.5s — the server ended the stream") for label in follower.labels)
    assert follower.labels[-1] == "closed"


async def test_no_stream_yet_shows_the_conversation_meanwhile():
    server = Scripted([Stream(status=500), Stream([sse(*DONE)])], [conversation("Running", [item(1)])])
    follower = follower_for(server)
    task = asyncio.ensure_future(follower.run())
    await asyncio.wait_for(task, 5)
    assert server.log[:2] == [("stream", 500), ("conversation", 200)]


# -- stalls -------------------------------------------------------------------------------------------


async def test_watchdog_reconnects_a_stream_that_goes_silent():
    server = Scripted(
        [Stream([sse(step_event(1))], hang=True), Stream([sse(step_event(2), *DONE)])],
        [conversation("Running")],
    )
    follower = follower_for(server, stall_timeout=0.2)
    await follow(follower)
    assert follower.stalls == 1 and follower.connections == 2
    assert any("sent nothing for 0.2 s" in label for label in follower.labels)
    assert server.open_streams == 0


async def test_heartbeats_keep_a_quiet_stream_alive():
    beats = [part for _ in range(12) for part in (0.05, b": ping\n\n")]
    server = Scripted([Stream([sse(step_event(1)), *beats, sse(*DONE)])], [conversation("Running")])
    follower = follower_for(server, stall_timeout=0.25)
    await follow(follower)
    assert follower.stalls == 0 and follower.connections == 1
    assert follower.heartbeats == 12


# -- refusals, polling ----------------------------------------------------------------------------------


async def test_401_stops_at_once_with_the_error():
    server = Scripted([Stream(status=401)], [conversation("Running")])
    follower = follower_for(server)
    await follow(follower)
    assert follower.status.fatal and follower.status.closed
    assert "401" in follower.status.label and "PHRONY_API_KEY" in follower.status.label
    assert server.log == [("stream", 401)] and follower.waits == []


async def test_refused_stream_falls_back_to_polling_until_terminal():
    server = Scripted(
        [Stream(status=403)],
        [conversation("Running", [item(1)]), conversation("Running", [item(1), item(2)]),
         conversation("WaitingForHITL", [item(1), item(2)]),
         conversation("Completed", [item(1), item(2), item(3, type_="SessionCompleted")])],
        ["Running", "Running", "WaitingForHITL", "WaitingForHITL", "Completed"],
    )  # fmt: skip
    sleep = SleepLog()
    follower = follower_for(server, sleep, poll_interval=2.5)
    folder = await follow(follower)
    assert any(label.startswith("polling — stream refused (403)") for label in follower.labels)
    assert folder.state.status == "Completed" and folder.ids() == ["step-1", "step-2", "step-3"]
    assert follower.polls == 5 and sleep.seconds == [2.5] * 4
    # the conversation is read when it can have changed: Running, a new status, the end
    assert [r for r, _ in server.log] == ["stream", "run", "conversation", "run", "conversation", "run",
                                          "conversation", "run", "run", "conversation"]  # fmt: skip


async def test_not_an_event_stream_falls_back_to_polling():
    server = Scripted(
        [Stream([b"<html>proxy login</html>"], content_type="text/html")],
        [conversation("Running"), conversation("Completed")],
        ["Running", "Completed"],
    )
    follower = follower_for(server)
    await follow(follower)
    assert any("no event stream" in label for label in follower.labels)
    assert follower.status.closed and not follower.status.fatal


async def test_redacted_timeline_polls_the_run_status():
    hidden = conversation("Running", session={"input": None, "startContext": None})
    done = conversation("Completed", [item(1, type_="RunCompleted"), item(2, type_="SessionCompleted")],
                        session={"input": None, "startContext": None})  # fmt: skip
    server = Scripted(
        [Stream([sse(run_event("engine.run.started", "Running"))], hang=True)],
        [hidden, done],
        ["Running", "Running", "Completed"],
    )
    follower = follower_for(server, poll_interval=1.0)
    folder = await follow(follower)
    assert f"polling — {REDACTED_NOTE}" in follower.labels
    assert folder.state.redacted and folder.state.status == "Completed"
    # no conversation re-read while the status stands still: nothing to gain when redacted
    assert [r for r, _ in server.log] == ["stream", "conversation", "run", "run", "run", "conversation"]
    assert server.open_streams == 0


async def test_polling_retries_errors_and_honours_retry_after():
    server = Scripted(
        [Stream(status=404)],
        [conversation("Running"), conversation("Completed")],
        [Answer(500, {"message": "x"}), Answer(429, {"message": "y"}, {"Retry-After": "4"}), "Completed"],
    )
    sleep = SleepLog()
    follower = follower_for(server, sleep)
    await follow(follower)
    assert sleep.seconds == [0.5, 4.0]
    assert follower.status.closed and not follower.status.fatal


async def test_polling_a_run_that_is_gone_stops_with_the_error():
    server = Scripted([Stream(status=404)], [Answer(404, {"message": "no such run"})], [Answer(404, {})])
    follower = follower_for(server)
    await follow(follower)
    assert follower.status.fatal and "404" in follower.status.label


# -- counting, hostile text -------------------------------------------------------------------------------


async def test_malformed_data_is_skipped_and_counted():
    server = Scripted(
        [Stream([sse(step_event(1), "{not json", step_event(2), "[1, 2]", "null", b"data: \xff\xfe\n\n",
                     step_event(3), *DONE)])],
        [conversation("Running"), conversation("Completed", [item(1), item(2), item(3)])],
    )  # fmt: skip
    folder = await follow(follower_for(server))
    assert folder.events == 4  # three steps and the end
    assert folder.ids() == ["step-1", "step-2", "step-3"]
    assert folder.last_status.received == 4 and folder.last_status.malformed == 4
    assert "4 unreadable" not in folder.last_status.label  # counted, not part of the state text


async def test_error_text_in_the_status_is_sanitized():
    hostile = "\x1b]0;pwned\x07 \x1b[2J \u202eevil\u202c \u200bzw \x9b31m [bold]x[/bold]"
    server = Scripted([Stream(status=500, text=hostile), Stream([sse(*DONE)])], [conversation("Running")])
    follower = follower_for(server)
    labels: list[str] = []
    original = follower._set

    def spy(**changes):
        original(**changes)
        labels.append(follower.status.label)

    follower._set = spy  # type: ignore[method-assign]
    await follow(follower)
    assert any("500" in label for label in labels)
    for label in labels:
        for bad in FORBIDDEN:
            assert bad not in label, (label, bad)
