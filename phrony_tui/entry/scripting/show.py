"""``phrony-tui show RUN_ID``: a run's whole session, as the app exports it.

``--json`` is the app's JSON export and ``--md`` its Markdown report
(``core.export``: the same functions as the app's ``e`` export); the default is
a plain text timeline: the session, its runs, every step (the app's timeline
cells) and what the session waits on, with the command that answers it.
"""

from __future__ import annotations

import argparse

from phrony_tui.core.export import conversation_json, markdown_report
from phrony_tui.core.format import fmt_count, fmt_datetime
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.status import ending_action, is_waiting, waiting_label
from phrony_tui.core.tasks import UserTask
from phrony_tui.entry.scripting.common import Context, Exit, Output, new_parser
from phrony_tui.entry.scripting.table import cell_width, fit, pad

EXAMPLES = """\
  phrony-tui show RUN_ID                     # a text timeline
  phrony-tui show RUN_ID --md > report.md    # the app's Markdown report
  phrony-tui show RUN_ID --json | jq '.items | length'"""

REDACTED = "timeline hidden by the trigger's settings (output only)"


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        "show",
        "Print the conversation of a run's session: the session, its run tree, every step "
        "of the merged timeline and what it waits on. --json and --md are the app's own "
        "exports (the wire objects with the live steps merged; the Markdown report).",
        EXAMPLES,
    )
    parser.add_argument("run_id", metavar="RUN_ID", help="a run of the session (its entry run: sessions' RUN ID)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="the session, runs and items as JSON (the app's export)")
    form.add_argument("--md", action="store_true", help="the app's Markdown report")
    return parser


async def run(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.client() as client:
        conversation = await client.get_conversation(args.run_id, lazy=True)
    state = SessionState(args.run_id, conversation, agent_names=ctx.settings.agent_names)
    out = ctx.output
    if args.json:
        out.write(conversation_json(state))
    elif args.md:
        out.write(markdown_report(state))
    else:
        write_text(out, state)
    return Exit.OK


def write_text(out: Output, state: SessionState) -> None:
    session = state.session
    width = out.width

    def line(text: str = "") -> None:
        out.line(fit(text, width) if width else text)

    status = one_line(state.status or "?", 40)
    line(f"session {one_line(session.id, 64)}  {out.status(status)}")
    line(f"  agent:   {state.agent_label(state.root_run_id)} ({one_line(session.agent_id or '-', 64)})")
    trigger = " ".join(one_line(part, 60) for part in (session.trigger_type, session.trigger_name) if part)
    line(f"  trigger: {trigger or '-'}; model: {one_line(state.model or '-', 60)}")
    line(f"  started: {fmt_datetime(session.started_at)} UTC; finished: {fmt_datetime(session.finished_at)}")
    line(f"  tokens:  {fmt_count(session.total_tokens_used)}; runs: {len(state.runs)}; steps: {state.step_count}")
    line(f"  opened run: {one_line(state.run_id, 64)}")
    if session.error:
        line(f"  error:   {one_line(session.error, 400)}")
    line()
    line("runs")
    for row in state.tree.rows():
        run = row.run
        line(f"  {'  ' * row.depth}{state.agent_label(run.id)}  {out.status(one_line(run.status or '?', 40))}  "
             f"{one_line(run.id, 64)}")  # fmt: skip
    line()
    line("timeline")
    if state.redacted:
        line(f"  ({REDACTED})")
    rows = state.rows()
    count = len(rows)
    number_width = max(1, len(str(max((rows.item(i).ordinal for i in range(count)), default=0))))
    for index in range(count):
        (ordinal, time, agent, kind, summary), _tone = rows.cells(index)
        head = f"  {pad(ordinal, number_width, right=True)}  {time}  {pad(fit(agent, 20), 20)}  {pad(fit(kind, 20), 20)}"
        room = (width - cell_width(head) - 2) if width else None
        line(f"{head}  {fit(summary, room) if room else summary}".rstrip())
    waits = _waiting(state)
    if waits:
        line()
        line("waiting on")
        for text in waits:
            line(f"  {text}")


def _waiting(state: SessionState) -> list[str]:
    """What the session waits on, each with the command that ends it."""
    run_id = one_line(state.run_id, 64)
    out: list[str] = []
    for task in state.pending_tasks():
        out.append(_task_line(task, state))
        out.append(f"    {answer_hint(task, run_id)}")
    for run in state.runs.values():
        if not is_waiting(run.status) or ending_action(run.status) == "answer":
            continue
        label = waiting_label(run.status)
        action = ending_action(run.status)
        out.append(f"{state.agent_label(run.id)} ({one_line(run.id, 64)}) waits for {one_line(label, 40)}")
        if action == "message":
            out.append(f"    phrony-tui reply {run_id} --text TEXT [--file PATH]")
        elif action == "skip":
            out.append("    (a timer: it ends by itself, or skip it in the app)")
    return out


def _task_line(task: UserTask, state: SessionState) -> str:
    question = one_line(task.question or "(the task names no question)", 200)
    kind = one_line(task.raw_kind or task.kind, 40)
    return (f"{kind} task {one_line(task.user_task_id or '?', 64)} of {state.agent_label(task.run_id)}: "
            f"{question}")  # fmt: skip


def answer_hint(task: UserTask, run_id: str) -> str:
    """The command that answers ``task`` through ``run_id``."""
    base = f"phrony-tui answer {run_id} --task {one_line(task.user_task_id or '?', 64)}"
    style = task.answer_style
    if style == "approve":
        return f"{base} --approve | --reject"
    if style == "acknowledge":
        return f"{base} --approve   (acknowledges; some alerts only in the Phrony dashboard)"
    if style == "choose":
        options = ", ".join(f"{one_line(str(o.id), 40)} ({one_line(o.label, 40)})" for o in task.options[:10])
        return f"{base} --option ID" + (f"   options: {options}" if options else "")
    if style == "number":
        return f"{base} --number N"
    if style == "text":
        return f"{base} --text TEXT"
    return f"{base} --text T | --number N | --option ID | --approve | --reject   (kind unknown to phrony-tui)"
