"""What every action dialog shares: a framed modal, one request at a time, errors kept in view.

A dialog sends at most one request at a time: ``send`` refuses while one is
in flight (so a second keypress never sends twice) and ``escape`` waits for
the answer rather than leave its outcome unknown. On failure the dialog stays
open with the server's message (sanitized, one line, see ``error_text``)
and every field as the person left it; on success it closes with a
:class:`Done` that says what was sent.

Never twice: when a failed request may have reached the server (a reset or a
timeout after it was sent, a 500/502/504, an answer out of contract: see
live/outcome.py), a dialog with an :meth:`ActionDialog.outcome_check` first
looks whether it went through and says what it found; when it did, the dialog
closes as after a success. Otherwise (``guard_resend``) the next send is only a
question, "send it again anyway?", and the one after it sends.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from phrony_tui.client import PhronyAPIError, PhronyConnectionError, PhronyError
from phrony_tui.live.outcome import Check, CheckFn, look, may_have_arrived
from phrony_tui.ui.errors import whole_sentences
from phrony_tui.ui.text import notify, plain
from phrony_tui.ui.widgets.footer import KeysFooter


@dataclass(frozen=True)
class Done:
    """What a dialog sent: ``message`` for the notification; ``open_run`` a run to show."""

    message: str
    open_run: str | None = None


def error_text(error: PhronyError) -> str:
    """What went wrong, one safe line: the client's sentence already says what to check
    (the key, its scope, the ids, when to retry); a connection error adds the network."""
    text = str(error)
    if isinstance(error, PhronyConnectionError):
        text += " (check the network and PHRONY_API_BASE)"
    return whole_sentences(text, 600)


def is_stale_answer(error: PhronyError) -> bool:
    """The server says the pause was already ended: 409, or "no longer pending"."""
    if not isinstance(error, PhronyAPIError):
        return False
    body = (error.body or "").lower()
    return error.status == 409 or "no longer pending" in body or "not pending" in body


class SendInput(Input):
    """An Input whose ``enter`` shows in the footer as what it does (Send, Attach...)."""

    BINDINGS: ClassVar = [Binding("enter", "submit", "Send", id="dialog.input_send")]


class ChoiceList(OptionList):
    """An OptionList whose ``enter`` shows in the footer as Choose. It opens with nothing
    highlighted (Textual's highlights the first option): a stray Enter chooses nothing,
    the first arrow key highlights the first (or last) option."""

    BINDINGS: ClassVar = [Binding("enter", "select", "Choose and send", id="dialog.choose")]

    def __init__(self, *options: Any, **kwargs: Any) -> None:
        super().__init__(*options, **kwargs)
        self.highlighted = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select":
            return self.highlighted is not None
        return super().check_action(action, parameters)

    def on_option_list_option_highlighted(self) -> None:
        self.refresh_bindings()  # Choose shows in the footer once something is highlighted


@dataclass
class Draft:
    """What a person had written in a dialog they closed without sending."""

    text: str
    files: list[Any] = field(default_factory=list)  # the dialog's own attachment records


class DraftStore:
    """Drafts kept when a message or start dialog is closed unsent, by a key such as
    ``message:<run id>`` or ``start:<agent id>``; reopening the dialog restores its draft.

    A screen may hand one to its dialogs; without one a dialog uses :meth:`of` its app
    (one store per app, so nothing leaks between apps, e.g. tests)."""

    _per_app: ClassVar[weakref.WeakKeyDictionary[Any, DraftStore]] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._drafts: dict[str, Draft] = {}

    @classmethod
    def of(cls, app: Any) -> DraftStore:
        store = cls._per_app.get(app)
        if store is None:
            store = cls._per_app[app] = cls()
        return store

    def get(self, key: str) -> Draft | None:
        return self._drafts.get(key)

    def keep(self, key: str, text: str, files: Iterable[Any] = ()) -> bool:
        """Remember a draft; an empty one forgets the key. True when something was kept."""
        files = list(files)
        if not text.strip() and not files:
            self._drafts.pop(key, None)
            return False
        self._drafts[key] = Draft(text, files)
        return True

    def drop(self, key: str) -> None:
        self._drafts.pop(key, None)

    def __len__(self) -> int:
        return len(self._drafts)


class ActionDialog(ModalScreen[Done | None]):
    """The frame: a titled box with a header, the body, an error line, a busy line, and a footer."""

    AUTO_FOCUS = ""  # nothing is focused unless the dialog says so: a stray Enter sends nothing
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    DEFAULT_CSS = """
    ActionDialog { align: center middle; }
    ActionDialog > #dialog {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $panel; padding: 0 1;
    }
    ActionDialog #dialog-header { color: $text-muted; height: auto; }
    ActionDialog .dialog-question { text-style: bold; height: auto; margin: 1 0 0 0; }
    ActionDialog .dialog-context { height: auto; max-height: 14; margin: 1 0 0 0; background: $boost; }
    ActionDialog .dialog-hint { color: $text-muted; height: auto; margin: 1 0 0 0; }
    ActionDialog .dialog-dashboard { color: $warning; text-style: bold; }
    ActionDialog #dialog-error { color: $error; text-style: bold; height: auto; display: none; margin: 1 0 0 0; }
    ActionDialog #dialog-error.-shown { display: block; }
    ActionDialog #dialog-busy { color: $warning; height: auto; display: none; }
    ActionDialog.-busy #dialog-busy { display: block; }
    ActionDialog OptionList { height: auto; max-height: 12; }
    """

    title_text: str = "Action"
    #: how to send again after a failure, for the error line
    retry_hint: str = "send again"
    #: after a request that may have been applied, a resend needs a second press
    guard_resend: bool = False
    #: the key that sends, for "press ctrl+s to send it again anyway"
    send_key: str = "the key"

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.error: str | None = None
        #: the last request may have been applied: the next send asks first
        self.unsure = False
        self._resend_armed = False
        #: what the look after an ambiguous failure found (None: no look made)
        self.checked: Check | None = None
        #: what the request in flight is ("Sending…"), and what the dialog closed with
        self.busy_label = ""
        self.result_note: str | None = None
        self.idle = asyncio.Event()  # set while no request is in flight
        self.idle.set()

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = plain(self.title_text)
            yield Static(self.header(), id="dialog-header")
            yield from self.compose_body()
            yield Static("", id="dialog-error")
            yield Static("", id="dialog-busy")
        yield KeysFooter()

    def header(self) -> Text:
        return Text()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    # -- errors and busy ---------------------------------------------------------
    def show_error(self, message: str | None) -> None:
        """One line (or a few) of sanitized text in the error slot; None clears it."""
        self.error = message
        slot = self.query_one("#dialog-error", Static)
        slot.update(Text(whole_sentences(message or "", 800)))
        slot.set_class(bool(message), "-shown")

    def set_busy(self, busy: bool, label: str = "Sending…") -> None:
        self.busy = busy
        self.busy_label = label if busy else ""
        if busy:
            self.idle.clear()
        else:
            self.idle.set()
        self.set_class(busy, "-busy")
        self.query_one("#dialog-busy", Static).update(Text(label if busy else ""))
        self.refresh_bindings()

    # -- one request at a time ---------------------------------------------------
    def send(
        self,
        request: Callable[[], Awaitable[Any]],
        done: Callable[[Any], None],
        *,
        label: str = "Sending…",
        guarded: bool = True,
    ) -> bool:
        """Run ``request`` unless one is in flight; ``done(result)`` on success, else
        :meth:`failed` (after a look, when it may have been applied). True when it started.

        After such a failure (``unsure``), a guarded send first asks; the next one sends."""
        if self.busy:
            notify(self, "Still waiting for the answer to the last request.", severity="warning")
            return False
        if guarded and self.guard_resend and self.unsure and not self._resend_armed:
            self._resend_armed = True
            self.show_error(
                "Send it again anyway? If the first one did reach the server, it gets it twice. "
                f"Press {self.send_key} again to send it again; escape cancels."
            )
            return False
        if guarded:
            self.unsure = self._resend_armed = False
        self.show_error(None)
        self.set_busy(True, label)
        self._run(request, done)
        return True

    def outcome_check(self) -> CheckFn | None:
        """How to look whether the last request went through after an ambiguous failure
        (live/outcome.py); None: this dialog does not look."""
        return None

    @work(group="dialog-send")
    async def _run(self, request: Callable[[], Awaitable[Any]], done: Callable[[Any], None]) -> None:
        try:
            result = await request()
        except PhronyError as error:
            check = self.outcome_check() if may_have_arrived(error) else None
            if check is None:
                self.set_busy(False)
                self.failed(error)
                return
            # Still busy: nothing is sent while we look.
            self.show_error(f"{self.unanswered(error)} Checking whether it went through…")
            self.set_busy(True, "Checking whether it went through…")
            found = await look(check)
            self.set_busy(False)
            self.after_check(error, found)
            return
        self.set_busy(False)
        done(result)

    def unanswered(self, error: PhronyError) -> str:
        return f"It was sent, but no answer came back ({error_text(error).rstrip('.')})."

    def after_check(self, error: PhronyError, found: Check) -> None:
        """Say what the look found; when it went through, :meth:`went_through`."""
        self.checked = found
        head = self.unanswered(error)
        if found.applied is True:
            self.unsure = False
            self.went_through(found, f"{head} Checked since: {found.evidence}: it went through. Not sent again.")
            return
        self.unsure = True
        if found.applied is False:
            self.show_error(
                f"{head} Checked since: {found.evidence}: it did not go through, as far as the server shows. "
                f"Not sent again: press {self.send_key} to send it again anyway (it asks once more), or escape."
            )
        else:
            self.show_error(
                f"{head} {found.evidence[:1].upper()}{found.evidence[1:]}: whether it went through is unknown. "
                f"Not sent again: look at the session first; press {self.send_key} to send it again anyway "
                "(it asks once more), or escape."
            )

    def went_through(self, found: Check, said: str) -> None:
        """The look found it applied: the dialog says so (subclasses close as on success)."""
        self.show_error(f"{said} Escape closes.")

    def failed(self, error: PhronyError) -> None:
        """Keep the dialog and what was typed; say what went wrong."""
        if may_have_arrived(error):
            # No look here: never "nothing was lost", since it may have been applied.
            self.unsure = True
            self.show_error(
                f"{error_text(error)} — it may have reached the server: look at the session before you "
                f"{self.retry_hint}, or escape to cancel."
            )
            return
        self.show_error(f"{error_text(error)} — nothing was lost: {self.retry_hint}, or escape to cancel.")

    def finish(self, done: Done) -> None:
        self.result_note = done.message
        self.dismiss(done)

    def action_cancel(self) -> None:
        if self.busy:
            notify(self, "A request is in flight: wait for its answer, then escape closes the dialog.",
                   severity="warning")
            return
        self.dismiss(None)
