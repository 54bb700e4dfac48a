"""core.attempts: what a start attempt keeps, how it reads back, where it lives."""

from __future__ import annotations

import json
from pathlib import PurePath

import pytest

from phrony_tui.core.attempts import (
    MAX_ATTEMPTS,
    MAX_PAYLOAD_CHARS,
    Attempt,
    attempts_path,
    dumps,
    loads,
    merge,
    new_attempt_id,
)

BASE = "https://api.phrony.com"


def make(n: int = 0, **changes) -> Attempt:
    values = {"at": f"2026-03-01T12:00:{n:02d}Z", "agent_id": "agent-1", "base_url": BASE, "payload": {"n": n},
              "outcome": "accepted", "run_id": f"run-{n}", "attempt_id": f"id{n:06d}"}  # fmt: skip
    values.update(changes)
    return Attempt.new(**values)


def test_ids_are_short_and_distinct():
    ids = {new_attempt_id() for _ in range(200)}
    assert len(ids) == 200 and all(len(i) == 8 and int(i, 16) >= 0 for i in ids)


def test_outcomes_in_words_and_what_may_be_retried():
    accepted = make(1, run_status="Running")
    assert accepted.outcome_label() == "accepted (Running)" and accepted.started and not accepted.can_retry
    assert accepted.why_not_retry() == "a run started for this attempt: open it instead"
    limited = make(2, outcome="rate_limited", run_id=None, status=429, retry_after=2.0)
    assert limited.outcome_label() == "rate-limited (429, retry after 2 s)" and limited.can_retry
    rejected = make(3, outcome="rejected", run_id=None, status=400, message="input.amount\nmust be a number")
    assert rejected.outcome_label() == "rejected 400: input.amount must be a number" and rejected.can_retry
    lost = make(4, outcome="no_answer", run_id=None, message="cannot connect")
    assert lost.outcome_label() == "no answer: cannot connect" and lost.can_retry
    duplicate = make(5, outcome="duplicate")
    assert duplicate.started and not duplicate.can_retry
    assert make(6, retry_of="id000002").source == "API (retry)" and accepted.source == "API"


def test_a_payload_too_large_is_kept_as_a_preview_and_cannot_be_retried():
    big = {"blob": "x" * (MAX_PAYLOAD_CHARS + 1)}
    attempt = make(1, payload=big, outcome="rejected", run_id=None, status=413)
    assert attempt.payload is None and not attempt.payload_complete
    assert attempt.payload_preview.startswith('{"blob":"xxx') and len(attempt.payload_preview) == 2000
    assert not attempt.can_retry and "too large" in attempt.why_not_retry()
    odd = make(2, payload={"n": float("nan")}, outcome="rejected", run_id=None)  # not JSON
    assert not odd.payload_complete and odd.payload is None


def test_messages_are_one_safe_line():
    attempt = make(1, outcome="rejected", run_id=None, status=400, message="\x1b[31mred\x1b[0m " + "y" * 1000)
    assert "\x1b" not in attempt.message and len(attempt.message) <= 300


def test_round_trip_keeps_everything_but_never_a_key():
    attempts = [make(1), make(2, outcome="rate_limited", run_id=None, status=429, retry_after=1.5, retry_of="id000001")]
    text = dumps(attempts)
    assert json.loads(text)["schema"] == 1
    assert loads(text) == attempts
    assert "phk_" not in text and "api_key" not in text.lower()


def test_loading_is_tolerant():
    good = make(1).to_dict()
    odd = {**good, "id": "x2", "status": True, "retry_after": "soon", "future": 1}
    text = json.dumps({"schema": 9, "attempts": [good, {"id": 3}, "junk", odd]})
    loaded = loads(text)
    assert [a.id for a in loaded] == ["id000001", "x2"]
    assert loaded[1].status is None and loaded[1].retry_after is None
    assert loads(json.dumps([good])) == [make(1)]  # a bare list works too
    with pytest.raises(ValueError):
        loads("{not json")
    with pytest.raises(ValueError):
        loads('{"attempts": 3}')


def test_merge_orders_by_time_replaces_by_id_and_keeps_the_newest():
    a, b, c = make(1), make(2), make(3)
    assert merge([c, a], [b]) == [a, b, c]
    changed = make(2, outcome="rejected", run_id=None)
    assert merge([a, b, c], [changed]) == [a, changed, c]
    many = [make(n % 60, attempt_id=f"m{n}", at=f"2026-03-01T12:{n // 60:02d}:{n % 60:02d}Z") for n in range(250)]
    kept = merge([], many)
    assert len(kept) == MAX_ATTEMPTS and kept[-1].id == "m249" and kept[0].id == "m50"


def test_where_attempts_are_kept():
    home = "/home/ada"
    assert attempts_path({}, home) == PurePath("/home/ada/.local/state/phrony-tui/attempts.json")
    assert attempts_path({"XDG_STATE_HOME": "/var/st"}, home) == PurePath("/var/st/phrony-tui/attempts.json")
    default = PurePath("/home/ada/.local/state/phrony-tui/attempts.json")
    assert attempts_path({"XDG_STATE_HOME": "relative"}, home) == default
    explicit = {"PHRONY_TUI_ATTEMPTS_FILE": "/tmp/a.json", "XDG_STATE_HOME": "/var/st"}
    assert attempts_path(explicit, home) == PurePath("/tmp/a.json")
    assert attempts_path({"PHRONY_TUI_ATTEMPTS_FILE": "~/a.json"}, home) == PurePath("/home/ada/a.json")
