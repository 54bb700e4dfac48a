"""`a`: answer the session's pending user task, with the control its kind needs.

approval / hitl / anomaly_review: ``y`` approve, ``n`` reject (nothing is
focused, so a stray Enter never approves); multi_option: a list, arrows +
``enter``; text / aitl_escalation: a line, ``enter``; number: a line that must
parse (``core.tasks.parse_number``), ``enter``; anomaly_alert: ``y``
acknowledge; an unknown kind: the raw task, a field to send it as, and the
advice to use the dashboard when the API refuses. An escalation shows its
question for the person first (``question_for_user``), then the agent's, and can be
declined (``ctrl+r``: ``core.task_answer.decline_fields``, ``approved: false``).

The answer goes to the run the person opened (``SessionState.run_id``) with only
the fields the kind needs (``core.tasks.answer_fields``). When that run refuses it
with a 4xx that is not about the answer being stale (409), the key (401) or the rate
(429), and another run raised the task, the dialog offers (``ctrl+t``), never on its
own, to send the same answer once through the raising run (an older docs page says
to target the run that is waiting); a second refusal is shown as it is.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from phrony_tui.client import PhronyAPIError, PhronyClient, PhronyError
from phrony_tui.core.safe_text import one_line, pretty_json
from phrony_tui.core.steps import as_mapping
from phrony_tui.core.task_answer import answer_verb, decline_fields
from phrony_tui.core.tasks import UserTask, answer_fields, parse_number
from phrony_tui.live.outcome import Check, CheckFn, check_task
from phrony_tui.ui.dialogs.common import (
    ActionDialog,
    ChoiceList,
    Done,
    SendInput,
    error_text,
    is_stale_answer,
)
from phrony_tui.ui.text import block, cell, short_id

# Keys of a task's content that the dialog shows in its own way (or that are ids).
_SHOWN_KEYS = frozenset(
    {
        "user_task_id", "userTaskId", "task_id", "taskId", "id", "kind", "task_kind", "taskKind", "type",
        "question", "question_for_user", "questionForUser", "prompt", "title", "message", "description", "options", "choices", "status", "state",
        "tool_call", "toolCall", "run_id", "runId", "session_id", "sessionId", "tenant_id", "agent_id",
        "agent_version_id", "event_id", "sequence", "step_kind", "iteration", "placeholder",
    }
)  # fmt: skip
CONTEXT_LIMIT = 20_000

#: kinds only the Phrony dashboard completes (phrony-api.md: the API answers them with an
#: error): the dialog says so before a key is pressed. Kinds the server refuses that way
#: are learned (``AnswerDialog.failed``) and said as well the next time.
DASHBOARD_KINDS = frozenset({"anomaly_review"})

# For a kind the inspector does not know: which field to send, as (label, value).
GENERIC_FIELDS = [
    ("text: textValue", "text"),
    ("number: numberValue", "number"),
    ("option id: selectedOptionId", "option"),
    ("approve: approved = true", "approve"),
    ("reject: approved = false", "reject"),
]


# Kinds learned per app (weakly: an app that ends takes its set along).
_LEARNED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def pick_task(pending: Sequence[UserTask], selected_run_id: str | None) -> int:
    """Which pending task the dialog opens on: the one the selected run raised, else the
    earliest that holds the session up (anomaly alerts are non-blocking: last)."""
    if not pending:
        raise ValueError("no pending task")
    if selected_run_id:
        for index, task in enumerate(pending):
            if task.run_id == selected_run_id:
                return index
    for index, task in enumerate(pending):
        if task.kind != "anomaly_alert":
            return index
    return 0


def task_context(task: UserTask) -> Any:
    """What else the task's content says (severity, unit, claims, a reason...), as a dict."""
    content = as_mapping(task.content)
    if content is None:
        return None
    extra = {key: value for key, value in content.items() if key not in _SHOWN_KEYS}
    for nest in ("user_task", "userTask", "task"):
        inner = as_mapping(content.get(nest))
        if inner is not None:
            extra.pop(nest, None)
            extra.update({key: value for key, value in inner.items() if key not in _SHOWN_KEYS})
    return extra or None


def _json_view(value: Any, classes: str = "dialog-context") -> VerticalScroll:
    body = pretty_json(value, max_chars=CONTEXT_LIMIT)
    return VerticalScroll(Static(Syntax(body, "json", word_wrap=True, theme="ansi_dark")), classes=classes)


def describe_answer(task: UserTask, fields: Mapping[str, Any], agent: str) -> str:
    return f"{answer_verb(task, fields)} {task.kind} task {short_id(task.user_task_id)} of {agent}"


class AnswerDialog(ActionDialog):
    title_text = "Answer a user task"
    BINDINGS: ClassVar = [
        Binding("y", "approve(True)", "Approve", id="answer.approve"),
        Binding("n", "approve(False)", "Reject", id="answer.reject"),
        Binding("y", "acknowledge", "Acknowledge", id="answer.acknowledge"),
        Binding("ctrl+n", "next_task", "Next pending task", id="answer.next_task"),
        Binding("ctrl+r", "decline", "Decline", id="answer.decline"),
        Binding("ctrl+t", "via_raising_run", "Send through the raising run", id="answer.via_raising_run"),
    ]

    def __init__(
        self,
        client: PhronyClient,
        run_id: str,
        tasks: Sequence[UserTask],
        index: int = 0,
        *,
        agent_label: Callable[[str | None], str] = short_id,
        on_stale: Callable[[], None] | None = None,
        dashboard_kinds: set[str] | None = None,
    ) -> None:
        super().__init__()
        self._dashboard_kinds = dashboard_kinds
        if not tasks:
            raise ValueError("AnswerDialog needs a pending task")
        self.client = client
        self.run_id = run_id
        self.tasks = list(tasks)
        self.index = index % len(self.tasks)
        self.agent_label = agent_label
        self.on_stale = on_stale
        self.stale: set[str] = set()  # task ids the server said are no longer pending
        # The last send's route: (the task, its fields, the run it went through).
        self._route: tuple[UserTask, dict[str, Any], str] | None = None
        # An answer the opened run refused, offered once through the run that raised it.
        self.offer: tuple[UserTask, dict[str, Any]] | None = None
        self._rerouted: set[str] = set()  # task ids already sent through their raising run

    @property
    def shown_task(self) -> UserTask:
        """The task on show (not ``task``: that is Textual's, the asyncio task of this screen)."""
        return self.tasks[self.index]

    guard_resend = True
    # never twice: the task and the words of the last answer sent (see outcome_check)
    _sent: tuple[str, str] | None = None

    @property
    def send_key(self) -> str:  # type: ignore[override]
        return "the same key" if self.style in ("approve", "acknowledge") else "enter"

    def outcome_check(self) -> CheckFn | None:
        if self._sent is None:
            return None
        return check_task(self.client, self.run_id, self._sent[0])

    def went_through(self, found: Check, said: str) -> None:
        what = self._sent[1] if self._sent is not None else "The answer"
        self.finish(Done(f"{what}: it went through (the connection failed after sending; checked: "
                         f"{found.evidence}). Not sent again."))  # fmt: skip

    @property
    def retry_hint(self) -> str:  # type: ignore[override]
        if self.style in ("approve", "acknowledge"):
            return "press the key again to retry"
        return "enter sends again"

    @property
    def dashboard_kinds(self) -> set[str]:
        """Kinds the server refused as dashboard-only (learned; one set per app by default)."""
        if self._dashboard_kinds is None:
            self._dashboard_kinds = _LEARNED.setdefault(self.app, set())
        return self._dashboard_kinds

    def dashboard_only(self, task: UserTask) -> bool:
        return task.kind in DASHBOARD_KINDS or task.kind in self.dashboard_kinds

    @property
    def style(self) -> str:
        return self.shown_task.answer_style or "generic"

    # -- layout ------------------------------------------------------------------
    def header(self) -> Text:
        task = self.shown_task
        text = Text()
        text.append(self.agent_label(task.run_id), style="bold")
        text.append(f" · run {short_id(task.run_id)} raised it · ")
        text.append(f"kind {one_line(task.raw_kind or task.kind, 40)}", style="bold")
        text.append(f" · task {short_id(task.user_task_id)}")
        text.append(f"\nThe answer goes to run {short_id(self.run_id)}, the run you opened.")
        if len(self.tasks) > 1:
            text.append(f" Task {self.index + 1} of {len(self.tasks)} pending: ctrl+n shows the next.", style="yellow")
        return text

    def compose_body(self) -> Iterable[Widget]:
        task = self.shown_task
        style = self.style
        question = task.shown_question or "(the task names no question)"
        yield Static(block(question), classes="dialog-question", id="answer-question")
        if task.question_for_user and task.question and task.question != task.question_for_user:
            asked = Text("The agent's question: ", style="dim")
            asked.append_text(block(task.question))
            yield Static(asked, classes="dialog-hint", id="answer-agent-question")
        if style == "approve" and task.tool_call is not None:
            call = as_mapping(task.tool_call)
            name = call.get("name") if call is not None else None
            if call is not None and name is not None:
                yield Static(Text.assemble(("Guarded tool call: ", "dim"), (one_line(name, 80), "bold")))
                yield _json_view(call.get("arguments", call))
            else:
                yield Static(Text("Guarded tool call:", style="dim"))
                yield _json_view(task.tool_call)
        if style == "generic":
            yield Static(Text("The task as the server sent it:", style="dim"))
            yield _json_view(task.content)
        else:
            context = task_context(task)
            if context is not None:
                yield _json_view(context)
        yield from self._answer_widgets(task, style)

    def _answer_widgets(self, task: UserTask, style: str) -> Iterable[Widget]:
        if task.can_decline and task.user_task_id:
            yield Static(Text("ctrl+r declines: sends approved: false with the task id, and no answer."),
                         classes="dialog-hint", id="answer-decline-hint")  # fmt: skip
        if self.dashboard_only(task):
            yield Static(
                Text(f"Only the Phrony dashboard can complete this task (kind {one_line(task.raw_kind or task.kind, 40)}): "
                     "the API refuses it. Answer it there; the keys below still try, and the server decides."),
                classes="dialog-hint dialog-dashboard",
            )  # fmt: skip
        if style == "approve":
            yield Static(
                Text("y approves, n rejects. Nothing is selected: Enter does nothing here."),
                classes="dialog-hint",
            )
        elif style == "acknowledge":
            yield Static(
                Text("An anomaly alert does not block the run. y acknowledges it "
                     "(some alerts can only be acknowledged in the Phrony dashboard)."),
                classes="dialog-hint",
            )  # fmt: skip
        elif style == "choose" and task.options:
            yield Static(Text("Nothing is selected: arrows pick an option, enter sends it."), classes="dialog-hint")
            options = [Option(cell(option.label, 200), id=f"opt-{n}") for n, option in enumerate(task.options)]
            yield ChoiceList(*options, id="answer-options")
        elif style == "number":
            content = as_mapping(task.content) or {}
            unit = content.get("unit")
            hint = f"a number{f' ({one_line(unit, 20)})' if isinstance(unit, str) and unit else ''}, e.g. 4500 or -3.5"
            yield SendInput(placeholder=hint, id="answer-input")
        elif style == "generic":
            yield Static(
                Text(f"The inspector does not know the kind {one_line(task.raw_kind or task.kind, 40)!r}. "
                     "Pick the field to send and type the value, or answer it in the Phrony dashboard."),
                classes="dialog-hint",
            )  # fmt: skip
            yield Select(GENERIC_FIELDS, value="text", allow_blank=False, id="answer-field")
            yield SendInput(placeholder="the value to send", id="answer-input")
        else:  # text, aitl_escalation, or a multi-option task without readable options
            content = as_mapping(task.content) or {}
            placeholder = content.get("placeholder")
            if style == "choose":
                yield Static(Text("The task lists no options the inspector can read: type the option id."),
                             classes="dialog-hint")  # fmt: skip
                placeholder = "option id"
            if not isinstance(placeholder, str) or not placeholder.strip():
                placeholder = "your answer"
            yield SendInput(placeholder=one_line(placeholder, 80), id="answer-input")

    def on_mount(self) -> None:
        self._focus_answer()

    def _focus_answer(self) -> None:
        for selector in ("#answer-options", "#answer-input"):
            found = self.query(selector)
            if found:
                found.first().focus()
                return

    # -- keys ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "approve":
            return self.style == "approve"
        if action == "acknowledge":
            return self.style == "acknowledge"
        if action == "next_task":
            return len(self.tasks) > 1
        if action == "decline":
            return self.shown_task.can_decline and bool(self.shown_task.user_task_id)
        if action == "via_raising_run":
            return self.offer is not None and self.offer[0] is self.shown_task
        return super().check_action(action, parameters)

    def action_approve(self, approved: bool) -> None:
        self._answer(approved)

    def action_acknowledge(self) -> None:
        self._answer(True)

    async def action_next_task(self) -> None:
        if self.busy or len(self.tasks) < 2:
            return
        self.index = (self.index + 1) % len(self.tasks)
        self.offer = None
        self.show_error(None)
        await self.recompose()
        self._focus_answer()
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#answer-options")
    def _option_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option = self.shown_task.options[event.option_index]
        self._answer(option)

    @on(Input.Submitted, "#answer-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer(event.value)

    # -- sending ---------------------------------------------------------------------
    def fields_for(self, value: Any) -> dict[str, Any]:
        """The send_run_message keywords for this task and value; ValueError when it does not fit."""
        task = self.shown_task
        if self.style == "generic":
            return self._generic_fields(value)
        if self.style == "choose" and not task.options:
            if not isinstance(value, str) or not value.strip():
                raise ValueError("type the id of the option to choose")
            return {"user_task_id": task.user_task_id, "selected_option_id": value.strip()}
        fields = answer_fields(task, value)
        if "selected_option_id" in fields and not isinstance(fields["selected_option_id"], str):
            fields["selected_option_id"] = str(fields["selected_option_id"])
        return fields

    def _generic_fields(self, value: Any) -> dict[str, Any]:
        task = self.shown_task
        if not task.user_task_id:
            raise ValueError("this task has no user_task_id to answer with")
        field = self.query_one("#answer-field", Select).value
        fields: dict[str, Any] = {"user_task_id": task.user_task_id}
        text = value if isinstance(value, str) else ""
        if field == "approve":
            fields["approved"] = True
        elif field == "reject":
            fields["approved"] = False
        elif field == "number":
            fields["number_value"] = parse_number(text)
        elif not text.strip():
            raise ValueError("the answer is empty")
        elif field == "option":
            fields["selected_option_id"] = text.strip()
        else:
            fields["text_value"] = text
        return fields

    def _answer(self, value: Any) -> None:
        if self.busy:
            return
        task = self.shown_task
        if task.user_task_id in self.stale:
            self.show_error("This task was already answered elsewhere: escape closes; the session was refreshed.")
            return
        try:
            fields = self.fields_for(value)
        except ValueError as error:
            self.show_error(f"Not sent: {error}")
            return
        self._send(task, fields, self.run_id)

    def action_decline(self) -> None:
        if self.busy:
            return
        task = self.shown_task
        if task.user_task_id in self.stale:
            self.show_error("This task was already answered elsewhere: escape closes; the session was refreshed.")
            return
        try:
            fields = decline_fields(task)
        except ValueError as error:
            self.show_error(f"Not sent: {error}")
            return
        self._send(task, fields, self.run_id)

    def action_via_raising_run(self) -> None:
        """The offer a refusal made: the same answer, once, through the run that raised the task."""
        offer, self.offer = self.offer, None
        self.refresh_bindings()
        if offer is None or self.busy or not offer[0].run_id:
            return
        task, fields = offer
        self._rerouted.add(task.user_task_id or "")
        self._send(task, fields, offer[0].run_id)

    def _send(self, task: UserTask, fields: dict[str, Any], run_id: str) -> None:
        agent = self.agent_label(task.run_id)
        self.offer = None

        if self._sent is not None and self._sent[0] != task.user_task_id:
            self.unsure = False  # another task: not a resend
        self._sent = (task.user_task_id, describe_answer(task, fields, agent)) if task.user_task_id else None

        async def request() -> Any:
            return await self.client.send_run_message(run_id, **fields)

        def done(result: Any) -> None:
            status = getattr(result, "status", None)
            after = f" (run now {one_line(status, 30)})" if status else ""
            through = f" through run {short_id(run_id)}, the run that raised it" if run_id != self.run_id else ""
            self.finish(Done(describe_answer(task, fields, agent) + through + after))

        self._route = (task, fields, run_id)
        self.send(request, done)

    def _may_reroute(self, error: PhronyError) -> bool:
        """Whether to offer the raising run: the opened run refused with a 4xx that is
        not stale (409), the key (401) or the rate (429), and another run raised the task."""
        if self._route is None or not isinstance(error, PhronyAPIError):
            return False
        task, _, run_id = self._route
        return (
            400 <= error.status < 500
            and error.status not in (401, 409, 429)
            and run_id == self.run_id
            and bool(task.run_id)
            and task.run_id != self.run_id
            and (task.user_task_id or "") not in self._rerouted
        )

    def failed(self, error: PhronyError) -> None:
        task = self.shown_task
        if is_stale_answer(error):
            if task.user_task_id:
                self.stale.add(task.user_task_id)
            said = getattr(error, "server_message", "") or str(error)
            self.show_error(
                f"Someone else answered this task (or it was cancelled): {said}. "
                "The session is being refreshed; escape closes."
            )
            if self.on_stale is not None:
                self.on_stale()
            return
        body = (getattr(error, "body", "") or "").lower()
        if "dashboard" in body:
            self.dashboard_kinds.add(task.kind)  # said before the keys next time
            self.show_error(f"{error_text(error)} — this task must be answered in the Phrony dashboard.")
            return
        if self._may_reroute(error) and self._route is not None:
            sent_task, fields, _ = self._route
            self.offer = (sent_task, fields)
            self.refresh_bindings()
            self.show_error(
                f"{error_text(error)} — run {short_id(sent_task.run_id)} ({self.agent_label(sent_task.run_id)}) "
                "raised this task: ctrl+t sends the same answer through it instead (once); "
                "nothing was sent there yet. Escape cancels."
            )
            return
        super().failed(error)
