"""The main screen: sessions, run tree, merged timeline, live log and a status line.

IO runs in workers that only call the client; results come back as method
calls on this screen (workers are asyncio tasks on the app's loop), and live
events are buffered by the follower and drawn by one timer, never per event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from functools import partial
from typing import TYPE_CHECKING, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import Timer

from phrony_tui.client import PhronyAPIError, PhronyError
from phrony_tui.core.gating import GATED, RUN_ACTIONS, pause_actions, refusal
from phrony_tui.core.safe_text import one_line, safe_text
from phrony_tui.core.session_feed import PageRequest, SessionFeed
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.status import is_failed, waiting_label, waits_on_person
from phrony_tui.ui.actions import Acted, Reopen, RunActions
from phrony_tui.ui.compositor import LinesCompositor
from phrony_tui.ui.errors import describe_error
from phrony_tui.ui.frame_timer import frame_timer
from phrony_tui.ui.inbox_watcher import InboxWatcher
from phrony_tui.ui.input_first import yield_to_input
from phrony_tui.ui.text import notify, short_id
from phrony_tui.ui.widgets.footer import KeysFooter
from phrony_tui.ui.widgets.live_log import LiveLog
from phrony_tui.ui.widgets.run_tree import RunTree, wait_marks
from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.status_bar import StatusBar
from phrony_tui.ui.widgets.timeline_pane import TimelinePane

if TYPE_CHECKING:
    from concurrent.futures import Future

    from phrony_tui.client.models import Conversation, ConversationItem, SessionPage, SessionSummary
    from phrony_tui.client.session_rows import SessionRowPage
    from phrony_tui.live.follower import FollowStatus, RunFollower
    from phrony_tui.live.prefetch import ConversationParts
    from phrony_tui.ui.host import AppHost
    from phrony_tui.ui.session_tools import SessionTools

# Live events are drawn in batches on this period (seconds): never one repaint per event.
FLUSH_INTERVAL = 0.1
# Pages of the sessions list asked for at the same time (one per agent and filter).
PAGE_REQUESTS_AT_ONCE = 6
# At most this many events of one flush are described in the live log.
LOG_BATCH = 200
# A flush with this many events makes the next timer tick skip (draw at 5 Hz, not 10).
BUSY_BATCH = 1_000
# A flush applies events for this long (seconds) at most, then lets keys in (ui/input_first.py).
SLICE_BUDGET = 0.004
# --demo: how long the first frame waits for the list's first pages (seconds) when they
# are still on their way as the screen mounts (the simulator's child is still starting).
FIRST_PAGES_WAIT = 0.2
# Below this width the panes stack: the sessions list or the open session, not both.
NARROW_WIDTH = 110


class MainScreen(Screen[None]):
    app: AppHost
    # The first focus: the list (Textual's default, the first focusable widget, was the
    # hidden filter box, where `q` then typed instead of quitting).
    AUTO_FOCUS = "#sessions-table"

    # The palette's title and help line for each: the first line of its tooltip, the rest.
    BINDINGS = [
        Binding("A", "attempts", "Attempts", id="run.attempts",
                tooltip="Start attempts\nruns started from this terminal: open one, view its payload, retry"),
        Binding("a", "answer", "Answer", id="run.answer",
                tooltip="Answer the pending user task\napprove/reject, pick, type text or a number"),
        Binding("m", "message", "Message", id="run.message",
                tooltip="Send a message\nreply to a run waiting for a response, with files"),
        Binding("w", "skip_wait", "Skip wait", id="run.skip_wait",
                tooltip="Skip the wait timer\nend a WaitingForTimer pause now"),
        Binding("s", "start_run", "Start run", id="run.start",
                tooltip="Start a run\nstart a new run of the selected agent with a JSON input"),
        Binding("x", "export('json')", "Export JSON", show=False, id="session.export_json",
                tooltip="Export the conversation as JSON\nthe session as received, live steps merged"),
        Binding("X", "export('markdown')", "Export Markdown", show=False, id="session.export_markdown",
                tooltip="Export a Markdown report\nruns tree, tasks and answers, timeline"),
        Binding("y", "copy('step')", "Copy step", show=False, id="session.copy_step",
                tooltip="Copy the step content\nthe selected step's content as JSON"),
        Binding("Y", "copy('run')", "Copy run id", show=False, id="session.copy_run",
                tooltip="Copy the run id\nto the clipboard (OSC 52: works over SSH)"),
        Binding("ctrl+y", "copy('session')", "Copy session id", show=False, id="session.copy_session",
                tooltip="Copy the session id\nto the clipboard (OSC 52: works over SSH)"),
        Binding("o", "pager", "Pager", show=False, id="session.pager",
                tooltip="Open the step in $PAGER\nthe selected step's content, full"),
        Binding("O", "pager(True)", "Editor", show=False, id="session.editor",
                tooltip="Open the step in $EDITOR\na private temporary copy"),
        Binding("r", "refresh", "Refresh", id="main.refresh", tooltip="Refresh\nsessions and the open session"),
        # The header's "N waiting on you (i)" names this key wherever the focus is; in the
        # sessions list its own `i` (sessions.inbox) toggles the filter.
        Binding("i", "inbox", "Inbox", show=False, id="main.inbox",
                tooltip="The inbox\nthe sessions list, only sessions waiting on you"),
        Binding("1", "focus_pane('sessions')", "Sessions", show=False, id="main.focus_sessions",
                tooltip="Go to the sessions list"),
        Binding("2", "focus_pane('runs')", "Runs", show=False, id="main.focus_runs", tooltip="Go to the run tree"),
        Binding("3", "focus_pane('timeline')", "Timeline", show=False, id="main.focus_timeline",
                tooltip="Go to the timeline"),
        Binding("4", "focus_pane('live')", "Live log", show=False, id="main.focus_live", tooltip="Go to the live log"),
        Binding("backspace", "back", "Back to sessions", show=False, id="main.back",
                tooltip="Back to the sessions list\nnarrow terminals show one thing at a time"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._compositor = LinesCompositor()  # partial updates draw only the lines they show
        self.state: SessionState | None = None
        self.follower: RunFollower | None = None
        self.feed: SessionFeed | None = None
        self.inbox_watcher: InboxWatcher | None = None
        self._wake_pending = False
        self._flushing = False
        self._skip_ticks = 0
        self._flush_again = False
        self._first_drawn = asyncio.Event()
        self._watcher_waits = False  # the inbox watcher's first round waits for the first sessions pages
        self._announced_status: str | None = None
        self._announced_waits = False
        self._action_signature: object = None
        self.dialogs = RunActions(
            self, lambda: self.state, selected_run=self._selected_run, preferred_agent=self._preferred_agent
        )
        self._tools: SessionTools | None = None
        self._resumed = False  # the first ScreenResume (its restyle is not needed)
        self._drawn = False  # a first frame rendered (not in the App's start batch)

    @property
    def _update_timer(self) -> Timer:
        # Textual's screen update timer, paced from the last frame (ui/frame_timer.py).
        timer = getattr(self, "_Screen__update_timer", None)
        if timer is None:
            timer = frame_timer(self, UPDATE_PERIOD, self._on_timer_update)
            self._Screen__update_timer = timer
        return timer

    def _compositor_refresh(self) -> None:
        # Until the App's start batch ends (its compose and mount, in which this screen is
        # pushed and mounted), Textual renders the whole screen here and App._display drops
        # the result: two full renders thrown away before the first frame. Left to the
        # first refresh after the batch (its first layout, or the next idle's timer). Only
        # before the first frame: later batches (a recompose) are Textual's business.
        if not self._drawn:
            if self.app._batch_count and self.is_current and not self.app.is_inline:
                self._repaint_required = True
                return
            self._drawn = self.is_current
        super()._compositor_refresh()

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual's own handler (Screen's, called after this one) restyles the whole screen
        # on every resume; the first comes right after the mount that styled every widget.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        settings = self.app.settings
        # The layout's classes before the panes mount: set in on_mount, each restyled the
        # whole screen again before its first frame.
        self.set_class(self.app.size.width < NARROW_WIDTH, "-narrow", update=False)
        self.set_class(True, "-list", update=False)
        self.feed = SessionFeed(settings.agent_ids, inbox=settings.watch)  # --watch starts on the inbox
        if settings.run_id:  # --run: the first focus is the timeline's (on_mount's), not the list's then it
            self.AUTO_FOCUS = "#timeline"  # type: ignore[misc]  # this screen's, not every one's
        yield StatusBar(settings.base_url, self.app.host_label, id="status")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield SessionsPane(self.feed, settings.agent_names, id="sessions")
                yield RunTree(id="runs")
            with Vertical(id="right"):
                yield TimelinePane(id="timeline-pane")
                yield LiveLog(id="live")
        yield KeysFooter()

    async def on_mount(self) -> None:
        # The launcher paused the collector for the start (ui/gc_policy.py): on again after
        # the first frame, what the start built frozen.
        self.call_after_refresh(self.app.gc_policy.start_done)
        self.query_one(RunTree).border_title = "Runs"
        self._apply_width(self.size.width)
        self._show_session(False)
        self.set_interval(FLUSH_INTERVAL, partial(self._flush_live, tick=True))
        # The header's count of sessions waiting on you; with --watch the list is reloaded
        # when that count moves, not on a timer of its own (the least traffic).
        watching = self.app.settings.watch
        self.inbox_watcher = InboxWatcher(
            self, lambda: self.feed.rows if self.feed else (), self._refresh_sessions_list if watching else None,
            opened=lambda: self.state.session.id if self.state is not None else None,
        )  # fmt: skip
        # Its first round once the sessions list's first pages are in (load_sessions): the
        # list is the first screen, its requests go first (a round is agents x 3 requests).
        listing = bool(self.app.settings.agent_ids)
        self.inbox_watcher.start(first_round=not listing)
        self._watcher_waits = listing
        if self.app.sessions_refresh and not watching:
            self.set_interval(self.app.sessions_refresh, self._refresh_sessions_list)
        if listing and self.feed is not None:
            requests = self.feed.next_requests()
            # --demo: the first pages drawn in the first frame when they have come already.
            pages = await self._first_pages(requests)
            if pages is None:
                self.load_sessions(requests)
            else:
                self._pages_came(self.feed, requests, pages)
        if self.app.settings.run_id:
            from phrony_tui.live.prefetch import as_initial  # --run: not on the list's start

            handoff, self.app.prefetch = self.app.prefetch, None
            prefetch = handoff.take() if handoff is not None else None
            self.open_run(self.app.settings.run_id, initial=as_initial(prefetch))
            self.query_one(TimelinePane).timeline.focus()  # the pane shown (a narrow terminal hides the list)
            if self.follower is not None and self.follower.prime():
                await self._flush_live()  # what was read meanwhile is in the first frame
        else:
            self.query_one("#sessions-table").focus()

    def on_resize(self) -> None:
        self._apply_width(self.size.width)

    def _apply_width(self, width: int) -> None:
        self.set_class(width < NARROW_WIDTH, "-narrow")
        self.refresh_bindings()  # the footer fits the new width (ui/widgets/footer.py)

    def footer_extra(self) -> tuple[str, ...]:
        """Keys the footer puts first (those that act now): what the session waits for, and
        on a narrow terminal with a session open backspace, the only way back to the list."""
        back = ("main.back",) if self.has_class("-narrow") and self.has_class("-session-open") else ()
        return (*back, "run.answer", "run.message", "run.skip_wait")

    # -- sessions --------------------------------------------------------------
    @work(group="sessions")
    async def load_sessions(self, requests: list[PageRequest] | None = None) -> None:
        """Fetch pages (the next ones by default) and redraw the sessions pane."""
        assert self.feed is not None
        pane = self.query_one(SessionsPane)
        requests = self.feed.next_requests() if requests is None else requests
        if not requests:
            return
        pane.set_fetching(True)
        feed = self.feed
        gate = asyncio.Semaphore(PAGE_REQUESTS_AT_ONCE)
        # --demo's first pages, asked for while the app started (entry/early_pages.py).
        asked, self.app.first_pages = self.app.first_pages or {}, None

        async def fetch(request: PageRequest):
            early = asked.get(request)
            if early is not None:
                from phrony_tui.client.session_rows import decode_page

                body = await asyncio.wrap_future(early)
                page = decode_page(body) if body is not None else None
                if page is not None:
                    return page  # else the client's read below (its errors, its words)
            async with gate:
                try:
                    return await self.app.client.list_sessions(
                        request.agent_id, skip=request.skip, take=request.take, status=request.status, lazy=True
                    )  # lazy: msgspec rows, no pydantic on the start (client/session_rows.py)
                except PhronyError as exc:
                    return exc

        results = await asyncio.gather(*(fetch(request) for request in requests))
        if not pane.is_attached or pane._pruning:
            return  # the app closed while the pages were on the way: the pane's widgets are gone
        self._pages_came(feed, requests, results)

    async def _first_pages(self, requests: list[PageRequest]) -> list[SessionRowPage] | None:
        """--demo's first pages (entry/early_pages.py), decoded, when all of them have come,
        or come within ``FIRST_PAGES_WAIT``; else None (``load_sessions`` waits for them, or
        asks the client). The wait holds the first frame back: drawn without the list, it
        is a frame drawn twice (the list's a moment later)."""
        asked = self.app.first_pages
        if not asked or not all(request in asked for request in requests):
            return None
        if not await _all_done([asked[request] for request in requests], FIRST_PAGES_WAIT):
            return None
        from phrony_tui.client.session_rows import decode_page

        pages = []
        for request in requests:
            body = asked[request].result()
            page = decode_page(body) if body is not None else None
            if page is None:
                return None
            pages.append(page)
        self.app.first_pages = None
        return pages

    def _pages_came(self, feed: SessionFeed, requests: list[PageRequest], results: Sequence[object]) -> None:
        """The pages (or errors) of a load into the feed, and the pane redrawn."""
        pane = self.query_one(SessionsPane)
        error: str | None = None
        refused: list[str] = []  # agents that answered 403 (the key is not scoped to them)
        for request, result in zip(requests, results, strict=True):
            if isinstance(result, PhronyAPIError) and result.status == 403:
                feed.request_failed(request)
                if request.agent_id not in refused:
                    refused.append(request.agent_id)
            elif isinstance(result, PhronyError):
                feed.request_failed(request)
                error = describe_error(result)
            else:
                feed.add_page(request, cast("SessionPage", result))
        if refused:
            note = self._refused_note(refused, feed.agent_ids)
            error = f"{error} {note}" if error else note
        pane.set_fetching(False)
        pane.set_error(error)
        pane.refresh_rows()
        if self._watcher_waits:  # its first round (on_mount), once the rows are on screen
            self.call_after_refresh(self._first_watch_round)

    def _first_watch_round(self) -> None:
        if self._watcher_waits and self.inbox_watcher is not None:
            self._watcher_waits = False
            self.inbox_watcher.tick()

    def _refused_note(self, refused: list[str], agents: tuple[str, ...]) -> str:
        """Which agents said 403, by name: "2 of 5 agents refused (403): Refund Desk, 0b6f1a2c…"."""
        names = self.app.settings.agent_names
        labels = [safe_text(names.get(agent, "")) or f"{short_id(agent)}…" for agent in refused]
        shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
        total = len(set(agents) | set(refused))
        which = "them, so their sessions are" if len(refused) > 1 else "it, so its sessions are"
        return f"{len(refused)} of {total} agents refused (403): {shown}; the API key is not scoped to {which} not listed."


    @on(SessionsPane.WantMore)
    def _more_sessions(self) -> None:
        self.load_sessions()

    @on(SessionsPane.FiltersChanged)
    def _filters_changed(self) -> None:
        self.query_one(SessionsPane).refresh_rows()
        self.load_sessions()

    @on(SessionsPane.Open)
    def _open_session(self, event: SessionsPane.Open) -> None:
        run_id = event.session.open_run_id
        if run_id is None:
            notify(self, "This session has no entryRunId or rootRunId to open.", severity="warning")
            return
        self.open_run(run_id, event.session)

    def _refresh_sessions_list(self) -> None:
        # Every app.sessions_refresh seconds. (Not ``_auto_refresh``: Textual's DOMNode has
        # an attribute of that name, which shadowed this method and the timer called None.)
        # A refresh still on its way (a slow server) is not doubled.
        if self.feed is not None and self.app.settings.agent_ids and not self.query_one(SessionsPane).fetching:
            self.load_sessions(self.feed.first_page_requests())

    # -- an open session -------------------------------------------------------
    def open_run(
        self, run_id: str, summary: SessionSummary | None = None, *, initial: Awaitable[Conversation] | ConversationParts | None = None
    ) -> None:
        """Follow the run: the follower opens the stream, then back-fills the
        conversation (so no step falls between the two), and keeps it true."""
        self._stop_following()
        had_state, self.state = self.state is not None, None
        self.query_one(TimelinePane).show_loading(run_id)
        self.query_one(LiveLog).reset()
        self._recheck_actions()
        self._show_session(True)
        if had_state:
            self.app.gc_policy.release_frozen()  # after the widgets let go of the old session's rows
        # A conversation already read (--run): drawn before the stream opens.
        self._first_drawn = asyncio.Event()
        from phrony_tui.live.follower import RunFollower  # a session opened: not on the start

        self.follower = RunFollower(
            self.app.client, run_id, wake=self._wake, initial=initial,
            shown=self._first_drawn.wait if initial is not None else None,
        )  # fmt: skip
        self._follow(self.follower)

    @work(group="follow")
    async def _follow(self, follower: RunFollower) -> None:
        await follower.run()

    def _wake(self) -> None:
        # Something that matters arrived (the conversation, a state change): draw
        # now rather than at the next tick. Events themselves wait for the timer.
        if not self._wake_pending:
            self._wake_pending = True
            self.call_later(self._flush_live)

    def _stop_following(self) -> None:
        if self.follower is not None:
            self.follower.stop()
            self.follower = None
        self.workers.cancel_group(self, "follow")

    @property
    def settled(self) -> bool:
        """Everything the follower brought is drawn, and the sessions list is not loading
        (tests and screenshots wait for this rather than for time to pass)."""
        follower = self.follower
        pending = follower is not None and (follower.has_news or self._flushing)
        watching = self.inbox_watcher is not None and (self.inbox_watcher.pending or self._watcher_waits)
        return not pending and not watching and not self.query_one(SessionsPane).fetching

    async def _flush_live(self, *, tick: bool = False) -> None:
        """Drain what the follower buffered and redraw once."""
        self._wake_pending = False
        follower = self.follower
        if follower is None:
            return
        if self._flushing:
            # A wake during a flush (the stream ended, say): flush again right after it,
            # not at a tick up to 0.2 s later.
            self._flush_again = self._flush_again or not tick
            return
        if tick and self._skip_ticks:
            self._skip_ticks -= 1  # a firehose: draw every other tick, keys stay quick
            return
        self._flushing = True
        try:
            await self._flush(follower)
        finally:
            self._flushing = False
        if self._flush_again:
            self._flush_again = False
            self._wake()

    async def _flush(self, follower: RunFollower) -> None:
        batch = follower.drain()
        if not batch.changed:
            return
        self._skip_ticks = 1 if len(batch.events) >= BUSY_BATCH else 0
        log = self.query_one(LiveLog)
        status: FollowStatus = batch.status
        names = self.app.settings.agent_names
        from phrony_tui.live.apply import apply_batch

        applied = await apply_batch(
            self.state, batch,
            new_state=lambda conversation: SessionState(follower.run_id, conversation, agent_names=names),
            still_current=lambda: self.follower is follower,
            bulk=self.app.gc_policy.paused, after_bulk=self.app.gc_policy.freeze_after_bulk,
            budget=SLICE_BUDGET, pause=partial(yield_to_input, self.app),
        )  # fmt: skip
        if applied.left:
            return  # the person left this run meanwhile
        self.state, first = applied.state, applied.first
        if applied.applied:
            await yield_to_input(self.app)  # the log and the redraw below are one more slice
            if self.follower is not follower:
                return
        if self.state is None:
            if status.fatal or status.error:
                self.query_one(TimelinePane).show_error(status.error or status.label)
                self.query_one(StatusBar).show_error(follower.run_id, status.error or status.label)
            log.set_state(status.label, received=status.received, malformed=status.malformed)
            return
        if batch.events:
            lines = self.state.describe_events(batch.events, limit=LOG_BATCH)
            if len(batch.events) > LOG_BATCH:
                # A firehose: describing every event would cost more than drawing it.
                skipped = len(batch.events) - LOG_BATCH
                lines.insert(0, f"… {skipped:,} more events in this burst (counted; every step is in the timeline)")
                await yield_to_input(self.app)  # describing them was a slice of its own
                if self.follower is not follower:
                    return
            log.write(lines)
        log.set_state(status.label, received=status.received, malformed=status.malformed)
        # The rows of a conversation still being read are not news (no end to follow).
        self._redraw_session(follow_end=not (first or applied.opening))
        self._announce(first or applied.opening)
        if first:
            self._learn_agent_names(self.state)
            self.query_one(TimelinePane).timeline.focus()
            self.call_after_refresh(self._first_drawn.set)

    def _learn_agent_names(self, state: SessionState) -> None:
        """The names the conversation gives its agents show in the list, the start picker,
        the palette and the attempts from now on (and next time: the state file)."""
        found = {run.agent_id: safe_text(run.agent_name) for run in state.runs.values() if run.agent_id and run.agent_name}
        if self.app.learn_agent_names(found):
            self.query_one(SessionsPane).refresh_rows()

    def _announce(self, first: bool) -> None:
        """A notification (and the bell) when the watched session starts waiting on
        a person (``SessionState.waits_on_person``: a task, an approval, a reply; never a
        sub-agent waiting for its parent agent) or fails; not for the state it already
        had when opened."""
        state = self.state
        if state is None:
            return
        status, before = state.status, self._announced_status
        person = person_wait(state) if state.waits_on_person else None
        waits, waited = person is not None, self._announced_waits
        self._announced_status, self._announced_waits = status, waits
        if status != before:
            self._update_session_row(state)
        if first or (status == before and waits == waited):
            return
        if person is not None and not waited:
            key, what = person
            notify(self, f"The session now waits for {what}: press {key}.", title="Waiting on you")
        elif is_failed(status) and status != before:
            notify(self, f"The session {one_line(status, 30)}.", title="Run failed", severity="error")
        else:
            return
        if getattr(self.app.settings, "bell", True):
            self.app.bell()

    def _update_session_row(self, state: SessionState) -> None:
        """The open session's row in the list follows it (and you are looking at it)."""
        pane = self.query_one(SessionsPane)
        row = next((r for r in pane.feed.rows if r.id == state.session.id), None)
        if row is not None and row.status != state.status:
            fresh = row.model_copy(update={"status": state.status})
            pane.feed.update(fresh)
            pane.seen[row.id] = state.status
            pane.refresh_rows()

    def _redraw_session(self, *, follow_end: bool) -> None:
        state = self.state
        if state is None:
            return
        now = self.app.clock()
        person, labels = wait_marks(state)
        self.query_one(RunTree).show_runs(state.tree, now=now, pending_run_ids=person, wait_labels=labels)
        self.query_one(TimelinePane).show(state, follow_end=follow_end)
        self.query_one(StatusBar).show_session(state, now=now)
        self._recheck_actions()

    @on(RunTree.Chosen)
    def _run_chosen(self, event: RunTree.Chosen) -> None:
        pane = self.query_one(TimelinePane)
        if event.filter:
            pane.toggle_run_filter(event.run_id)
        else:
            pane.jump_to_run(event.run_id)

    @on(TimelinePane.OpenStep)
    def _open_step(self, event: TimelinePane.OpenStep) -> None:
        if self.state is not None:
            item = event.item
            from phrony_tui.ui.screens.step_detail import StepDetailScreen  # rich.syntax, pygments

            detail = StepDetailScreen(item, self.state.agent_label(item.run_id))
            if detail.linked_run and detail.linked_run in self.state.runs:
                detail.linked_agent = self.state.agent_label(detail.linked_run)
            self.app.push_screen(detail, lambda run_id: self.go_to_run(run_id) if run_id else None)

    @on(TimelinePane.GotoRun)
    def _goto_run(self, event: TimelinePane.GotoRun) -> None:
        self.go_to_run(event.run_id)

    def go_to_run(self, run_id: str) -> None:
        """A child run a step names: selected in the run tree, the timeline filtered to it."""
        state = self.state
        if state is None:
            return
        if run_id not in state.runs:
            notify(self, f"Run {one_line(run_id, 40)} is not among this session's runs (yet).", severity="warning")
            return
        pane = self.query_one(TimelinePane)
        if pane.run_filter != run_id:
            pane.toggle_run_filter(run_id)
        self.query_one(RunTree).select_run(run_id)

    # -- which actions apply (core.gating says) ---------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False: left out of the footer and the palette (cannot apply at all here);
        # None: greyed out in the footer (waits for another pause), not in the palette.
        if action in GATED:
            refused = refusal(self.state, action, agents=self.app.settings.agent_ids)
            if refused is None:
                return True
            return False if refused.out_of_place and action in RUN_ACTIONS else None
        return super().check_action(action, parameters)

    def _recheck_actions(self) -> None:
        """The session changes with the stream: called after each redraw; the footer's
        keys are refreshed when what applies has changed."""
        state = self.state
        if state is None:
            signature: object = None
        else:
            signature = (id(state), state.status, frozenset(pause_actions(state)), len(state.pending_tasks()))
        if signature != self._action_signature:
            self._action_signature = signature
            self.refresh_bindings()

    def on_key(self, event: events.Key) -> None:
        """A key of a run action that does not apply here says why (instead of doing nothing)."""
        active = self.active_bindings.get(event.key)
        if active is not None and (active.node is not self or active.enabled):
            return  # a widget's own key, or an action that runs
        bindings = self._bindings.key_to_bindings.get(event.key, ())
        if any(binding.id in self.app.key_gate.opening for binding in bindings):
            self.app.key_gate.drop()  # what was typed after it was meant for a box that is not coming
        for binding in bindings:
            if binding.action in RUN_ACTIONS:
                refused = refusal(self.state, binding.action, agents=self.app.settings.agent_ids)
                if refused is not None:
                    event.stop()
                    notify(self, refused.reason, severity="warning")
                return

    # -- actions: the dialogs (RunActions) and export, copy, pager (SessionTools) -------
    @property
    def tools(self) -> SessionTools:
        """Export, copy, pager: built when first used (not on the start)."""
        if self._tools is None:
            from phrony_tui.ui.session_tools import SessionTools

            self._tools = SessionTools(self, lambda: self.state, self._current_step)
        return self._tools

    def action_answer(self) -> None:
        self.dialogs.answer()

    def action_message(self) -> None:
        self.dialogs.message()

    def action_skip_wait(self) -> None:
        self.dialogs.skip_wait()

    def action_start_run(self) -> None:
        self.dialogs.start_run()

    def action_attempts(self) -> None:
        self.dialogs.attempts()

    def action_export(self, fmt: str = "json") -> None:
        self.tools.export(fmt)

    def action_copy(self, what: str) -> None:
        self.tools.copy(what)

    def action_pager(self, editor: bool = False) -> None:
        self.tools.pager(editor)

    @on(Acted)
    def _acted(self, message: Acted) -> None:
        if message.open_run is not None:
            self.open_run(message.open_run)
            if self.feed is not None and self.app.settings.agent_ids:
                self.load_sessions(self.feed.first_page_requests())  # the new session is listed
            return
        follower = self.follower
        if self.state is not None and (follower is None or follower.status.closed):
            # Nothing follows the session any more: reload it to show its new state.
            self.open_run(self.state.run_id)

    @on(Reopen)
    def _reopen(self, message: Reopen) -> None:
        self.open_run(message.run_id)

    def offers_commands_of(self, node: DOMNode) -> bool:
        """The palette offers the keys of the panes that show the open session (the run
        tree, the timeline, the live log) only while one is open."""
        if self.state is not None:
            return True
        return not any(isinstance(n, (RunTree, TimelinePane, LiveLog)) for n in node.ancestors_with_self)

    # -- what the helpers ask of the panes ----------------------------------------------
    def _preferred_agent(self) -> str | None:
        """The agent of the session selected in the sessions pane (when it has focus), else
        the open session's, else the selected session's."""
        pane = self.query_one(SessionsPane)
        current = pane.current
        if current is not None and pane.has_focus_within and current.agent_id:
            return current.agent_id
        if self.state is not None and self.state.session.agent_id:
            return self.state.session.agent_id
        return current.agent_id if current is not None else None

    def _selected_run(self) -> str | None:
        node = self.query_one(RunTree).cursor_node
        return node.data if node is not None else None

    def _current_step(self) -> ConversationItem | None:
        return self.query_one(TimelinePane).current_item() if self.state is not None else None

    # -- actions ---------------------------------------------------------------
    def action_refresh(self) -> None:
        if self.feed is not None and self.app.settings.agent_ids:
            self.feed.reset()
            self.load_sessions()
        if self.state is not None:
            self.open_run(self.state.run_id)

    def action_focus_pane(self, pane: str) -> None:
        target = {
            "sessions": "#sessions-table",
            "runs": "#runs",
            "timeline": "TimelineView",
            "live": "#live-lines",
        }[pane]
        if pane == "sessions":
            self._show_session(False)
        self.query_one(target).focus()

    def action_inbox(self) -> None:
        pane = self.query_one(SessionsPane)
        if not pane.feed.inbox:
            pane.action_inbox()
        self.action_focus_pane("sessions")

    def _show_session(self, shown: bool) -> None:
        """Narrow terminals show the open session or the list, not both."""
        # One restyle of the whole screen, and none when wide: app.tcss reads these two
        # classes only with -narrow (and setting -narrow restyles with them).
        self.update_classes({"-session-open": shown, "-list": not shown}, update=self.has_class("-narrow"))
        self.refresh_bindings()  # backspace shows in the footer while a session is (footer_extra)

    def action_only_agent(self, agent_id: str) -> None:
        """List one configured agent's sessions ("" lists them all again)."""
        agents = (agent_id,) if agent_id else self.app.settings.agent_ids
        pane = self.query_one(SessionsPane)
        self.feed = SessionFeed(agents, inbox=pane.feed.inbox, status=pane.feed.status)
        pane.feed = self.feed
        pane.refresh_rows()
        self.load_sessions()

    def action_back(self) -> None:
        self._show_session(False)
        self.query_one("#sessions-table").focus()

    def on_unmount(self) -> None:
        self._stop_following()


async def _all_done(futures: list[Future[bytes | None]], timeout: float) -> bool:
    """Whether these futures (of other threads) are all done within ``timeout`` seconds."""
    left = [future for future in futures if not future.done()]
    if not left:
        return True
    loop = asyncio.get_running_loop()
    came = asyncio.Event()

    def done(_: object) -> None:
        if all(future.done() for future in left):
            try:
                loop.call_soon_threadsafe(came.set)
            except RuntimeError:  # the loop has closed meanwhile (the app quit)
                pass

    for future in left:
        future.add_done_callback(done)
    try:
        await asyncio.wait_for(came.wait(), timeout)
    except TimeoutError:
        pass
    return all(future.done() for future in left)


def person_wait(state: SessionState) -> tuple[str, str] | None:
    """What a session waits on a person for, and the key that answers it; None when it
    waits on no one (a non-blocking anomaly alert alone does not hold it up)."""
    tasks = [task for task in state.pending_tasks() if task.kind != "anomaly_alert"]
    if tasks:
        kind = tasks[0].kind
        if kind == "aitl_escalation":
            return "a", "your answer to an escalation from a sub-agent"
        if kind in ("approval", "hitl"):
            return "a", waiting_label("WaitingForHITL")
        return "a", f"an answer to its {one_line(kind, 30)} task"
    statuses = [state.status, *(run.status for run in state.runs.values())]
    status = next((each for each in statuses if waits_on_person(each)), None)
    if status is None:
        return None
    return ("m" if waiting_label(status) == waiting_label("WaitingForResponse") else "a"), waiting_label(status)
