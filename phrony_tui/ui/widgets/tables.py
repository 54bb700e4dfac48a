"""``Table``: Textual's DataTable, with auto-width columns that never stay cut short."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Table(DataTable):
    """A DataTable whose cells are drawn again when new rows widen a column.

    DataTable measures new rows on idle (``_update_dimensions``) and caches drawn cells
    and lines by its update count, not by column width. A frame drawn between
    ``add_row`` and that idle (a busy machine, or a layout elsewhere on the screen)
    caches the new cells cut to the old widths, and they stayed cut ("API (…") after the
    columns grew, until something else changed the table. Textual does the same on a
    resize: a new update count, so nothing drawn at the old widths is reused.
    """

    def _render_widths(self) -> list[int]:
        return [column.get_render_width(self) for column in self.ordered_columns]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        before = self._render_widths()
        super()._update_dimensions(new_rows)
        if self._render_widths() != before:
            self._update_count += 1
            self.refresh()
