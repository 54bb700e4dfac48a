"""Small factories of wire models (steps, runs, events) for the core tests."""

from __future__ import annotations

from typing import Any

from phrony_tui.client.models import ConversationItem, Run, RunEvent


def item(step_id: str, ordinal: int = 0, type_: str = "reasoning", content: Any = None, **fields: Any) -> ConversationItem:
    return ConversationItem(id=step_id, ordinal=ordinal, type=type_, content=content, **fields)


def run(run_id: str, parent: str | None = None, status: str = "Completed", started: str | None = None, **fields: Any) -> Run:
    return Run(id=run_id, parent_run_id=parent, status=status, started_at=started, **fields)


def event(kind: str, data: Any = None, subject: str = "", ts: str | None = "2026-03-01T12:00:00.500Z") -> RunEvent:
    return RunEvent(kind=kind, subject=subject, data=data, ts=ts)
