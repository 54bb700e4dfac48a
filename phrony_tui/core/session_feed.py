"""The sessions list across several agents and server-side filters, paged.

Pure state: it says which pages to fetch (``next_requests``) and takes what
came back (``add_page``); the UI does the IO. One "stream" per (agent, status
filter) pair: the inbox asks each agent for each human-waiting status, so the
totals the server reports add up to the true count.

The ``status`` query is sent by the SDK but is not in the API reference, so a server
may ignore it: rows of another status are dropped, and the feed says so once
(``filter_ignored``); the server's totals then count rows that are not shown, so
``total`` is unknown. The server's order is "newest or query order, depending on the
service": rows are sorted here, and ``order_note`` says when that order is only
of the pages loaded so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import EllipsisType
from typing import TYPE_CHECKING

from phrony_tui.core.format import parse_ts

if TYPE_CHECKING:
    from phrony_tui.client.models import SessionPage, SessionSummary

PAGE_SIZE = 50
# Sessions a person must act on; a timer ends by itself, so it is not in the inbox.
# WaitingForAITL on a session (not a sub-agent's run) is how a service surfaces an
# escalation to a person (the simulator does); the real service keeps the session
# Running while only the child run waits for its parent agent (no person involved).
INBOX_STATUSES = ("WaitingForHITL", "WaitingForAITL", "WaitingForResponse")
# What `f` cycles through (None = every status).
STATUS_FILTERS: tuple[str | None, ...] = (
    None,
    "Running",
    "WaitingForHITL",
    "WaitingForAITL",
    "WaitingForResponse",
    "WaitingForTimer",
    "Completed",
    "Failed",
)


@dataclass(frozen=True)
class PageRequest:
    agent_id: str
    skip: int
    take: int
    status: str | None


@dataclass
class _Stream:
    agent_id: str
    status: str | None
    total: int | None = None
    loaded: int = 0
    pending: bool = False

    @property
    def has_more(self) -> bool:
        return self.total is None or self.loaded < self.total


@dataclass
class SessionFeed:
    agent_ids: tuple[str, ...]
    inbox: bool = False
    status: str | None = None
    page_size: int = PAGE_SIZE
    #: a server answered a status-filtered page with rows of other statuses
    filter_ignored: bool = field(default=False, init=False)
    _streams: dict[tuple[str, str | None], _Stream] = field(default_factory=dict, init=False)
    _rows: dict[str, SessionSummary] = field(default_factory=dict, init=False)
    _sorted: list[SessionSummary] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.reset()

    # -- filters -------------------------------------------------------------
    @property
    def statuses(self) -> tuple[str | None, ...]:
        if self.inbox:
            return tuple(s for s in INBOX_STATUSES if self.status in (None, s)) or INBOX_STATUSES
        return (self.status,)

    def reset(self) -> None:
        """Forget what was loaded (after a filter change or a full refresh)."""
        self._streams = {
            (agent, status): _Stream(agent, status) for agent in self.agent_ids for status in self.statuses
        }
        self._rows = {}
        self._sorted = None
        self.filter_ignored = False

    def set_filters(self, *, inbox: bool | None = None, status: str | EllipsisType | None = ...) -> None:
        """Change the filters (``status=...``, the default, keeps the status filter)."""
        if inbox is not None:
            self.inbox = inbox
        if not isinstance(status, EllipsisType):
            self.status = status
        self.reset()

    # -- paging --------------------------------------------------------------
    def next_requests(self) -> list[PageRequest]:
        """The next page of every stream that has more and is not being fetched."""
        requests = []
        for stream in self._streams.values():
            if stream.has_more and not stream.pending:
                stream.pending = True
                requests.append(PageRequest(stream.agent_id, stream.loaded, self.page_size, stream.status))
        return requests

    def first_page_requests(self) -> list[PageRequest]:
        """Re-read the first page of every stream (auto-refresh), keeping deeper pages."""
        return [
            PageRequest(s.agent_id, 0, max(self.page_size, s.loaded), s.status) for s in self._streams.values()
        ]

    def add_page(self, request: PageRequest, page: SessionPage) -> None:
        stream = self._streams.get((request.agent_id, request.status))
        if stream is None:  # a filter changed while the request was in flight
            return
        stream.pending = False
        stream.total = page.total
        if request.skip == 0 and request.take >= stream.loaded:
            # A refresh of the head: drop rows of this stream that disappeared.
            fresh = {item.id for item in page.items}
            for key, row in list(self._rows.items()):
                if self._stream_key(row) == (request.agent_id, request.status) and key not in fresh:
                    del self._rows[key]
            stream.loaded = len(page.items)
        else:
            stream.loaded = max(stream.loaded, request.skip + len(page.items))
        if not page.items and request.skip > 0:
            stream.total = stream.loaded  # the server had fewer rows than it said: stop asking
        items = page.items
        if request.status is not None:
            matching = [item for item in items if item.status == request.status]
            if len(matching) != len(items):
                self.filter_ignored = True
                items = matching
        for item in items:
            self._rows[item.id] = item
        self._sorted = None

    def request_failed(self, request: PageRequest) -> None:
        stream = self._streams.get((request.agent_id, request.status))
        if stream is not None:
            stream.pending = False

    def _stream_key(self, row: SessionSummary) -> tuple[str | None, str | None]:
        if self.inbox or self.status is not None:
            return (row.agent_id, row.status)
        return (row.agent_id, None)

    # -- what is shown -------------------------------------------------------
    @property
    def total(self) -> int | None:
        """The sum of the totals the server reported (None until every stream answered)."""
        totals = [s.total for s in self._streams.values()]
        if self.filter_ignored or any(t is None for t in totals):
            return None
        return sum(t for t in totals if t is not None)

    @property
    def has_more(self) -> bool:
        return any(s.has_more for s in self._streams.values())

    @property
    def notes(self) -> list[str]:
        """What a person must know to read the list right (shown beside the counts)."""
        notes = []
        if self.filter_ignored:
            notes.append("the server ignored the status filter: rows of other statuses are hidden")
        if self.has_more and self._rows:
            notes.append("newest first among the loaded pages")
        return notes

    @property
    def rows(self) -> list[SessionSummary]:
        """Loaded sessions, newest first (by startedAt, then id for a stable order)."""
        if self._sorted is None:
            self._sorted = sorted(self._rows.values(), key=_newest_first)
        return self._sorted

    def update(self, session: SessionSummary) -> None:
        """Replace a row with fresher data (e.g. from a conversation or a live event)."""
        if session.id in self._rows:
            self._rows[session.id] = session
            self._sorted = None


def _newest_first(row: SessionSummary) -> tuple[float, str]:
    started = parse_ts(row.started_at)
    return (-(started.timestamp() if started else 0.0), row.id)
