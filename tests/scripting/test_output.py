"""Output rules: colours only on a terminal (and never with NO_COLOR); tables that fit
in terminal cells, wide characters counted as two."""

from __future__ import annotations

import io
import sys

from phrony_tui.entry.scripting.common import Output
from phrony_tui.entry.scripting.table import Column, cell_width, render


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colours_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert Output.for_process({"TERM": "xterm"}).status("Failed") == "\x1b[31;1mFailed\x1b[0m"
    assert Output.for_process({"TERM": "xterm", "NO_COLOR": "1"}).status("Failed") == "Failed"
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # a pipe
    piped = Output.for_process({"TERM": "xterm"})
    assert piped.status("Failed") == "Failed" and piped.width is None  # no colour, no cut
    assert Output.for_process({"COLUMNS": "50"}).width == 50


def test_a_piped_table_has_no_escape(world, cli):
    env = {k: v for k, v in world.env.items() if k != "NO_COLOR"}
    done = cli("sessions", "--agent", world.sim.agents["failing"], env=env)
    assert done.returncode == 0 and "Failed" in done.stdout and "\x1b" not in done.stdout


def test_tables_fit_in_cells_with_wide_text():
    columns = [Column("ID", keep=0), Column("NAME", flexible=True, least=4), Column("NOTE", keep=1)]
    rows = [["a1", "データ分析エージェント", "x"], ["b2", "Research Orchestrator", "a long note here"]]
    assert cell_width("データ") == 6
    for width in (12, 20, 30, 80):
        lines = render(columns, rows, width)
        assert all(cell_width(line) <= width for line in lines), (width, lines)
        assert all(line.startswith(("ID", "a1", "b2")) for line in lines)  # the id never goes
    assert "NOTE" not in render(columns, rows, 20)[0] and "NOTE" in render(columns, rows, 80)[0]
