"""Small, pure formatters for times, durations and counts shown in the panes.

Times are shown in the local zone (the system's, which honours ``TZ``; set it to
``UTC`` to agree with a server's logs), and the panes name the zone in their
column headers (:func:`zone_name`). :func:`use_zone` pins another zone (tests).
Relative ages (:func:`fmt_age`) take "now" from the caller: the app's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache

#: the zone times are shown in; None: the system's local zone (``TZ``), read per call
_zone: tzinfo | None = None


def use_zone(zone: tzinfo | None) -> None:
    """Show times in ``zone`` (None: the system's local zone again)."""
    global _zone
    _zone = zone
    _local.cache_clear()


def _to_zone(moment: datetime) -> datetime:
    return moment.astimezone(_zone) if _zone is not None else moment.astimezone()


def zone_name(now: datetime | None = None) -> str:
    """The zone times are shown in, as the clock shows it: ``UTC``, ``CET``, ``+0530``."""
    name = _to_zone(now or datetime.now(UTC)).tzname() or ""
    if name.startswith(("+", "-")) and len(name) == 3:  # "+05": say it with minutes
        name += "00"
    return name or "local"


@lru_cache(maxsize=65536)
def _local(value: str) -> datetime | None:
    # Cached: a 50,000-step timeline repeats timestamps (bursts), and rows are redrawn.
    parsed = parse_ts(value)
    return _to_zone(parsed) if parsed is not None else None


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
    """``HH:MM:SS`` (local zone), ``-`` when missing, ``?`` when unreadable."""
    if not value:
        return "-"
    parsed = _local(value) if isinstance(value, str) else None
    return parsed.strftime("%H:%M:%S") if parsed else "?"


def fmt_datetime(value: str | None) -> str:
    """``YYYY-MM-DD HH:MM`` (local zone)."""
    if not value:
        return "-"
    parsed = _local(value) if isinstance(value, str) else None
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else "?"


def fmt_short_datetime(value: str | None) -> str:
    """``MM-DD HH:MM`` (local zone): what fits a list column."""
    if not value:
        return "-"
    parsed = _local(value) if isinstance(value, str) else None
    return parsed.strftime("%m-%d %H:%M") if parsed else "?"


def fmt_ago(seconds: float) -> str:
    """``now``, ``12s ago``, ``3m ago``, ``5h ago``, ``2d ago``."""
    whole = int(seconds)
    if whole < 1:
        return "now"
    if whole < 60:
        return f"{whole}s ago"
    if whole < 3600:
        return f"{whole // 60}m ago"
    if whole < 86400:
        return f"{whole // 3600}h ago"
    return f"{whole // 86400}d ago"


def fmt_age(value: str | None, now: datetime) -> str:
    """How long ago ``value`` was, as a list shows it: ``12s ago``, ``3m ago``, ``5h ago``;
    from a day on, the date and time (``MM-DD HH:MM``, local zone). A time ahead of
    ``now`` (clock skew) shows as ``now``."""
    if not value:
        return "-"
    parsed = parse_ts(value)
    if parsed is None:
        return "?"
    seconds = (now - parsed).total_seconds()
    if seconds >= 86400:
        return fmt_short_datetime(value)
    return fmt_ago(max(seconds, 0))


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


def fmt_size(size: int) -> str:
    """``512 B``, ``12.0 KiB``, ``3.4 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover
