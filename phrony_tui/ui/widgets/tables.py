"""``Table``: Textual's DataTable, with auto-width columns that never stay cut short."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
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


def one_line_cell(
    console: Console, options: ConsoleOptions, text: Text, width: int, padding: int, pre_style: Style,
    post_style: Style,
) -> list[Segment] | None:  # fmt: skip
    """The line DataTable draws for a one-line ``Text`` cell ``width`` cells wide:
    ``console.render_lines(Styled(Padding(text, (0, padding)), pre_style, post_style),
    options.update_dimensions(width, 1).update(no_wrap=True))[0]``, the same Rich steps
    in the same order, without the generic layers around them (each casts, measures and
    splits again: most of drawing a list's first frame). None when the text is not such
    a cell (several lines, tabs, a wrap asked for, full justification): draw it as DataTable does."""
    inner = width - 2 * padding
    plain = text.plain
    justify = text.justify or options.justify or "default"
    if inner < 1 or "\n" in plain or "\t" in plain or text.no_wrap is False or justify == "full":
        return None
    overflow = text.overflow or options.overflow or "fold"
    # Text.__rich_console__: its wrap (no wrapping: justified, then cut), joined, rendered.
    lines = text.wrap(console, inner, justify=justify, overflow=overflow, no_wrap=True)
    segments = [segment for segment in Text("\n").join(lines).render(console) if segment.text]
    # Padding: its text cut or padded to the inner width, a blank each side, its "none" style.
    blank = console.get_style("none")
    line = Segment.adjust_line_length(segments, inner, style=blank, pad=True)
    if padding:
        line = [Segment(" " * padding, blank), *line, Segment(" " * padding, blank)]
    # Styled, then the line cut to the cell.
    styled = list(Segment.apply_style(line, style=pre_style, post_style=post_style))
    return Segment.adjust_line_length(styled, width, pad=True)
