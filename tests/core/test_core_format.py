from datetime import UTC, datetime

import pytest

from phrony_tui.core.format import (
    duration_between,
    fmt_count,
    fmt_datetime,
    fmt_duration,
    fmt_short_datetime,
    fmt_time,
    parse_ts,
    use_zone,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01T12:00:00Z", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T12:00:00.250Z", datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2026-03-01T13:00:00+01:00", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T12:00:00", datetime(2026, 3, 1, 12, tzinfo=UTC)),  # naive means UTC
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_ts(value, expected):
    assert parse_ts(value) == expected


@pytest.fixture
def utc():
    use_zone(UTC)  # the machine's zone (TZ) is what the app shows; these cases are in UTC
    yield
    use_zone(None)


def test_time_formats_are_in_the_zone_and_say_when_missing_or_unreadable(utc):
    assert fmt_time("2026-03-01T13:04:05+01:00") == "12:04:05"
    assert fmt_datetime("2026-03-01T13:04:05+01:00") == "2026-03-01 12:04"
    assert fmt_short_datetime("2026-03-01T13:04:05+01:00") == "03-01 12:04"
    assert fmt_time(None) == fmt_datetime("") == fmt_short_datetime(None) == "-"
    assert fmt_time("garbage") == fmt_datetime("garbage") == "?"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (-3, "0ms"), (0.25, "250ms"), (42.9, "42s"), (185, "3m05s"), (7440, "2h04m"), (266400, "3d02h")],
)
def test_fmt_duration(seconds, text):
    assert fmt_duration(seconds) == text


def test_duration_between_uses_now_while_running():
    now = datetime(2026, 3, 1, 12, 10, tzinfo=UTC)
    assert duration_between("2026-03-01T12:00:00Z", "2026-03-01T12:01:30Z") == 90
    assert duration_between("2026-03-01T12:00:00Z", None, now) == 600
    assert duration_between("2026-03-01T12:00:00Z", None) is None
    assert duration_between(None, "2026-03-01T12:01:30Z") is None


@pytest.mark.parametrize(
    ("value", "text"), [(None, "-"), (True, "-"), ("12", "-"), (980, "980"), (12_345, "12.3k"), (4_500_000, "4.5M")]
)
def test_fmt_count(value, text):
    assert fmt_count(value) == text
