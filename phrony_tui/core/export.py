"""Exports of the open session: the conversation as JSON, and a Markdown report.

Pure functions returning text, and the file names and folder they go to; the UI
writes. Neither holds the API key (the client never puts it in a model) and both
are safe to ``cat`` in a terminal: the report's text goes through ``safe_text``;
the JSON is ``ensure_ascii``, so every control character is a ``\\u`` escape.
The report is inert in any Markdown viewer too: server text is escaped (no link,
image, HTML tag or emphasis it holds is rendered), and the output's code fence is
longer than any run of backticks inside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from phrony_tui.core.format import fmt_count, fmt_duration, fmt_time
from phrony_tui.core.redaction import REDACTED_NOTE
from phrony_tui.core.run_tree import run_duration
from phrony_tui.core.safe_text import one_line, pretty_json, safe_text
from phrony_tui.core.session_state import SessionState
from phrony_tui.core.step_kinds import kind_of
from phrony_tui.core.steps import user_task_id_of

# Rows of the report's timeline table; past this the table says how many it left out.
REPORT_ROWS = 5_000

#: where exports go unless the config's ``export_dir`` says otherwise (under the home directory)
DEFAULT_EXPORT_DIR = "phrony-exports"

# A file name keeps letters, digits, ``.``, ``_`` and ``-`` of ASCII; anything else
# (ESC, BEL, controls, bidi, ``/``, spaces) becomes one ``-``.
_NOT_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def safe_slug(value: str | None, limit: int = 40) -> str:
    """A piece of a file name made from untrusted text (a session id): never empty,
    never hidden (no leading dot), no path separator, control or bidi character."""
    slug = _NOT_SLUG.sub("-", value or "")[:limit].strip(".-")
    return slug or "session"


def export_file_name(session_id: str | None, suffix: str) -> str:
    return f"phrony-session-{safe_slug(session_id, 24)}.{suffix}"


def export_dir(configured: str | None, home: Path) -> Path:
    """The folder exports go to: the config's ``export_dir`` (``~`` is the home), else
    ``~/phrony-exports``."""
    if configured and configured.strip():
        raw = configured.strip()
        if raw == "~" or raw.startswith("~/"):
            return home / raw[2:]
        return Path(raw) if Path(raw).is_absolute() else home / raw
    return home / DEFAULT_EXPORT_DIR


def numbered(path: Path, n: int) -> Path:
    """``name.json`` -> ``name-2.json`` (n=2): the name to use when ``path`` exists."""
    return path if n < 2 else path.with_name(f"{path.stem}-{n}{path.suffix}")


def conversation_json(state: SessionState) -> str:
    """The session as the server sent it (the wire shape), with the live steps merged."""
    payload = {
        "session": state.session.wire(),
        "runs": [run.wire() for run in state.runs.values()],
        "items": [item.wire() for item in state.timeline],
    }
    return json.dumps(payload, indent=2, ensure_ascii=True) + "\n"


# Markdown and HTML syntax in server text: each is backslash-escaped (CommonMark's
# escape for ASCII punctuation), so ``![x](u)``, ``[x](u)``, ``<img onerror>``,
# ``<script>``, ``&entities;``, emphasis and table pipes all show as typed.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>!|~&])")
# Bare URLs that GFM would turn into links: break the ``://`` and ``www.``.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<=www)(\.)")


def md_escape(text: str) -> str:
    """Untrusted text as inert Markdown (already one safe line or block)."""
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), _MARKDOWN.sub(r"\\\1", text))


def _cell(value: Any, limit: int = 120) -> str:
    """One Markdown table cell or list value: one safe line, inert (see ``md_escape``)."""
    return md_escape(one_line("" if value is None else str(value), limit)) or " "


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def markdown_report(state: SessionState, *, now=None) -> str:
    session = state.session
    out: list[str] = []
    add = out.append
    add(f"# Phrony session {_cell(session.id)}\n")
    add(f"- status: **{_cell(state.status)}**")
    add(f"- opened run: {_cell(state.run_id)}")
    add(f"- agent: {_cell(state.agent_label(state.root_run_id))} ({_cell(session.agent_id)})")
    add(f"- trigger: {_cell(session.trigger_type)} {_cell(session.trigger_name)}".rstrip())
    add(f"- started: {_cell(session.started_at)}; finished: {_cell(session.finished_at or '-')}")
    add(f"- tokens: {fmt_count(session.total_tokens_used)}; model: {_cell(state.model or '-')}")
    add(f"- steps: {state.step_count}")
    if state.redacted:
        add(f"- {REDACTED_NOTE}")
    if session.error:
        add(f"- error: {_cell(session.error, 400)}")
    add("\n## Runs\n")
    for row in state.tree.rows():
        run = row.run
        span = run_duration(run, now)
        took = fmt_duration(span.total_seconds()) if span is not None else "-"
        indent = "  " * row.depth
        add(
            f"{indent}- {_cell(state.agent_label(run.id))} — {_cell(run.status)}, "
            f"{fmt_count(run.total_tokens_used)} tokens, {took} ({_cell(run.id)})"
        )
    tasks = state.tasks.tasks()
    if tasks:
        add("\n## User tasks\n")
        for task in tasks:
            status = state.tasks.status_of(task.user_task_id or "") or task.status or "?"
            pending = task.user_task_id in state.tasks.pending_ids()
            add(f"- **{_cell(task.kind)}** ({'pending' if pending else _cell(status)}): {_cell(task.question, 400)}")
            answer = _answer_of(state, task.user_task_id)
            if answer is not None:
                add(f"  - answer: {_cell(answer, 400)}")
    add("\n## Timeline\n")
    add("| # | time | agent | type | summary |")
    add("|---|---|---|---|---|")
    rows = state.rows()
    for index in range(min(len(rows), REPORT_ROWS)):
        item = rows.item(index)
        add(
            f"| {item.ordinal or '…'} | {fmt_time(item.started_at)} | {_cell(state.agent_label(item.run_id), 40)} "
            f"| {_cell(item.type, 40)} | {_cell(rows.view.summary(index), 160)} |"
        )
    if len(rows) > REPORT_ROWS:
        add(f"\n({len(rows) - REPORT_ROWS:,} more steps not listed; the JSON export has them all.)")
    output = session.output
    if output is not None:
        add("\n## Output\n")
        body = pretty_json(output, max_chars=20_000)
        fence = _fence(body)
        add(f"{fence}json")
        add(body)
        add(fence)
    return safe_text("\n".join(out)) + "\n"


def _answer_of(state: SessionState, user_task_id: str | None) -> str | None:
    """What a later step says the answer was, when the server recorded one."""
    if not user_task_id:
        return None
    if user_task_id in state.answers:
        return json.dumps(state.answers[user_task_id], ensure_ascii=False)[:400]
    for item in state.timeline:
        if user_task_id_of(item) != user_task_id or kind_of(item).raises_task:
            continue
        content = item.content if isinstance(item.content, dict) else {}
        for key in ("answer", "approved", "selected_option_id", "text_value", "number_value", "value"):
            if key in content:
                return f"{key} = {json.dumps(content[key], ensure_ascii=False)[:200]}"
    return None
