"""Apply one drained ``FollowBatch`` to the open session's state. No textual.

The one home of the rule the main screen and the follower tests both follow:

1. a back-fill (``batch.conversation``) builds the state, or is merged into it;
2. events that came before that back-fill are superseded by it (applying a stale
   ``Running`` after a newer ``Completed`` would move the status back), except
   the steps it does not hold yet (a conversation may lag its stream): those are
   applied, never their statuses or tasks;
3. the rest (``batch.fresh_events``) are applied on top, ``chunk`` events at a time,
   in slices that ``await pause()`` in between (a key pressed during a burst is
   handled then, not after it), stopping if ``still_current()`` turns false (the
   person left this run meanwhile). With ``budget`` (seconds, read on ``clock``) a
   slice is as many chunks as fit in it: a burst holds the loop that long at most,
   however costly its steps; without, each chunk is a slice.

The caller's garbage-collector policy comes in as hooks: ``bulk()`` is entered
around the back-fill's build or merge and around the slices (the UI pauses the
collector there) and ``after_bulk(rows)``
is told how many rows a bulk step added (the UI freezes them); both default to
doing nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from phrony_tui.core.session_state import SessionState
from phrony_tui.live.follower import FollowBatch

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation

# Live events are applied this many at a time (one timeline merge each), in slices that
# yield to the loop in between.
APPLY_CHUNK = 500


@dataclass
class Applied:
    """What ``apply_batch`` did. ``state``: the session's state after it (None until a
    back-fill arrived); ``first``: this batch built it; ``applied``: events applied;
    ``left``: it stopped between two slices because ``still_current()`` said so;
    ``opening``: the batch was part of the first conversation read in parts (its rows
    are not news: no following the end, no announcements)."""

    state: SessionState | None
    first: bool = False
    applied: int = 0
    left: bool = False
    opening: bool = False


def _nothing(rows: int) -> None:
    return None


def _always() -> bool:
    return True


async def _one_turn() -> None:
    await asyncio.sleep(0)


async def apply_batch(
    state: SessionState | None,
    batch: FollowBatch,
    *,
    new_state: Callable[[Conversation], SessionState],
    still_current: Callable[[], bool] = _always,
    bulk: Callable[[], AbstractContextManager[object]] = nullcontext,
    after_bulk: Callable[[int], None] = _nothing,
    chunk: int = APPLY_CHUNK,
    budget: float | None = None,
    pause: Callable[[], Awaitable[object]] = _one_turn,
    clock: Callable[[], float] = time.perf_counter,
) -> Applied:
    """Fold ``batch`` into ``state`` (``new_state(conversation)`` builds the first one)."""
    result = Applied(state)
    if not batch.changed:
        return result
    more_items = batch.more_items
    if batch.conversation is not None:
        with bulk():  # a build of every row of the session: no collection midway
            if result.state is None:
                conversation = batch.conversation
                if more_items:  # the rest of a conversation read in parts came before its first draw: one build
                    from phrony_tui.client.records import LazyConversation  # no pydantic (client/records.py)

                    conversation = cast("Conversation", LazyConversation(
                        conversation.session, conversation.runs, [*conversation.items, *more_items]
                    ))  # fmt: skip
                    more_items = []
                result.state, result.first = new_state(conversation), True
            else:
                result.state.merge_conversation(batch.conversation)
    state = result.state
    if state is None:
        return result  # nothing to apply events to before the first back-fill
    result.opening = batch.opening or state.loading
    if more_items:
        with bulk():
            state.add_items(more_items)
    state.loading = batch.opening
    if batch.events:
        fresh = state.missing_steps(batch.events[: batch.superseded]) + batch.fresh_events
        # No collection until the burst's rows are frozen: between two slices one would
        # scan every row the burst added so far (a 100,000-event drain took 2x as long).
        with bulk():
            began = clock() if budget is not None else 0.0
            for start in range(0, len(fresh), chunk):
                if start and (budget is None or clock() - began >= budget):
                    await pause()
                    if not still_current():
                        result.left = True
                        return result
                    if budget is not None:
                        began = clock()
                piece = fresh[start : start + chunk]
                state.apply_events(piece)
                result.applied += len(piece)
            after_bulk(len(fresh))
    after_bulk(len(batch.events) + len(batch.more_items) + (len(batch.conversation.items) if batch.conversation else 0))
    return result
