"""The sessions table draws only the cells of the columns on screen (DataTable draws every
cell of a line, then crops it), and adds a list's rows with its bookkeeping once: what it
shows, scrolled or not, is what DataTable shows for the same rows."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from phrony_tui.ui.widgets.sessions import COLUMNS, SessionsTable

ROWS = [([Text(f"{'●' if n % 3 else ' '}"), Text(f"status {n}", style="bold"), Text(f"agent {n}"),
          Text(f"{n}m ago"), Text(f"{n}s"), Text(str(n), justify="right"), Text(f"{n}k", justify="right"),
          Text(f"trigger {n}"), Text(f"model-{n}")], f"session-{n}") for n in range(40)]  # fmt: skip


class Tables(App[None]):
    CSS = "DataTable { width: 48; height: 14; }"

    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[tuple[str | None, object]] = []

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.highlighted.append((event.data_table.id, event.row_key))

    def compose(self) -> ComposeResult:
        for table in (SessionsTable(id="quick", cursor_type="row", zebra_stripes=True),
                      DataTable(id="plain", cursor_type="row", zebra_stripes=True)):  # fmt: skip
            for label, width in COLUMNS:
                table.add_column(label, width=width)
            yield table


def lines(table: DataTable) -> list[str]:
    return ["".join(segment.text for segment in table.render_line(y)) for y in range(table.size.height)]


def styled(table: DataTable) -> list[list[tuple[str, object]]]:
    return [[(s.text, s.style) for s in table.render_line(y)] for y in range(table.size.height)]


async def test_it_draws_what_datatable_draws_scrolled_or_not_and_only_the_cells_on_screen():
    app = Tables()
    async with app.run_test(size=(120, 30)) as pilot:
        quick, plain = app.query_one("#quick", SessionsTable), app.query_one("#plain", DataTable)
        drawn: list[tuple[int, int]] = []
        real = DataTable._render_cell

        def counting(self, row_index, column_index, *args, **kwargs):
            if self is quick:
                drawn.append((row_index, column_index))
            return real(self, row_index, column_index, *args, **kwargs)

        DataTable._render_cell = counting  # type: ignore[method-assign]
        quick.add_rows_at_once(ROWS)
        for cells, key in ROWS:
            plain.add_row(*cells, key=key)
        app.set_focus(None)  # the focused one is drawn in other colours
        await pilot.pause()
        try:
            assert styled(quick) == styled(plain)
            # 48 wide: the cells of columns 0-3 (3 + 20 + 20 cells, then the start of "started")
            assert {column for _, column in drawn} == {0, 1, 2, 3}
            for x in (30, 60, 200):  # scrolled right: the other columns come, as DataTable draws them
                quick.scroll_to(x=x, animate=False, immediate=True)
                plain.scroll_to(x=x, animate=False, immediate=True)
                await pilot.pause()
                assert quick.scroll_offset == plain.scroll_offset
                assert styled(quick) == styled(plain)
            assert any("model-0" in line for line in lines(quick))
            quick.move_cursor(row=5)
            plain.move_cursor(row=5)
            await pilot.pause()
            assert styled(quick) == styled(plain)
        finally:
            DataTable._render_cell = real  # type: ignore[method-assign]


async def test_its_rows_added_at_once_are_datatable_s_rows_added_one_by_one():
    app = Tables()
    highlighted = app.highlighted
    async with app.run_test(size=(120, 30)) as pilot:
        quick, plain = app.query_one("#quick", SessionsTable), app.query_one("#plain", DataTable)
        quick.add_rows_at_once(ROWS)
        for cells, key in ROWS:
            plain.add_row(*cells, key=key)
        await pilot.pause()
        assert list(quick.rows) == list(plain.rows)
        assert [quick.get_row(key) for key in quick.rows] == [plain.get_row(key) for key in plain.rows]
        assert quick.cursor_coordinate == plain.cursor_coordinate
        assert quick.virtual_size == plain.virtual_size
        first = quick.coordinate_to_cell_key((0, 0))[0]
        assert [h for h in highlighted if h[0] == "quick"] == [("quick", first)]  # once, the first row
        assert [h for h in highlighted if h[0] == "plain"] == [("plain", first)]
        quick.add_rows_at_once([])  # nothing to add: nothing changes
        assert quick.row_count == len(ROWS)


def _tricky(n: int) -> list[Text]:
    """Cells DataTable draws in its own ways: wide characters cut in the middle, an
    ellipsis, spans, empty, justified, a style with a background, a long run of text."""
    spans = Text.assemble(("ok ", "bold green"), ("then ", ""), ("late", "italic red on blue"))
    return [
        Text("◆", style="bold magenta") if n % 2 else Text(" "),
        Text("waiting for a human being", style="yellow", no_wrap=True, overflow="ellipsis"),
        Text("研究オーケストレーター" * (n % 3 + 1), no_wrap=True, overflow="ellipsis"),
        Text("", style="italic"),
        spans,
        Text(str(n * 7919), justify="right"),
        Text(f"{n}", justify="center", style="on red"),
        Text("x" * (n * 3), no_wrap=True, overflow="fold"),
        Text("emoji 🙂 and a tail that runs far past the column's edge", overflow="crop"),
    ]


async def test_one_line_cells_of_every_kind_are_drawn_as_datatable_draws_them_without_its_cell_path():
    app = Tables()
    async with app.run_test(size=(160, 30)) as pilot:
        quick, plain = app.query_one("#quick", SessionsTable), app.query_one("#plain", DataTable)
        rows = [(_tricky(n), f"row-{n}") for n in range(30)]
        quick.add_rows_at_once(rows)
        for cells, key in rows:
            plain.add_row(*cells, key=key)
        app.set_focus(None)
        await pilot.pause()
        body_cells_by_datatable: list[tuple[int, int]] = []
        real = DataTable._render_cell

        def counting(self, row_index, column_index, *args, **kwargs):
            if self is quick and row_index >= 0:
                body_cells_by_datatable.append((row_index, column_index))
            return real(self, row_index, column_index, *args, **kwargs)

        DataTable._render_cell = counting  # type: ignore[method-assign]
        try:
            for width in (48, 90, 150):
                quick.styles.width = plain.styles.width = width
                await pilot.pause()
                for x in (0, 17, 41, 200):
                    quick.scroll_to(x=x, animate=False, immediate=True)
                    plain.scroll_to(x=x, animate=False, immediate=True)
                    await pilot.pause()
                    assert styled(quick) == styled(plain), (width, x)
            for row in (0, 3, 4):  # the cursor's row in its own colours; zebra stripes either side
                quick.move_cursor(row=row)
                plain.move_cursor(row=row)
                await pilot.pause()
                assert styled(quick) == styled(plain)
            app.set_focus(quick)  # each drawn focused (the cursor in the focused colours)
            await pilot.pause()
            focused_quick = styled(quick)
            app.set_focus(plain)
            await pilot.pause()
            assert focused_quick == styled(plain) != styled(quick)
            assert any("研究" in line for line in lines(quick))
            assert body_cells_by_datatable == []  # every body cell took the one-line path
        finally:
            DataTable._render_cell = real  # type: ignore[method-assign]
