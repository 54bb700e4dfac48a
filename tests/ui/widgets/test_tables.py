"""``Table``: a frame drawn between ``add_row`` and the table's idle measure (what a busy
machine does) must not leave the new cells cut to the old column widths."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from phrony_tui.ui.widgets.tables import Table
from tests.support.screen import screen_text


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Table(id="table")


@pytest.mark.parametrize("rows_before", [0, 2])  # 2: the case Textual leaves cut
async def test_a_frame_before_the_measure_does_not_keep_cells_cut(rows_before):
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(Table)
        table.add_column("source", key="source")
        table.add_column("outcome", key="outcome")
        for n in range(rows_before):
            table.add_row("API", f"ok {n}")
        await pilot.pause()
        table.clear()
        table.add_row("API (retry of 26f433b1)", "accepted (Running)")
        # A frame now, before the table's idle has measured the new row.
        early = screen_text(app)
        assert "API (retry of 26f433b1)" not in early  # cut to the old width, as Textual draws it
        await pilot.pause()
        assert table.columns[table.ordered_columns[0].key].content_width == len("API (retry of 26f433b1)")
        assert "API (retry of 26f433b1)" in screen_text(app)
        assert "accepted (Running)" in screen_text(app)

