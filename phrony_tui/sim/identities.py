"""The identity (agents and admin key) of the simulator of seed 7, ``--demo``'s, as
``simulator.identity(7)`` computes it: --demo reads it here, so the app's process does
not import the simulator's engine and scenarios to work it out (~20-25 ms of its start).
A test checks it against ``identity(7)``; the demo's handshake checks the child says the
same (entry/demo.py). Regenerate with:

    python -c "from phrony_tui.sim.simulator import identity; print(identity(7))"
"""

from __future__ import annotations

from typing import Any

KNOWN: dict[int, dict[str, Any]] = {
    7: {
        "adminKey": "phk_r3wl3980vxmmm9f3amh12vo9ii63q5eo",
        "agents": [
            {
                "id": "1de2c931-1069-4789-beb2-00e3cdfde4ae",
                "key": "hitl",
                "name": "Refund Desk",
                "parentKey": None,
            },
            {
                "id": "4be66068-9cc2-4263-ada6-49d22c09ee12",
                "key": "options",
                "name": "Travel Planner",
                "parentKey": None,
            },
            {
                "id": "5bd9126c-3fd8-411c-b05b-82e3c5604447",
                "key": "text",
                "name": "Release Notes Writer",
                "parentKey": None,
            },
            {
                "id": "268818a1-07b7-47b7-a99c-c12ce3e71cbe",
                "key": "number",
                "name": "Budget Forecaster",
                "parentKey": None,
            },
            {
                "id": "66e422ac-68fd-4278-90ee-f860510b3be7",
                "key": "multi",
                "name": "Research Orchestrator",
                "parentKey": None,
            },
            {
                "id": "75d89fff-48d9-40f3-ac29-4306ef8ca62a",
                "key": "multi.researcher",
                "name": "Web Researcher",
                "parentKey": "multi",
            },
            {
                "id": "a9a07227-a822-4cba-a376-84ce1fe39bac",
                "key": "multi.analyst",
                "name": "Data Analyst",
                "parentKey": "multi",
            },
            {
                "id": "5732acfd-86b4-483f-9508-9875da8eb8c5",
                "key": "multi.verifier",
                "name": "Fact Checker",
                "parentKey": "multi",
            },
            {
                "id": "0f3e5c88-3931-4e9b-a570-2ed646185ef5",
                "key": "multi.writer",
                "name": "Report Writer",
                "parentKey": "multi",
            },
            {
                "id": "7510e44d-8209-4f74-8018-147740587835",
                "key": "chat",
                "name": "Support Chat",
                "parentKey": None,
            },
            {
                "id": "32ebd83e-ad37-4e8e-86cf-c3206d8d5dc1",
                "key": "timer",
                "name": "Follow-up Scheduler",
                "parentKey": None,
            },
            {
                "id": "59e469c1-3ea7-4c83-a3ea-845e0ec56348",
                "key": "failing",
                "name": "Invoice Reconciler",
                "parentKey": None,
            },
            {
                "id": "9b967507-a6d8-4436-ad94-ce51d074b1f2",
                "key": "redacted",
                "name": "Payroll Export",
                "parentKey": None,
            },
            {
                "id": "707acc4c-60e3-4fb9-8e37-9e9ad5ca6aa7",
                "key": "redacted.formatter",
                "name": "Payroll Formatter",
                "parentKey": "redacted",
            },
            {
                "id": "9b1e63b1-613e-4669-ae54-a25da6748a6b",
                "key": "big",
                "name": "Log Miner",
                "parentKey": None,
            },
            {
                "id": "0489c808-7826-41b9-9eed-7a70bfbb71a7",
                "key": "big.parser",
                "name": "Log Parser",
                "parentKey": "big",
            },
            {
                "id": "a4212e0f-d7be-44c4-95e9-cad8ee16ebb5",
                "key": "big.summarizer",
                "name": "Log Summarizer",
                "parentKey": "big",
            },
            {
                "id": "3450d53f-61b1-477a-9f4c-18c1b89bce67",
                "key": "firehose",
                "name": "Telemetry Firehose",
                "parentKey": None,
            },
        ],
    },
}
