"""The live log's lines (``LiveLines``): a write under a firehose lays nothing out again
(a layout pass of the whole screen on every flush was 10-40 ms); the lines, the cap and
the scrolling are Textual's ``Log``'s. Counted, never timed."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen

from phrony_tui.ui.widgets.live_log import LiveLines
from tests.support.screen import screen_text


class LinesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveLines(max_lines=100, id="lines")


async def test_writes_do_not_lay_the_screen_out_again(monkeypatch):
    layouts = 0
    original = Screen._refresh_layout

    def counting(screen, *args, **kwargs):
        nonlocal layouts
        layouts += 1
        return original(screen, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counting)
    app = LinesApp()
    async with app.run_test(size=(60, 10)) as pilot:
        lines = app.query_one(LiveLines)
        lines.write_lines([f"event {n}" for n in range(30)])  # past the height: the scrollbar shows
        await pilot.pause()
        before = layouts
        for burst in range(10):
            lines.write_lines([f"burst {burst} event {n}" for n in range(20)])
            await pilot.pause()
        assert layouts == before  # Textual's Log: one layout per write
        assert len(lines.lines) == 100  # the cap holds
        assert lines.lines[-1] == "burst 9 event 19"
        assert lines.is_vertical_scroll_end  # still following the end
        assert "burst 9 event 19" in screen_text(app)


async def test_a_wider_line_widens_the_scrollable_width():
    app = LinesApp()
    async with app.run_test(size=(40, 10)) as pilot:
        lines = app.query_one(LiveLines)
        lines.write_lines(["short"])
        lines.write_lines(["x" * 120])
        await pilot.pause()
        assert lines.virtual_size.width == 120 and lines.virtual_size.height == 2
