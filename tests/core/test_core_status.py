"""Status classes and what ends each pause."""

from __future__ import annotations

import pytest

from phrony_tui.core.status import (
    ending_action,
    is_failed,
    is_live,
    is_running,
    is_terminal,
    is_waiting,
    status_class,
    waiting_label,
)

WAITING = ["WaitingForHITL", "WaitingForAITL", "WaitingForResponse", "WaitingForTimer", "WaitingForSomethingNew"]
TERMINAL = ["Completed", "Failed", "Cancelled", "Terminated", "SomethingElse"]


@pytest.mark.parametrize("status", WAITING)
def test_waiting_statuses_are_live_not_terminal(status: str) -> None:
    assert is_waiting(status)
    assert is_live(status)
    assert not is_terminal(status)
    assert not is_running(status)


def test_running() -> None:
    assert is_running("Running") and is_live("Running")
    assert not is_waiting("Running") and not is_terminal("Running")


@pytest.mark.parametrize("status", TERMINAL)
def test_everything_else_is_terminal(status: str) -> None:
    assert is_terminal(status)
    assert not is_live(status)
    assert not is_waiting(status)


@pytest.mark.parametrize("status", ["", None])
def test_empty_is_neither(status: str | None) -> None:
    assert not is_terminal(status) and not is_live(status) and not is_waiting(status)
    assert status_class(status) == "unknown"


def test_spelling_tolerance() -> None:
    assert is_waiting("waiting_for_hitl") and is_waiting(" WAITING-FOR-TIMER ")
    assert is_live("RUNNING")
    assert ending_action("waiting_for_response") == "message"


@pytest.mark.parametrize(
    ("status", "label", "action"),
    [
        ("WaitingForHITL", "approval / user task", "answer"),
        ("WaitingForAITL", "agent-in-the-loop", None),  # the parent agent ends it, not a person
        ("WaitingForResponse", "a reply", "message"),
        ("WaitingForTimer", "a timer", "skip"),
        ("WaitingForGodot", "WaitingForGodot", None),
        ("Running", "Running", None),
        ("Completed", "Completed", None),
    ],
)
def test_labels_and_actions(status: str, label: str, action: str | None) -> None:
    assert waiting_label(status) == label
    assert ending_action(status) == action


def test_status_classes() -> None:
    assert [status_class(s) for s in ("Running", "WaitingForHITL", "Completed", "Failed", "Cancelled", "Weird")] == [
        "running",
        "waiting",
        "completed",
        "failed",
        "stopped",
        "other",
    ]
    assert is_failed("Failed") and is_failed("error") and not is_failed("Completed")
