"""Every benchmark, each beside its floor measured in the same run, in one table.

    .venv/bin/python -m tests.benchmarks            # the full run (~1 min)
    .venv/bin/python -m tests.benchmarks --quick    # a smoke run (~30 s)
    .venv/bin/python -m tests.benchmarks --only open --only cold

Figures are printed, never asserted. See tests/benchmarks/README.md for the method.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.benchmarks.harness import (
    COLS,
    ROWS,
    BenchError,
    PtyApp,
    SimProcess,
    app_command,
    compile_app,
    isolated_env,
    kill,
    min_median,
    run_json,
    scenario_run_ids,
    temp_home,
    vm_kib,
)

HERE = Path(__file__).resolve().parent
BIG_STEPS = 50_000
FIREHOSE_EVENTS = 200_000
LOAD_RATE = 20_000  # events per second while keys are timed
OPEN_TITLE = f"Timeline · 1 / {BIG_STEPS:,}"  # the cursor on the first of its rows
# The timeline's first row, with or without the pane's border before it: rows drawn after
# the first frame are written as the timeline's own span (the border is not repainted).
FIRST_ROW = re.compile(r"(?<![\d,])1 +\d\d:\d\d:\d\d .{0,40}?llm_request")
LIVE_COUNT = re.compile(r"Live \((\d{1,3}(?:,\d{3})*)\)")
DEMO_MARKER = re.compile(r"Sessions \(\d")
FLOOR_MARKER = "floor-ready-7"


@dataclass
class Row:
    measure: str
    floor: str = "—"
    app: str = "—"
    ratio: str = "—"
    goal: str = "—"
    met: str = "—"
    notes: list[str] = field(default_factory=list)


@dataclass
class Ctx:
    quick: bool
    reps: int
    home: Path
    raw: dict[str, Any]
    _sim: SimProcess | None = None
    _ids: dict[str, str] | None = None
    _homes: int = 0

    @property
    def sim(self) -> SimProcess:
        """The main simulator (big session, unlimited firehose), started on first use."""
        if self._sim is None:
            progress("starting the simulator (seed 7, fixed clock) in its own process")
            self._sim = SimProcess(big_steps=BIG_STEPS, firehose_events=FIREHOSE_EVENTS).start()
            start = time.perf_counter()
            self._sim.get(f"/v1/runs/{self.ids['big']}/conversation", stepContent="full")  # render + cache
            progress(f"  warmed the big conversation ({time.perf_counter() - start:.1f} s)")
        return self._sim

    @property
    def ids(self) -> dict[str, str]:
        if self._ids is None:
            self._ids = scenario_run_ids(BIG_STEPS, FIREHOSE_EVENTS)
        return self._ids

    def fresh_home(self) -> Path:
        """A new empty HOME (and XDG dirs) per process: nothing one run remembers reaches the next."""
        self._homes += 1
        return self.home / f"home-{self._homes}"

    def env(self, sim: SimProcess | None = None, agents: str = "") -> dict[str, str]:
        if sim is None:
            return isolated_env(self.fresh_home())
        return isolated_env(self.fresh_home(), PHRONY_API_BASE=sim.base_url, PHRONY_API_KEY=sim.key,
                            PHRONY_AGENT_ID=agents)  # fmt: skip

    def close(self) -> None:
        if self._sim is not None:
            self._sim.stop()
            self._sim = None


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- formatting ----------------------------------------------------------------------------------


def secs(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.2f} / {pair[1]:.2f} s"


def ratio(app: tuple[float, float], floor: tuple[float, float]) -> str:
    return f"{app[0] / floor[0]:.2f}, {app[1] / floor[1]:.2f}"


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def count_on_screen(text: str) -> int:
    found = LIVE_COUNT.findall(text)
    return max((int(n.replace(",", "")) for n in found), default=-1)


# -- measures ------------------------------------------------------------------------------------


def measure_open(ctx: Ctx) -> list[Row]:
    """Process start to the step count and the first rows on screen, vs download + json.loads."""
    sim, run = ctx.sim, ctx.ids["big"]
    floor, floor_httpx, app, app_late, floor_mem, app_mem = [], [], [], [], [], []
    floor_cmd = [sys.executable, str(HERE / "floors.py"), "download", sim.base_url, sim.key, run]
    for rep in range(ctx.reps):
        result, wall = run_json(floor_cmd, timeout=120)
        if result["items"] < BIG_STEPS:
            raise BenchError(f"the floor read {result['items']} items")
        floor.append(wall)
        floor_mem.append(result["vmhwm_kib"])
        _, wall = run_json([*floor_cmd, "--httpx"], timeout=120)
        floor_httpx.append(wall)
        with PtyApp([*app_command(), "--run", run], ctx.env(sim)) as proc:
            seen = proc.wait_for(lambda s: OPEN_TITLE in s and FIRST_ROW.search(s) is not None, 120,
                                 f"'{OPEN_TITLE}' and the first row")  # fmt: skip
            app.append(seen - proc.spawned)
            app_mem.append(vm_kib(proc.pid, "VmHWM"))
        # The same app with its early standard-library read turned off (the client reads): paired.
        with PtyApp([*app_command(), "--run", run], {**ctx.env(sim), "PHRONY_NO_EARLY_FETCH": "1"}) as proc:
            seen = proc.wait_for(lambda s: OPEN_TITLE in s and FIRST_ROW.search(s) is not None, 120,
                                 f"'{OPEN_TITLE}' and the first row")  # fmt: skip
            app_late.append(seen - proc.spawned)
        progress(f"  open rep {rep + 1}: floor {floor[-1]:.2f} s, app {app[-1]:.2f} s, "
                 f"app without the early read {app_late[-1]:.2f} s")  # fmt: skip
    ctx.raw["open"] = {"floor_s": floor, "floor_httpx_s": floor_httpx, "app_s": app, "app_no_early_read_s": app_late,
                       "floor_vmhwm_kib": floor_mem, "app_vmhwm_kib_at_open": app_mem}  # fmt: skip
    f, a, fh, al = min_median(floor), min_median(app), min_median(floor_httpx), min_median(app_late)
    goal = 1.0 if BIG_STEPS >= 200_000 else 1.2  # the goals: <= 1.2x at 50k, <= 1.0x at 200k and up
    row = Row(f"open {BIG_STEPS:,}-step session", secs(f), secs(a), ratio(a, f), f"ratio <= {goal:g}",
              yes(a[1] / f[1] <= goal))  # fmt: skip
    row.notes.append(f"floor with httpx instead of urllib: {secs(fh)} (app/that: {a[1] / fh[1]:.2f})")
    row.notes.append(f"the app without its early standard-library read (PHRONY_NO_EARLY_FETCH=1): {secs(al)} "
                     f"(ratio to the floor {ratio(al, f)})")  # fmt: skip
    return [row]


def measure_ingest(ctx: Ctx) -> list[Row]:
    """First byte of the stream (noted by the simulator) to all 200,000 events counted (the
    app: shown on screen), a fresh firehose each time; from process start in the notes."""
    return [_ingest(ctx, ctx.sim, "ingest", f"ingest {FIREHOSE_EVENTS:,} events")]


def measure_ingest_noids(ctx: Ctx) -> list[Row]:
    """The same with step events that carry no step id (the docs promise none): a simulator
    started with ``--firehose-no-step-ids`` (each step event's data is the step's content:
    ``run_id``, ``sequence``, ``step_kind``, the message)."""
    with SimProcess(big_steps=10, firehose_events=FIREHOSE_EVENTS, extra_args=["--firehose-no-step-ids"]) as bare:
        return [_ingest(ctx, bare, "ingest-noids", f"ingest {FIREHOSE_EVENTS:,} events, steps without ids")]


def _ingest(ctx: Ctx, sim: SimProcess, name: str, title: str) -> Row:
    """Floor and app in turn, each repetition on a fresh firehose session of ``sim``."""
    floor, app, floor_spawn, app_spawn, first_count, app_mem = [], [], [], [], [], []
    for rep in range(ctx.reps):
        run = sim.start_session("firehose")
        result, wall = run_json([sys.executable, str(HERE / "floors.py"), "sse", sim.base_url, sim.key, run],
                                timeout=180)  # fmt: skip
        if result["events"] < FIREHOSE_EVENTS:
            raise BenchError(f"the floor read {result['events']} events")
        floor.append(result["done_monotonic"] - sim.first_byte(run))
        floor_spawn.append(wall)
        run = sim.start_session("firehose")
        with PtyApp([*app_command(), "--run", run], ctx.env(sim)) as proc:
            first = proc.wait_for(lambda s: count_on_screen(s) > 0, 120, "a first streamed count")
            done = proc.wait_for(lambda s: count_on_screen(s) >= FIREHOSE_EVENTS, 300,
                                 f"Live ({FIREHOSE_EVENTS:,}…) on screen")  # fmt: skip
            app.append(done - sim.first_byte(run))
            app_spawn.append(done - proc.spawned)
            first_count.append(first - proc.spawned)
            app_mem.append(vm_kib(proc.pid, "VmHWM"))
        progress(f"  {name} rep {rep + 1}: floor {floor[-1]:.2f} s, app {app[-1]:.2f} s (from spawn: "
                 f"{floor_spawn[-1]:.2f} / {app_spawn[-1]:.2f} s)")  # fmt: skip
    ctx.raw[name] = {"floor_s": floor, "app_s": app, "floor_from_spawn_s": floor_spawn,
                     "app_from_spawn_s": app_spawn, "app_first_count_s": first_count,
                     "app_vmhwm_kib": app_mem}  # fmt: skip
    f, a = min_median(floor), min_median(app)
    worst = max(x / y for x, y in zip(app, floor, strict=True))
    row = Row(title, secs(f), secs(a), ratio(a, f), "ratio <= 1.1", yes(a[1] / f[1] <= 1.1))
    fs, as_, fc = min_median(floor_spawn), min_median(app_spawn), min_median(first_count)
    row.notes.append("from the stream's first byte (the simulator notes it, same clock) to the last event "
                     f"counted; from process start instead (interpreter and imports included): floor {secs(fs)}, "
                     f"app {secs(as_)} (ratio {ratio(as_, fs)}); the app's first count on screen came "
                     f"{secs(fc)} after its start; the worst pair's ratio {worst:.2f}")  # fmt: skip
    return row


LINK_MBIT, LINK_RTT_MS = 20, 50


def _curl(url: str, header_file: Path, *, compressed: bool) -> float:
    """Spawn to exit of ``curl`` downloading ``url`` (the body thrown away)."""
    args = ["curl", "-sS", "--fail", "-o", "/dev/null", "-H", f"@{header_file}", "--noproxy", "*", url]
    if compressed:
        args.insert(1, "--compressed")
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, timeout=300, check=False)
    if done.returncode != 0:
        raise BenchError(f"curl exited {done.returncode}: {done.stderr[-200:]!r}")
    return time.perf_counter() - start


def measure_link(ctx: Ctx) -> list[Row]:
    """The big session over a slow, far link (a throttling proxy on loopback, 20 Mbit/s,
    50 ms round trip) to a simulator that gzips it when asked: the app's start to its
    first rows and to the full count, against curl of the same bytes (gzip too)."""
    if shutil.which("curl") is None:
        raise BenchError("curl is not installed (the floor of this measure)")
    run = ctx.ids["big"]
    with SimProcess(big_steps=BIG_STEPS, firehose_events=10, extra_args=["--gzip"]) as sim:
        sim.get(f"/v1/runs/{run}/conversation", stepContent="full")  # render and cache (the gzip copy below)
        proxy = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.proxy", "--target",
                                  sim.base_url.removeprefix("http://"), "--mbit", str(LINK_MBIT),
                                  "--rtt-ms", str(LINK_RTT_MS)], stdout=subprocess.PIPE, text=True,
                                 cwd=HERE.parents[1])  # fmt: skip
        try:
            assert proxy.stdout is not None
            line = proxy.stdout.readline().split()
            if line[:1] != ["proxy-listening"]:
                raise BenchError(f"the proxy did not start: {line}")
            base = f"http://127.0.0.1:{line[1]}"
            header_file = ctx.home / "curl-headers"
            header_file.write_text(f"X-API-Key: {sim.key}\n")
            header_file.chmod(0o600)
            url = f"{sim.base_url}/v1/runs/{run}/conversation?stepContent="
            _curl(url + "full", header_file, compressed=True)  # the simulator compresses it once
            _curl(url + "slim", header_file, compressed=True)
            far = f"{base}/v1/runs/{run}/conversation?stepContent="
            floor, app_rows, app_count, plain, slim = [], [], [], [], []
            for rep in range(ctx.reps):
                floor.append(_curl(far + "full", header_file, compressed=True))
                env = {**ctx.env(sim), "PHRONY_API_BASE": base}
                with PtyApp([*app_command(), "--run", run], env) as proc:
                    rows = proc.wait_for(lambda s: FIRST_ROW.search(s) is not None, 300, "the first row")
                    count = proc.wait_for(lambda s: OPEN_TITLE in s, 300, f"'{OPEN_TITLE}'")
                    app_rows.append(rows - proc.spawned)
                    app_count.append(count - proc.spawned)
                if rep < 2:  # what gzip and slim content buy, once or twice
                    plain.append(_curl(far + "full", header_file, compressed=False))
                    slim.append(_curl(far + "slim", header_file, compressed=True))
                progress(f"  link rep {rep + 1}: curl {floor[-1]:.2f} s, app rows {app_rows[-1]:.2f} s, "
                         f"count {app_count[-1]:.2f} s")  # fmt: skip
        finally:
            kill(proxy)
    ctx.raw["link"] = {"curl_gzip_s": floor, "app_first_rows_s": app_rows, "app_count_s": app_count,
                       "curl_plain_s": plain, "curl_slim_gzip_s": slim}  # fmt: skip
    f, r, c = min_median(floor), min_median(app_rows), min_median(app_count)
    title = f"link {LINK_MBIT} Mbit/s {LINK_RTT_MS} ms: open {BIG_STEPS:,} steps"
    rows_row = Row(f"{title}, first rows", secs(f), secs(r), ratio(r, f), "report", "—")
    count_row = Row(f"{title}, full count", secs(f), secs(c), ratio(c, f), "report", "—")
    count_row.notes.append(f"floor: curl --compressed of the same conversation through the same proxy; the same "
                           f"without gzip {secs(min_median(plain))}, with stepContent=slim and gzip "
                           f"{secs(min_median(slim))}; the app asks for gzip and full content, and decodes the "
                           "items as the body arrives (its first rows are drawn before the last byte)")  # fmt: skip
    return [rows_row, count_row]


def measure_latency(ctx: Ctx) -> list[Row]:
    """Key-to-frame latency in-process (headless, instrumented): with a 20k events/s stream
    (its own simulator, rate-limited) vs the big session with no stream."""
    keys = 60 if ctx.quick else 200
    budget = 12 if ctx.quick else 30  # seconds of keys under load at most
    idle = ctx.sim
    idle_result, _ = run_json([sys.executable, "-m", "tests.benchmarks.inproc", "latency", "--run", ctx.ids["big"],
                               "--expect-rows", str(BIG_STEPS), "--keys", str(keys)],
                              timeout=300, env=ctx.env(idle))  # fmt: skip
    progress(f"  latency without a stream: p99 {ms(idle_result['latency']['p99'])} ms")
    events = LOAD_RATE * (budget + 20)
    with SimProcess(big_steps=10, firehose_events=events, extra_args=["--firehose-rate", str(LOAD_RATE)]) as loaded:
        run = loaded.start_session("firehose")
        load_result, _ = run_json([sys.executable, "-m", "tests.benchmarks.inproc", "latency", "--stream",
                                   "--run", run, "--keys", str(keys), "--budget", str(budget)],
                                  timeout=budget + 240, env=ctx.env(loaded))  # fmt: skip
    progress(f"  latency with the stream: p99 {ms(load_result['latency']['p99'])} ms")
    for result in (idle_result, load_result):
        result.pop("latencies", None)
    ctx.raw["latency"] = {"idle": idle_result, "stream": load_result}
    i, s = idle_result["latency"], load_result["latency"]
    if not s.get("n"):
        raise BenchError(f"no key under load reached the screen ({load_result['lost']} lost)")
    row = Row(
        f"key-to-frame under {LOAD_RATE // 1000}k ev/s",
        f"p50 {ms(i['p50'])} / p99 {ms(i['p99'])} ms",
        f"p50 {ms(s['p50'])} / p99 {ms(s['p99'])} ms",
        f"p99 {s['p99'] / i['p99']:.1f}x",
        "p99 <= 50 ms",
        yes(s["p99"] <= 0.050 and load_result["lost"] == 0),
    )
    row.notes.append(
        f"keys: {s['n']} timed under load ({load_result['lost']} lost, max {ms(s['max'])} ms), "
        f"{i['n']} without (the big session, no stream; max {ms(i['max'])} ms); the stream actually delivered "
        f"{load_result['rate']:,.0f} events/s to the app while keys were timed "
        f"(target {LOAD_RATE:,}); {load_result['rows_at_end']:,} rows at the end"
    )
    for label, result in (("under load", load_result), ("without a stream", idle_result)):
        gc2 = result.get("gc", {}).get("gen2")
        if gc2:
            row.notes.append(f"{label}: {gc2['n']} full (gen2) collection(s) while keys were timed, longest "
                             f"{ms(gc2['max'])} ms, {gc2['total']:.2f} s in all over {result['elapsed']:.0f} s")  # fmt: skip
    return [row]


def measure_memory(ctx: Ctx) -> list[Row]:
    """VmHWM of one app process: open the big session, then open a fresh firehose session from
    the sessions list and take its 200,000 events; vs the download + json.loads floor's VmHWM."""
    sim = ctx.sim
    floor_cmd = [sys.executable, str(HERE / "floors.py"), "download", sim.base_url, sim.key, ctx.ids["big"]]
    floor_kib = []
    for _ in range(1 if ctx.quick else 2):
        result, _ = run_json(floor_cmd, timeout=120)
        floor_kib.append(result["vmhwm_kib"])
    floor = min(floor_kib)
    run = sim.start_session("firehose")  # the newest firehose session: the list's first row
    env = ctx.env(sim, agents=sim.agents["firehose"])
    with PtyApp([*app_command(), "--run", ctx.ids["big"]], env) as proc:
        proc.wait_for(lambda s: OPEN_TITLE in s and FIRST_ROW.search(s) is not None, 120, "the big session")
        proc.drain(0.5)
        big_kib = vm_kib(proc.pid, "VmHWM") or 0
        proc.send(b"1")  # focus the sessions list (its first row: the newest firehose session)
        proc.drain(0.5)
        mark = proc.stripper.length
        proc.send(b"\r")
        proc.wait_for(lambda s: count_on_screen(s) >= FIREHOSE_EVENTS, 300,
                      f"Live ({FIREHOSE_EVENTS:,}…) after opening the firehose session", since=mark)  # fmt: skip
        proc.drain(0.3)
        both_kib = vm_kib(proc.pid, "VmHWM") or 0
        rss_kib = vm_kib(proc.pid, "VmRSS") or 0
    progress(f"  memory: floor {floor / 1024:.0f} MB, big open {big_kib / 1024:.0f} MB, then +200k events "
             f"{both_kib / 1024:.0f} MB")  # fmt: skip
    ctx.raw["memory"] = {"floor_vmhwm_kib": floor_kib, "big_open_vmhwm_kib": big_kib,
                         "after_stream_vmhwm_kib": both_kib, "after_stream_vmrss_kib": rss_kib,
                         "firehose_run": run}  # fmt: skip

    def mb(kib: float) -> str:
        return f"{kib / 1024:.0f} MB"

    first = Row("peak memory: big session open", mb(floor), mb(big_kib), f"{big_kib / floor:.2f}", "(info)", "—")
    second = Row(f"peak memory: + {FIREHOSE_EVENTS:,} events", mb(floor), mb(both_kib), f"{both_kib / floor:.2f}",
                 "<= 1.5x", yes(both_kib <= 1.5 * floor))  # fmt: skip
    second.notes.append(f"one process: the big session opened, then a fresh firehose session opened from the list "
                        f"and all its events received; VmRSS at the end {mb(rss_kib)}")  # fmt: skip
    return [first, second]


def measure_cold(ctx: Ctx) -> list[Row]:
    """Process start to the sessions list of --demo, vs a minimal Textual app with one DataTable."""
    floor, app = [], []
    for rep in range(ctx.reps):
        with PtyApp([sys.executable, str(HERE / "floor_app.py")], ctx.env()) as proc:
            seen = proc.wait_for(lambda s: FLOOR_MARKER in s, 60, "the floor app's table")
            floor.append(seen - proc.spawned)
        with PtyApp([*app_command(), "--demo"], ctx.env()) as proc:
            seen = proc.wait_for(lambda s: DEMO_MARKER.search(s) is not None, 60, "'Sessions (<n>'")
            app.append(seen - proc.spawned)
        progress(f"  cold rep {rep + 1}: floor {floor[-1]:.2f} s, app {app[-1]:.2f} s")
    ctx.raw["cold"] = {"floor_s": floor, "app_s": app}
    f, a = min_median(floor), min_median(app)
    # The goal is issue 16's: 2.0x the one-DataTable floor.
    return [Row("cold start --demo to sessions", secs(f), secs(a), ratio(a, f), "ratio <= 2.0", yes(a[1] / f[1] <= 2.0))]


def measure_scroll(ctx: Ctx) -> list[Row]:
    """Frame work in-process (headless) on the big session: end from the top, 100 page-downs."""
    cycles = 2 if ctx.quick else 5
    result, _ = run_json([sys.executable, "-m", "tests.benchmarks.inproc", "scroll", "--run", ctx.ids["big"],
                          "--expect-rows", str(BIG_STEPS), "--cycles", str(cycles), "--pages", "100"],
                         timeout=300, env=ctx.env(ctx.sim))  # fmt: skip
    ctx.raw["scroll"] = result
    rows = []
    for label, work, latency in (
        (f"scroll: end (top to bottom) x{cycles}", result["end_frame"], result["end_latency"]),
        ("scroll: 100 page-downs", result["page_frame"], result["page_latency"]),
    ):
        if not work.get("n"):
            raise BenchError(f"no frame measured for {label} ({result['lost']} keys lost)")
        row = Row(label, "—", f"p50 {ms(work['p50'])} / p99 {ms(work['p99'])} / max {ms(work['max'])} ms", "—",
                  "each frame <= 16 ms", yes(work["max"] <= 0.016 and result["lost"] == 0))  # fmt: skip
        row.notes.append(f"{work['n']} frames; key-to-frame p50 {ms(latency['p50'])} / max {ms(latency['max'])} ms")
        rows.append(row)
    gc2 = result.get("gc", {}).get("gen2")
    if gc2:
        rows[-1].notes.append(f"{gc2['n']} full (gen2) collection(s) while scrolling, longest {ms(gc2['max'])} ms")
    return rows


MEASURES: dict[str, Callable[[Ctx], list[Row]]] = {
    "open": measure_open,
    "ingest": measure_ingest,
    "ingest-noids": measure_ingest_noids,
    "latency": measure_latency,
    "memory": measure_memory,
    "cold": measure_cold,
    "scroll": measure_scroll,
    "link": measure_link,
}


# -- the table -----------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    header = ("measure", "floor (min / median)", "app (min / median)", "ratio (min, median)", "goal", "met?")
    cells = [header] + [(r.measure, r.floor, r.app, r.ratio, r.goal, r.met) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]

    def line(c: tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(c) for c in cells[1:]]
    notes = [(r.measure, n) for r in rows for n in r.notes]
    if notes:
        out.append("")
        out += [f"- {measure}: {note}" for measure, note in notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    global BIG_STEPS, OPEN_TITLE  # --steps: every measure reads them
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and keys: a smoke run")
    parser.add_argument("--only", action="append", choices=sorted(MEASURES), metavar="NAME",
                        help=f"run only this measure; repeatable ({', '.join(MEASURES)})")  # fmt: skip
    parser.add_argument("--reps", type=int, help="repetitions of the timed measures (default 5, --quick 2)")
    parser.add_argument("--json", metavar="PATH", help="also write every raw figure to this file")
    parser.add_argument("--steps", type=int, metavar="N",
                        help=f"steps of the big session (default {BIG_STEPS:,}; open's goal is <= 1.0 from 200,000)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.steps:
        BIG_STEPS = args.steps
        OPEN_TITLE = f"Timeline · 1 / {BIG_STEPS:,}"
    reps = args.reps or (2 if args.quick else 5)
    chosen = [name for name in MEASURES if not args.only or name in args.only]
    started = time.perf_counter()
    compile_app()
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with temp_home() as home:
        ctx = Ctx(quick=args.quick, reps=reps, home=Path(home), raw=raw)
        try:
            for name in chosen:
                progress(f"[{name}]")
                t0 = time.perf_counter()
                try:
                    rows += MEASURES[name](ctx)
                except BenchError as error:
                    rows.append(Row(name, met="error", notes=[f"could not measure: {error}"]))
                    progress(f"  {name}: could not measure: {error}")
                progress(f"  ({time.perf_counter() - t0:.0f} s)")
        finally:
            ctx.close()
    import platform

    print(f"\nphrony-tui benchmarks: {'quick' if args.quick else 'full'} run, {reps} repetitions, "
          f"{time.perf_counter() - started:.0f} s; Python {platform.python_version()}, "
          f"{platform.machine()}, pty {COLS}x{ROWS}\n")  # fmt: skip
    print(table(rows))
    print("\ntimes are min / median over the repetitions; the ratio is the app's over the floor's "
          "(min over min, median over median); 'met?' reads the median (p99 for latency, the "
          "longest frame for scrolling). Nothing here is asserted.")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(raw, indent=1))
    return 0
