"""The inbox watcher on the main screen: the header's count of sessions waiting on a
person (across every configured agent, from the server's totals: ``core.inbox_watch``)
kept on a timer, and an alert when a new one starts waiting: a notification naming the
agent and the question, the bell (config ``bell``), a desktop notification through the
terminal (config ``desktop_notify``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from phrony_tui.core.inbox_watch import Arrival, InboxWatch
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.session_feed import INBOX_STATUSES
from phrony_tui.core.status import waiting_label
from phrony_tui.live.inbox_poll import poll, question
from phrony_tui.ui.desktop_notify import desktop_notify
from phrony_tui.ui.errors import describe_error
from phrony_tui.ui.text import notify, short_id
from phrony_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from phrony_tui.client.models import SessionSummary

#: arrivals of one round told one by one (with their question); more are summed up
ALERTS_PER_ROUND = 3
#: what a session waits for, by status, in an alert
_WAITS_FOR = {
    "WaitingForHITL": "an approval or a user task",
    "WaitingForAITL": "an escalation to a person",
    "WaitingForResponse": "a reply",
}


class InboxWatcher:
    def __init__(
        self,
        screen: Screen,
        loaded: Callable[[], Iterable[SessionSummary]],
        on_change: Callable[[], None] | None = None,
        opened: Callable[[], str | None] = lambda: None,
    ) -> None:
        # The screen runs the timer and the worker and shows the header (its StatusBar);
        # ``loaded``: the rows its sessions list has (a lower bound's part, see core).
        self.screen = screen
        self.app: Any = cast(Any, screen.app)  # the PhronyApp: its settings, client, notify, bell
        self.loaded = loaded
        # The id of the session open on the screen: it announces its own pauses (not twice).
        self.opened = opened
        settings = self.app.settings
        statuses = tuple(getattr(settings, "watch_statuses", ()) or ()) or INBOX_STATUSES
        self.watch = InboxWatch(settings.agent_ids, statuses)
        self.on_change = on_change  # the count moved or a session arrived (--watch reloads the inbox)
        self.pending = False  # a round is on its way
        self.rounds = 0  # rounds done (tests wait on this)
        self.alerts = 0  # alerts given

    def start(self, *, first_round: bool = True) -> None:
        """The first round now (``first_round=False``: when the caller calls ``tick``),
        then one every ``watch_interval`` seconds."""
        settings = self.app.settings
        if not settings.agent_ids:
            return
        self.screen.query_one(StatusBar).show_inbox(self.watch.label, None)
        if first_round:
            self.tick()
        interval = getattr(settings, "watch_interval", None)
        if interval:
            self.screen.set_interval(interval, self.tick)

    def tick(self) -> None:
        if self.pending:  # a slow server: a round is not doubled
            return
        self.pending = True
        self.screen.run_worker(self._round(), group="inbox-watch")

    async def _round(self) -> None:
        screen, app = self.screen, self.app
        try:
            self.watch.note_loaded(self.loaded())
            before = self.watch.count
            arrivals, error = await poll(app.client, self.watch)
            bars = screen.query(StatusBar)
            if not screen.is_attached or not bars:
                return  # the app closed while the round was on its way: the header is gone
            note = describe_error(error) if error is not None else self.watch.note
            bars.first().show_inbox(self.watch.label, note, waiting=bool(self.watch.count))
            arrivals = [a for a in arrivals if a.session is None or a.session.id != self.opened()]
            if arrivals:
                await self._alert(arrivals)
            # (A lower bound also moves as the watcher learns a server's order: not news.)
            moved = self.watch.count != before and not self.watch.lower_bound
            if self.on_change is not None and self.rounds and (arrivals or moved):
                self.on_change()
        finally:
            self.rounds += 1
            self.pending = False

    async def _alert(self, arrivals: list[Arrival]) -> None:
        app = self.app
        settings = app.settings
        told = []
        for arrival in arrivals[:ALERTS_PER_ROUND]:
            asked = await question(app.client, arrival)
            title = f"Waiting on you · {self._agent(arrival.agent_id)}"
            if asked:
                body = one_line(asked, 200)
            else:
                body = f"A session waits for {_WAITS_FOR.get(arrival.status) or waiting_label(arrival.status)}."
            notify(app, f"{body}\ni shows the inbox", title=title, timeout=20)
            told.append((title, body))
        if len(arrivals) > ALERTS_PER_ROUND:
            more = len(arrivals) - ALERTS_PER_ROUND
            notify(app, f"{more} more sessions wait on you: i shows the inbox.", title="Waiting on you")
        self.alerts += 1
        if settings.bell:
            app.bell()
        title, body = told[0]
        if len(arrivals) > 1:
            title, body = "phrony-tui", f"{len(arrivals)} sessions wait on you; {title}: {body}"
        desktop_notify(app, getattr(settings, "desktop_notify", "off"), title, body)

    def _agent(self, agent_id: str) -> str:
        name = self.app.settings.agent_names.get(agent_id)
        return one_line(name, 40) if name else short_id(agent_id)
