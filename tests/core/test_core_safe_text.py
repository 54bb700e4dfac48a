"""The sanitizer, one_line / truncate, and the bounded JSON previews."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phrony_tui.core.safe_text import ELLIPSIS, one_line, pretty_json, preview_json, safe_text, truncate
from tests.support.processes import python_c

ESC = "\x1b"

# What no output may hold: ESC and other C0 (but \n \t), DEL, C1, bidi controls,
# zero-width characters, lone surrogates.
FORBIDDEN = (
    {chr(c) for c in range(0x20) if chr(c) not in "\n\t"}
    | {"\x7f"}
    | {chr(c) for c in range(0x80, 0xA0)}
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
    | {chr(c) for c in range(0x200B, 0x2010)}
    | {"\ufeff", "\u2060", "\u061c"}
)


def assert_clean(text: str) -> None:
    bad = sorted({ch for ch in text if ch in FORBIDDEN or 0xD800 <= ord(ch) <= 0xDFFF})
    assert not bad, [hex(ord(ch)) for ch in bad]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[bold]not markup[/bold]", "[bold]not markup[/bold]"),
        (f"{ESC}[31mred{ESC}[0m plain", "red plain"),
        (f"{ESC}[38;2;255;0;0mtruecolor{ESC}[m", "truecolor"),
        (f"{ESC}[2J{ESC}[Hcleared", "cleared"),
        (f"{ESC}]0;evil title\x07after", "after"),
        (f"{ESC}]0;evil title{ESC}\\after", "after"),
        (f"{ESC}]8;;https://evil.example/{ESC}\\click me{ESC}]8;;{ESC}\\", "click me"),
        (f"{ESC}]8;;https://evil.example/\x07click{ESC}]8;;\x07", "click"),
        (f"{ESC}P1$r0m{ESC}\\after dcs", "after dcs"),
        (f"{ESC}_apc payload{ESC}\\x", "x"),
        (f"{ESC}^pm{ESC}\\x", "x"),
        (f"{ESC}Xsos{ESC}\\x", "x"),
        ("\x9b31mC1 csi", "C1 csi"),
        ("\x9d0;title\x9cC1 osc", "C1 osc"),
        ("\x90q data\x9cC1 dcs", "C1 dcs"),
        (f"{ESC}7saved{ESC}8", "saved"),
        (f"{ESC}(0line drawing{ESC}(B", "line drawing"),
        (f"{ESC}]0;unterminated title", ""),
        ("nul\x00here", "nul\u2400here"),
        ("bell\x07", "bell\u2407"),
        ("del\x7f", "del\u2421"),
        ("back\x08space", "back\u2408space"),
        ("lone esc" + ESC, "lone esc\u241b"),
        ("cr\roverwrite", "cr\u240doverwrite"),
        ("windows\r\nline", "windows\nline"),
        ("nel\x85x", "nel\u27e8U+0085\u27e9x"),
        ("st\x9c", "st\u27e8U+009C\u27e9"),
        ("lone 8-bit csi\x9b", "lone 8-bit csi"),
        ("abc\u202edcba", "abc\u27e8U+202E\u27e9dcba"),
        ("\u2066isolate\u2069", "\u27e8U+2066\u27e9isolate\u27e8U+2069\u27e9"),
        ("zero\u200bwidth\ufeff\u2060", "zero\u27e8U+200B\u27e9width\u27e8U+FEFF\u27e9\u27e8U+2060\u27e9"),
        ("rlm\u200f", "rlm\u27e8U+200F\u27e9"),
        ("lone surrogate \ud800", "lone surrogate \u27e8U+D800\u27e9"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
    ],
)
def test_corpus(raw: str, expected: str) -> None:
    out = safe_text(raw)
    assert out == expected
    assert_clean(out)


@pytest.mark.parametrize("text", ["日本語のテキスト", "emoji 🎉🚀 ok", "Ünïcödé — ‘quotes’", "한국어", "a\u0301 combining"])
def test_wide_and_combining_text_is_untouched(text: str) -> None:
    assert safe_text(text) == text


def test_plain_text_fast_path_returns_the_same_object() -> None:
    text = "plain ascii " * 1000
    assert safe_text(text) is text


def test_none_and_non_strings() -> None:
    assert safe_text(None) == ""
    assert safe_text(42) == "42"


def test_sequences_are_removed_not_shown() -> None:
    out = safe_text(f"{ESC}[31m{ESC}]0;t\x07x")
    assert out == "x"
    assert "[31m" not in out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x2100) | st.sampled_from([*sorted(FORBIDDEN), "[", "]", "\\", "P", "_", "^"])))
def test_safe_text_output_never_holds_controls(raw: str) -> None:
    out = safe_text(raw)
    assert_clean(out)
    assert_clean(one_line(raw, 50))
    assert "\n" not in one_line(raw, 50)
    assert "\t" not in one_line(raw, 50)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))))
def test_safe_text_keeps_printable_text(raw: str) -> None:
    assert safe_text(raw) == raw


def _reference_one_line(raw: str) -> str:
    """Sanitize everything, then collapse blank runs holding a newline or tab."""
    return re.sub(r"[ \t\n]*[\t\n][ \t\n]*", " ", safe_text(raw)).strip(" ")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "\t", "\r", "\x00", ESC, "[", "]", "m", "\x07", "\u202e", "\x9b"])),
    st.integers(min_value=1, max_value=40),
)
def test_one_line_agrees_with_sanitizing_everything(raw: str, limit: int) -> None:
    expected = _reference_one_line(raw)
    out = one_line(raw, limit)
    assert len(out) <= limit
    if len(expected) <= limit:
        assert out == expected
    else:
        assert out.endswith(ELLIPSIS)
        assert expected.startswith(out[:-1].rstrip(" "))


def test_one_line_collapses_and_truncates() -> None:
    assert one_line("  first\n\n  second\tthird  ") == "first second third"
    assert one_line("a" * 300, 10) == "a" * 9 + ELLIPSIS
    assert len(one_line("word " * 100, 50)) <= 50
    assert one_line("short", 10) == "short"
    assert one_line(None) == ""
    assert one_line("x", 0) == ""
    assert one_line(f"{ESC}[1mbold{ESC}[0m\nnext") == "bold next"


def test_one_line_never_splits_a_placeholder() -> None:
    out = one_line("ab\u202e" * 20, 12)
    assert out.endswith(ELLIPSIS)
    body = out[:-1]
    assert body.count("\u27e8") == body.count("\u27e9")


def test_truncate() -> None:
    assert truncate("abcdef", 10) == "abcdef"
    assert truncate("abcdef", 4) == "abc" + ELLIPSIS
    assert truncate("abcdef", 0) == ""


# -- big inputs stay cheap -------------------------------------------------------------
# Counted, not timed: how many characters the sanitizer's patterns were asked to scan
# and how many JSON encoded (the timings are in tests/benchmarks/bench_core.py).

HOSTILE_10MB = (f"{ESC}[31mred{ESC}[0m \u202e\n" * 700_000)[:10_000_000]


class _Tally:
    """Characters read by the module's regexes and ``json.dumps`` (a scan that stops at
    a match counts up to the match's end; one that returns nothing counts its whole span)."""

    def __init__(self) -> None:
        self.chars = 0

    def pattern(self, compiled: re.Pattern[str]) -> object:
        tally = self

        class Counted:
            def search(self, string: str, pos: int = 0, endpos: int | None = None):
                end = len(string) if endpos is None else min(endpos, len(string))
                found = compiled.search(string, pos, end)
                tally.chars += (found.end() if found else end) - pos
                return found

            def match(self, string: str, pos: int = 0, endpos: int | None = None):
                end = len(string) if endpos is None else min(endpos, len(string))
                found = compiled.match(string, pos, end)
                tally.chars += max(found.end() - pos if found else 0, 1)
                return found

            def sub(self, repl, string: str, count: int = 0):
                tally.chars += len(string)
                return compiled.sub(repl, string, count)

            def __getattr__(self, name: str):  # finditer, findall, split...: all of it
                raise AssertionError(f"uncounted pattern method {name}")

        return Counted()

    def dumps(self, value, *args, **kwargs) -> str:
        text = json.dumps(value, *args, **kwargs)
        self.chars += len(text)
        return text


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> _Tally:
    from phrony_tui.core import safe_text as module

    tally = _Tally()
    for name in ("_UNSAFE", "_TOKEN", "_LINE_TOKEN", "_SPACES", "_BLANK_REST"):
        pattern = getattr(module, name)
        if not isinstance(pattern, re.Pattern):  # compiled when first used: compiled now, then counted
            pattern = pattern.compiled()
        monkeypatch.setattr(module, name, tally.pattern(pattern))
    monkeypatch.setattr(module, "json", type("CountedJson", (), {"dumps": staticmethod(tally.dumps)}))
    return tally


def test_the_tally_sees_a_whole_scan(scanned: _Tally) -> None:
    """The counter itself: sanitizing all of it reads all of it."""
    assert safe_text(HOSTILE_10MB[:100_000]).startswith("red ")
    assert scanned.chars >= 100_000


@pytest.mark.parametrize(
    "preview",
    [
        lambda: one_line(HOSTILE_10MB, 200),
        lambda: preview_json(HOSTILE_10MB, 200),
        lambda: preview_json({"data": HOSTILE_10MB, "more": [HOSTILE_10MB] * 1000}, 200),
    ],
    ids=["one_line", "preview_json", "preview_json_nested"],
)
def test_one_line_and_preview_on_10mb_read_only_the_start(scanned: _Tally, preview) -> None:
    # Sanitizing all of this string reads 10,000,000 characters; the bounded paths look at the start.
    assert len(HOSTILE_10MB) == 10_000_000
    assert len(preview()) <= 200
    assert scanned.chars < 20_000, scanned.chars


def test_one_line_on_10mb_shows_the_start_made_safe() -> None:
    assert one_line(HOSTILE_10MB, 30).startswith("red \u27e8U+202E\u27e9 red")


def test_plain_10mb_string() -> None:
    big = "x" * 10_000_000
    assert one_line(big, 100) == "x" * 99 + ELLIPSIS
    assert preview_json(big, 20) == '"' + "x" * 18 + ELLIPSIS
    assert safe_text(big) is big


def test_a_long_osc_across_the_scan_window_is_removed_whole() -> None:
    text = "start " + f"{ESC}]0;" + "t" * 50_000 + "\x07" + "end"
    assert one_line(text, 50) == "start end"


def test_long_runs_of_spaces_are_read_about_once(scanned: _Tally) -> None:
    text = " " * 2_000_000 + "x" + " " * 2_000_000 + "\n" + "y"
    assert one_line(text, 20).startswith("x")
    # Linear: each character a few times at most (quadratic would be ~10^12).
    assert scanned.chars <= 3 * len(text), scanned.chars


# -- JSON ------------------------------------------------------------------------------


def _deep(depth: int) -> object:
    value: object = {"leaf": True}
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


def test_preview_json_compact_and_bounded() -> None:
    assert preview_json({"a": 1, "b": [True, None, 2.5], "c": "s"}) == '{"a": 1, "b": [true, null, 2.5], "c": "s"}'
    assert preview_json(None) == "null"
    assert preview_json([]) == "[]"
    assert preview_json({}) == "{}"
    out = preview_json({"k": list(range(10_000))}, 40)
    assert len(out) <= 40 and out.endswith(ELLIPSIS)


def test_preview_json_sanitizes_strings_and_keys() -> None:
    out = preview_json({f"k{ESC}]0;x\x07": f"v{ESC}[31m\u202e\x85"})
    assert_clean(out)
    assert "\\u001b" in out  # JSON escapes C0: shown, inert
    assert "\u27e8U+202E\u27e9" in out


def test_preview_json_1000_deep_opens_only_the_levels_it_shows() -> None:
    opened: list[int] = []  # the depth of each container the preview walked into

    class Dict(dict):
        def items(self):
            opened.append(self.depth)
            return super().items()

    class List(list):
        def __iter__(self):
            opened.append(self.depth)
            return super().__iter__()

    value: object = Dict(leaf=True)
    value.depth = 1000  # type: ignore[attr-defined]
    for index in range(1000):
        value = List([value]) if index % 2 else Dict(k=value)
        value.depth = 999 - index  # type: ignore[attr-defined]
    out = preview_json(value, 200)
    assert "…" in out and len(out) <= 200
    assert opened == [0, 1, 2, 3, 4, 5]  # max_depth=6: the rest shows as {…} / […]


def test_preview_json_odd_values() -> None:
    assert preview_json(float("nan")) == "NaN"
    assert preview_json({1, 2}) in ("[1, 2]", "[2, 1]")
    assert preview_json(b"abc") == '"<3 bytes>"'
    assert preview_json(10**5000, 30).endswith("+") or len(preview_json(10**5000, 30)) <= 30


def test_pretty_json_matches_json_dumps_when_small() -> None:
    value = {"a": [1, {"b": "ü"}], "c": None}
    assert pretty_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_pretty_json_truncates_with_a_note() -> None:
    value = {"data": "x" * 5000}
    out = pretty_json(value, max_chars=1000)
    body, note = out.rsplit("\n", 1)
    assert len(body) == 1000
    total = len(json.dumps(value, indent=2))
    assert note == f"… ({total - 1000:,} more characters not shown)"


@pytest.mark.parametrize("depth", [1000, 50_000])
def test_pretty_json_deep_nesting_does_not_raise(depth: int) -> None:
    # 1,000 may or may not exceed the interpreter's recursion limit; 50,000 always does.
    value = _deep(depth)
    out = pretty_json(value, max_chars=50_000)
    assert out.startswith('[\n  {\n    "k": [\n      {')
    assert '"leaf"' not in out  # deeper than shown: cut or summarized, never walked to the end
    assert len(out) < 60_000


def test_pretty_json_fallback_keeps_indentation_and_summarizes_deep_levels() -> None:
    out = pretty_json(_deep(50_000), max_chars=10_000_000, max_depth=5)
    lines = out.splitlines()
    assert lines[0] == "["
    assert lines[1] == "  {"
    assert len(lines) < 20  # levels past max_depth are one compact preview line
    assert "[…]" in out or "{…}" in out
    assert lines[-1] == "]"  # nothing was cut: no note


def test_pretty_json_note_when_too_deep_to_count() -> None:
    # Enough fits before the encoder gives up counting the rest: the shown part is kept.
    value: object = "x" * 100
    for _ in range(50_000):
        value = [value]
    out = pretty_json(value, max_chars=300)
    assert out.startswith("[\n  [\n    [")
    assert out.splitlines()[-1].startswith("… (")


def test_pretty_json_cycle_falls_back() -> None:
    value: dict = {"a": 1}
    value["self"] = value
    out = pretty_json(value, max_chars=5000)
    assert out.startswith('{\n  "a": 1')


def test_pretty_json_is_sanitized() -> None:
    out = pretty_json({"t": f"\u202e{ESC}[31m\x9b"})
    assert_clean(out)
    assert "\\u001b[31m" in out


def test_control_pictures_are_the_unicode_ones() -> None:
    assert unicodedata.name(safe_text("\x00")) == "SYMBOL FOR NULL"
    assert unicodedata.name(safe_text("\x7f")) == "SYMBOL FOR DELETE"


def test_printable_text_has_nothing_unsafe_so_its_fast_path_is_sound() -> None:
    """``str.isprintable`` lets text through without a search: every character the
    sanitizer replaces or removes must be one it calls unprintable (all of the class)."""
    from phrony_tui.core import safe_text as module

    unsafe = re.compile(f"[{module._UNSAFE_CLASS}]")
    chars = [chr(code) for code in range(0x110000) if unsafe.match(chr(code))]
    assert len(chars) > 2_000  # C0, C1, DEL, the bidi and zero-width marks, the surrogates
    assert [c for c in chars if c.isprintable()] == []
    assert "\t".isprintable() is False and "\n".isprintable() is False  # kept, but not by the fast path


def test_its_patterns_are_compiled_when_text_needs_them_not_at_import() -> None:
    """A start sanitizes plain text only: no pattern of the sanitizer is compiled for it
    (each is ~0.5 ms of pure-Python compiling); unsafe text compiles and uses them."""
    code = (
        "import re\n"
        "from phrony_tui.core import safe_text as m\n"
        "names = ('_UNSAFE', '_TOKEN', '_LINE_TOKEN', '_BLANK_REST')\n"
        "assert m.safe_text('plain text, any script: 研究 🙂') == 'plain text, any script: 研究 🙂'\n"
        "assert m.one_line('  a short line ', 50) == 'a short line'\n"
        "print(','.join(n for n in names if isinstance(getattr(m, n), re.Pattern)) or '-')\n"
        "assert m.safe_text('red\\x1b[31m!') == 'red!'\n"
        "assert m.one_line('two\\nlines\\u202e', 50) == 'two lines\\u27e8U+202E\\u27e9'\n"
        "print(','.join(n for n in names if isinstance(getattr(m, n), re.Pattern)) or '-')\n"
    )
    done = python_c(code, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["-", "_UNSAFE,_TOKEN,_LINE_TOKEN"]
