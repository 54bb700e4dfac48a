"""``phrony-tui sessions``: the newest sessions of each agent, as a table or one JSON document.

The JSON document (``--json``)::

    {"items": [<session>, ...], "totals": {"<agentId>": <total or null>, ...}}

``items`` are the wire objects of ``GET /v1/agents/{agentId}/sessions`` exactly as
the server sent them (every field, unknown ones included), agent after agent in
the order of ``--agent``, each agent's in the server's order (newest first);
``totals`` is each agent's ``total`` (every matching session, not only those
listed), null when the server ignored ``--status`` (then its rows of other
statuses are left out and the total is not known).
"""

from __future__ import annotations

import argparse
import asyncio
import json

from phrony_tui.client import PhronyClient, SessionPage
from phrony_tui.client.models import SessionSummary
from phrony_tui.core.format import fmt_count, fmt_datetime
from phrony_tui.core.safe_text import one_line
from phrony_tui.entry.scripting.common import Context, Exit, new_parser, positive_int
from phrony_tui.entry.scripting.table import Column, render

DEFAULT_TAKE = 20
UNBOUNDED = 10_000  # the width of a table piped without COLUMNS: every column

EXAMPLES = """\
  phrony-tui sessions                                  # the agents of PHRONY_AGENT_ID
  phrony-tui sessions --agent AGENT_ID --status WaitingForHITL
  phrony-tui sessions --take 100 --json | jq -r '.items[] | [.entryRunId, .status] | @tsv'"""

COLUMNS = [
    Column("RUN ID", keep=0),
    Column("STATUS", keep=0, status=True),
    Column("STARTED (UTC)", keep=5),
    Column("AGENT", keep=4, flexible=True, least=8),
    Column("TRIGGER", keep=2, flexible=True, least=6),
    Column("TOKENS", keep=3, right=True),
    Column("RUNS", keep=1, right=True),
    Column("ERROR", keep=1, flexible=True, least=10),
]


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        "sessions",
        "List the newest sessions of one or more agents: a table that fits the terminal, or "
        "the wire objects as one JSON document (--json: {\"items\": [...], \"totals\": "
        "{agentId: total}}). The RUN ID column is the run to pass to show, tail, answer and reply.",
        EXAMPLES,
    )
    parser.add_argument(
        "--agent", metavar="ID", action="append", default=None,
        help="an agent id; repeatable (default: PHRONY_AGENT_ID, comma-separated, or the profile's agents)",
    )  # fmt: skip
    parser.add_argument("--status", metavar="S", help="only sessions with this status (e.g. WaitingForHITL, Failed)")
    parser.add_argument("--take", metavar="N", type=positive_int, default=DEFAULT_TAKE,
                        help=f"sessions per agent, newest first (default {DEFAULT_TAKE})")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON document of the wire objects")
    return parser


def _same_status(a: str | None, b: str) -> bool:
    return (a or "").replace("_", "").lower() == b.replace("_", "").lower()


async def _pages(client: PhronyClient, agents: tuple[str, ...], args: argparse.Namespace) -> list[SessionPage]:
    return list(await asyncio.gather(
        *(client.list_sessions(agent, take=args.take, status=args.status) for agent in agents)
    ))  # fmt: skip


async def run(ctx: Context, args: argparse.Namespace) -> int:
    out = ctx.output
    agents = ctx.settings.agent_ids
    if not agents:
        out.error("no agent to list: set PHRONY_AGENT_ID (one id or a comma-separated list), or pass --agent ID")
        return Exit.USAGE
    async with ctx.client() as client:
        pages = await _pages(client, agents, args)
    items: list[tuple[str, SessionSummary]] = []
    totals: dict[str, int | None] = {}
    for agent, page in zip(agents, pages, strict=True):
        rows = page.items
        totals[agent] = page.total
        if args.status:
            kept = [row for row in rows if _same_status(row.status, args.status)]
            if len(kept) != len(rows):
                out.note(
                    f"the server ignored --status for agent {one_line(agent, 40)}: {len(rows) - len(kept)} "
                    "session(s) of other statuses left out; its total is not known"
                )
                rows, totals[agent] = kept, None
        items.extend((agent, row) for row in rows)
    if args.json:
        document = {
            "items": [row.model_dump(by_alias=True, mode="json", exclude_unset=True) for _agent, row in items],
            "totals": totals,
        }
        out.write(json.dumps(document, indent=2, ensure_ascii=True) + "\n")
        return Exit.OK
    names = ctx.settings.agent_names
    table = [_row(row, names.get(agent) or names.get(row.agent_id or "") or row.agent_id or agent) for agent, row in items]
    if table:
        for line in render(COLUMNS, table, out.width or UNBOUNDED, out.styler() if out.colour else None):
            out.line(line)
    for agent in agents:
        shown = sum(1 for owner, _row in items if owner == agent)
        total = totals[agent]
        of = f" of {total:,}" if total is not None else ""
        more = " (--take N lists more)" if total is not None and total > shown else ""
        out.note(f"agent {one_line(names.get(agent) or agent, 60)}: {shown}{of} session(s){more}")
    return Exit.OK


def _row(row: SessionSummary, agent: str) -> list[str]:
    trigger = " ".join(part for part in (row.trigger_type, row.trigger_name) if part)
    error = row.error if isinstance(row.error, str) else (json.dumps(row.error) if row.error is not None else "")
    return [
        one_line(row.open_run_id or "-", 64),
        one_line(row.status or "?", 40),
        fmt_datetime(row.started_at),
        one_line(agent, 60),
        one_line(trigger or "-", 60),
        fmt_count(row.total_tokens_used),
        "-" if row.run_count is None else str(row.run_count),
        one_line(error, 200),
    ]
