"""Times in the local zone (TZ), the zone named in the headers, ages in the sessions list,
elapsed time for running sessions and "updated … ago"; all from the app's clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from phrony_tui.core.format import fmt_age, fmt_time, use_zone, zone_name
from phrony_tui.core.status import is_terminal
from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.timeline import TimelineView
from tests.support.screen import screen_text
from tests.support.waiting import wait_for

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def tz(monkeypatch: pytest.MonkeyPatch):
    """Set the process's TZ as a person's shell would."""

    def set_tz(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()
    use_zone(None)


def test_times_follow_tz_and_the_zone_is_named(tz) -> None:
    tz("Asia/Kolkata")
    use_zone(None)  # the system's zone, read now
    assert fmt_time("2026-03-01T12:00:00Z") == "17:30:00"
    assert zone_name(NOW) == "IST"
    use_zone(ZoneInfo("Europe/Berlin"))
    assert fmt_time("2026-03-01T12:00:00Z") == "13:00:00" and zone_name(NOW) == "CET"


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=-5), "now"),
        (timedelta(seconds=12), "12s ago"),
        (timedelta(minutes=3, seconds=59), "3m ago"),
        (timedelta(hours=5, minutes=1), "5h ago"),
        (timedelta(days=1, hours=2), "02-28 10:00"),  # from a day on: the date and time
    ],
)
def test_ages_are_relative_then_a_date(ago: timedelta, text: str) -> None:
    use_zone(UTC)
    try:
        stamp = (NOW - ago).isoformat().replace("+00:00", "Z")
        assert fmt_age(stamp, NOW) == text
    finally:
        use_zone(None)


async def test_sessions_show_ages_elapsed_time_and_when_they_were_updated(sim, make_app) -> None:
    use_zone(UTC)
    app = make_app()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            pane = app.screen.query_one(SessionsPane)
            await wait_for(lambda: bool(pane.feed.rows) and pane.updated_at is not None, pilot=pilot)
            table = pane.table
            assert [str(column.label) for column in table.columns.values()][3] == "started UTC"
            now = app.clock()
            rows = pane._shown
            cells = {s.id: [str(c) for c in table.get_row(s.id)] for s in rows}
            running = [s for s in rows if not s.finished_at and not is_terminal(s.status)]
            assert running, "the demo world has live sessions"
            for session in running:
                took = cells[session.id][4]
                assert took != "…" and took[0].isdigit(), took  # elapsed since it started
            recent = [s for s in rows if (now - datetime.fromisoformat(s.started_at.replace("Z", "+00:00"))).days < 1]
            assert recent and all(cells[s.id][3].endswith("ago") or cells[s.id][3] == "now" for s in recent)
            assert "updated now" in screen_text(app)
            # a minute later, by the app's clock: the info line says so (the tick redraws it)
            later = now + timedelta(seconds=75)
            app.clock = lambda: later
            await wait_for(lambda: "updated 1m ago" in screen_text(app), pilot=pilot)
            header = app.screen.query_one(TimelineView).render_line(0).text
            assert header.split()[1:3] == ["time", "UTC"]
    finally:
        use_zone(None)
