"""The timeline's selected row is visible: its own background over the whole width, in every
theme; reverse video when colours are off (NO_COLOR)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from textual.app import App, ComposeResult

from phrony_tui.ui.widgets.timeline import TimelineView

TONES = ("normal", "muted", "error", "waiting", "ok", "model", "tool")


class Rows:
    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    def cells(self, index: int) -> tuple[Sequence[str], str]:
        return (str(index + 1), "08:00:00", "Support Chat", "ToolCall", f"summary of row {index}"), TONES[index % 7]


class Harness(App):
    def compose(self) -> ComposeResult:
        yield TimelineView(id="timeline")


def _backgrounds(strip) -> set:
    return {segment.style.bgcolor for segment in strip if segment.style is not None}


async def _rows_drawn(theme: str | None, *, focus: bool = True):
    app = Harness()
    async with app.run_test(size=(120, 12)) as pilot:
        if theme:
            app.theme = theme
        view = app.query_one(TimelineView)
        view.set_source(Rows(8))
        if focus:
            view.focus()
        view.cursor = 3  # a "waiting" row: its type cell has a tone of its own
        await pilot.pause()
        width = view.scrollable_content_region.width
        # y == 0 is the header; row i is drawn at y == i + 1
        return width, view.render_line(4), view.render_line(3), view.render_line(5)


@pytest.mark.parametrize("theme", ["textual-dark", "nord", "ansi-dark", "ansi-light", "textual-light"])
@pytest.mark.parametrize("focus", [True, False])
async def test_cursor_row_has_its_own_background_across_the_whole_width(theme: str, focus: bool) -> None:
    width, cursor_row, above, below = await _rows_drawn(theme, focus=focus)
    assert cursor_row.cell_length == width
    cursor_bg = _backgrounds(cursor_row)
    assert len(cursor_bg) == 1, f"the cursor row mixes backgrounds: {cursor_bg}"
    assert None not in cursor_bg
    assert cursor_bg.isdisjoint(_backgrounds(above)) and cursor_bg.isdisjoint(_backgrounds(below))
    assert cursor_row.text != above.text  # a different row, not a cached copy


async def test_no_color_draws_the_cursor_in_reverse_video(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads (and removes) it when the app is made
    _, cursor_row, above, _ = await _rows_drawn(None)
    assert all(segment.style is not None and segment.style.reverse for segment in cursor_row)
    assert not any(segment.style is not None and segment.style.reverse for segment in above)
