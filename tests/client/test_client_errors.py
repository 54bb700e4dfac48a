"""Error messages a person can act on, and Retry-After parsing."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from phrony_tui.client import (
    PhronyAPIError,
    PhronyConnectionError,
    PhronyError,
    PhronyTimeoutError,
    PhronyUsageError,
)
from phrony_tui.client.errors import parse_retry_after, server_message


def test_hierarchy():
    assert issubclass(PhronyAPIError, PhronyError)
    assert issubclass(PhronyTimeoutError, PhronyConnectionError)
    assert issubclass(PhronyUsageError, ValueError) and issubclass(PhronyUsageError, PhronyError)
    assert not issubclass(PhronyConnectionError, PhronyAPIError)


def test_attributes_and_signature():
    err = PhronyAPIError(429, "/v1/runs/r1", '{"message":"slow down"}', 3.0)
    assert (err.status, err.path, err.body, err.retry_after) == (429, "/v1/runs/r1", '{"message":"slow down"}', 3.0)


@pytest.mark.parametrize(
    ("status", "path", "needles"),
    [
        (401, "/v1/runs/r1", ["401", "PHRONY_API_KEY", "missing or invalid"]),
        (403, "/v1/runs/r1", ["403", "scope"]),
        (403, "/v1/file-library/presign", ["403", "Allow file uploads"]),
        (404, "/v1/runs/r1", ["404", "no such run"]),
        (404, "/v1/agents/a1/sessions", ["404", "no such agent"]),
        (409, "/v1/runs/r1/messages", ["409", "refresh"]),
        (400, "/v1/runs/r1/messages", ["400", "invalid"]),
        (500, "/v1/runs/r1", ["500", "try again later"]),
        (503, "/v1/runs/r1", ["503", "try again later"]),
    ],
)
def test_messages_by_status(status, path, needles):
    text = str(PhronyAPIError(status, path, "", None, method="GET"))
    for needle in needles:
        assert needle in text
    assert path in text


def test_403_file_route_does_not_talk_about_scope():
    assert "scope" not in str(PhronyAPIError(403, "/v1/file-library/finalize", ""))


def test_429_with_and_without_retry_after():
    assert "retry after 12 s" in str(PhronyAPIError(429, "/v1/runs/r", "", 12.0))
    no_hint = str(PhronyAPIError(429, "/v1/runs/r", "", None))
    assert "rate" in no_hint and "retry after" not in no_hint


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"message": "userTaskId is required"}', "userTaskId is required"),
        ('{"error": "Forbidden", "statusCode": 403}', "Forbidden"),
        ('{"detail": "bad id"}', "bad id"),
        ('{"error": {"message": "nested"}}', "nested"),
        ('{"message": ["a must be set", "b must be set"]}', "a must be set; b must be set"),
        ("plain text\nover lines", "plain text over lines"),
        ('{"other": 1}', '{"other": 1}'),
        ("", ""),
        ('{"message": "bad \\u001b]0;pwned\\u0007 \\u001b[31mred\\u202e"}', "bad \ufffd]0;pwned\ufffd \ufffd[31mred\ufffd"),
    ],
)
def test_server_message(body, expected):
    assert server_message(body) == expected


def test_server_message_in_str_and_truncated():
    err = PhronyAPIError(400, "/v1/runs/r/messages", '{"message": "' + "x" * 5000 + '"}')
    text = str(err)
    assert "Server said: xxx" in text
    assert len(text) < 600
    assert err.body.endswith('"}')  # the whole body is kept


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), (" 0 ", 0.0), ("1.5", 1.5), (None, None),
                                                 ("", None), ("-3", None), ("soon", None),
                                                 ("inf", None), ("nan", None)])
def test_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_http_date():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30.0)
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(earlier, now=now.timestamp()) == 0.0


def test_repr_is_short_and_pickle_round_trips():
    err = PhronyAPIError(404, "/v1/runs/x", "body", None, method="GET")
    assert repr(err) == "PhronyAPIError(status=404, path='/v1/runs/x', method='GET', retry_after=None)"
    back = pickle.loads(pickle.dumps(err))
    assert (back.status, back.path, back.body, back.method, str(back)) == (404, "/v1/runs/x", "body", "GET", str(err))
