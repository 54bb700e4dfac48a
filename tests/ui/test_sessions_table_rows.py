"""Adding the sessions list's rows measures no cell: every column has a fixed width and
every row one line (DataTable measures each new cell to size auto-width columns)."""

from __future__ import annotations

import pytest
import textual.widgets._data_table as data_table

from tests.support.screen import main_screen
from tests.support.waiting import wait_for


@pytest.mark.full_world  # a list of more than 50 rows
async def test_the_rows_are_added_without_measuring_their_cells(make_app, monkeypatch):
    measured: list[object] = []
    real = data_table.measure

    def counting(console, renderable, default, *args, **kwargs):
        measured.append(renderable)
        return real(console, renderable, default, *args, **kwargs)

    monkeypatch.setattr(data_table, "measure", counting)
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = main_screen(app)
        table = screen.query_one("#sessions-table")
        await wait_for(lambda: screen.settled and table.row_count > 50, pilot=pilot)
        await pilot.pause()
        assert len(measured) < 20  # the column labels at most, never 9 cells a row
        assert table.virtual_size.height == table.row_count + 1  # the rows and the header
        assert table.virtual_size.width == sum(c.get_render_width(table) for c in table.columns.values())


async def test_a_redraw_reads_each_row_s_times_once(make_app, monkeypatch):
    import phrony_tui.ui.widgets.sessions as sessions

    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = main_screen(app)
        pane = screen.query_one(sessions.SessionsPane)
        await wait_for(lambda: screen.settled and pane.table.row_count > 5, pilot=pilot)
        ages: list[object] = []
        real = sessions.fmt_age

        def counting(value, now):
            ages.append(value)
            return real(value, now)

        monkeypatch.setattr(sessions, "fmt_age", counting)
        before = [pane.table.get_row_at(n) for n in range(pane.table.row_count)]
        pane.refresh_rows()
        assert len(ages) == len(pane._shown) == pane.table.row_count  # once a row (twice before)
        assert [pane.table.get_row_at(n) for n in range(pane.table.row_count)] == before
