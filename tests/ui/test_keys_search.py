"""The timeline says where the cursor is; search marks what it found, counts it, says when
nothing matches, and searches the agent column; the run tree's cursor spans the row."""

from __future__ import annotations

import pytest

from phrony_tui.ui.widgets.run_tree import RunTree
from phrony_tui.ui.widgets.timeline import TimelineView
from phrony_tui.ui.widgets.timeline_pane import TimelinePane
from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)


async def test_the_title_shows_the_cursor_position(sim, make_app):
    _, run_id = sim.find_sessions("failing", "Failed")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        pane = app.screen.query_one(TimelinePane)
        count = len(screen.state.rows())
        await wait_for(lambda: pane.border_title == f"Timeline · 1 / {count:,}", pilot=pilot)
        await pilot.press("down", "down")
        await pilot.pause()
        assert pane.border_title == f"Timeline · 3 / {count:,}"
        assert f"Timeline · 3 / {count:,}" in screen_text(app)


@pytest.mark.full_world
async def test_search_counts_marks_and_says_when_nothing_matches(sim, make_app):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        state = screen.state
        rows = state.rows()
        view = app.screen.query_one(TimelineView)
        # an agent that is not the root's: only its run's rows name it, in the agent column
        labels = {state.agent_label(rows.item(i).run_id) for i in range(len(rows))}
        root = state.agent_label(state.run_id)
        agent = sorted(label for label in labels if label != root)[0]
        expected = [i for i in range(len(rows)) if state.agent_label(rows.item(i).run_id) == agent]
        word = agent.split()[-1]
        assert word.lower() not in root.lower()
        await pilot.press("home", "slash", *word, "enter")
        await pilot.pause()
        assert view.cursor == expected[0]
        pane = app.screen.query_one(TimelinePane)
        assert set(expected) <= set(pane.matches())
        total = len(pane.matches())
        assert f'match 1 of {total} for "{word}"' in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert f'match 2 of {total} for "{word}"' in screen_text(app)
        # the match is marked in the rows (underlined: it shows without colours too)
        y = view.cursor - round(view.scroll_y) + 1
        marked = [seg.text for seg in view.render_line(y) if seg.style is not None and seg.style.underline]
        assert marked == [word]
        other = next(i for i in range(len(rows)) if i not in pane.matches())
        view.cursor = other
        await pilot.pause()
        plain = view.render_line(other - round(view.scroll_y) + 1)
        assert not any(seg.style is not None and seg.style.underline for seg in plain)
        await pilot.press("slash")
        app.screen.query_one("#timeline-search").value = ""
        await pilot.press(*"zzqx", "enter")
        await pilot.pause()
        assert view.cursor == other  # nothing found: the cursor stays
        assert 'no match for "zzqx"' in screen_text(app)


@pytest.mark.full_world
async def test_the_run_tree_cursor_covers_the_whole_row(sim, make_app):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    app = make_app(run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        tree = app.screen.query_one(RunTree)
        await wait_for(lambda: tree.last_line >= 1, pilot=pilot)
        tree.focus()
        await pilot.press("down")
        await pilot.pause()
        line = tree.cursor_line
        strip = tree.render_line(line - round(tree.scroll_y))
        width = tree.scrollable_content_region.width
        assert strip.cell_length == width
        backgrounds = {seg.style.bgcolor for seg in strip if seg.style is not None}
        assert len(backgrounds) == 1 and None not in backgrounds
        other = tree.render_line((0 if line else 1) - round(tree.scroll_y))
        assert backgrounds.isdisjoint({seg.style.bgcolor for seg in other if seg.style is not None})
