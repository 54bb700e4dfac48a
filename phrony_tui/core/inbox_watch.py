"""How many sessions wait on a person, across agents, from the server's totals; and which
ones are new. Pure state, like ``session_feed``: it says what to ask (``requests``) and
takes a whole round of answers (``take_round``); the IO is in ``live/inbox_poll.py``.

One ``take=1`` request per agent and watched status gives that status's ``total`` (the
server counts every matching row, so a waiting session buried under hundreds of newer
ones is counted) and its head row (the newest, on a newest-first server): a head never
seen before, with no fewer waiting than before, is a session that started waiting since
the last round (fewer: the head was answered and an older one shows); a total that grew
behind a known head (an oldest-first server) is an arrival known only by its agent and
status. A session is announced once: one that waits again later (a chat's next turn)
is not announced again.

The ``status`` filter is sent by the SDK but not in the API reference, so a server may
ignore it: a ``take=1`` answer whose row has another status says so. Its totals then
count every session of the agent, not the waiting ones, and a true count would mean
reading every session of the agent on every round (hundreds of requests). So for such
an agent the watcher asks one page of its newest ``window`` sessions a round instead
(one request, not one per status) and says "≥ N": the waiting rows in that window and
in the pages the sessions list has loaded. A lower bound, said as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phrony_tui.core.format import parse_ts
from phrony_tui.core.session_feed import INBOX_STATUSES
from phrony_tui.core.task_book import pending_tasks

if TYPE_CHECKING:
    from phrony_tui.client.models import Conversation, SessionPage, SessionSummary

#: rows of the newest-sessions page asked of an agent whose server ignores the filter
WATCH_WINDOW = 50


@dataclass(frozen=True)
class WatchRequest:
    agent_id: str
    #: the status asked for; None for the window of an agent whose server ignores the filter
    status: str | None
    skip: int = 0
    take: int = 1


@dataclass(frozen=True)
class Arrival:
    """A session that started waiting on a person since the last round."""

    agent_id: str
    status: str
    #: the session, when the answer showed it (None: only a total grew)
    session: SessionSummary | None = None


@dataclass
class InboxWatch:
    agent_ids: tuple[str, ...]
    statuses: tuple[str, ...] = INBOX_STATUSES
    window: int = WATCH_WINDOW
    #: rounds taken so far (the first one only learns what already waits)
    rounds: int = field(default=0, init=False)
    #: agents whose server ignored the status filter (their count is a lower bound)
    ignoring: set[str] = field(default_factory=set, init=False)
    _totals: dict[tuple[str, str], int] = field(default_factory=dict, init=False)
    _known: set[str] = field(default_factory=set, init=False)  # waiting sessions already seen
    _window: dict[str, dict[str, SessionSummary]] = field(default_factory=dict, init=False)
    _loaded: dict[str, set[str]] = field(default_factory=dict, init=False)  # from the sessions list
    _agent_total: dict[str, int] = field(default_factory=dict, init=False)
    _newest_last: dict[str, bool] = field(default_factory=dict, init=False)
    _windowed: dict[str, bool | None] = field(default_factory=dict, init=False)

    # -- what to ask -------------------------------------------------------------
    def requests(self) -> list[WatchRequest]:
        """One round: ``take=1`` per agent and status; one window for an agent whose
        server ignores the filter (its newest sessions, wherever its order puts them)."""
        out = []
        for agent in self.agent_ids:
            if agent in self.ignoring:
                total = self._agent_total.get(agent, 0)
                skip = max(0, total - self.window) if self._newest_last.get(agent) else 0
                out.append(WatchRequest(agent, None, skip, self.window))
            else:
                out.extend(WatchRequest(agent, status) for status in self.statuses)
        return out

    # -- what came back ----------------------------------------------------------
    def take_round(self, results: Sequence[tuple[WatchRequest, SessionPage | None]]) -> list[Arrival]:
        """Take a round's answers (None: that request failed, its last answer stands);
        the sessions that started waiting since the last round (none on the first)."""
        seen: list[Arrival] = []
        for request, page in results:
            if page is not None:
                seen.extend(self._take(request, page))
        first = self.rounds == 0
        self.rounds += 1
        arrivals = []
        for arrival in seen:
            if arrival.session is not None:
                if arrival.session.id in self._known:
                    continue
                self._known.add(arrival.session.id)
            if not first:
                arrivals.append(arrival)
        return arrivals

    def _take(self, request: WatchRequest, page: SessionPage) -> list[Arrival]:
        agent = request.agent_id
        if request.status is None:
            return self._take_window(agent, page)
        head = page.items[0] if page.items else None
        if head is not None and head.status != request.status:
            # The server ignored the filter: its totals count every session of the agent.
            self.ignoring.add(agent)
            self._agent_total[agent] = page.total
            for status in self.statuses:
                self._totals.pop((agent, status), None)
            if head.status in self.statuses:
                self._window.setdefault(agent, {})[head.id] = head
                return [Arrival(agent, head.status, head)]
            return []
        if agent in self.ignoring:
            return []  # an answer of a round sent before the filter was found ignored
        before = self._totals.get((agent, request.status))
        self._totals[(agent, request.status)] = page.total
        if head is not None and head.id not in self._known:
            if before is not None and page.total < before:
                # Fewer wait: the head was answered and an older waiting one shows now.
                self._known.add(head.id)
                return []
            return [Arrival(agent, request.status, head)]
        if before is not None and page.total > before:
            return [Arrival(agent, request.status)]  # more wait behind a head we knew (oldest first)
        return []

    def _take_window(self, agent: str, page: SessionPage) -> list[Arrival]:
        self._agent_total[agent] = page.total
        asked_at = self._newest_last.get(agent)  # where this window was asked (requests)
        items = page.items
        if len(items) >= 2:
            first, last = parse_ts(items[0].started_at), parse_ts(items[-1].started_at)
            if first is not None and last is not None and first != last:
                self._newest_last[agent] = first < last
        rows = {row.id: row for row in items if row.status in self.statuses}
        self._window[agent] = rows
        if self._windowed.get(agent, ...) != asked_at:
            # The agent's first window, or the first at the newest end once its order is
            # known: rows that waited before, learnt, not announced.
            self._windowed[agent] = asked_at
            self._known.update(rows)
            return []
        return [Arrival(agent, row.status, row) for row in rows.values()]

    def note_loaded(self, rows: Iterable[SessionSummary]) -> None:
        """The rows the sessions list has loaded: for an agent whose server ignores the
        filter, its waiting ones count towards the lower bound."""
        loaded: dict[str, set[str]] = {}
        for row in rows:
            if row.agent_id and row.status in self.statuses:
                loaded.setdefault(row.agent_id, set()).add(row.id)
        self._loaded = loaded

    # -- what is shown -----------------------------------------------------------
    @property
    def count(self) -> int | None:
        """Sessions waiting on a person (a lower bound when ``lower_bound``); None until
        every agent has answered once."""
        total = 0
        for agent in self.agent_ids:
            if agent in self.ignoring:
                total += len(set(self._window.get(agent, {})) | self._loaded.get(agent, set()))
                continue
            for status in self.statuses:
                value = self._totals.get((agent, status))
                if value is None:
                    return None
                total += value
        return total

    @property
    def lower_bound(self) -> bool:
        return bool(self.ignoring)

    @property
    def label(self) -> str:
        """The header's words: "3 waiting on you", "≥ 3 waiting on you", "… waiting"."""
        count = self.count
        if count is None:
            return "… waiting on you"
        return f"{'≥ ' if self.lower_bound else ''}{count} waiting on you"

    @property
    def note(self) -> str | None:
        """Why the count is a lower bound (None when it is exact)."""
        if not self.ignoring:
            return None
        return (
            "the server ignores the sessions status filter: counted among the newest "
            f"{self.window} sessions per agent and the loaded pages"
        )


def question_of(conversation: Conversation) -> str | None:
    """What the waiting session asks the person: its pending task's question (an
    escalation's question for the person first), else the agent's last message (a
    conversational pause); an alert's text only when nothing else asks. Raw server text: the caller makes it safe."""
    tasks = pending_tasks(conversation)
    # An alert (``anomaly_alert``) does not block: the task the session waits on comes first.
    tasks.sort(key=lambda task: task.kind == "anomaly_alert")
    for task in tasks:
        if task.shown_question:
            return task.shown_question
    for item in reversed(conversation.items):
        content = item.content
        if item.type == "output" and isinstance(content, dict):
            message = content.get("message")
            if isinstance(message, str) and message.strip():
                return message
    return None
