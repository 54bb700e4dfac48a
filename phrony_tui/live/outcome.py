"""After a send that may have reached the server: did it go through? (the look, with IO).

A request that failed after it left (a reset or timeout once the whole request
was sent, a 500/502/504, an answer out of contract) may have been applied. It is
never sent again by itself: the app's dialogs and the scripts first look, with
the checks here, and say what they found. Each check returns a :class:`Check`:
``applied`` True (it went through), False (the server shows no sign of it) or
None (unknown: the look itself failed, or what it saw says neither).

- a reply (``check_reply``): the run left its wait, made steps after the last one
  known before sending, or shows the text sent;
- an answer (``check_task``): the task is no longer pending;
- a start (``check_start``): the agent's newest sessions hold one started around
  the attempt (a minute before it, or since) with the same input.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    PhronyConnectionError,
    PhronyError,
    PhronyProtocolError,
)
from phrony_tui.core.format import parse_ts
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import ending_action
from phrony_tui.core.task_book import TaskBook

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, SessionSummary

# Server errors a gateway gives when the service behind it may have done the work.
_GATEWAY_UNSURE = frozenset({500, 502, 504})
#: a start's session counts when it began this long before the attempt, or after it
START_WINDOW = timedelta(minutes=1)
# How many of the agent's newest sessions a start's check reads.
START_LOOKBACK = 20
# How many of the newest steps a reply's check searches for the text sent.
REPLY_LOOKBACK = 30

CheckFn = Callable[[], Awaitable["Check"]]


@dataclass(frozen=True)
class Check:
    """What a look after an ambiguous failure found: ``applied`` True, False, or None (unknown).

    ``found``: for a start, the session that was started (its summary), when one was."""

    applied: bool | None
    evidence: str
    found: Any = None


def may_have_arrived(error: PhronyError) -> bool:
    """Whether the failed request may have reached the server (and been applied).

    A connection error says so itself (the client's ``maybe_applied``: the whole
    request had been sent); a 500/502/504 or an answer out of contract (a success
    status with an odd body) may have been applied too."""
    if isinstance(error, PhronyProtocolError):
        return True
    if isinstance(error, PhronyAPIError):
        return error.status in _GATEWAY_UNSURE
    return isinstance(error, PhronyConnectionError) and error.maybe_applied


async def look(check: CheckFn) -> Check:
    """Run ``check``; a failure of the look itself is an unknown outcome, said as such."""
    try:
        return await check()
    except PhronyError as again:
        return Check(None, f"the check failed too ({one_line(str(again), 200)})")


def waits_for_reply(conversation: Conversation) -> bool:
    statuses = [conversation.session.status, *(run.status for run in conversation.runs)]
    return any(ending_action(status) == "message" for status in statuses if status)


def last_ordinal(conversation: Conversation) -> int:
    return max((item.ordinal for item in conversation.items), default=0)


def _holds(content: Any, text: str, depth: int = 0) -> bool:
    """Whether a string in ``content`` is ``text`` (whitespace aside): the reply itself,
    not a word of it somewhere (a short reply such as "ok" is in many steps)."""
    if isinstance(content, str):
        return content.strip() == text
    if depth > 20:
        return False
    if isinstance(content, dict):
        return any(_holds(value, text, depth + 1) for value in content.values())
    if isinstance(content, list):
        return any(_holds(value, text, depth + 1) for value in content)
    return False


def check_reply(client: PhronyClient, run_id: str, before: int | None, text: str | None = None) -> CheckFn:
    """After an ambiguous failure of a reply: did the run leave its wait, make new steps
    (after ordinal ``before``, when known), or show the ``text`` sent in a recent step?"""
    wanted = (text or "").strip()

    async def check() -> Check:
        status = (await client.get_run(run_id)).status
        conversation = await client.get_conversation(run_id, lazy=True)
        new = [item for item in conversation.items if before is not None and item.ordinal > before]
        recent = sorted(conversation.items, key=lambda item: item.ordinal)[-REPLY_LOOKBACK:]
        echoed = bool(wanted) and any(_holds(item.content, wanted) for item in recent)
        waiting = waits_for_reply(conversation)
        now = f"the run is {one_line(status or '?', 40)}"
        if new or echoed or not waiting:
            kinds = ", ".join(one_line(item.type, 30) for item in new[:5])
            steps = f", {len(new)} new step(s) since ({kinds})" if new else ""
            shown = ", and a step shows the text sent" if echoed else ""
            return Check(True, f"{now}{steps}{shown}")
        return Check(False, f"{now}, still waiting for a reply, with no step showing it")

    return check


async def read_book(client: PhronyClient, run_id: str) -> tuple[Conversation, TaskBook]:
    conversation = await client.get_conversation(run_id, lazy=True)
    book = TaskBook()
    book.add_conversation(conversation)
    return conversation, book


def check_task(client: PhronyClient, run_id: str, task_id: str) -> CheckFn:
    """After an ambiguous failure of an answer: is the task still pending?"""

    async def check() -> Check:
        status = (await client.get_run(run_id)).status
        _conversation, book = await read_book(client, run_id)
        now = f"the run is {one_line(status or '?', 40)}"
        if book.is_pending(task_id):
            return Check(False, f"{now} and the task is still pending")
        said = book.status_of(task_id)
        closed = f" ({one_line(said, 30)})" if said else ""
        return Check(True, f"{now} and the task is no longer pending{closed}")

    return check


def _started_around(session: SessionSummary, since: datetime) -> bool:
    started = parse_ts(session.started_at) if session.started_at else None
    return started is not None and started >= since - START_WINDOW


def check_start(client: PhronyClient, agent_id: str, payload: Mapping[str, Any], since: datetime) -> CheckFn:
    """After an ambiguous failure of a start: among the agent's newest sessions, one that
    began around ``since`` (the attempt's time) with the same input?"""

    async def check() -> Check:
        page = await client.list_sessions(agent_id, take=START_LOOKBACK)
        matches = [s for s in page.items if _started_around(s, since) and s.input == dict(payload)]
        if matches:
            newest = matches[0]
            also = f" ({len(matches)} such sessions)" if len(matches) > 1 else ""
            return Check(
                True,
                f"session {one_line(newest.id, 40)} started {one_line(newest.started_at or '?', 40)} with this "
                f"input ({one_line(newest.status or '?', 30)}){also}",
                found=newest,
            )
        return Check(False, f"none of the agent's {len(page.items)} newest sessions started since with this input")

    return check
