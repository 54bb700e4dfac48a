"""`m`: reply to a run waiting for a response (WaitingForResponse), with files.

A multi-line draft (focused on open; ``ctrl+s`` sends) and attachments added
by path (``ctrl+o``; checked before anything is uploaded). On send, each file
not yet uploaded goes through presign → PUT → finalize
(``client.upload_file``), then one message carries the text and ``files[]``.
An upload that fails sends nothing and keeps the draft and every attachment;
files already uploaded are not uploaded again on the next ``ctrl+s``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from phrony_tui.client import PhronyClient, PhronyError
from phrony_tui.core.safe_text import one_line
from phrony_tui.live.outcome import Check, CheckFn, check_reply
from phrony_tui.ui.dialogs.common import ActionDialog, Done, DraftStore, error_text, is_stale_answer
from phrony_tui.ui.dialogs.files import Attachment, PathInput, check_attachment
from phrony_tui.ui.text import block, notify, plain, short_id


class UploadFailed(PhronyError):
    """An attachment could not be uploaded: nothing was sent."""

    def __init__(self, attachment: Attachment, cause: PhronyError) -> None:
        self.attachment = attachment
        self.cause = cause
        super().__init__(f"uploading {attachment.name} failed: {cause}")


class AttachmentList(OptionList):
    """The files to send; ``delete`` removes the highlighted one."""

    BINDINGS: ClassVar = [Binding("delete,backspace", "remove", "Remove file", id="files.remove")]

    def action_remove(self) -> None:
        screen = self.screen
        if isinstance(screen, MessageDialog) and self.highlighted is not None:
            screen.remove_attachment(self.highlighted)


class MessageDialog(ActionDialog):
    title_text = "Send a message"
    retry_hint = "ctrl+s sends again"
    guard_resend = True
    send_key = "ctrl+s"
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "send", "Send", id="message.send"),
        Binding("ctrl+o", "attach", "Attach file", id="message.attach"),
    ]
    DEFAULT_CSS = """
    MessageDialog #message-text { height: 7; }
    MessageDialog #attachments { display: none; }
    MessageDialog #attachments.-some { display: block; }
    MessageDialog #attach-path { display: none; }
    MessageDialog #attach-path.-open { display: block; }
    """

    def __init__(
        self,
        client: PhronyClient,
        run_id: str,
        *,
        agent: str = "",
        status: str = "",
        context: str | None = None,
        on_stale: Callable[[], None] | None = None,
        drafts: DraftStore | None = None,
    ) -> None:
        super().__init__()
        self._drafts = drafts
        self.client = client
        self.run_id = run_id
        self.agent = agent
        self.status = status
        self.context = context
        self.on_stale = on_stale
        self.attachments: list[Attachment] = []
        self._sent: tuple[str, str] | None = None  # the last text sent and how to say it

    def header(self) -> Text:
        text = Text()
        text.append(one_line(self.agent or "the agent", 40), style="bold")
        text.append(
            f" is {one_line(self.status or 'waiting', 30)} · the message goes to run {short_id(self.run_id)}"
        )
        return text

    def compose_body(self) -> Iterable[Widget]:
        if self.context:
            yield Static(Text("Last from the agent:", style="dim"), classes="dialog-hint")
            yield VerticalScroll(Static(block(self.context)), classes="dialog-context")
        draft = self.drafts.get(self.draft_key)
        if draft is not None:  # closed unsent last time: its text and files come back
            self.attachments = list(draft.files)
            yield Static(Text("Your draft from last time is back (escape keeps it again).", style="italic"),
                         classes="dialog-hint")  # fmt: skip
        yield TextArea(
            draft.text if draft else "", id="message-text", soft_wrap=True, show_line_numbers=False
        )
        yield AttachmentList(id="attachments")
        yield PathInput(id="attach-path")
        yield Static(
            Text(
                "ctrl+s sends · ctrl+o attaches a file by path · tab reaches the files (delete removes one)"
            ),
            classes="dialog-hint",
        )

    def on_mount(self) -> None:
        text = self.query_one("#message-text", TextArea)
        text.focus()
        text.move_cursor(text.document.end)
        if self.attachments:
            self._draw_attachments()

    @property
    def draft(self) -> str:
        return self.query_one("#message-text", TextArea).text

    # -- drafts: escape keeps what was written ------------------------------------------
    @property
    def drafts(self) -> DraftStore:
        return self._drafts if self._drafts is not None else DraftStore.of(self.app)

    @property
    def draft_key(self) -> str:
        return f"message:{self.run_id}"

    def action_cancel(self) -> None:
        if not self.busy and self.drafts.keep(self.draft_key, self.draft, self.attachments):
            files = (
                f" and {len(self.attachments)} file{'s' if len(self.attachments) != 1 else ''}"
                if self.attachments
                else ""
            )
            notify(self, f"Draft kept (its text{files}): m opens it again.")
        super().action_cancel()

    def finish(self, done: Done) -> None:
        self.drafts.drop(self.draft_key)
        super().finish(done)

    def set_busy(self, busy: bool, label: str = "Sending…") -> None:
        super().set_busy(busy, label)
        self.query_one("#message-text", TextArea).read_only = busy  # what is sent is what was shown

    # -- attachments -----------------------------------------------------------------
    def action_attach(self) -> None:
        box = self.query_one("#attach-path", PathInput)
        box.add_class("-open")
        box.focus()

    @on(PathInput.Closed)
    def _close_path(self, event: PathInput.Closed) -> None:
        event.stop()
        event.row_input.remove_class("-open")
        self.query_one("#message-text", TextArea).focus()

    @on(Input.Submitted, "#attach-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.add_attachment(event.value)

    def add_attachment(self, raw: str) -> bool:
        if self.busy:
            self.show_error("Wait for the upload in flight before adding files.")
            return False
        try:
            attachment = check_attachment(raw)
        except ValueError as error:
            self.show_error(f"Not attached: {error}")
            return False
        if any(known.path == attachment.path for known in self.attachments):
            self.show_error(f"Not attached: {attachment.name} is attached already")
            return False
        self.attachments.append(attachment)
        self.show_error(None)
        box = self.query_one("#attach-path", PathInput)
        box.value = ""
        box.remove_class("-open")
        self._draw_attachments()
        self.query_one("#message-text", TextArea).focus()
        return True

    def remove_attachment(self, index: int) -> None:
        if self.busy or not 0 <= index < len(self.attachments):
            return
        del self.attachments[index]
        self._draw_attachments()

    def _draw_attachments(self) -> None:
        files = self.query_one("#attachments", AttachmentList)
        highlighted = files.highlighted
        files.clear_options()
        files.add_options(
            Option(Text(attachment.describe(), style="red" if attachment.state == "failed" else ""))
            for attachment in self.attachments
        )
        files.set_class(bool(self.attachments), "-some")
        files.border_title = plain(f"Files ({len(self.attachments)})")
        if self.attachments and highlighted is not None:
            files.highlighted = min(highlighted, len(self.attachments) - 1)

    # -- sending ---------------------------------------------------------------------
    def action_send(self) -> None:
        if self.busy:
            return
        text = self.draft
        if not text.strip() and not self.attachments:
            self.show_error("Nothing to send: write a message or attach a file (ctrl+o).")
            return
        attachments = list(self.attachments)

        async def request() -> Any:
            for attachment in attachments:
                if attachment.uploaded is not None:
                    continue
                attachment.state, attachment.detail = "uploading", ""
                self._draw_attachments()
                try:
                    attachment.uploaded = await self.client.upload_file(
                        attachment.path, media_type=attachment.media_type
                    )
                except PhronyError as error:
                    attachment.state, attachment.detail = "failed", one_line(error_text(error), 120)
                    self._draw_attachments()
                    raise UploadFailed(attachment, error) from None
                attachment.state = "uploaded"
                self._draw_attachments()
            files = [attachment.uploaded for attachment in attachments if attachment.uploaded is not None]
            return await self.client.send_run_message(
                self.run_id, text=text if text.strip() else None, files=files or None
            )

        what = "a message" if text.strip() else "no text"
        if attachments:
            what += f" with {len(attachments)} file{'s' if len(attachments) != 1 else ''}"
        said = f"Sent {what} to {one_line(self.agent or short_id(self.run_id), 40)}"
        self._sent = (text, said)

        def done(result: Any) -> None:
            status = getattr(result, "status", None)
            after = f" (run now {one_line(status, 30)})" if status else ""
            self.finish(Done(f"{said}{after}"))

        label = (
            "Uploading files, then sending…" if any(a.uploaded is None for a in attachments) else "Sending…"
        )
        self.send(request, done, label=label)

    def outcome_check(self) -> CheckFn | None:
        if self._sent is None:
            return None
        return check_reply(self.client, self.run_id, None, self._sent[0])

    def went_through(self, found: Check, said: str) -> None:
        what = self._sent[1] if self._sent is not None else "Sent the message"
        self.finish(Done(f"{what}: it went through (the connection failed after sending; checked: "
                         f"{found.evidence}). Not sent again."))  # fmt: skip

    def failed(self, error: PhronyError) -> None:
        if isinstance(error, UploadFailed):
            self.show_error(
                f"Uploading {error.attachment.name} failed: {error_text(error.cause)} — no message was sent; "
                "the draft and attachments are kept (ctrl+s retries; uploaded files are not sent again)."
            )
            return
        if is_stale_answer(error):
            said = getattr(error, "server_message", "") or str(error)
            self.show_error(
                f"The run is no longer waiting for this reply: {said}. The session is being refreshed; "
                "your draft is kept (escape closes)."
            )
            if self.on_stale is not None:
                self.on_stale()
            return
        super().failed(error)
