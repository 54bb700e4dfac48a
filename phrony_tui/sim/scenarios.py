"""Scenario scripts and the demo world they populate.

Each script is a generator over a ``Ctx``: it adds steps, raises user tasks,
spawns sub-agents, and yields ``Sleep`` / ``WaitTask`` / ``WaitResponse`` /
``WaitTimer`` when time must pass or a person must answer. ``build_world``
creates the agents and a deterministic history of sessions (run through the
same scripts, answered by an "autopilot"), then a few recent showcase sessions
left in their interesting state (waiting on a person, a timer, or still running).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from phrony_tui.sim.engine import Ctx, Engine
from phrony_tui.sim.world import Agent, Reply, Session, Sleep, TimerEnded, WaitResponse, WaitTask, WaitTimer

Script = Generator[Any, Any, None]

#: strings a terminal UI must show literally: Rich markup, an ANSI colour, an OSC title, a bell
HOSTILE_MARKUP = "[bold red]URGENT[/bold red] [link=https://evil.example]click[/link]"
HOSTILE_ANSI = "\x1b[31mred alert\x1b[0m"
HOSTILE_OSC = "\x1b]0;pwned\x07"
HOSTILE_TEXT = f"{HOSTILE_MARKUP} {HOSTILE_ANSI} {HOSTILE_OSC}title \x07\x08\x7f\u009b2J done"

CUSTOMERS = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra",
             "Barbara Liskov", "Donald Knuth", "Margaret Hamilton", "Ken Thompson", "Frances Allen"]  # fmt: skip
PRODUCTS = ["noise-cancelling headphones", "espresso machine", "standing desk", "mechanical keyboard",
            "4K monitor", "ergonomic chair", "robot vacuum", "e-reader"]  # fmt: skip


def _order(ctx: Ctx) -> str:
    return f"ORD-{ctx.rng.randrange(10000, 99999)}"


# ---- single-agent scenarios ------------------------------------------------------------------


def hitl(ctx: Ctx) -> Script:
    """Refund desk: a refund above the policy limit waits for an approval, then is issued or not."""
    run, rng = ctx.root, ctx.rng
    given = ctx.input if isinstance(ctx.input, dict) else {}
    hostile = ctx.options.get("hostile", False)
    customer = given.get("customer") or rng.choice(CUSTOMERS)
    amount = given.get("amount") or round(rng.uniform(55, 900), 2)
    product = rng.choice(PRODUCTS)
    order = _order(ctx)
    if hostile:
        customer = f"{customer} {HOSTILE_MARKUP}"
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.reason(run, f"{customer} asks for a refund of order {order} ({product}, {amount:.2f} EUR). "
                    "I should look the order up before deciding anything.", 1)  # fmt: skip
    yield Sleep(1.5)
    call = ctx.tool_call(run, "lookup_order", {"order_id": order}, "orders.get", 1)
    yield Sleep(1)
    ctx.tool_result(run, call, {"order_id": order, "customer": customer, "total": amount, "currency": "EUR",
                                "delivered": True, "days_since_delivery": rng.randrange(2, 28)}, None, 1)  # fmt: skip
    yield Sleep(1)
    ctx.llm(run, 2)
    message = ("The order exists and is within the 30-day window. Refunds above 50 EUR need a "
               "human approval, so I will ask before calling issue_refund.")  # fmt: skip
    if hostile:
        message += f" Customer note: {HOSTILE_TEXT}"
    ctx.reason(run, message, 2)
    yield Sleep(1)
    arguments = {"order_id": order, "amount": amount, "currency": "EUR", "reason": f"{product} returned"}
    call = ctx.tool_call_id()
    task = ctx.task(run, "approval", f"Approve a refund of {amount:.2f} EUR to {customer} for order {order}?",
                    extra={"tool_call": {"name": "issue_refund", "arguments": arguments, "tool_call_id": call}},
                    iteration=2)  # fmt: skip
    answer = yield WaitTask(task)
    if answer.get("approved"):
        ctx.tool_call(run, "issue_refund", arguments, "payments.refund", 2, call_id=call)
        yield Sleep(2)
        refund = f"re_{ctx.engine.new_id()[:12]}"
        ctx.tool_result(run, call, {"refund_id": refund, "status": "issued"}, None, 2)
        yield Sleep(1)
        output = {"refundId": refund, "orderId": order, "amount": amount, "currency": "EUR",
                  "message": f"Refunded {amount:.2f} EUR to {customer}."}  # fmt: skip
        if hostile:
            output["note"] = HOSTILE_TEXT
        ctx.output(run, output, 3)
        yield Sleep(0.5)
        ctx.finish_run(run, "Completed", output)
        ctx.finish("Completed", output)
    else:
        ctx.reason(run, "A reviewer rejected the refund. I will not call issue_refund.", 3)
        yield Sleep(0.5)
        error = f"Refund for {order} rejected by a reviewer"
        ctx.finish_run(run, "Failed", None, error)
        ctx.finish("Failed", None, error)


FLIGHTS = [
    {"id": "opt_early", "label": "LH 2034 · 06:55 → 08:20 · 1 stop · 189 EUR"},
    {"id": "opt_midday", "label": "AF 1419 · 12:10 → 13:35 · direct · 246 EUR"},
    {"id": "opt_evening", "label": "KL 1776 · 19:40 → 21:05 · direct · 212 EUR"},
    {"id": "opt_train", "label": "Train ICE 15 · 09:02 → 16:49 · 129 EUR"},
]


def options(ctx: Ctx) -> Script:
    """Travel planner: offers options (multi_option), books the one picked."""
    run = ctx.root
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.reason(run, "The traveller needs to be in Amsterdam on Thursday. I found four options within policy.", 1)
    yield Sleep(1)
    call = ctx.tool_call(run, "search_trips", {"from": "FRA", "to": "AMS", "date": "2026-03-05"}, "travel.search", 1)
    yield Sleep(2)
    ctx.tool_result(run, call, {"results": len(FLIGHTS)}, None, 1)
    yield Sleep(1)
    task = ctx.task(run, "multi_option", "Which trip should I book for Thursday?", options=FLIGHTS, iteration=2)
    answer = yield WaitTask(task)
    chosen = next(option for option in FLIGHTS if option["id"] == answer.get("selectedOptionId"))
    call = ctx.tool_call(run, "book_trip", {"option_id": chosen["id"]}, "travel.book", 2)
    yield Sleep(2)
    booking = f"BK{ctx.rng.randrange(100000, 999999)}"
    ctx.tool_result(run, call, {"booking": booking, "label": chosen["label"]}, None, 2)
    yield Sleep(1)
    output = {"booking": booking, "trip": chosen["label"]}
    ctx.output(run, output, 2)
    ctx.finish_run(run, "Completed", output)
    ctx.finish("Completed", output)


def text(ctx: Ctx) -> Script:
    """Release-notes writer: asks a person for the headline (text), then drafts the notes."""
    run = ctx.root
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.reason(run, "I collected 14 merged pull requests since v2.3.0. I need a headline from a person.", 1)
    yield Sleep(1)
    task = ctx.task(run, "text", "What headline should the v2.4.0 release notes use?",
                    extra={"placeholder": "e.g. Faster sync, fewer surprises"}, iteration=1)  # fmt: skip
    answer = yield WaitTask(task)
    headline = str(answer.get("textValue"))
    ctx.llm(run, 2)
    yield Sleep(2)
    output = {"title": headline, "sections": ["Highlights", "Fixes", "Upgrading"], "pullRequests": 14}
    ctx.output(run, output, 2)
    ctx.finish_run(run, "Completed", output)
    ctx.finish("Completed", output)


def number(ctx: Ctx) -> Script:
    """Budget forecaster: asks for a monthly cap (number), then forecasts against it."""
    run = ctx.root
    ctx.llm(run, 1)
    yield Sleep(1)
    call = ctx.tool_call(run, "fetch_spend", {"months": 6}, "finance.spend", 1)
    yield Sleep(1.5)
    ctx.tool_result(run, call, {"monthly": [4120.5, 3980.0, 4402.25, 4710.0, 4655.8, 4890.1]}, None, 1)
    yield Sleep(1)
    task = ctx.task(run, "number", "What monthly budget cap (EUR) should the forecast use?",
                    extra={"unit": "EUR"}, iteration=2)  # fmt: skip
    answer = yield WaitTask(task)
    cap = answer.get("numberValue")
    ctx.llm(run, 2)
    yield Sleep(2)
    over = float(cap) < 4890.1
    output = {"cap": cap, "forecastNextMonth": 5012.4, "overCap": over}
    ctx.output(run, output, 2)
    ctx.finish_run(run, "Completed", output)
    ctx.finish("Completed", output)


CHAT_REPLIES = [
    "Thanks! I checked your account: the invoice was sent to the old billing address. I updated it and re-sent it.",
    "Yes, the plan change takes effect at the next billing cycle, on the 1st. Anything else?",
    "Done. Your ticket is closed; you will get a confirmation email in a minute.",
]


def chat(ctx: Ctx) -> Script:
    """Support chat: greets, waits for replies (text and/or files), answers, and closes after a few turns."""
    run = ctx.root
    turns = int(ctx.options.get("turns", 3))
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.output(run, {"message": "Hi! I'm the support assistant. What can I help you with today?"}, 1)
    for turn in range(turns):
        reply: Reply = yield WaitResponse(run, "Waiting for the customer's reply")
        ctx.step(run, "user_message", {"text": reply.text, "files": reply.files}, iteration=turn + 2)
        yield Sleep(1)
        ctx.llm(run, turn + 2)
        yield Sleep(1)
        for file in reply.files:
            call = ctx.tool_call(run, "read_file", {"objectKey": file["objectKey"]}, "files.read", turn + 2)
            yield Sleep(1)
            ctx.tool_result(run, call, {"objectKey": file["objectKey"], "sizeBytes": file.get("sizeBytes"),
                                        "summary": "A document the customer attached."}, None, turn + 2)  # fmt: skip
            yield Sleep(1)
        ctx.reason(run, f"The customer wrote: {reply.text!r}" if reply.text else "The customer sent files only.",
                   turn + 2)  # fmt: skip
        yield Sleep(1)
        ctx.output(run, {"message": CHAT_REPLIES[min(turn, len(CHAT_REPLIES) - 1)]}, turn + 2)
    output = {"resolved": True, "turns": turns}
    ctx.finish_run(run, "Completed", output)
    ctx.finish("Completed", output)


def timer(ctx: Ctx) -> Script:
    """Follow-up scheduler: waits on a phrony_wait timer, then sends a reminder."""
    run = ctx.root
    given = ctx.input if isinstance(ctx.input, dict) else {}
    seconds = given.get("waitSeconds") or ctx.options.get("wait_seconds", 600)
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.reason(run, f"The customer has not answered yet. I will wait {seconds} seconds before a reminder.", 1)
    yield Sleep(1)
    call = ctx.tool_call(run, "phrony_wait", {"seconds": seconds, "reason": "give the customer time"}, None, 1)
    ended: TimerEnded = yield WaitTimer(run, seconds, call)
    ctx.tool_result(run, call, {"skipped": ended.skipped, "waited": "skipped" if ended.skipped else f"{seconds}s"},
                    None, 1)  # fmt: skip
    yield Sleep(1)
    call = ctx.tool_call(run, "send_email", {"to": "customer@example.com", "template": "reminder"}, "mail.send", 2)
    yield Sleep(1.5)
    ctx.tool_result(run, call, {"messageId": f"<{ctx.engine.new_id()}@mail.example>"}, None, 2)
    output = {"reminderSent": True, "timerSkipped": ended.skipped}
    ctx.output(run, output, 2)
    ctx.finish_run(run, "Completed", output)
    ctx.finish("Completed", output)


def failing(ctx: Ctx) -> Script:
    """Invoice reconciler: a tool fails twice and the run fails (``variant: ok`` succeeds)."""
    run = ctx.root
    hostile = ctx.options.get("hostile", False)
    ok = ctx.options.get("variant") == "ok" or (isinstance(ctx.input, dict) and ctx.input.get("variant") == "ok")
    invoice = f"INV-2026-{ctx.rng.randrange(1000, 9999)}"
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.reason(run, f"Reconciling {invoice} against the ledger. First I need the invoice from billing.", 1)
    yield Sleep(1)
    attempts = 1 if ok else 2
    for attempt in range(1, attempts + 1):
        call = ctx.tool_call(run, "fetch_invoice", {"invoice_id": invoice, "attempt": attempt}, "billing.get", attempt)
        yield Sleep(2)
        if ok:
            ctx.tool_result(run, call, {"invoice_id": invoice, "amount": 1280.0, "matched": True}, None, attempt)
        else:
            error = "HTTP 502 Bad Gateway from billing-api.internal (upstream timed out after 30s)"
            if hostile:
                error += f" | upstream said: {HOSTILE_TEXT}"
            ctx.tool_result(run, call, None, error, attempt)
            yield Sleep(1)
            ctx.reason(run, "The billing API failed." + (" Retrying once." if attempt < attempts else " Giving up."),
                       attempt)  # fmt: skip
        yield Sleep(1)
    if ok:
        output = {"invoice": invoice, "matched": True}
        ctx.output(run, output, 2)
        ctx.finish_run(run, "Completed", output)
        ctx.finish("Completed", output)
        return
    error = f"Tool fetch_invoice failed after {attempts} attempts: HTTP 502 Bad Gateway"
    if hostile:
        error += f" {HOSTILE_ANSI}{HOSTILE_OSC}"
    ctx.finish_run(run, "Failed", None, error)
    ctx.finish("Failed", None, error)


def redacted(ctx: Ctx) -> Script:
    """Payroll export on an output-only API trigger: the timeline is hidden from the API."""
    run = ctx.root
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.reason(run, "Exporting February payroll for 214 employees (salaries are confidential).", 1)
    yield Sleep(1)
    child = ctx.spawn(run, "redacted.formatter", {"format": "csv"})
    yield Sleep(1)
    ctx.llm(child, 1)
    yield Sleep(1)
    ctx.output(child, {"rows": 214}, 1)
    ctx.finish_run(child, "Completed", {"rows": 214})
    yield Sleep(1)
    output = {"exported": 214, "file": "payroll-2026-02.csv"}
    ctx.output(run, output, 2)
    ctx.finish_run(run, "Completed", output)
    ctx.finish("Completed", output)


def solo(ctx: Ctx) -> Script:
    """A short, uneventful run (sub-agents started directly, the big agent's new runs)."""
    run = ctx.root
    ctx.llm(run, 1)
    yield Sleep(1)
    ctx.reason(run, f"{run.agent.name}: nothing unusual, summarising.", 1)
    yield Sleep(1)
    output = {"summary": f"{run.agent.name} finished a short run."}
    ctx.output(run, output, 1)
    ctx.finish_run(run, "Completed", output)
    ctx.finish("Completed", output)


# ---- the multi-agent scenario ----------------------------------------------------------------


def multi(ctx: Ctx) -> Script:
    """Orchestrator -> researcher -> analyst -> fact checker (depth 3); ``ask_parent`` and ``escalate``
    are the agent-in-the-loop variants (``ask_parent`` below).

    Default: the fact checker escalates to a person (``aitl_escalation``,
    WaitingForAITL, answered with ``textValue``) and everything completes.
    ``variant: anomaly``: the analyst's table export is held for an
    ``anomaly_review`` that only the Phrony dashboard may complete.
    The orchestrator also raises a non-blocking ``anomaly_alert`` (dashboard only).
    """
    root = ctx.root
    variant = ctx.options.get("variant") or (ctx.input.get("variant") if isinstance(ctx.input, dict) else None)
    if variant in ("ask_parent", "escalate"):
        yield from ask_parent(ctx, escalate=variant == "escalate")
        return
    topic = "EU heat-pump market 2025"
    ctx.llm(root, 1)
    yield Sleep(1)
    ctx.reason(root, f"Plan: research '{topic}', analyse the numbers, verify them, then write a brief.", 1)
    yield Sleep(1)
    delegate = ctx.tool_call(root, "delegate", {"agent": "Web Researcher", "task": f"Collect sources on {topic}"},
                             "subagents.run", 1)  # fmt: skip
    ctx.task(root, "anomaly_alert", "Token usage of this session is 3.1x the 7-day median for this agent.",
             extra={"severity": "warning", "metric": "tokens_per_session"}, blocking=False, iteration=1)  # fmt: skip
    yield Sleep(1)
    researcher = ctx.spawn(root, "multi.researcher", {"topic": topic})
    ctx.llm(researcher, 1)
    yield Sleep(1)
    call = ctx.tool_call(researcher, "web_search", {"query": f"{topic} installations", "top_k": 5}, "search.web", 1)
    yield Sleep(2)
    ctx.tool_result(researcher, call, {"hits": 5, "sources": ["ehpa.org", "iea.org", "destatis.de"]}, None, 1)
    yield Sleep(1)
    analyst = ctx.spawn(researcher, "multi.analyst", {"sources": 5})
    ctx.llm(analyst, 1)
    yield Sleep(1)
    ctx.reason(analyst, "Two sources give different totals for Germany; the fact checker should look.", 1)
    yield Sleep(1)
    if variant == "anomaly":
        arguments = {"table": "customers", "destination": "s3://exports-tmp/customers.csv", "rows": 182_344}
        call = ctx.tool_call_id()
        task = ctx.task(analyst, "anomaly_review",
                        "Unusual tool call: export the whole customers table to a temporary bucket?",
                        extra={"tool_call": {"name": "export_table", "arguments": arguments, "tool_call_id": call},
                               "reason": "first export of this table by this agent; 40x the usual row count"},
                        iteration=2)  # fmt: skip
        answer = yield WaitTask(task)
        if not answer.get("approved"):
            error = "export_table was rejected in an anomaly review"
            ctx.finish_run(analyst, "Failed", None, error)
            ctx.finish_run(researcher, "Failed", None, error)
            ctx.finish_run(root, "Failed", None, error)
            ctx.finish("Failed", None, error)
            return
        ctx.tool_call(analyst, "export_table", arguments, "warehouse.export", 2, call_id=call)
        yield Sleep(2)
        ctx.tool_result(analyst, call, {"rows": 182_344}, None, 2)
    checker = ctx.spawn(analyst, "multi.verifier", {"claims": 2})
    ctx.llm(checker, 1)
    yield Sleep(1)
    call = ctx.tool_call(checker, "fetch_page", {"url": "https://www.destatis.de/heat-pumps-2025"}, "web.fetch", 1)
    yield Sleep(1.5)
    ctx.tool_result(checker, call, {"status": 200, "figure": "356,000 units"}, None, 1)
    yield Sleep(1)
    task = ctx.task(checker, "aitl_escalation",
                    "Sources disagree on German heat-pump installations in 2025: EHPA says 356,000, "
                    "the IEA brief says 312,000. Which figure should the report use, and why?",
                    extra={"from_agent": "Fact Checker", "claims": ["356,000 (EHPA)", "312,000 (IEA)"]},
                    iteration=2)  # fmt: skip
    answer = yield WaitTask(task)
    if answer.get("approved") is False:
        guidance = "declined by a person: keep both figures and flag the disagreement"
    else:
        guidance = str(answer.get("textValue"))
    ctx.reason(checker, f"Guidance from a person: {guidance}", 2)
    yield Sleep(1)
    ctx.output(checker, {"verified": True, "guidance": guidance}, 2)
    ctx.finish_run(checker, "Completed", {"verified": True})
    yield Sleep(1)
    ctx.output(analyst, {"table": "installations_by_country", "rows": 27}, 2)
    ctx.finish_run(analyst, "Completed", {"rows": 27})
    yield Sleep(1)
    ctx.output(researcher, {"sources": 5, "verified": True}, 2)
    ctx.finish_run(researcher, "Completed", {"sources": 5})
    yield Sleep(1)
    ctx.tool_result(root, delegate, {"status": "Completed"}, None, 1)
    writer = ctx.spawn(root, "multi.writer", {"style": "brief"})
    ctx.llm(writer, 1)
    yield Sleep(2)
    ctx.output(writer, {"words": 640}, 1)
    ctx.finish_run(writer, "Completed", {"words": 640})
    yield Sleep(1)
    output = {"report": f"{topic}: 4-page brief", "subAgents": 4}
    ctx.output(root, output, 2)
    ctx.finish_run(root, "Completed", output)
    ctx.finish("Completed", output)


#: seconds a sub-agent waits for its parent agent's answer in the ask_parent variant
AITL_AGENT_SECONDS = 45
AITL_QUESTION = ("The two sources count German heat-pump installations differently (EHPA 356,000, IEA 312,000). "
                 "Should the brief use the newer figure or report both?")  # fmt: skip


def ask_parent(ctx: Ctx, *, escalate: bool) -> Script:
    """Agent-in-the-loop: the Web Researcher asks its parent agent (the orchestrator's model).

    Only the researcher's run is ``WaitingForAITL``; the root run and the session keep
    running and nobody is asked. The orchestrator answers by itself after
    ``AITL_AGENT_SECONDS``, or (``escalate``) raises an ``aitl_escalation`` task on its own
    run with the researcher's ``question`` and a ``question_for_user``: answered with
    ``textValue`` or declined with ``approved: false``.
    """
    root, engine = ctx.root, ctx.engine
    topic = "EU heat-pump market 2025"
    ctx.llm(root, 1)
    yield Sleep(1)
    ctx.reason(root, f"Plan: have the Web Researcher collect sources on '{topic}', then write a brief.", 1)
    yield Sleep(1)
    arguments = {"task": f"Collect sources on {topic}", "top_k": 5}
    researcher = ctx.spawn(root, "multi.researcher", arguments)
    subagent = ctx.agent("multi.researcher")
    ctx.step(root, "subagent_call", {"sub_agent": subagent.name, "sub_agent_id": subagent.id,
                                     "child_run_id": researcher.id, "arguments": arguments, "output": None,
                                     "parallel_group_id": None}, iteration=1)  # fmt: skip
    ctx.llm(researcher, 1)
    yield Sleep(1)
    call = ctx.tool_call(researcher, "web_search", {"query": f"{topic} installations", "top_k": 5}, "search.web", 1)
    yield Sleep(2)
    ctx.tool_result(researcher, call, {"hits": 5, "sources": ["ehpa.org", "iea.org"]}, None, 1)
    yield Sleep(1)
    context = {"sources": ["ehpa.org", "iea.org"], "figures": ["356,000 (EHPA)", "312,000 (IEA)"]}
    ctx.step(researcher, "aitl_request", {"question": AITL_QUESTION, "context": context,
                                          "waiting_run_id": researcher.id, "parent_run_id": root.id}, iteration=2)  # fmt: skip
    engine.agent_wait(researcher, AITL_QUESTION)
    yield Sleep(1)
    ctx.step(root, "aitl_received", {"child_run_id": researcher.id, "sub_agent": subagent.name,
                                     "question": AITL_QUESTION}, iteration=2)  # fmt: skip
    yield Sleep(2)
    if escalate:
        ctx.reason(root, "I cannot tell which figure the reader wants: asking a person.", 2)
        yield Sleep(1)
        task = ctx.task(root, "aitl_escalation", AITL_QUESTION, iteration=2, extra={
            "question_for_user": "The researcher found two different counts of German heat-pump installations "
                                 "in 2025 (356,000 and 312,000). Which should the brief use?",
            "from_agent": subagent.name, "sub_agent": subagent.name, "child_run_id": researcher.id,
            "context": context})  # fmt: skip
        answer = yield WaitTask(task)
        declined = answer.get("approved") is False
        reply = None if declined else str(answer.get("textValue"))
        ctx.step(root, "escalation_answer", {"user_task_id": task.id, "approved": not declined,
                                             "declined": declined, "answer": reply}, iteration=3)  # fmt: skip
        guidance = reply or "A person declined to choose: report both figures and say why they differ."
        resolved_by = "person"
    else:
        yield Sleep(max(0, AITL_AGENT_SECONDS - 3))
        ctx.reason(root, "EHPA's figure is newer and counts hybrid units too: use it, and cite the IEA's.", 2)
        guidance = "Use the EHPA figure (356,000) and cite the IEA's 312,000 as a lower bound."
        resolved_by = "agent"
    yield Sleep(1)
    ctx.step(root, "aitl_response", {"child_run_id": researcher.id, "answer": guidance}, iteration=3)
    ctx.step(root, "aitl_resolved", {"child_run_id": researcher.id, "resolved_by": resolved_by}, iteration=3)
    engine.agent_resume(researcher, resolved_by)
    yield Sleep(1)
    ctx.reason(researcher, f"Guidance from the orchestrator: {guidance}", 2)
    yield Sleep(1)
    output = {"sources": 5, "germany": guidance}
    ctx.output(researcher, output, 2)
    ctx.finish_run(researcher, "Completed", output)
    ctx.step(root, "subagent_result", {"child_run_id": researcher.id, "sub_agent": subagent.name,
                                       "status": "Completed", "output": output}, iteration=3)  # fmt: skip
    yield Sleep(1)
    final = {"report": f"{topic}: 2-page brief", "subAgents": 1}
    ctx.output(root, final, 3)
    ctx.finish_run(root, "Completed", final)
    ctx.finish("Completed", final)


SCRIPTS = {
    "hitl": hitl,
    "options": options,
    "text": text,
    "number": number,
    "chat": chat,
    "timer": timer,
    "failing": failing,
    "redacted": redacted,
    "multi": multi,
    "solo": solo,
}

# ---- agents ----------------------------------------------------------------------------------

#: key, name, description, model, script, redacted, parent key
AGENT_SPECS: list[tuple[str, str, str, str, str, bool, str | None]] = [
    ("hitl", "Refund Desk", "Handles refund requests; refunds above 50 EUR need a human approval.",
     "gpt-4.1-mini", "hitl", False, None),
    ("options", "Travel Planner", "Finds trips within policy and asks which one to book.",
     "claude-sonnet-4", "options", False, None),
    ("text", "Release Notes Writer", "Drafts release notes; asks a person for the headline.",
     "gpt-4.1", "text", False, None),
    ("number", "Budget Forecaster", "Forecasts spend against a budget cap a person sets.",
     "gpt-4.1-mini", "number", False, None),
    ("multi", "Research Orchestrator", "Delegates research, analysis and fact checking to sub-agents.",
     "claude-opus-4", "multi", False, None),
    ("multi.researcher", "Web Researcher", "Collects sources.", "gpt-4.1-mini", "solo", False, "multi"),
    ("multi.analyst", "Data Analyst", "Turns sources into tables.", "gpt-4.1", "solo", False, "multi"),
    ("multi.verifier", "Fact Checker", "Checks claims; escalates when sources disagree.",
     "claude-sonnet-4", "solo", False, "multi"),
    ("multi.writer", "Report Writer", "Writes the final brief.", "gpt-4.1", "solo", False, "multi"),
    ("chat", "Support Chat", "A conversational support assistant.", "gpt-4.1-mini", "chat", False, None),
    ("timer", "Follow-up Scheduler", "Waits, then sends reminders.", "gpt-4.1-mini", "timer", False, None),
    ("failing", "Invoice Reconciler", "Reconciles invoices; its billing tool is flaky.",
     "gpt-4.1-mini", "failing", False, None),
    ("redacted", "Payroll Export", "Exports payroll; its API trigger hides the timeline (output only).",
     "gpt-4.1", "redacted", True, None),
    ("redacted.formatter", "Payroll Formatter", "Formats payroll rows.", "gpt-4.1-mini", "solo", True, "redacted"),
    ("big", "Log Miner", "Mines a month of logs: a very long session.", "gpt-4.1-mini", "solo", False, None),
    ("big.parser", "Log Parser", "Parses log shards.", "gpt-4.1-mini", "solo", False, "big"),
    ("big.summarizer", "Log Summarizer", "Summarises findings.", "gpt-4.1", "solo", False, "big"),
    ("firehose", "Telemetry Firehose", "Streams telemetry as fast as it can (stream benchmarks).",
     "gpt-4.1-nano", "firehose", False, None),
]  # fmt: skip


#: agentExecutionMode of the root agents that wait on a person (the others: request; sub-agents: sub_agent)
EXECUTION_MODES = {"hitl": "hitl", "options": "hitl", "text": "hitl", "number": "hitl", "multi": "hitl",
                   "chat": "hitl"}  # fmt: skip


def make_agents(engine: Engine) -> None:
    for key, name, description, model, script, redacted_, parent in AGENT_SPECS:
        agent_id = engine.new_id()
        versions = [(engine.new_id(), "v1"), (engine.new_id(), "v2"), (engine.new_id(), "v3")]
        agent = Agent(
            key=key, id=agent_id, name=name, description=description, llm_model=model, versions=versions,
            trigger_id=engine.new_id(), trigger_name="API (output only)" if redacted_ else "API",
            script=script, redacted=redacted_, parent_key=parent,
            mode="sub_agent" if parent else EXECUTION_MODES.get(key, "request"),
        )  # fmt: skip
        engine.agents[key] = agent
        engine.agents_by_id[agent_id] = agent


# ---- autopilot: how history sessions got answered ----------------------------------------------

TEXT_ANSWERS = ["Faster sync, fewer surprises", "Offline mode is here", "Use the EHPA figure: it is newer.",
                "Prefer the IEA number and cite both."]  # fmt: skip
#: who starts test runs from the dashboard (``triggerType: manual``, ``triggeredBy``: the email)
TESTERS = ["maria.keller@example.com", "jonas.berg@example.com", "priya.nair@example.com"]
USER_TURNS = ["My invoice never arrived.", "Does the plan change apply this month?", "Great, thanks, that's all."]


def autopilot(outcome: str, pending_at: int = 0):
    """Answers a history session's waits the way a person did; ``pending`` leaves one open.

    outcome: ``ok`` (approve / answer), ``reject`` (reject approvals), ``pending`` (leave the
    ``pending_at``-th wait unanswered).
    """
    seen = {"waits": 0}

    def decide(session: Session, command: Any) -> tuple[float, Any] | None:
        index = seen["waits"]
        seen["waits"] += 1
        if outcome == "pending" and index >= pending_at:
            return None
        rng = session.rng
        delay = 20 + rng.randrange(900)
        if isinstance(command, WaitTimer):
            return None  # timers run out by themselves
        if isinstance(command, WaitResponse):
            return delay, Reply(USER_TURNS[min(index, len(USER_TURNS) - 1)], [])
        task = command.task
        if task.kind in ("approval", "hitl", "anomaly_review"):
            return delay, {"approved": outcome != "reject"}
        if task.kind == "multi_option":
            return delay, {"selectedOptionId": rng.choice(task.options or [{"id": ""}])["id"]}
        if task.kind == "number":
            return delay, {"numberValue": rng.choice([4000, 4500, 5000, 6000])}
        return delay, {"textValue": rng.choice(TEXT_ANSWERS)}

    return decide


#: per agent: sessions in the history and how they end (weights of ok / reject / pending)
HISTORY: dict[str, tuple[int, tuple[int, int, int]]] = {
    "hitl": (132, (80, 14, 6)),
    "options": (24, (90, 0, 10)),
    "text": (12, (90, 0, 10)),
    "number": (12, (90, 0, 10)),
    "multi": (18, (85, 0, 15)),
    "chat": (125, (88, 0, 12)),
    "timer": (14, (100, 0, 0)),
    "failing": (60, (45, 55, 0)),  # reject here means: the flaky tool failed
    "redacted": (15, (100, 0, 0)),
    "big": (2, (100, 0, 0)),
}
HISTORY_SPAN_MS = 12 * 24 * 3600 * 1000  # the last 12 days

#: what ``Simulator(autostart_seconds=...)`` starts, in turn
AUTOSTART: list[tuple[str, dict[str, Any]]] = [
    ("hitl", {}), ("chat", {}), ("failing", {"variant": "fail"}), ("options", {}), ("multi", {}),
    ("redacted", {}), ("timer", {"wait_seconds": 120}), ("failing", {"variant": "ok"}), ("number", {}),
    ("text", {}),
]  # fmt: skip


def build_world(engine: Engine, triggered_by: str, big_steps: int, *, history: bool = True) -> None:
    """The demo world at simulated time 0: history (``history=False``: none), then recent
    showcase sessions."""
    engine.scripts = SCRIPTS  # type: ignore[assignment]
    engine.record_events = False
    engine.now_ms = -HISTORY_SPAN_MS - 1  # history starts 12 days before time 0
    plans: list[tuple[int, str, dict[str, Any]]] = []
    for key, (count, weights) in HISTORY.items() if history else ():
        rng = __import__("random").Random(f"phrony-sim:{engine.seed}:history:{key}")
        spacing = HISTORY_SPAN_MS // count
        for i in range(count):
            start = -HISTORY_SPAN_MS + i * spacing + rng.randrange(spacing // 2)
            outcome = rng.choices(("ok", "reject", "pending"), weights)[0]
            plans.append((start, key, {"outcome": outcome, "pending_at": 0 if key != "chat" else rng.randrange(3)}))
    plans.sort(key=lambda plan: plan[0])
    trigger_cycle = ("api", "api", "api", "scheduled", "event")
    for n, (start, key, plan) in enumerate(plans):
        engine.run_until(start)
        agent = engine.agents[key]
        options: dict[str, Any] = {}
        outcome = plan["outcome"]
        if key == "failing":
            options["variant"] = "ok" if outcome == "ok" else "fail"
            outcome = "ok"
        if key == "multi" and n % 3 == 0:
            options["variant"] = "anomaly"
        trigger = "api" if agent.redacted else trigger_cycle[n % len(trigger_cycle)]
        by: str | None = triggered_by if trigger == "api" else None
        if trigger == "api" and n % 11 == 7 and not agent.redacted:  # a dashboard test run: a person's email
            trigger, by = "manual", TESTERS[n % len(TESTERS)]
        version = agent.versions[n % 3 if n % 4 else 1]
        engine.start_session(
            agent, run_input=_history_input(key, n), started_ms=start, trigger_type=trigger,
            triggered_by=by,
            autopilot=autopilot(outcome, plan["pending_at"]), options=options, version=version,
        )  # fmt: skip
    # showcases: recent, each in the state a demo (and a test) wants to find first
    showcase: list[tuple[int, str, dict[str, Any], str, int]] = [
        # (start ms, agent, options, autopilot outcome, pending_at)
        (-2 * 3600_000, "failing", {"hostile": True}, "ok", 0),
        (-3 * 3600_000, "hitl", {"hostile": True}, "ok", 0),
        (-600_000, "failing", {"variant": "fail"}, "ok", 0),
        (-300_000, "multi", {"variant": "anomaly"}, "pending", 0),
        (-200_000, "multi", {"variant": "escalate"}, "pending", 0),
        (-20_000, "multi", {"variant": "ask_parent"}, "pending", 0),
        (-150_000, "multi", {}, "pending", 0),
        (-90_000, "hitl", {}, "pending", 0),
        (-75_000, "timer", {"wait_seconds": 900}, "pending", 0),
        (-60_000, "options", {}, "pending", 0),
        (-50_000, "text", {}, "pending", 0),
        (-40_000, "number", {}, "pending", 0),
        (-30_000, "chat", {}, "pending", 1),
        (-2_000, "redacted", {}, "pending", 0),
        (-3_000, "multi", {}, "pending", 0),
    ]
    showcase.sort(key=lambda entry: entry[0])
    for start, key, options, outcome, pending_at in showcase:
        engine.run_until(start)
        engine.start_session(engine.agents[key], started_ms=start, triggered_by=triggered_by,
                             autopilot=autopilot(outcome, pending_at), options=options)  # fmt: skip
    engine.run_until(0)
    engine.record_events = True


def _history_input(key: str, n: int) -> dict[str, Any]:
    if key == "hitl":
        return {"customer": CUSTOMERS[n % len(CUSTOMERS)], "ticket": f"T-{10_000 + n}"}
    if key == "chat":
        return {"channel": "web", "locale": "en"}
    if key == "timer":
        return {"waitSeconds": 300}
    return {}
