"""The timeline widget alone, in a tiny app: cursor, paging, scrolling and its strip cache.

As Textual tests its own widgets: no simulator, no main screen, deterministic rows.
The cursor's position is asserted (where it is, what row is on which line), never its
colours.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App, ComposeResult

from phrony_tui.ui.widgets.timeline import AHEAD_SLICE, TimelineView
from tests.support.screen import screen_text
from tests.support.waiting import wait_for

HEIGHT = 12  # one header line and 11 rows
BODY = HEIGHT - 1
PAGE = HEIGHT - 2  # a page moves the cursor by the height less two rows


class Rows:
    """``count`` rows whose first cell is their ordinal (index + 1); counts cell reads."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.summaries: dict[int, str] = {}
        self.reads: list[int] = []

    def __len__(self) -> int:
        return self.count

    def cells(self, index: int) -> tuple[Sequence[str], str]:
        self.reads.append(index)
        summary = self.summaries.get(index, f"step {index + 1}")
        return (str(index + 1), "12:00:00", "agent", "reasoning", summary), "normal"


class Harness(App[None]):
    CSS = "TimelineView { height: 100%; }"

    def __init__(self, rows: Rows) -> None:
        super().__init__()
        self.rows = rows
        self.moved: list[int] = []
        self.opened: list[int] = []

    def compose(self) -> ComposeResult:
        yield TimelineView()

    def on_mount(self) -> None:
        self.query_one(TimelineView).set_source(self.rows)

    def on_timeline_view_moved(self, message: TimelineView.Moved) -> None:
        self.moved.append(message.index)

    def on_timeline_view_opened(self, message: TimelineView.Opened) -> None:
        self.opened.append(message.index)


def lines(app: Harness) -> list[str]:
    return screen_text(app).splitlines()


def first_shown(app: Harness) -> int:
    """The ordinal on the first row under the header."""
    return int(lines(app)[1].split()[0])


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_cursor_moves_by_keys_and_stays_inside_the_rows():
    app = Harness(Rows(50))
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        assert app.focused is view and view.cursor == 0
        await pilot.press("up")  # already at the top
        assert view.cursor == 0
        await pilot.press("down", "j", "j")
        assert view.cursor == 3
        await pilot.press("k")
        assert view.cursor == 2
        await pilot.press("end")
        assert view.cursor == 49
        await pilot.press("down")  # already at the bottom
        assert view.cursor == 49
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("G")
        await wait_for(lambda: app.moved and app.moved[-1] == 49, pilot=pilot)  # the last move is told


async def test_page_down_and_up_move_by_a_page_and_scroll_the_cursor_into_view():
    app = Harness(Rows(100))
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        assert lines(app)[0].startswith("#") and first_shown(app) == 1
        await pilot.press("pagedown")
        assert view.cursor == PAGE and view.scroll_y == 0  # still on screen: no scroll
        await pilot.press("pagedown")
        assert view.cursor == 2 * PAGE
        await settle(pilot)
        # scrolled just enough: the cursor on the last line
        assert view.scroll_y == 2 * PAGE - BODY + 1
        assert first_shown(app) == 2 * PAGE - BODY + 2
        assert lines(app)[BODY].split()[0] == str(2 * PAGE + 1)
        await pilot.press("pageup", "pageup")
        await settle(pilot)
        assert view.cursor == 0 and view.scroll_y == 0 and first_shown(app) == 1
        await pilot.press("space")  # space pages down too
        assert view.cursor == PAGE


async def test_moving_up_past_the_top_row_scrolls_up_to_the_cursor():
    app = Harness(Rows(100))
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await pilot.press("end")
        await settle(pilot)
        assert view.scroll_y == 100 - BODY and lines(app)[BODY].split()[0] == "100"
        top = int(view.scroll_y)
        view.move_to(top - 3)
        await settle(pilot)
        assert view.scroll_y == top - 3 and first_shown(app) == top - 2  # the cursor's row is first


async def test_enter_opens_the_row_under_the_cursor():
    app = Harness(Rows(5))
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        await pilot.press("down", "down", "enter")
        await wait_for(lambda: app.opened, pilot=pilot)
        assert app.opened == [2]


async def test_new_rows_follow_the_end_only_when_the_cursor_was_there():
    rows = Rows(20)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await pilot.press("end")
        rows.count = 30
        view.rows_changed(follow_end=True, dirty_from=None)
        assert view.cursor == 29  # was on the last row: follows it
        await pilot.press("home")
        rows.count = 40
        view.rows_changed(follow_end=True, dirty_from=None)
        assert view.cursor == 0  # elsewhere: stays
        view.move_to(35)
        rows.count = 10  # fewer rows: the cursor is kept inside them
        view.rows_changed()
        assert view.cursor == 9
        view.rows_changed(keep_cursor=False)
        assert view.cursor == 0


async def test_drawn_rows_are_cached_until_they_change():
    rows = Rows(100)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        # only the rows on screen are read, and (drawn ahead, between keys) the last page for `end`
        assert sorted(set(rows.reads)) == [*range(BODY), *range(100 - BODY, 100)]
        rows.reads.clear()
        view.refresh()
        await settle(pilot)
        assert rows.reads == []  # drawn again from the cache
        # a row changed in place: it and the rows after it are read again, not those before
        rows.summaries[5] = "changed in place"
        view.rows_changed(dirty_from=5)
        await settle(pilot)
        assert sorted(set(rows.reads)) == [*range(5, BODY), *range(100 - BODY, 100)]  # (and the last page, ahead)
        assert "changed in place" in lines(app)[6]
        # rows appended past the screen: nothing drawn is read again (nor the moving last page)
        rows.reads.clear()
        rows.count = 120
        view.rows_changed(dirty_from=None)
        await settle(pilot)
        assert rows.reads == []


def reads_in_frames(view: TimelineView, rows: Rows) -> list[int]:
    """The rows read while a frame draws the timeline (not between frames), from now on."""
    in_frame: list[int] = []
    original = view.render_lines

    def render_lines(crop):
        before = len(rows.reads)
        try:
            return original(crop)
        finally:
            in_frame.extend(rows.reads[before:])

    view.render_lines = render_lines  # type: ignore[method-assign]
    return in_frame


async def test_the_page_a_key_shows_is_drawn_ahead_between_keys():
    # A page-down or `end` frame reads no row: those rows were drawn (into the row
    # cache) after the previous frame. The old code read each new row inside the frame.
    rows = Rows(1000)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        in_frame = reads_in_frames(view, rows)
        for key in ("pagedown", "pagedown", "pagedown", "end", "pageup", "home", "pagedown"):
            await pilot.press(key)
            await settle(pilot)
        assert first_shown(app) == 1 and view.cursor == PAGE
        assert in_frame == []
        assert 1000 - BODY in rows.reads and 3 * PAGE + BODY - 1 in rows.reads  # read, between the keys
        # and no more than the pages a key can reach: a screen either side, the first and the last
        assert len(set(rows.reads)) <= 9 * BODY


async def test_drawing_ahead_is_sliced_and_starts_again_from_a_new_cursor():
    rows = Rows(1000)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        slices: list[int] = []
        original = view._draw_ahead

        def draw_ahead() -> None:
            before = len(rows.reads)
            original()
            slices.append(len(rows.reads) - before)

        view._draw_ahead = draw_ahead  # type: ignore[method-assign]
        rows.reads.clear()
        view.move_to(500)  # the rows a page either side of row 500 are new: more than a slice
        await settle(pilot)
        view.action_cursor(1)
        await wait_for(lambda: view._ahead is None and 511 in rows.reads, pilot=pilot)
        assert view.cursor == 501
        assert len(slices) >= 3 and max(slices) <= AHEAD_SLICE  # a key waits one slice at most
        assert set(range(501, 512)) <= set(rows.reads)  # the page below row 501, drawn ahead


async def test_the_last_page_is_not_drawn_ahead_while_rows_keep_coming():
    rows = Rows(1000)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        for _ in range(3):  # a stream: more rows, and a key, between frames
            rows.count += 50
            view.rows_changed(dirty_from=None)
            await pilot.press("down")
            await settle(pilot)
        assert not set(rows.reads) & set(range(1000, rows.count))  # its last page moved on each time
        view.rows_changed(dirty_from=None)  # the rows stopped coming: now it is drawn ahead
        await settle(pilot)
        assert set(range(rows.count - BODY, rows.count)) <= set(rows.reads)


async def test_a_stale_row_shows_until_it_is_said_to_have_changed():
    rows = Rows(10)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        rows.summaries[2] = "new text"
        view.refresh()
        await settle(pilot)
        assert "new text" not in screen_text(app)  # the cache is what makes 50,000 rows cheap
        view.rows_changed()  # dirty_from=0: everything
        await settle(pilot)
        assert "new text" in lines(app)[3]


async def test_a_theme_change_drops_the_cached_strips():
    rows = Rows(30)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        await settle(pilot)
        rows.reads.clear()
        app.theme = "nord" if app.theme != "nord" else "gruvbox"
        await wait_for(lambda: rows.reads, pilot=pilot)
        assert sorted(set(rows.reads)) == list(range(BODY))  # every row on screen drawn anew


async def test_a_resize_drops_the_cached_strips_and_keeps_the_cursor():
    rows = Rows(30)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        rows.reads.clear()
        await pilot.resize_terminal(90, HEIGHT)
        await wait_for(lambda: rows.reads, pilot=pilot)
        assert view.cursor == 3 and set(range(BODY)) <= set(rows.reads)


class CountingView(TimelineView):
    """Counts the lines it is asked to draw (a refresh asks for every line on screen)."""

    drawn = 0

    def render_line(self, y: int):
        CountingView.drawn += 1
        return super().render_line(y)


class CountingHarness(Harness):
    def compose(self) -> ComposeResult:
        yield CountingView()


async def test_rows_appended_below_the_screen_redraw_no_line_and_rows_that_show_do():
    rows = Rows(100)
    app = CountingHarness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        CountingView.drawn = 0
        for more in range(5):  # a firehose's flushes, the cursor at the top
            rows.count = 120 + 20 * more
            view.rows_changed(follow_end=True, dirty_from=None)
            await settle(pilot)
        assert CountingView.drawn == 0 and view.cursor == 0
        assert view.virtual_size.height == rows.count + 1  # the scrollbar knows of them
        await pilot.press("end")  # following the end: the new rows show, so they are drawn
        await settle(pilot)
        CountingView.drawn = 0
        rows.count += 20
        view.rows_changed(follow_end=True, dirty_from=None)
        await settle(pilot)
        assert view.cursor == rows.count - 1 and CountingView.drawn > 0
        assert first_shown(app) == rows.count - BODY + 1


async def test_rows_appended_to_a_screen_not_yet_full_are_drawn():
    rows = Rows(3)
    app = Harness(rows)
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.query_one(TimelineView)
        await settle(pilot)
        rows.count = 6
        view.rows_changed(dirty_from=None)
        await settle(pilot)
        assert lines(app)[6].split()[0] == "6"
