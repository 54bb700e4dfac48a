"""``phrony-tui tail RUN_ID``: a run's live events as lines, until it ends.

The app's follower (``live.follower.RunFollower``: stream, reconnect with backoff,
back-fill from ``/conversation``, poll when the stream is refused or redacted),
drained on a short timer as the app does. Each event is printed with
``core.events.describe`` (text) or as its wire object (``--json``, one a line).
Steps missed while reconnecting come from the back-fill, as lines of the same
shape (subject ``phrony-tui.backfill.<type>``); so do the completion rows, which the
stream never sends. Connection trouble goes to stderr.

Exit status: 0 when the run ends Completed, 1 when it ends otherwise (Failed,
Cancelled...), 3 when the API refuses (key, id), 4 when the server cannot be
reached at the start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

from phrony_tui.client import PhronyClient, PhronyError
from phrony_tui.client.models import Conversation, ConversationItem, RunEvent
from phrony_tui.core.events import describe
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import is_terminal, status_class
from phrony_tui.core.steps import step_from_event
from phrony_tui.entry.scripting.common import Context, Exit, Output, explain, new_parser
from phrony_tui.live.follower import FollowBatch, RunFollower

DRAIN_EVERY = 0.1  # seconds between two drains of the follower's buffer (the app's timer)
BACKFILL_SUBJECT = "phrony-tui.backfill"
DEFAULT_LINES = 10

EXAMPLES = """\
  phrony-tui tail RUN_ID                        # the last 10 steps, then live events
  phrony-tui tail RUN_ID -n 0 --json | jq -r .subject
  phrony-tui tail RUN_ID > /dev/null && echo completed"""


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        "tail",
        "Print a run's live events, one a line, until the run ends, with the app's reconnects "
        "and back-fills (steps missed while reconnecting are printed from the conversation, "
        f"subject {BACKFILL_SUBJECT}.TYPE). Exit status 0 when the run ends Completed, 1 when it "
        "ends in another status.",
        EXAMPLES,
    )
    parser.add_argument("run_id", metavar="RUN_ID", help="the run to follow (a root run covers its session)")
    parser.add_argument("--json", action="store_true", help="one JSON event a line: {ts, kind, subject, data}")
    parser.add_argument("-n", "--lines", metavar="N", type=int, default=DEFAULT_LINES,
                        help=f"steps of the timeline so far to print first (default {DEFAULT_LINES}; 0: none)")  # fmt: skip
    return parser


def backfill_event(item: ConversationItem) -> RunEvent:
    """A step read from a back-fill, in the shape of a stream event."""
    subject = f"{BACKFILL_SUBJECT}.{item.type or 'step'}"
    return RunEvent(ts=item.started_at or item.finished_at, kind="step", subject=subject, data=item.wire())


class Printer:
    """Prints what each drain brings, each step once (by id) whichever way it came."""

    def __init__(self, output: Output, *, as_json: bool, lines: int) -> None:
        self.output = output
        self.as_json = as_json
        self.lines = max(0, lines)
        self.seen: set[str] = set()
        self.conversation: Conversation | None = None
        self.state_label = ""

    def history(self, conversation: Conversation) -> None:
        """The timeline before the tail started: its last ``lines`` steps."""
        self.conversation = conversation
        items = conversation.items
        self.seen.update(item.id for item in items)
        for item in items[-self.lines :] if self.lines else ():
            self.event(backfill_event(item))
        self.output.out.flush()

    def event(self, event: RunEvent) -> None:
        if self.as_json:
            self.output.line(json.dumps(event.wire(), ensure_ascii=True))
        else:
            width = self.output.width
            self.output.line(describe(event, width if width else 2000))

    def batch(self, batch: FollowBatch) -> None:
        events = batch.events
        for event in events:  # every step an event brought, before the back-fill decides
            if event.kind == "step":
                step = step_from_event(event)
                if step is not None and step.id:
                    self.seen.add(step.id)
        for event in events[: batch.superseded]:
            self.event(event)
        if batch.conversation is not None:
            self.conversation = batch.conversation
            fresh = [item for item in batch.conversation.items if item.id not in self.seen]
            self.seen.update(item.id for item in fresh)
            for item in fresh:
                self.event(backfill_event(item))
        for event in events[batch.superseded :]:
            self.event(event)
        self.output.out.flush()
        self.connection(batch)

    def connection(self, batch: FollowBatch) -> None:
        """Reconnects and polling, on stderr, once per change (the app's live log header)."""
        status = batch.status
        label = ""
        if status.state == "reconnecting":
            label = f"reconnecting: {status.error or 'the stream ended'}"
        elif status.state == "polling":
            label = "polling: " + "; ".join(part for part in (status.note, status.error) if part)
        if label and label != self.state_label:
            self.output.note(label)
        self.state_label = label


async def follow(client: PhronyClient, run_id: str, printer: Printer) -> RunFollower:
    """Print the history, then follow until the run ends. The history is read here, not
    by the follower: its first back-fill may be replaced by a newer one before a drain."""
    conversation = await client.get_conversation(run_id, lazy=True)
    printer.history(conversation)

    async def initial() -> Conversation:
        return conversation

    follower = RunFollower(client, run_id, initial=initial())
    task = asyncio.ensure_future(follower.run())
    try:
        while True:
            done = task.done()
            printer.batch(follower.drain())
            if done:
                break
            await asyncio.wait({task}, timeout=DRAIN_EVERY)
        task.result()
    finally:
        follower.stop()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return follower


def _status_of(conversation: Conversation | None, run_id: str) -> str | None:
    if conversation is None:
        return None
    for run in conversation.runs:
        if run.id == run_id and run.status:
            return run.status
    return conversation.session.status or None


async def run(ctx: Context, args: argparse.Namespace) -> int:
    out = ctx.output
    run_id = args.run_id
    async with ctx.client() as client:
        printer = Printer(out, as_json=args.json, lines=args.lines)
        follower = await follow(client, run_id, printer)
        if follower.status.fatal:
            out.error(follower.status.error or "the follower stopped")
            return Exit.API
        status = _status_of(printer.conversation, run_id)
        try:  # the run's own word on how it ended (never redacted)
            status = (await client.get_run(run_id)).status or status
        except PhronyError as error:
            out.note(f"could not read the run's final status: {explain(error)}")
    if not is_terminal(status):
        out.error(f"the run's status is {one_line(status or 'unknown', 40)}, not an end")
        return Exit.NOT_DONE
    if not args.json:
        out.line(f"run {one_line(run_id, 64)} ended: {out.status(one_line(status, 40))}")
    return Exit.OK if status_class(status) == "completed" else Exit.NOT_DONE
