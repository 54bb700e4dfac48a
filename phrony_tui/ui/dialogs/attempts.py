"""`A`: the start attempts made from this terminal, kept across restarts.

Modelled on a dashboard's "trigger ingress" tab, for what this inspector
can know: the public API has no route to the server's own ingress log, so
the list holds only the starts made here (``s``, and retries from this
screen), stored without the API key (see ``core/attempts.py``). Per row:
open the run it started, view the payload sent, or retry it when no run
started and the payload is kept whole.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from phrony_tui.client import PhronyAPIError, PhronyClient, PhronyError, PhronyUsageError
from phrony_tui.client.models import StartRunResult
from phrony_tui.core.attempts import Attempt
from phrony_tui.core.format import fmt_short_datetime, parse_ts
from phrony_tui.core.safe_text import one_line, pretty_json, safe_text
from phrony_tui.live.outcome import Check, check_start, look
from phrony_tui.ui.dialogs.attempts_store import AttemptStore
from phrony_tui.ui.dialogs.common import ActionDialog, Done
from phrony_tui.ui.text import cell, notify, plain, short_id
from phrony_tui.ui.widgets.footer import KeysFooter
from phrony_tui.ui.widgets.tables import Table

NO_INGRESS_NOTE = (
    "Starts made from this terminal only. The public API has no route to the server's own "
    "ingress log, so starts made elsewhere (the dashboard, other clients, schedules) do not show here."
)


def may_have_started(attempt: Attempt) -> bool:
    """No answer, or a gateway's 500/502/504: a run may have started all the same."""
    return attempt.outcome == "no_answer" or (attempt.outcome == "rejected" and attempt.status in (500, 502, 504))


def display_path(path: Path) -> str:
    """The path, with the home directory written ``~``."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def iso_now(clock: Callable[[], datetime]) -> str:
    return clock().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class AttemptLog:
    """Starts runs and records each attempt, whatever its outcome."""

    def __init__(
        self,
        store: AttemptStore,
        base_url: str,
        clock: Callable[[], datetime],
        agent_names: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.base_url = base_url
        self.clock = clock
        self.agent_names = agent_names if agent_names is not None else {}  # the app's: names learned later show

    def went_through(self, attempt: Attempt, session: Any, evidence: str) -> Attempt:
        """A ``no_answer`` (or 5xx) attempt that a look found started after all: record its run."""
        found = dataclasses.replace(
            attempt,
            outcome="accepted",
            run_id=getattr(session, "open_run_id", None),
            session_id=getattr(session, "id", None),
            run_status=getattr(session, "status", None) or None,
            message=one_line(f"{attempt.message or 'no answer'}; checked since: {evidence}", 300),
        )
        self.store.add(found)
        return found

    def attempts(self) -> list[Attempt]:
        """This server's attempts, oldest first."""
        return [attempt for attempt in self.store.load() if attempt.base_url == self.base_url]

    def other_servers(self) -> int:
        return sum(1 for attempt in self.store.load() if attempt.base_url != self.base_url)

    async def start(
        self,
        client: PhronyClient,
        agent_id: str,
        payload: dict[str, Any],
        *,
        retry_of: str | None = None,
    ) -> tuple[Attempt, StartRunResult | None, PhronyError | None]:
        """``start_run`` and the attempt it made (recorded before returning)."""
        base: dict[str, Any] = {
            "at": iso_now(self.clock),
            "agent_id": agent_id,
            "agent_name": self.agent_names.get(agent_id),
            "base_url": self.base_url,
            "payload": payload,
            "retry_of": retry_of,
        }
        result: StartRunResult | None = None
        error: PhronyError | None = None
        try:
            result = await client.start_run(agent_id, input=payload)
        except PhronyUsageError:
            raise  # refused here, before any request: nothing to record
        except PhronyAPIError as exc:
            error = exc
            attempt = Attempt.new(
                **base,
                outcome="rate_limited" if exc.status == 429 else "rejected",
                status=exc.status,
                message=exc.server_message or str(exc),
                retry_after=exc.retry_after,
            )
        except PhronyError as exc:
            error = exc
            attempt = Attempt.new(**base, outcome="no_answer", message=str(exc))
        else:
            attempt = Attempt.new(
                **base,
                outcome="duplicate" if result.duplicate_delivery else "accepted",
                run_id=result.run_id,
                session_id=result.session_id,
                run_status=result.status or None,
            )
        await asyncio.to_thread(self.store.add, attempt)  # up to MAX_ATTEMPTS payloads: off the UI loop
        return attempt, result, error


class PayloadScreen(ModalScreen[None]):
    """The payload an attempt sent, as pretty JSON (read-only)."""

    BINDINGS: ClassVar = [Binding("escape,q,v", "dismiss", "Close", id="payload.close")]
    DEFAULT_CSS = """
    PayloadScreen { align: center middle; }
    PayloadScreen > VerticalScroll { width: 90; max-width: 100%; height: 80%; border: thick $accent;
                                     background: $panel; padding: 0 1; }
    """

    def __init__(self, attempt: Attempt) -> None:
        super().__init__()
        self.attempt = attempt

    def compose(self) -> ComposeResult:
        attempt = self.attempt
        with VerticalScroll() as box:
            box.border_title = plain(f"Payload of attempt {attempt.id}")
            if attempt.payload_complete:
                # The body as sent: POST /v1/agents/{agentId}/runs takes {"input": ...}.
                body = pretty_json({"input": attempt.payload})
                yield Static(Syntax(body, "json", word_wrap=True, theme="ansi_dark"), id="payload-body")
            else:
                note = "Too large to keep: only the start of the input was stored.\n\n"
                yield Static(Text(note + safe_text(attempt.payload_preview or "")), id="payload-body")
        yield KeysFooter()


class AttemptsScreen(ActionDialog):
    title_text = "Start attempts"
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Close", id="attempts.close"),
        Binding("o", "open_run", "Open run", id="attempts.open"),
        Binding("v", "view_payload", "View payload", id="attempts.payload"),
        Binding("r", "retry", "Retry", id="attempts.retry"),
    ]
    DEFAULT_CSS = """
    AttemptsScreen > #dialog { width: 130; height: 90%; }
    AttemptsScreen #attempts-table { height: 1fr; margin: 1 0 0 0; }
    AttemptsScreen #attempt-detail { height: auto; max-height: 4; color: $text-muted; }
    """

    def __init__(self, attempt_log: AttemptLog, client: PhronyClient) -> None:
        super().__init__()
        self.attempt_log = attempt_log
        self.client = client
        self.rows: list[Attempt] = []  # newest first, as shown
        self._checked: str | None = None  # the attempt a look found no run for: r retries it

    def header(self) -> Text:
        text = Text(NO_INGRESS_NOTE)
        text.append(f"\nKept in {display_path(self.attempt_log.store.path)} (0600, without the API key).", style="dim")
        return text

    def compose_body(self) -> Iterable[Widget]:
        table = Table(id="attempts-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="attempt-detail")

    def on_mount(self) -> None:
        table = self.query_one("#attempts-table", DataTable)
        for label in ("time (UTC)", "attempt", "source", "agent", "outcome", "run"):
            table.add_column(label, key=label)
        self.reload()
        table.focus()

    def reload(self, select: str | None = None) -> None:
        table = self.query_one("#attempts-table", DataTable)
        self.rows = list(reversed(self.attempt_log.attempts()))
        table.clear()
        for attempt in self.rows:
            source = attempt.source if not attempt.retry_of else f"API (retry of {attempt.retry_of})"
            table.add_row(
                cell(fmt_short_datetime(attempt.at), 12),
                cell(attempt.id, 12),
                cell(source, 30),
                cell(attempt.agent_name or self.attempt_log.agent_names.get(attempt.agent_id) or short_id(attempt.agent_id), 24),
                Text(one_line(attempt.outcome_label(), 44), style=_outcome_style(attempt.outcome), no_wrap=True),
                cell(short_id(attempt.run_id) if attempt.run_id else "-", 10),
                key=attempt.id,
            )
        if select is not None:
            index = next((n for n, attempt in enumerate(self.rows) if attempt.id == select), None)
            if index is not None:
                table.move_cursor(row=index)
        others = self.attempt_log.other_servers()
        box = self.query_one("#dialog")
        box.border_title = plain(f"Start attempts ({len(self.rows)})")
        if others:
            box.border_subtitle = plain(f"{others} made against other servers not shown")
        if self.attempt_log.store.error:
            self.show_error(self.attempt_log.store.error)
        self._show_detail()

    @property
    def current(self) -> Attempt | None:
        tables = self.query("#attempts-table").results(DataTable)
        table = next(tables, None)
        if table is None:  # not composed yet, or being taken down
            return None
        row = table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#attempts-table")
    def _highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#attempts-table")
    def _selected(self) -> None:
        if self.check_action("open_run", ()):
            self.action_open_run()

    def _show_detail(self) -> None:
        attempt = self.current
        detail = self.query_one("#attempt-detail", Static)
        if attempt is None:
            detail.update(Text("No start made from this terminal yet: s starts a run."))
            return
        facts = f"{attempt.id} at {attempt.at} · agent {attempt.agent_id} · {attempt.outcome_label()}"
        text = Text(one_line(facts, 400))
        if attempt.run_id:
            text.append(one_line(f" · run {attempt.run_id}", 60))
        why = attempt.why_not_retry()
        if why and not attempt.started:
            text.append(one_line(f" · no retry: {why}", 120), style="dim")
        detail.update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_run", "view_payload", "retry"):
            attempt = self.current
            if attempt is None:
                return None
            if action == "open_run":
                return True if attempt.started else None
            if action == "retry":
                return True if attempt.can_retry and not self.busy else None
            return True
        return super().check_action(action, parameters)

    def action_open_run(self) -> None:
        attempt = self.current
        if attempt is None or not attempt.run_id:
            return
        self.finish(Done(f"Opened run {short_id(attempt.run_id)} of attempt {attempt.id}", open_run=attempt.run_id))

    def action_view_payload(self) -> None:
        attempt = self.current
        if attempt is not None:
            self.app.push_screen(PayloadScreen(attempt))

    def action_retry(self) -> None:
        attempt = self.current
        if attempt is None or not attempt.can_retry:
            return
        if may_have_started(attempt) and self._checked != attempt.id:
            self._check_first(attempt)
            return
        self._checked = None

        async def request() -> Any:
            made, _result, error = await self.attempt_log.start(
                self.client, attempt.agent_id, attempt.payload, retry_of=attempt.id
            )
            self.reload(select=made.id)
            if error is not None:
                raise error
            return made

        def done(made: Attempt) -> None:
            notify(self, f"Retry {made.id}: {made.outcome_label()}")
            self.refresh_bindings()

        self.send(request, done, label=f"Retrying attempt {attempt.id}…")

    def _check_first(self, attempt: Attempt) -> None:
        """Never twice: an attempt with no answer may have started a run. Look at the
        agent's sessions first; only a second ``r`` retries when none is found."""
        since = parse_ts(attempt.at) or self.attempt_log.clock()
        check = check_start(self.client, attempt.agent_id, attempt.payload, since)

        async def request() -> Check:
            return await look(check)

        def done(found: Check) -> None:
            if found.applied is True:
                made = self.attempt_log.went_through(attempt, found.found, found.evidence)
                self.reload(select=made.id)
                self.refresh_bindings()
                self.show_error(f"Attempt {attempt.id} did start a run: {found.evidence}. Not retried: o opens it.")
                return
            self._checked = attempt.id
            seen = "no run started from it" if found.applied is False else "whether it started a run is unknown"
            self.show_error(
                f"Attempt {attempt.id} got no answer; checked the agent's sessions: {found.evidence} "
                f"({seen}). Press r again to start it again anyway, or escape."
            )

        self.send(request, done, label=f"Checking whether attempt {attempt.id} started a run…")

    def failed(self, error: PhronyError) -> None:
        self.show_error(f"The retry was refused or got no answer: it is in the list. {error}")


def _outcome_style(outcome: str) -> str:
    return {
        "accepted": "green",
        "duplicate": "yellow",
        "rate_limited": "yellow",
        "rejected": "bold red",
        "no_answer": "magenta",
    }.get(outcome, "")
