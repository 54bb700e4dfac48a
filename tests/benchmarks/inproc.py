"""In-process measures: the real app, headless (``App.run_test``), instrumented.

Run by the suite as a child process (``python -m tests.benchmarks.inproc MODE ...``)
with PHRONY_API_BASE / PHRONY_API_KEY in its environment; the simulator serves from
another process. Prints one JSON line.

How a frame is observed: a headless app skips ``App._display`` (nothing is written),
so we replace it with one that does what the terminal driver path does on the
event loop (``render_segments``: the update turned into escape sequences; only the
write itself happens in Textual's writer thread) and then timestamps the frame.

How a key is sent: from a separate thread, at planned times, through
``driver.send_message`` (what Textual's input thread does with a real keystroke),
so a busy event loop delays the key exactly as it would delay a real one. Pilot
is not used: its waits have a ~80 ms floor of their own.

What "the frame that shows its effect" is: each key moves the timeline cursor to a
known row (alternately ``j``/``k`` between rows 1 and 0; ``end``/``home``; page
downs); the timeline's ``render_lines`` is wrapped to note the cursor value it drew,
and the first frame written after the timeline drew the target cursor ends the
measurement. Latency = frame written - key sent (both ``perf_counter``).

Frame work (``scroll``): ``Screen._on_timer_update`` (layout/scroll reflow, widget
lines, compositor update) plus the ``render_segments`` above, timed per call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

FRAME_TIMEOUT = 3.0  # a key whose effect is not on screen by then counts as lost


@dataclass
class Probe:
    """Shared between the key thread and the event loop."""

    target: int | None = None  # the cursor row the pending key should show
    armed_at: float = 0.0
    drawn_cursor: int | None = None  # the cursor the timeline drew last (since the key)
    done: threading.Event = field(default_factory=threading.Event)
    latency: float | None = None
    hit: bool = False  # the effect was written in the frame being produced
    in_timer: bool = False
    encoded: bool = False
    frame_work: list[float] = field(default_factory=list)  # every frame's work, seconds
    key_index: int = -1  # the key the next frames belong to (until the next key is sent)
    work_by_key: dict[int, list[float]] = field(default_factory=dict)
    frames: int = 0
    trace: Any = None  # a Trace (``--trace``), told each key's send and frame


def instrument(app, probe: Probe) -> None:
    """Replace the app's display with an encoding, timestamping one; time every frame."""
    from textual.screen import Screen

    console = app.console

    def display(screen, renderable) -> None:
        if renderable is None:
            return
        renderable.render_segments(console)
        end = time.perf_counter()
        probe.frames += 1
        probe.encoded = True
        if probe.target is not None and probe.drawn_cursor == probe.target and not probe.hit:
            probe.latency = end - probe.armed_at
            if probe.trace is not None:
                probe.trace.frames[probe.key_index] = end
            probe.target = None
            probe.hit = True
            if not probe.in_timer:  # a frame written outside the update timer (a layout refresh)
                probe.done.set()

    app._display = display

    original = Screen._on_timer_update

    def on_timer_update(self) -> None:
        probe.encoded = False
        probe.in_timer = True
        start = time.perf_counter()
        try:
            original(self)
        finally:
            probe.in_timer = False
        work = time.perf_counter() - start
        if probe.encoded:  # a frame was produced
            probe.frame_work.append(work)
            probe.work_by_key.setdefault(probe.key_index, []).append(work)
        if probe.hit:
            probe.done.set()

    Screen._on_timer_update = on_timer_update


class Trace:
    """``--trace``: where a key's time goes. Every loop callback longer than ``LONG`` (what
    ran, from when), the app's flushes and their parts, and per key: sent, handled by the
    timeline (the action ran), frame written. Reported for the slowest keys."""

    LONG = 0.002

    def __init__(self) -> None:
        self.callbacks: list[tuple[float, float, str]] = []  # (start, duration, label)
        self.spans: list[tuple[float, float, str]] = []  # the app's flushes and their parts
        self.handled: dict[int, float] = {}
        self.sent: dict[int, float] = {}
        self.frames: dict[int, float] = {}

    def install(self, app, probe: Probe) -> None:
        import asyncio.events

        trace = self
        original_run = asyncio.events.Handle._run

        def label(handle) -> str:
            callback = handle._callback
            owner = getattr(callback, "__self__", None)
            if isinstance(owner, asyncio.Task):
                coro = owner.get_coro()
                return f"task {owner.get_name()}: {getattr(coro, '__qualname__', coro)}"
            return getattr(callback, "__qualname__", repr(callback))

        def run(handle) -> None:
            start = time.perf_counter()
            try:
                original_run(handle)
            finally:
                took = time.perf_counter() - start
                if took > trace.LONG:
                    trace.callbacks.append((start, took, label(handle)))

        asyncio.events.Handle._run = run  # type: ignore[method-assign]

        from phrony_tui.core.session_state import SessionState
        from phrony_tui.ui.screens.main import MainScreen
        from phrony_tui.ui.widgets.live_log import LiveLog
        from phrony_tui.ui.widgets.run_tree import RunTree
        from phrony_tui.ui.widgets.timeline import TimelineView
        from phrony_tui.ui.widgets.timeline_pane import TimelinePane

        def timed(owner, name: str, what: str) -> None:
            original = getattr(owner, name)
            if asyncio.iscoroutinefunction(original):
                async def wrapper(*args, **kwargs):
                    start = time.perf_counter()
                    try:
                        return await original(*args, **kwargs)
                    finally:
                        trace.spans.append((start, time.perf_counter() - start, what))
            else:
                def wrapper(*args, **kwargs):
                    start = time.perf_counter()
                    try:
                        return original(*args, **kwargs)
                    finally:
                        trace.spans.append((start, time.perf_counter() - start, what))
            setattr(owner, name, wrapper)

        timed(MainScreen, "_flush", "flush (whole, awaits included)")
        timed(SessionState, "apply_events", "apply slice")
        timed(SessionState, "describe_events", "describe events")
        timed(LiveLog, "write", "live log write")
        timed(RunTree, "show_runs", "run tree")
        timed(TimelinePane, "show", "timeline pane show")
        original_cursor = TimelineView.action_cursor

        def action_cursor(view, delta: int) -> None:
            trace.handled.setdefault(probe.key_index, time.perf_counter())
            original_cursor(view, delta)

        TimelineView.action_cursor = action_cursor  # type: ignore[method-assign]

        from textual.widget import Widget

        original_lines = Widget.render_lines

        def render_lines(widget, crop):
            start = time.perf_counter()
            try:
                return original_lines(widget, crop)
            finally:
                name = f"render {type(widget).__name__}#{widget.id or ''}"
                trace.spans.append((start, time.perf_counter() - start, name))

        Widget.render_lines = render_lines  # type: ignore[method-assign]
        from textual.screen import Screen

        for method in ("_refresh_layout", "_compositor_refresh"):
            timed(Screen, method, f"screen {method}")
        from textual.timer import Timer

        original_resume = Timer.resume

        def resume(timer) -> None:
            if timer.name == "screen_update" and not timer._active.is_set():
                trace.spans.append((time.perf_counter(), 0.0, "frame timer resumed"))
            original_resume(timer)

        Timer.resume = resume  # type: ignore[method-assign]
        from textual._compositor import ChopsUpdate, Compositor

        for method in ("render_update", "_get_renders", "_render_chops", "update_widgets"):
            timed(Compositor, method, f"compositor {method}")
        timed(ChopsUpdate, "render_segments", "encode (render_segments)")

    def report(self, probe: Probe, latencies: list) -> dict[str, Any]:
        keys = sorted(k for k in self.sent if k in self.handled and k in self.frames)
        queued = [self.handled[k] - self.sent[k] for k in keys]
        to_frame = [self.frames[k] - self.handled[k] for k in keys]
        slow = sorted(keys, key=lambda k: self.frames[k] - self.sent[k], reverse=True)[: max(3, len(keys) // 20)]
        detail = []
        for k in slow:
            sent, end = self.sent[k], self.frames[k]
            inside = [(round((s - sent) * 1000, 1), round(d * 1000, 1), what)
                      for s, d, what in self.callbacks if s + d > sent and s < end]
            spans = [(round((s - sent) * 1000, 1), round(d * 1000, 1), what)
                     for s, d, what in self.spans if s + d > sent and s < end]
            detail.append({"key": k, "total_ms": round((end - sent) * 1000, 1),
                           "queued_ms": round((self.handled[k] - sent) * 1000, 1),
                           "callbacks": inside, "spans": spans})
        long_cb: dict[str, list[float]] = {}
        for _, d, what in self.callbacks:
            long_cb.setdefault(what, []).append(d)
        by_span: dict[str, list[float]] = {}
        for _, d, what in self.spans:
            by_span.setdefault(what, []).append(d)
        return {
            "queued": summary(queued),
            "handled_to_frame": summary(to_frame),
            "long_callbacks": {w: summary(v) for w, v in sorted(long_cb.items(), key=lambda kv: -max(kv[1]))[:15]},
            "spans": {w: summary(v) for w, v in by_span.items()},
            "slowest_keys": detail,
        }


class GcPauses:
    """Collector pauses (by generation) while measuring: a long frame is often one."""

    def __init__(self) -> None:
        import gc

        self.pauses: list[tuple[int, float]] = []
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info.get("generation", -1), time.perf_counter() - self._start))

    def clear(self) -> None:
        self.pauses.clear()

    def report(self) -> dict[str, Any]:
        by_gen: dict[str, Any] = {}
        for gen in (0, 1, 2):
            durations = [d for g, d in self.pauses if g == gen]
            if durations:
                by_gen[f"gen{gen}"] = {"n": len(durations), "max": max(durations), "total": sum(durations)}
        return by_gen


def watch_timeline(timeline, probe: Probe) -> None:
    original = timeline.render_lines

    def render_lines(crop):
        if probe.target is not None:
            # the cursor row is drawn only when it is inside the scrolled window (row 0: the header)
            cursor, top = timeline.cursor, round(timeline.scroll_y)
            body = timeline.scrollable_content_region.height - 1
            probe.drawn_cursor = cursor if top <= cursor < top + body else None
        return original(crop)

    timeline.render_lines = render_lines


def send_key(app, key: str) -> None:
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


def press(app, probe: Probe, key: str, target: int) -> float | None:
    """From the key thread: send ``key``, wait for the frame that shows cursor == target."""
    probe.done.clear()
    probe.latency = None
    probe.hit = False
    probe.drawn_cursor = None
    probe.key_index += 1
    probe.armed_at = time.perf_counter()
    probe.target = target
    if probe.trace is not None:
        probe.trace.sent[probe.key_index] = probe.armed_at
    send_key(app, key)
    if not probe.done.wait(FRAME_TIMEOUT):
        probe.target = None
        return None
    return probe.latency


def build_app(run_id: str):
    from phrony_tui.entry.cli import build_parser, load_settings
    from phrony_tui.ui.app import PhronyApp

    settings = load_settings(build_parser().parse_args(["--run", run_id]), dict(os.environ))
    return PhronyApp(settings)


async def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout:g} s")
        await asyncio.sleep(0.02)


def live_received(app) -> int:
    return int(getattr(app.screen.query_one("#live"), "received", 0))


def follower_state(app) -> str:
    follower = getattr(app.screen, "follower", None)
    return "none" if follower is None else follower.status.state


async def run_keys(app, probe: Probe, plan: list[tuple[str, int]], gaps: list[float],
                   stop=None, keep_none: bool = False) -> tuple[list, int]:  # fmt: skip
    """Press the plan from a thread; (latencies, keys lost). ``stop()`` ends early.
    ``keep_none``: a lost key's latency is kept as None (one entry per key pressed)."""
    latencies: list = []
    lost = 0

    def worker() -> None:
        nonlocal lost
        for (key, target), gap in zip(plan, gaps, strict=True):
            if stop is not None and stop():
                break
            time.sleep(gap)
            latency = press(app, probe, key, target)
            if latency is None:
                lost += 1
            if latency is not None or keep_none:
                latencies.append(latency)

    thread = threading.Thread(target=worker, name="bench-keys", daemon=True)
    thread.start()
    await asyncio.to_thread(thread.join)  # the loop keeps drawing while the presser works
    return latencies, lost


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]

    return {"n": len(ordered), "p50": pct(50), "p90": pct(90), "p99": pct(99), "max": ordered[-1],
            "min": ordered[0], "mean": sum(ordered) / len(ordered)}  # fmt: skip


# -- modes ---------------------------------------------------------------------------------------


async def latency_mode(
    run_id: str, keys: int, stream: bool, expect_rows: int, seed: int, budget: float, trace: bool = False
) -> dict[str, Any]:
    """Alternate j/k on the timeline; with ``stream`` while the run's firehose pours in."""
    app = build_app(run_id)
    probe = Probe()
    instrument(app, probe)
    if trace:
        probe.trace = Trace()
        probe.trace.install(app, probe)
    gc_pauses = GcPauses()
    rng = random.Random(seed)
    async with app.run_test(size=(160, 45)) as _pilot:
        timeline = app.screen.query_one("#timeline")
        watch_timeline(timeline, probe)
        await wait_until(lambda: timeline.row_count >= expect_rows and timeline.has_focus, 120, "rows in the timeline")
        if stream:
            await wait_until(lambda: live_received(app) > 0, 60, "streamed events")
        else:
            await wait_until(lambda: follower_state(app) in ("closed", "none"), 60, "the follower closing")
        # to the top (the stream's rows would otherwise keep the cursor following the end)
        warm, _ = await run_keys(app, probe, [("home", 0), ("j", 1), ("k", 0)], [0.05, 0.05, 0.05])
        plan = [("j", 1) if n % 2 == 0 else ("k", 0) for n in range(keys)]
        gaps = [rng.uniform(0.01, 0.04) for _ in plan]
        probe.frame_work.clear()
        gc_pauses.clear()
        received_before, t0 = live_received(app), time.perf_counter()
        deadline = time.perf_counter() + budget

        def stop() -> bool:  # the budget is spent, or the stream is over (keys after it would not count)
            return time.perf_counter() > deadline or (stream and follower_state(app) == "closed")

        if probe.trace is not None:
            probe.trace.callbacks.clear()
            probe.trace.spans.clear()
        latencies, lost = await run_keys(app, probe, plan, gaps, stop)
        elapsed = time.perf_counter() - t0
        received = live_received(app) - received_before
        state = follower_state(app)
        rows = timeline.row_count
    return {
        "mode": "stream" if stream else "idle",
        "latency": summary(latencies),
        "latencies": latencies,
        "lost": lost,
        "keys": keys,
        "budget": budget,
        "warm_ok": len(warm) == 3,
        "elapsed": elapsed,
        "events_during": received,
        "rate": received / elapsed if elapsed else 0.0,
        "follower_at_end": state,
        "rows_at_end": rows,
        "frame_work": summary(probe.frame_work),
        "gc": gc_pauses.report(),
        **({"trace": probe.trace.report(probe, latencies)} if probe.trace is not None else {}),
    }


async def scroll_mode(run_id: str, cycles: int, pages: int, expect_rows: int) -> dict[str, Any]:
    """On the big session: home → end (the whole way down in one key), ``cycles`` times; then
    from the top ``pages`` page-downs. Per key: latency and the work of each frame it took."""
    app = build_app(run_id)
    probe = Probe()
    instrument(app, probe)
    gc_pauses = GcPauses()
    async with app.run_test(size=(160, 45)) as _pilot:
        timeline = app.screen.query_one("#timeline")
        watch_timeline(timeline, probe)
        await wait_until(lambda: timeline.row_count >= expect_rows and timeline.has_focus, 120, "rows in the timeline")
        await wait_until(lambda: follower_state(app) in ("closed", "none"), 60, "the follower closing")
        gc_pauses.clear()
        rows = timeline.row_count
        last = rows - 1
        plan: list[tuple[str, int]] = []
        for _ in range(cycles):
            plan += [("home", 0), ("end", last)]
        plan.append(("home", 0))
        step = max(timeline.scrollable_content_region.height - 2, 1)
        plan += [("pagedown", min((n + 1) * step, last)) for n in range(pages)]
        first = probe.key_index + 1
        results = await run_keys(app, probe, plan, [0.03] * len(plan), keep_none=True)
        await asyncio.sleep(0.1)  # the last key's trailing frames
    latencies = results[0]
    lost = results[1]
    key_lat: dict[str, list[float]] = {"end": [], "pagedown": []}
    key_work: dict[str, list[float]] = {"end": [], "pagedown": []}
    for n, ((key, _), latency) in enumerate(zip(plan, latencies, strict=True)):
        if key not in key_lat:
            continue
        if latency is not None:
            key_lat[key].append(latency)
        key_work[key].extend(probe.work_by_key.get(first + n, []))
    end_work, page_work = key_work["end"], key_work["pagedown"]
    return {
        "rows": rows,
        "lost": lost,
        "end_frame": summary(end_work),
        "page_frame": summary(page_work),
        "end_latency": summary(key_lat["end"]),
        "page_latency": summary(key_lat["pagedown"]),
        "all_frames": summary(probe.frame_work),
        "page_step": step,
        "gc": gc_pauses.report(),
    }


async def ingest_mode(run_id: str, events: int) -> dict[str, Any]:
    """Diagnosis only (not in the table): open a firehose run headless, time until ``events`` are
    counted and the follower closed. Run it with ``--profile`` to see where the time goes."""
    app = build_app(run_id)
    probe = Probe()
    instrument(app, probe)
    gc_pauses = GcPauses()
    start = time.perf_counter()
    async with app.run_test(size=(160, 45)) as _pilot:
        await wait_until(lambda: live_received(app) > 0, 60, "a first event")
        first = time.perf_counter() - start
        cpu = time.process_time()  # every thread's (the stream's parser too): steadier than wall time on a busy machine
        await wait_until(lambda: live_received(app) >= events, 600, f"{events} events")
        counted = time.perf_counter() - start
        cpu = time.process_time() - cpu
        await wait_until(lambda: follower_state(app) == "closed", 60, "the follower closing")
        closed = time.perf_counter() - start
    return {"first_event_s": first, "counted_s": counted, "closed_s": closed, "cpu_to_counted_s": cpu,
            "frames": probe.frames, "frame_work": summary(probe.frame_work), "gc": gc_pauses.report()}  # fmt: skip


async def open_mode(run_id: str, expect_rows: int) -> dict[str, Any]:
    """Diagnosis only (not in the table): headless, from building the app to the timeline's
    rows drawn (imports excluded: they happened before). ``--profile`` shows where it goes."""
    start = time.perf_counter()
    app = build_app(run_id)
    probe = Probe()
    instrument(app, probe)
    async with app.run_test(size=(160, 45)) as _pilot:
        timeline = app.screen.query_one("#timeline")
        frames_before = 0

        def drawn() -> bool:
            nonlocal frames_before
            if timeline.row_count < expect_rows:
                frames_before = probe.frames
                return False
            return probe.frames > frames_before  # a frame after the rows arrived

        await wait_until(drawn, 120, "the rows drawn")
        shown = time.perf_counter() - start
    return {"shown_s": shown, "frames": probe.frames}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="in-process, headless, instrumented measures")
    parser.add_argument("mode", choices=["latency", "scroll", "ingest", "open"])
    parser.add_argument("--run", required=True)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--expect-rows", type=int, default=1)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of keys at most")
    parser.add_argument("--events", type=int, default=200_000, help="ingest: events to wait for")
    parser.add_argument("--trace", action="store_true", help="latency: where the slowest keys' time went")
    parser.add_argument("--profile", metavar="PATH", help="run under cProfile, write pstats here (slower!)")
    args = parser.parse_args(argv)
    if args.mode == "latency":
        job = latency_mode(args.run, args.keys, args.stream, args.expect_rows, args.seed, args.budget, args.trace)
    elif args.mode == "scroll":
        job = scroll_mode(args.run, args.cycles, args.pages, args.expect_rows)
    elif args.mode == "open":
        job = open_mode(args.run, args.expect_rows)
    else:
        job = ingest_mode(args.run, args.events)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(asyncio.run, job)
        profiler.dump_stats(args.profile)
    else:
        result = asyncio.run(job)
    print(json.dumps(result), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
