"""`s`: start a run of an agent with a JSON ``input``, optionally with a file in it.

The input is edited as text and must be a JSON object before anything is
sent. ``ctrl+o`` uploads a file (presign → PUT → finalize) and puts its
``phronyFile`` reference into the input under a key the person names. Every
start is recorded as an attempt (``A`` lists them), whatever its outcome; on
success the new session opens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TextArea

from phrony_tui.client import PhronyClient, PhronyError
from phrony_tui.core.format import fmt_size, parse_ts
from phrony_tui.core.safe_text import one_line
from phrony_tui.live.outcome import Check, CheckFn, check_start, may_have_arrived
from phrony_tui.ui.dialogs.attempts import AttemptLog
from phrony_tui.ui.dialogs.common import ActionDialog, Done, DraftStore, error_text
from phrony_tui.ui.dialogs.files import Attachment, PathInput, RowInput, check_attachment
from phrony_tui.ui.text import notify, short_id


def parse_input(text: str) -> dict[str, Any]:
    """The editor's text as a JSON object, or ValueError saying where it is wrong."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise ValueError(f"the input is not valid JSON: {error.msg} ({where})") from None
    if not isinstance(value, dict):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
            type(value), "a number"
        )
        raise ValueError(f"the input must be a JSON object ({{...}}), not {kind}")
    return value


EMPTY_INPUT = "{}"

# What the editor must never hold raw (server text: a finalize reply's objectKey):
# C0 but tab/newline, DEL, C1, bidi controls, zero-width and invisible format
# characters, line/paragraph separators, lone surrogates. In JSON text they can
# only be inside strings, where a ``\uXXXX`` escape is the same value.
_UNSEEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)


def escape_unseen(text: str) -> str:
    """``text`` with every character the editor must not show raw as a ``\\uXXXX`` escape."""
    return _UNSEEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def editor_json(value: Any) -> str:
    """The input as the editor shows it: indented JSON, readable Unicode, nothing unseen."""
    return escape_unseen(json.dumps(value, indent=2, ensure_ascii=False))


def unseen_in(value: Any) -> bool:
    """Whether any string (key or value) in ``value`` holds such a character."""
    if isinstance(value, str):
        return _UNSEEN.search(value) is not None
    if isinstance(value, dict):
        return any(unseen_in(k) or unseen_in(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unseen_in(v) for v in value)
    return False


class JsonEditor(TextArea):
    """The input's editor: tab indents; escape still cancels the dialog (a TextArea that
    indents would take escape to move the focus, leaving the person in the dialog)."""

    # Until a key has been pressed here: an object typed over the untouched ``{}`` replaces
    # it (``s{"amount": 12}`` in one burst is that object, not ``{}{"amount": 12}``).
    _untouched = True

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.prevent_default()  # not TextArea's handler: escape goes on to the dialog
            return
        untouched, self._untouched = self._untouched, False
        if untouched and event.character == "{" and self.text == EMPTY_INPUT:
            self.text = ""  # then TextArea's own handler (Textual calls each class's) types the {


class StartRunDialog(ActionDialog):
    title_text = "Start a run"
    guard_resend = True
    send_key = "ctrl+s"
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "start", "Start run", id="start.send"),
        Binding("ctrl+o", "attach", "Attach file", id="start.attach"),
    ]
    DEFAULT_CSS = """
    StartRunDialog #start-input { height: 10; }
    StartRunDialog .start-file-row { display: none; }
    StartRunDialog.-attaching .start-file-row { display: block; }
    StartRunDialog #start-files { height: auto; color: $text-muted; }
    """

    def __init__(
        self,
        client: PhronyClient,
        attempt_log: AttemptLog,
        agents: Sequence[tuple[str, str]],
        selected: str | None = None,
        *,
        initial: str = EMPTY_INPUT,
        drafts: DraftStore | None = None,
    ) -> None:
        super().__init__()
        self._drafts = drafts
        if not agents:
            raise ValueError("StartRunDialog needs an agent")
        self.client = client
        self.attempt_log = attempt_log
        self.agents = list(agents)
        ids = [agent_id for agent_id, _ in self.agents]
        self.selected = selected if selected in ids else ids[0]
        self.initial = escape_unseen(initial)
        self.files: list[tuple[str, Attachment]] = []
        self.last_attempt: str | None = None
        self._attempt: Any = None  # the last start's Attempt, for the look after an ambiguous failure
        self._label = ""

    @property
    def agent_id(self) -> str:
        if len(self.agents) > 1:
            value = self.query_one("#start-agent", Select).value
            if isinstance(value, str):
                return value
        return self.selected

    def agent_label(self, agent_id: str) -> str:
        return next((label for known, label in self.agents if known == agent_id), short_id(agent_id))

    def header(self) -> Text:
        return Text("POST /v1/agents/{agentId}/runs with {\"input\": <the object below>}. "
                    "The attempt is recorded (A lists them).")  # fmt: skip

    def compose_body(self) -> Iterable[Widget]:
        if len(self.agents) > 1:
            options = [(Text(one_line(label, 60)), agent_id) for agent_id, label in self.agents]
            yield Select(options, value=self.selected, allow_blank=False, id="start-agent")
        else:
            yield Static(
                Text.assemble(("Agent: ", "dim"), (one_line(self.agent_label(self.selected), 60), "bold"))
            )
        draft = self.drafts.get(self.draft_key(self.selected)) if self.initial == EMPTY_INPUT else None
        if draft is not None:  # closed unsent last time: its input and files come back
            self.initial, self.files = escape_unseen(draft.text), list(draft.files)
            yield Static(Text("Your draft from last time is back (escape keeps it again).", style="italic"),
                         classes="dialog-hint")  # fmt: skip
        # tab indents here (JSON is indented); shift+tab leaves for the agent picker
        editor = JsonEditor(self.initial, id="start-input", soft_wrap=True, show_line_numbers=True,
                            tab_behavior="indent")  # fmt: skip
        editor.indent_width = 2
        yield editor
        yield Static("", id="start-files")
        yield PathInput(id="start-file-path", classes="start-file-row")
        yield RowInput(placeholder="key in the input for the file, e.g. document", id="start-file-key",
                       classes="start-file-row")  # fmt: skip
        leave = " · shift+tab: the agent picker" if len(self.agents) > 1 else ""
        yield Static(Text(f"ctrl+s starts with this input · tab indents{leave} · "
                          "ctrl+o uploads a file into the input under a key you name"),
                     classes="dialog-hint")  # fmt: skip

    def on_mount(self) -> None:
        editor = self.query_one("#start-input", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)
        if self.files:
            self._draw_files()

    # -- drafts: escape keeps what was written ------------------------------------------
    @property
    def drafts(self) -> DraftStore:
        return self._drafts if self._drafts is not None else DraftStore.of(self.app)

    @staticmethod
    def draft_key(agent_id: str) -> str:
        return f"start:{agent_id}"

    def action_cancel(self) -> None:
        if not self.busy:
            text = self.editor.text
            untouched = text.strip() in ("", EMPTY_INPUT) and not self.files
            if self.drafts.keep(self.draft_key(self.agent_id), "" if untouched else text, self.files):
                notify(self, f"Draft kept for {one_line(self.agent_label(self.agent_id), 40)}: s opens it again.")
        super().action_cancel()

    def finish(self, done: Done) -> None:
        self.drafts.drop(self.draft_key(self.agent_id))
        super().finish(done)

    def set_busy(self, busy: bool, label: str = "Sending…") -> None:
        super().set_busy(busy, label)
        self.editor.read_only = busy  # what is sent (or gets the file) is what was shown

    @property
    def editor(self) -> TextArea:
        return self.query_one("#start-input", TextArea)

    # -- attaching a file ------------------------------------------------------------
    def action_attach(self) -> None:
        if self.busy:
            return
        self.add_class("-attaching")
        self.query_one("#start-file-path", PathInput).focus()

    @on(RowInput.Closed)
    def _close_row(self, event: RowInput.Closed) -> None:
        event.stop()
        self.remove_class("-attaching")
        self.editor.focus()

    @on(Input.Submitted, "#start-file-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        key = self.query_one("#start-file-key", RowInput)
        if not key.value.strip():
            key.focus()
            return
        self.attach_file(event.value, key.value)

    @on(Input.Submitted, "#start-file-key")
    def _key_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.attach_file(self.query_one("#start-file-path", PathInput).value, event.value)

    def attach_file(self, path: str, key: str) -> bool:
        if self.busy:
            return False
        key = key.strip()
        try:
            parse_input(self.editor.text)
            if not key:
                raise ValueError("name the key the file goes under in the input")
            attachment = check_attachment(path)
        except ValueError as error:
            self.show_error(f"Not attached: {error}")
            return False
        editor = self.editor  # read-only while the file uploads (set_busy): it goes into this text

        async def request() -> Any:
            return await self.client.upload_file(attachment.path, media_type=attachment.media_type)

        def done(uploaded: Any) -> None:
            attachment.uploaded, attachment.state = uploaded, "uploaded"
            value = parse_input(editor.text)
            replaced = key in value
            reference = uploaded.as_input_reference()
            value[key] = reference
            editor.text = editor_json(value)
            self.files = [(k, a) for k, a in self.files if k != key] + [(key, attachment)]
            self._draw_files()
            for selector in ("#start-file-path", "#start-file-key"):
                self.query_one(selector, Input).value = ""
            self.remove_class("-attaching")
            editor.focus()
            note = " (replaced what was there)" if replaced else ""
            if unseen_in(reference) or unseen_in(getattr(uploaded, "object_key", "")):
                note += (". The server's object key holds control or invisible characters: the input shows "
                         "them as \\uXXXX escapes (the same value); check it before you start")  # fmt: skip
            notify(self, f"Uploaded {attachment.name}: input.{key} refers to it{note}")

        return self.send(request, done, label=f"Uploading {attachment.name}…", guarded=False)

    def _draw_files(self) -> None:
        lines = [
            f"input.{key} ← {attachment.name}  {fmt_size(attachment.size)}  {attachment.media_type}  uploaded ✓"
            for key, attachment in self.files
        ]
        self.query_one("#start-files", Static).update(Text(one_line(" · ".join(lines), 600) if lines else ""))

    # -- starting --------------------------------------------------------------------
    def action_start(self) -> None:
        if self.busy:
            return
        try:
            payload = parse_input(self.editor.text)
        except ValueError as error:
            self.show_error(f"Not sent: {error}")
            return
        agent_id = self.agent_id
        label = self.agent_label(agent_id)

        async def request() -> Any:
            attempt, result, error = await self.attempt_log.start(self.client, agent_id, payload)
            self.last_attempt, self._attempt, self._label = attempt.id, attempt, label
            if error is not None:
                raise error
            return attempt, result

        def done(made: Any) -> None:
            attempt, result = made
            status = f" ({one_line(result.status, 30)})" if result.status else ""
            if attempt.outcome == "duplicate":
                message = (
                    f"The server took it as a duplicate delivery: opening its run {short_id(result.run_id)}"
                )
            else:
                message = f"Started a run of {one_line(label, 40)}: run {short_id(result.run_id)}{status}"
            self.finish(Done(message, open_run=result.run_id))

        self.send(request, done, label=f"Starting a run of {one_line(label, 40)}…")

    def outcome_check(self) -> CheckFn | None:
        attempt = self._attempt
        if attempt is None or not isinstance(attempt.payload, dict):
            return None
        since = parse_ts(attempt.at) or self.attempt_log.clock()
        return check_start(self.client, attempt.agent_id, attempt.payload, since)

    def went_through(self, found: Check, said: str) -> None:
        attempt = self.attempt_log.went_through(self._attempt, found.found, found.evidence)
        self.finish(Done(
            f"Started a run of {one_line(self._label, 40)}: it went through (the connection failed after "
            f"sending; checked: {found.evidence}). Not sent again.",
            open_run=attempt.run_id,
        ))  # fmt: skip

    def unanswered(self, error: PhronyError) -> str:
        recorded = f" (recorded as attempt {self.last_attempt}; A lists attempts)" if self.last_attempt else ""
        return f"{super().unanswered(error)}{recorded}"

    def failed(self, error: PhronyError) -> None:
        recorded = (
            f" (recorded as attempt {self.last_attempt}; A lists attempts)" if self.last_attempt else ""
        )
        self.last_attempt = None
        if may_have_arrived(error):
            self.unsure = True
            self.show_error(
                f"{error_text(error)}{recorded} — a run may have started: look at the sessions before you "
                "start it again (ctrl+s asks once more), or escape."
            )
            return
        self.show_error(
            f"{error_text(error)}{recorded} — the input is kept: fix it and ctrl+s again, or escape."
        )
