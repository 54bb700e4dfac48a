"""ui.text's cells: sanitized once per distinct short text (a list repeats names), the
same result as the sanitizer's every time, long texts not kept."""

from __future__ import annotations

from phrony_tui.core import safe_text
from phrony_tui.ui import text


def test_a_repeated_cell_is_sanitized_once_and_reads_the_same(monkeypatch):
    calls: list[str] = []
    real = safe_text.one_line

    def counting(value: str, limit: int = 200) -> str:
        calls.append(value)
        return real(value, limit)

    monkeypatch.setattr(text, "one_line", counting)
    monkeypatch.setattr(text, "_LINES", {})
    hostile = "Refund\x1b]0;pwned\x07 [b]Desk[/b]\nnext"
    cells = [text.cell(hostile, 18) for _ in range(50)] + [text.status_text("WaitingForHITL") for _ in range(50)]
    assert len(calls) == 2  # one per distinct (text, limit)
    assert {c.plain for c in cells[:50]} == {real(hostile, 18)}
    assert cells[0] is not cells[1]  # a Text per cell: never shared between rows
    long = "x" * 500
    text.cell(long, 80)
    text.cell(long, 80)
    assert calls.count(long) == 2  # long texts are not kept
