"""The cold-start floor: the smallest Textual app that draws a table.

One DataTable whose first row holds the marker the suite waits for. Run as a
script (``python tests/benchmarks/floor_app.py``) in a pseudo-terminal.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

MARKER = "floor-ready-7"


class FloorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("name", "value")
        table.add_row(MARKER, "1")


if __name__ == "__main__":
    FloorApp().run()
