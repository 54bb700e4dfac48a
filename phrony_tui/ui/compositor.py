"""The main screen's compositor: a partial update asks only the widgets it shows for lines.

Textual's ``Compositor._get_renders(crop)`` picks the widgets whose *clip* (the region
their container lets them draw in) overlaps the updated area, and asks each for every
line it shows. A cursor key repaints the timeline pane (the right column's top), yet
the screen, both columns, the status line, the footer and the live log below were each
asked for all their lines (~280 lines a frame where ~32 are written): about half of a
page-down frame's work. Here a widget is asked only when what it shows overlaps the
updated area, and only for the lines inside it (rows outside are never written: a
``ChopsUpdate`` writes the updated spans only). Columns are kept whole: the chops are cut
at widget edges, which the updated area's sides need not be.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


class LinesCompositor(Compositor):
    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if not crop:
            yield from super()._get_renders(crop)
            return
        _rich_traceback_guard = True  # Textual's: a widget's error shows its own traceback
        top, bottom = crop.y, crop.bottom
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not shown.overlaps(crop):
                continue
            y = max(shown.y, top)
            height = min(shown.bottom, bottom) - y
            # The clip narrowed to those lines: the caller draws ``region ∩ clip``.
            lines = clip.intersection(Region(clip.x, y, clip.width, height))
            yield (
                region,
                lines,
                widget.render_lines(Region(shown.x - region.x, y - region.y, shown.width, height)),
            )
