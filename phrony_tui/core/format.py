"""Small, pure formatters for times, durations and counts shown in the panes.

Times are shown in UTC: a server, a log and a colleague over SSH agree on it,
and snapshot tests do not depend on the machine's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=65536)
def parse_ts(value: str | None) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime, or None when unreadable."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def fmt_time(value: str | None) -> str:
    """``HH:MM:SS`` (UTC), ``-`` when missing, ``?`` when unreadable."""
    if not value:
        return "-"
    parsed = parse_ts(value)
    return parsed.strftime("%H:%M:%S") if parsed else "?"


def fmt_datetime(value: str | None) -> str:
    """``YYYY-MM-DD HH:MM`` (UTC)."""
    if not value:
        return "-"
    parsed = parse_ts(value)
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else "?"


def fmt_short_datetime(value: str | None) -> str:
    """``MM-DD HH:MM`` (UTC): what fits a list column."""
    if not value:
        return "-"
    parsed = parse_ts(value)
    return parsed.strftime("%m-%d %H:%M") if parsed else "?"


def fmt_duration(seconds: float | None) -> str:
    """``850ms``, ``42s``, ``3m05s``, ``2h04m``, ``3d02h``."""
    if seconds is None:
        return "-"
    if seconds < 0:
        seconds = 0
    if seconds < 1:
        return f"{int(seconds * 1000)}ms"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def duration_between(start: str | None, end: str | None, now: datetime | None = None) -> float | None:
    """Seconds from ``start`` to ``end`` (or to ``now`` while still running)."""
    begin = parse_ts(start)
    if begin is None:
        return None
    finish = parse_ts(end) if end else now
    if finish is None:
        return None
    return (finish - begin).total_seconds()


def fmt_count(value: float | int | None) -> str:
    """``-``, ``980``, ``12.3k``, ``4.5M`` (tokens, events)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "-"
    if abs(value) < 1000:
        return str(int(value))
    if abs(value) < 1_000_000:
        return f"{value / 1000:.1f}k"
    return f"{value / 1_000_000:.1f}M"
