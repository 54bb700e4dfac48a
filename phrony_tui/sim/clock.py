"""Clocks for the simulator.

The simulator keeps its own time as integer milliseconds since an *epoch*; a
clock only decides what that epoch is. ``FixedClock`` pins it (deterministic
timestamps, byte-identical responses); ``WallClock`` (or ``clock=None``) takes
the real time when the simulator is made.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_iso(value: str | datetime) -> datetime:
    """An aware UTC datetime from an ISO-8601 string (``Z`` accepted) or a datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_iso(moment: datetime) -> str:
    """``2026-03-01T12:00:00.000Z``: millisecond precision, always UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class FixedClock:
    """A pinned start instant: the simulator's time 0 is this moment."""

    def __init__(self, start: str | datetime = "2026-03-01T12:00:00Z") -> None:
        self.start = parse_iso(start)

    def now(self) -> datetime:
        return self.start

    def __repr__(self) -> str:
        return f"FixedClock({format_iso(self.start)!r})"


class WallClock:
    """The real time at the moment the simulator asks (once, at construction)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "WallClock()"
