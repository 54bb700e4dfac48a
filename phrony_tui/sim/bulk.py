"""The two heavy scenarios: the big session (tens of MB of conversation) and the firehose stream.

Both write JSON text straight from plain dicts / string templates: no pydantic,
no per-item engine bookkeeping. The big conversation is rendered on first
request and the Simulator caches its bytes; the firehose is produced in
pre-encoded chunks while it is sent.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator

from phrony_tui.sim.engine import Engine
from phrony_tui.sim.world import SLIM_DROP, Run, Session, dumps

BIG_START_MS = -2 * 24 * 3600 * 1000
BIG_STEP_MS = 1700
#: the repeating shape of one iteration of the big session: every known step type
BIG_CYCLE = (
    "llm_request_prepared",
    "reasoning",
    "ToolCall",
    "ToolResult",
    "Reasoning",  # the reference page's other spelling
    "ToolCall",
    "ToolResult",
    "output",
    "reasoning",
    "UserTaskReq",
)
BIG_TOKENS = {"reasoning": 212, "Reasoning": 187, "output": 96}
SHARDS = ["api-gateway", "billing", "auth", "search", "checkout", "notifications", "ingest", "scheduler"]
LEVELS = ["ERROR", "WARN", "ERROR", "FATAL"]


def _big_plan(steps: int) -> tuple[int, int]:
    """(regular steps, synthetic rows) for a big session of ``steps`` items over 4 runs."""
    synthetic = 4 + 1  # a RunCompleted per run + SessionCompleted
    return max(0, steps - synthetic), synthetic


def _big_step_type(i: int) -> str:
    return BIG_CYCLE[i % len(BIG_CYCLE)]


def _big_run_index(i: int) -> int:
    # iterations of 10 steps rotate over the root and its three sub-agent runs
    return (i // len(BIG_CYCLE)) % 4


def big_tokens(steps: int) -> tuple[int, list[int]]:
    """Total tokens of the big session and per run, without rendering it."""
    regular, _ = _big_plan(steps)
    per_run = [0, 0, 0, 0]
    full_cycles, rest = divmod(regular, len(BIG_CYCLE))
    cycle_tokens = sum(BIG_TOKENS.get(t, 0) for t in BIG_CYCLE)
    for c in range(full_cycles):
        per_run[c % 4] += cycle_tokens
    for j in range(rest):
        per_run[full_cycles % 4] += BIG_TOKENS.get(BIG_CYCLE[j], 0)
    return sum(per_run), per_run


def make_big_session(engine: Engine, steps: int, triggered_by: str | None) -> Session:
    """The big session's rows (session, 4 runs), Completed; its items are rendered lazily."""
    agents = engine.agents
    session = engine.start_session(agents["big"], script="", started_ms=BIG_START_MS, triggered_by=triggered_by,
                                   run_input={"month": "2026-02", "shards": SHARDS}, special="big")  # fmt: skip
    root = session.root
    parser = Run(engine.new_id(), session, agents["big.parser"], root, BIG_START_MS + 5000, {"shards": SHARDS[:4]})
    summarizer = Run(engine.new_id(), session, agents["big.summarizer"], root, BIG_START_MS + 9000, {"top": 20})
    parser2 = Run(engine.new_id(), session, agents["big.parser"], summarizer, BIG_START_MS + 12000,
                  {"shards": SHARDS[4:]})  # fmt: skip
    root.children += [parser, summarizer]
    summarizer.children.append(parser2)
    for run in (parser, summarizer, parser2):
        session.runs.append(run)
        engine.runs[run.id] = run
    total, per_run = big_tokens(steps)
    end_ms = BIG_START_MS + steps * BIG_STEP_MS
    output = {"incidents": 37, "topShard": "billing", "report": "s3://reports/log-miner/2026-02.md"}
    for run, tokens in zip(session.runs, per_run, strict=True):
        run.status = "Completed"
        run.tokens = tokens
        run.finished_ms = end_ms
        run.output = output if run.parent is None else {"ok": True}
    session.status = "Completed"
    session.tokens = total
    session.output = output
    session.finished_ms = end_ms
    session.token += 1
    return session


def render_big(engine: Engine, session: Session, steps: int, slim: bool) -> bytes:
    """The whole conversation JSON of the big session (about 700 bytes a step in full mode)."""
    rng = random.Random(f"phrony-sim:{engine.seed}:big:{steps}")

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    tenant = engine.tenant_id
    runs = session.runs
    regular, _ = _big_plan(steps)
    seqs = [0] * len(runs)
    head = {
        "session": engine.session_row(session, listing=False),
        "runs": [engine.run_row(run) for run in runs],
    }
    parts: list[bytes] = [dumps(head)[:-1], b',"items":[']
    batch: list[dict] = []
    first = True

    def ts(i: int) -> str:
        return engine.ts(BIG_START_MS + i * BIG_STEP_MS)

    def flush() -> None:
        nonlocal first
        if not batch:
            return
        text = json.dumps(batch, ensure_ascii=False, separators=(",", ":"))[1:-1]
        parts.append(text.encode("utf-8") if first else b"," + text.encode("utf-8"))
        first = False
        batch.clear()

    prev_ts = ts(0)
    call_id = ""
    for i in range(regular):
        run_index = _big_run_index(i)
        run = runs[run_index]
        seqs[run_index] += 1
        seq = seqs[run_index]
        kind = _big_step_type(i)
        cycle = i // len(BIG_CYCLE)
        shard = SHARDS[cycle % len(SHARDS)]
        content: dict = {
            "run_id": run.id,
            "session_id": session.id,
            "tenant_id": tenant,
            "agent_id": run.agent.id,
            "agent_version_id": run.version_id,
            "event_id": uid(),
            "sequence": seq,
            "step_kind": kind,
            "iteration": cycle + 1,
        }
        tokens = BIG_TOKENS.get(kind)
        error = None
        if kind == "llm_request_prepared":
            content["model"] = run.agent.llm_model
        elif kind in ("reasoning", "Reasoning"):
            message = (f"Shard {shard}, window {cycle}: {rng.randrange(3, 400)} {LEVELS[cycle % 4]} lines, "
                       f"mostly timeouts to {SHARDS[(cycle + 3) % 8]}. Grouping by stack hash.")  # fmt: skip
            content.update({"message": message, "preview": message[:40] + "...", "tokens_used": tokens})
        elif kind == "ToolCall":
            call_id = f"call_{uid()[:8]}{i:08d}"
            content.update({"name": "query_logs", "arguments": {"shard": shard, "window": cycle, "level": "ERROR",
                                                                "limit": 500}, "tool_call_id": call_id,
                            "operation_name": "logs.query"})  # fmt: skip
        elif kind == "ToolResult":
            failed = cycle % 97 == 13 and i % 10 == 6
            error = f"logs.query timed out on shard {shard}" if failed else None
            data = None if failed else {"matched": rng.randrange(0, 5000), "sample": f"{shard}: upstream timeout"}
            content["tool_call_id"] = call_id
            content["result"] = {"data": data, "error": error, "log_id": f"log_{i:08d}", "successful": not failed}
        elif kind == "output":
            content.update({"output": {"shard": shard, "incidents": cycle % 7}, "tokens_used": tokens,
                            "total_tokens_used": (tokens or 0) * (cycle + 1)})  # fmt: skip
        elif kind == "UserTaskReq":
            content.update({"user_task_id": uid(), "kind": "approval", "status": "Completed",
                            "question": f"Open an incident for shard {shard}?",
                            "tool_call": {"name": "open_incident", "arguments": {"shard": shard},
                                          "tool_call_id": f"call_inc{i:08d}"}})  # fmt: skip
        if slim:
            content = {k: v for k, v in content.items() if k not in SLIM_DROP}
        finished = ts(i + 1)
        batch.append({
            "runId": run.id, "id": uid(), "sequence": seq, "ordinal": i + 1, "type": kind, "content": content,
            "tokensUsed": tokens, "error": error, "startedAt": prev_ts, "finishedAt": finished,
        })  # fmt: skip
        prev_ts = finished
        if len(batch) >= 2000:
            flush()
    end = ts(steps)
    ordinal = regular
    for run_index in reversed(range(len(runs))):
        run = runs[run_index]
        seqs[run_index] += 1
        ordinal += 1
        content = {"run_id": run.id, "status": run.status, "output": run.output, "error": None,
                   "total_tokens_used": run.tokens}  # fmt: skip
        if slim:
            content = {k: v for k, v in content.items() if k not in SLIM_DROP}
        batch.append({"runId": run.id, "id": uid(), "sequence": seqs[run_index], "ordinal": ordinal,
                      "type": "RunCompleted", "content": content, "tokensUsed": None, "error": None,
                      "startedAt": end, "finishedAt": end})  # fmt: skip
    seqs[0] += 1
    content = {"session_id": session.id, "status": session.status, "output": session.output, "error": None,
               "total_tokens_used": session.tokens}  # fmt: skip
    if slim:
        content = {k: v for k, v in content.items() if k not in SLIM_DROP}
    batch.append({"runId": runs[0].id, "id": uid(), "sequence": seqs[0], "ordinal": ordinal + 1,
                  "type": "SessionCompleted", "content": content, "tokensUsed": None, "error": None,
                  "startedAt": end, "finishedAt": end})  # fmt: skip
    flush()
    parts.append(b"]}")
    return b"".join(parts)


# ---- firehose --------------------------------------------------------------------------------


def make_firehose_session(engine: Engine, started_ms: int, triggered_by: str | None) -> Session:
    """A Running session whose stream, when opened, pours out step events (see ``firehose_chunks``)."""
    saved = engine.now_ms
    engine.now_ms = started_ms
    session = engine.start_session(engine.agents["firehose"], script="", started_ms=started_ms,
                                   triggered_by=triggered_by, special="firehose")  # fmt: skip
    root = session.root
    engine.add_item(root, "llm_request_prepared", {"model": root.agent.llm_model}, iteration=1)
    thought = {"message": "Streaming telemetry until the buffer drains.", "preview": "Streaming telemetry",
               "tokens_used": 12}  # fmt: skip
    engine.add_item(root, "reasoning", thought, tokens=12, iteration=1)
    engine.now_ms = max(saved, engine.now_ms)
    return session


def firehose_chunks(
    engine: Engine, session: Session, count: int, chunk: int = 2000, *, step_ids: bool = True
) -> Iterator[list[bytes]]:
    """``count`` pre-encoded step events (SSE ``data`` lines) in lists of ``chunk``.
    ``step_ids=False``: each event's ``data`` is the step's content only, with no step id
    and no ordinal (``run_id``, ``sequence``, ``step_kind``, the message): the least the
    docs promise of a stream's step events."""
    root = session.root
    ts = engine.ts(engine.now_ms)
    base_seq = root.seq
    base_ord = len(session.items)
    if not step_ids:
        bare = (
            f'data: {{"ts":"{ts}","kind":"step","subject":"engine.step.reasoning","data":{{"run_id":"{root.id}",'
            '"sequence":%d,"step_kind":"reasoning","message":"telemetry tick %d","preview":"tick %d"}}\n\n'
        )
        for start in range(0, count, chunk):
            stop = min(count, start + chunk)
            yield [(bare % (base_seq + i + 1, i, i)).encode("ascii") for i in range(start, stop)]
        return
    session_key = f'"sessionId":"{session.id}",' if engine.dialect.rich_events else ""
    prefix = (
        f'data: {{"ts":"{ts}","kind":"step","subject":"engine.step.reasoning","data":{{{session_key}'
        f'"runId":"{root.id}","id":"00000000-0000-4000-8000-'
    )
    template = (
        prefix.replace("%", "%%") + '%012x","sequence":%d,"ordinal":%d,"type":"reasoning","content":{"message":'
        f'"telemetry tick %d","preview":"tick %d"}},"tokensUsed":null,"error":null,"startedAt":"{ts}",'
        f'"finishedAt":"{ts}"}}}}\n\n'
    )
    for start in range(0, count, chunk):
        stop = min(count, start + chunk)
        yield [
            (template % (i, base_seq + i + 1, base_ord + i + 1, i, i)).encode("ascii") for i in range(start, stop)
        ]
