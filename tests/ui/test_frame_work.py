"""What a cursor key's frames draw on the main screen: the timeline's rows and its title
row, nothing else. Counted (widgets asked for lines, lines drawn afresh), never timed."""

from __future__ import annotations

from collections import Counter

import pytest
from textual.widget import Widget

from phrony_tui.ui.widgets.footer import KeysFooter
from phrony_tui.ui.widgets.live_log import LiveLog
from phrony_tui.ui.widgets.sessions import SessionsPane
from phrony_tui.ui.widgets.status_bar import StatusBar
from phrony_tui.ui.widgets.timeline import TimelineView
from phrony_tui.ui.widgets.timeline_pane import TimelinePane
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Lines each widget (by type) is asked for by the compositor, from when it is reset."""
    lines: Counter = Counter()
    original = Widget.render_lines

    def render_lines(widget, crop):
        for owner in (LiveLog, StatusBar, KeysFooter, SessionsPane, TimelineView, TimelinePane):
            if widget is not None and any(isinstance(node, owner) for node in widget.ancestors_with_self):
                lines[owner.__name__] += crop.height
                break
        return original(widget, crop)

    monkeypatch.setattr(Widget, "render_lines", render_lines)
    return lines


async def test_a_cursor_key_draws_the_timeline_and_its_title_row_only(sim, make_app, asked):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and not screen.state.loading, pilot=pilot)
        view = app.screen.query_one(TimelineView)
        pane = app.screen.query_one(TimelinePane)
        await wait_for(lambda: view.has_focus and len(view._source) > 3, pilot=pilot)
        await pilot.pause()
        fresh: list[int] = []  # the pane's own lines drawn again (not from its cache)
        cache = pane._styles_cache
        draw = cache.render_line

        def render_line(styles, y, *args):
            fresh.append(y)
            return draw(styles, y, *args)

        cache.render_line = render_line  # type: ignore[method-assign]
        asked.clear()
        await pilot.press("down", "down")
        await pilot.pause()
        asked_in_frames, fresh_in_frames = Counter(asked), list(fresh)
        assert view.cursor == 2 and "Timeline · 3 /" in screen_text(app)  # (a whole screen drawn here)
        asked, fresh = asked_in_frames, fresh_in_frames
        assert asked["TimelineView"] > 0
        # the panes around it were asked for no line (Textual asks every widget whose clip
        # overlaps the update: the live log, the status line, the footer, the sessions list)
        assert [name for name in ("LiveLog", "StatusBar", "KeysFooter", "SessionsPane") if asked[name]] == []
        # the new title: the pane's top border row, drawn again once per key
        assert fresh == [0, 0]
