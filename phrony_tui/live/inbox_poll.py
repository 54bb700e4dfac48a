"""The watcher's IO: one round of ``take=1`` requests (``core.inbox_watch`` says which),
and the conversation of a session that started waiting, read once for its question."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from phrony_tui.client import PhronyClient, PhronyError
from phrony_tui.core.inbox_watch import Arrival, InboxWatch, WatchRequest, question_of

if TYPE_CHECKING:
    from phrony_tui.client.models import SessionPage

#: requests of one round in flight at once (a round is agents x statuses)
AT_ONCE = 6


async def poll(client: PhronyClient, watch: InboxWatch) -> tuple[list[Arrival], PhronyError | None]:
    """Ask one round, feed it to ``watch``: the arrivals, and the last error (a failed
    request keeps its stream's last total)."""
    requests = watch.requests()
    gate = asyncio.Semaphore(AT_ONCE)
    errors: list[PhronyError] = []

    async def fetch(request: WatchRequest) -> SessionPage | None:
        async with gate:
            try:
                page = await client.list_sessions(
                    request.agent_id, skip=request.skip, take=request.take, status=request.status, lazy=True
                )
                # lazy: msgspec rows (client/session_rows.py), read like the models' pages
                return cast("SessionPage", page)
            except PhronyError as exc:
                errors.append(exc)
                return None

    pages = await asyncio.gather(*(fetch(request) for request in requests))
    arrivals = watch.take_round(list(zip(requests, pages, strict=True)))
    return arrivals, (errors[-1] if errors else None)


async def question(client: PhronyClient, arrival: Arrival) -> str | None:
    """The question a new waiting session asks (one slim conversation read), or None
    when it cannot be read or says none (raw server text: the caller makes it safe)."""
    session = arrival.session
    run_id = session.open_run_id if session is not None else None
    if run_id is None:
        return None
    try:
        conversation = await client.get_conversation(run_id, "slim")
    except PhronyError:
        return None
    return question_of(conversation)
