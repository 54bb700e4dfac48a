"""How long the core's big-input paths take: the speed checks the tests used to time.

Run from the project root::

    .venv/bin/python -m tests.benchmarks.bench_core [--repeat 5]

The tests (tests/core) count what these paths do (sorts, flags read, characters
scanned) instead of timing them, so a loaded machine cannot fail them; the times
are here, printed (min and median of ``--repeat`` runs), never asserted. The
figures the tests once asserted are given beside each, as a reference on a
quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from phrony_tui.client.models import ConversationItem, RunEvent
from phrony_tui.core.safe_text import one_line, pretty_json, preview_json
from phrony_tui.core.tasks import TaskBook
from phrony_tui.core.timeline import Timeline

ESC = "\x1b"
HOSTILE_10MB = (f"{ESC}[31mred{ESC}[0m \u202e\n" * 700_000)[:10_000_000]
TYPES = ["reasoning", "ToolResult", "UserTaskReq", "ToolCall"]


def _deep(depth: int) -> object:
    value: object = {"leaf": True}
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


def _timeline_72k() -> Timeline:
    """50,000 back-filled steps, 20,000 live ones, 2,000 late ones, an overlapping back-fill."""
    rng = random.Random(5)
    backfill = [
        ConversationItem(id=f"s{n}", run_id=f"r{n % 4}", ordinal=n, type=TYPES[n % 4], content={"n": n})
        for n in range(1, 50_001)
    ]
    live = [
        RunEvent(kind="step", data={"id": f"s{n}", "runId": "r0", "ordinal": n, "type": "reasoning"})
        for n in range(50_001, 70_001)
    ]
    late = [ConversationItem(id=f"late{n}", ordinal=rng.randrange(1, 70_000), type="reasoning") for n in range(2000)]
    timeline = Timeline()
    timeline.merge(backfill)
    for event in live:
        timeline.add_live_step(event)
    for step in late:
        timeline.add(step)
    timeline.merge(backfill[-5000:])
    return timeline


def _lookups(timeline) -> None:
    for position in range(0, 72_000, 7_000):
        timeline.next_index("error", position)
        timeline.index_of_run("r3")
        timeline.index_of_id(f"s{position + 1}")


def _task_book() -> TaskBook:
    book = TaskBook()
    book.set_run_status("r1", "WaitingForHITL")
    for n in range(20_000):
        book.add_step(ConversationItem(id=f"s{n}", ordinal=0, type="reasoning", run_id="r1"))
    book.add_step(ConversationItem(id="t", ordinal=0, type="UserTaskReq", run_id="r1", content={"user_task_id": "t1"}))
    return book


def _pending_2000(book) -> None:
    for _ in range(2_000):
        book.pending_ids()


def _bind(fn: Callable[[object], None], built: object) -> Callable[[], object]:
    """Build once (untimed), then time only ``fn(built)``: lookups and reads, not the setup."""
    return lambda: fn(built)


def measures() -> list[tuple[str, str, Callable[[], Callable[[], object]]]]:
    """(name, the bound the tests once asserted, setup returning the timed call)."""
    return [
        ("timeline: 72,000 steps merged and added", "< 8 s", lambda: _timeline_72k),
        ("timeline: 11 x next error / run / id on 72,000 rows", "< 0.1 s", lambda: _bind(_lookups, _timeline_72k())),
        ("task book: 2,000 x pending_ids() beside 20,000 live steps", "< 1.0 s", lambda: _bind(_pending_2000, _task_book())),
        ("one_line(10 MB hostile, 200)", "< 0.05 s", lambda: lambda: one_line(HOSTILE_10MB, 200)),
        ("preview_json(10 MB hostile, 200)", "< 0.05 s", lambda: lambda: preview_json(HOSTILE_10MB, 200)),
        (
            "preview_json({10 MB, 1,000 x 10 MB}, 200)",
            "< 0.05 s",
            lambda: lambda: preview_json({"data": HOSTILE_10MB, "more": [HOSTILE_10MB] * 1000}, 200),
        ),
        ("one_line(4 M spaces, 20)", "< 0.5 s", lambda: lambda: one_line(" " * 2_000_000 + "x" + " " * 2_000_000, 20)),
        ("preview_json(1,000 deep, 200)", "< 0.05 s", lambda: lambda: preview_json(_deep(1000), 200)),
        ("pretty_json(50,000 deep)", "< 2.0 s", lambda: lambda: pretty_json(_deep(50_000), max_chars=50_000)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'measure':60} {'min':>9} {'median':>9}  once asserted")
    for name, bound, setup in measures():
        timed = setup()
        times = []
        for _ in range(max(1, args.repeat)):
            start = time.perf_counter()
            timed()
            times.append(time.perf_counter() - start)
        print(f"{name:60} {min(times):8.4f}s {statistics.median(times):8.4f}s  {bound}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
