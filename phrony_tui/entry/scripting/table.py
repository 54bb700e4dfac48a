"""Plain-text columns that fit a width, counted in terminal cells (wide CJK and emoji
take two). Cells must already be safe one-line text (``core.safe_text.one_line``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ELLIPSIS = "…"
GAP = "  "

#: colours a cell by a status: (text, status) -> text
Styler = Callable[[str, "str | None"], str]


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: 2 for wide and full-width characters, 0 for combining ones."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells (ending in … when cut)."""
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        size = 0 if unicodedata.combining(ch) else (2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1)
        if used + size > width - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + ELLIPSIS


def pad(text: str, width: int, *, right: bool = False) -> str:
    room = " " * max(0, width - cell_width(text))
    return room + text if right else text + room


@dataclass
class Column:
    header: str
    #: lower goes first when the width is short (0: never dropped)
    keep: int = 1
    #: may be narrowed (down to ``least``) before a column is dropped
    flexible: bool = False
    least: int = 8
    right: bool = False
    #: colour the cells by their own text, as a status
    status: bool = False


def layout(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> tuple[list[int], list[int]]:
    """Which columns to show (indexes) and their widths so that a line fits ``width``:
    flexible columns narrow first, then the least kept columns go, then the flexible
    ones narrow to their least; what never goes is cut at the end of the line."""
    natural = [
        max([cell_width(col.header), *(cell_width(row[i]) for row in rows)]) for i, col in enumerate(columns)
    ]
    shown = list(range(len(columns)))
    widths = list(natural)

    def total() -> int:
        return sum(widths[i] for i in shown) + len(GAP) * (len(shown) - 1)

    def narrow(least: Callable[[int], int]) -> None:
        for i in sorted((i for i in shown if columns[i].flexible), key=lambda i: -widths[i]):
            over = total() - width
            if over <= 0:
                return
            widths[i] = max(least(i), widths[i] - over)

    # Flexible columns give up to half of their width, then columns go, then the rest.
    narrow(lambda i: max(columns[i].least, natural[i] // 2))
    while total() > width:
        droppable = [i for i in shown if columns[i].keep > 0]
        if not droppable:
            break
        shown.remove(min(droppable, key=lambda i: (columns[i].keep, -i)))
        widths = list(natural)
        narrow(lambda i: max(columns[i].least, natural[i] // 2))
    narrow(lambda i: columns[i].least)
    over = total() - width
    if over > 0:  # what never goes is still too wide: the last column is cut
        last = shown[-1]
        widths[last] = max(1, widths[last] - over)
    return shown, [widths[i] for i in shown]


def render(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int,
    style: Styler | None = None,
) -> list[str]:
    """The header and the rows as lines of at most ``width`` cells."""
    shown, widths = layout(columns, rows, width)
    lines = []
    for number, row in enumerate([[col.header for col in columns], *rows]):
        cells = []
        for i, size in zip(shown, widths, strict=True):
            col = columns[i]
            text = pad(fit(row[i], size), size, right=col.right)
            if style is not None and col.status and number > 0:
                text = style(text, row[i])
            cells.append(text)
        lines.append(GAP.join(cells).rstrip())
    return lines
