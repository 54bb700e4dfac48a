"""``phrony-tui answer RUN_ID --approve | --reject | --option ID | --text T | --number N``.

What the app's answer dialog does, without the dialog: read the session, find
its pending user task (``core.tasks.TaskBook``; ``--task`` picks one of
several), check the answer against the task's kind (``core.tasks.answer_fields``
and ``parse_number``, as the dialog does), build the body
(``client.messages.build_message_body``) and send it once to the run given,
the run the person opened, as the app does (sending.py). ``--dry-run`` prints the
route and the body and sends nothing (it still reads the run to build them).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from phrony_tui.client.messages import build_message_body
from phrony_tui.client.models import Conversation
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import ending_action, is_terminal, is_waiting
from phrony_tui.core.task_answer import answer_verb
from phrony_tui.core.tasks import TaskBook, UserTask, answer_fields, parse_number
from phrony_tui.core.timeline import looks_redacted
from phrony_tui.entry.scripting.common import Context, Exit, new_parser
from phrony_tui.entry.scripting.sending import print_dry_run, send_once
from phrony_tui.live.outcome import check_task, read_book

EXAMPLES = """\
  phrony-tui answer RUN_ID --approve
  phrony-tui answer RUN_ID --reject --task USER_TASK_ID     # one of several pending tasks
  phrony-tui answer RUN_ID --option opt-2
  phrony-tui answer RUN_ID --text "Ship it on Monday" --dry-run
  phrony-tui answer RUN_ID --number 4500"""

# (flag, what the dialog would be given)
_FLAGS = ("approve", "reject", "option", "text", "number")


class Refused(Exception):
    """The answer does not fit the task or the run: said, nothing sent."""

    def __init__(self, message: str, code: Exit = Exit.USAGE) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        "answer",
        "Answer the pending user task of a run waiting on a person (WaitingForHITL, or an "
        "escalation in WaitingForAITL), as the app's answer dialog does: the answer must fit "
        "the task's kind (approval: --approve/--reject; multi_option: --option; text and "
        "escalations: --text; number: --number; anomaly_alert: --approve acknowledges). It is "
        "sent once, never retried by itself; if the connection fails after sending, the run is "
        "read again to say whether it went through.",
        EXAMPLES,
    )
    parser.add_argument("run_id", metavar="RUN_ID", help="the run to answer through (the session's entry run)")
    answer = parser.add_mutually_exclusive_group(required=True)
    answer.add_argument("--approve", action="store_true", help="approve (or acknowledge an alert)")
    answer.add_argument("--reject", action="store_true", help="reject")
    answer.add_argument("--option", metavar="ID", help="the id of the option to choose")
    answer.add_argument("--text", metavar="T", help="a text answer (non-empty)")
    answer.add_argument("--number", metavar="N", help="a number answer, e.g. 4500 or -3.5")
    parser.add_argument("--task", metavar="ID", help="the user task to answer, when several are pending (id or prefix)")
    parser.add_argument("--dry-run", action="store_true", help="print the route and the body; send nothing")
    return parser


def given(args: argparse.Namespace) -> tuple[str, Any]:
    """The one answer flag given, and its value."""
    for flag in _FLAGS:
        value = getattr(args, flag)
        if value not in (None, False):
            return flag, value
    raise Refused("give one of --approve, --reject, --option, --text, --number")


def _flags_for(task: UserTask) -> str:
    style = task.answer_style
    if style == "approve":
        return "--approve or --reject"
    if style == "acknowledge":
        return "--approve (it acknowledges the alert)"
    if style == "choose":
        options = ", ".join(f"{one_line(str(o.id), 40)} ({one_line(o.label, 40)})" for o in task.options[:10])
        return "--option ID" + (f" (options: {options})" if options else "")
    if style == "number":
        return "--number N"
    return "--text T"


def fields_for(task: UserTask, flag: str, value: Any) -> dict[str, Any]:
    """``send_run_message`` keywords for this task and flag, as the dialog builds them.
    ValueError (the dialog's words) when the value does not fit; Refused when the flag
    is not one the task's kind takes."""
    style = task.answer_style or "generic"
    if not task.user_task_id:
        raise ValueError("this task has no user_task_id to answer with")
    if style == "generic":  # a kind the inspector does not know: the flag says the field
        fields: dict[str, Any] = {"user_task_id": task.user_task_id}
        if flag in ("approve", "reject"):
            fields["approved"] = flag == "approve"
        elif flag == "number":
            fields["number_value"] = parse_number(value)
        elif not str(value).strip():
            raise ValueError("the answer is empty")
        elif flag == "option":
            fields["selected_option_id"] = str(value).strip()
        else:
            fields["text_value"] = value
        return fields
    allowed = {
        "approve": ("approve", "reject"),
        "acknowledge": ("approve",),
        "choose": ("option",),
        "number": ("number",),
        "text": ("text",),
    }[style]
    if flag not in allowed:
        kind = one_line(task.raw_kind or task.kind, 40)
        raise Refused(f"--{flag} does not answer this {kind} task: answer it with {_flags_for(task)}")
    if style == "choose" and not task.options:  # the dialog takes a typed id then
        if not str(value).strip():
            raise ValueError("type the id of the option to choose")
        return {"user_task_id": task.user_task_id, "selected_option_id": str(value).strip()}
    answer = {"approve": True, "reject": False}.get(flag, value)
    fields = answer_fields(task, answer)
    if "selected_option_id" in fields and not isinstance(fields["selected_option_id"], str):
        fields["selected_option_id"] = str(fields["selected_option_id"])
    return fields


def describe_answer(task: UserTask, fields: dict[str, Any]) -> str:
    tid = one_line(task.user_task_id or "?", 64)
    return f"{answer_verb(task, fields)} {one_line(task.raw_kind or task.kind, 40)} task {tid}"


def _statuses(conversation: Conversation) -> list[str]:
    return [status for status in (conversation.session.status, *(r.status for r in conversation.runs)) if status]


def nothing_pending(conversation: Conversation, run_id: str) -> Refused:
    """Why there is nothing to answer, and what would end the pause instead."""
    statuses = _statuses(conversation)
    session = one_line(conversation.session.status or "?", 40)
    if any(ending_action(status) == "message" for status in statuses):
        return Refused(
            f"the session waits for a reply, not a task: phrony-tui reply {one_line(run_id, 64)} --text TEXT",
            Exit.NOT_DONE,
        )
    if any(ending_action(status) == "skip" for status in statuses):
        return Refused("the session waits on a timer: there is no task to answer", Exit.NOT_DONE)
    if is_terminal(conversation.session.status):
        return Refused(f"the session is {session}: there is nothing to answer", Exit.NOT_DONE)
    if any(is_waiting(status) for status in statuses) and (
        not conversation.items or looks_redacted(conversation)
    ):
        return Refused("the session waits, but the trigger hides its timeline: the API cannot show its task "
                       "(answer it in the Phrony dashboard)", Exit.NOT_DONE)  # fmt: skip
    return Refused(f"no user task is pending (the session is {session})", Exit.NOT_DONE)


def choose_task(book: TaskBook, wanted: str | None, conversation: Conversation, run_id: str) -> UserTask:
    """The task to answer: ``--task`` (an id or a unique prefix), else the one that
    holds the session up (an anomaly alert does not); several: Refused, listing them."""
    pending = book.pending()
    if wanted:
        matches = [t for t in pending if t.user_task_id == wanted] or [
            t for t in pending if (t.user_task_id or "").startswith(wanted)
        ]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise Refused(f"--task {one_line(wanted, 64)} matches several pending tasks: " + _listing(matches))
        known = book.get(wanted)
        if known is not None:
            status = book.status_of(wanted) or known.status or "not pending"
            raise Refused(f"task {one_line(wanted, 64)} is no longer pending ({one_line(status, 30)})", Exit.NOT_DONE)
        raise Refused(f"no pending task {one_line(wanted, 64)} in this session" + (
            f"; pending: {_listing(pending)}" if pending else ""))  # fmt: skip
    if not pending:
        raise nothing_pending(conversation, run_id)
    blocking = [t for t in pending if t.kind != "anomaly_alert"] or pending
    if len(blocking) == 1:
        return blocking[0]
    raise Refused(f"{len(blocking)} tasks are pending: pass --task ID, one of: " + _listing(blocking))


def _listing(tasks: Sequence[UserTask]) -> str:
    return "; ".join(
        f"{one_line(t.user_task_id or '?', 64)} ({one_line(t.raw_kind or t.kind, 30)}: "
        f"{one_line(t.question or '', 80)})"
        for t in tasks
    )


async def run(ctx: Context, args: argparse.Namespace) -> int:
    out = ctx.output
    run_id = args.run_id
    try:
        flag, value = given(args)
        async with ctx.client() as client:
            conversation, book = await read_book(client, run_id)
            task = choose_task(book, args.task, conversation, run_id)
            try:
                fields = fields_for(task, flag, value)
            except ValueError as error:
                raise Refused(f"Not sent: {error}") from None
            body = build_message_body(run_id, **fields)  # the client's own checks, before any request
            if args.dry_run:
                return print_dry_run(out, f"POST /v1/runs/{quote(run_id, safe='')}/messages", body)
            assert task.user_task_id is not None  # fields_for refused a task without one
            return await send_once(
                out,
                describe_answer(task, fields),
                lambda: client.send_run_message(run_id, **fields),
                check_task(client, run_id, task.user_task_id),
                stale="Someone else answered this task (or it was cancelled)",
                show_hint=f"phrony-tui show {one_line(run_id, 64)}",
            )
    except Refused as refused:
        out.error(str(refused))
        return refused.code
