"""The SSE parser: line endings, chunk boundaries, multi-line data, comments, bad bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phrony_tui.client.sse import SSEParser


def parse_all(chunks: list[bytes], **kwargs) -> tuple[list[str], SSEParser]:
    """Every event's data, read both ways (``feed`` and ``feed_data``), which must agree."""
    parser, by_data = SSEParser(**kwargs), SSEParser(**kwargs)
    out, datas = [], []
    for chunk in chunks:
        out += [m.data for m in parser.feed(chunk)]
        datas += by_data.feed_data(chunk)
    out += [m.data for m in parser.close()]
    datas += [m.data for m in by_data.close()]
    assert datas == out
    assert (by_data.comments, by_data.empty, by_data.oversized) == (parser.comments, parser.empty, parser.oversized)
    return out, parser


def split_everywhere(raw: bytes):
    """The stream cut into two chunks at every byte position, and one byte at a time."""
    for i in range(len(raw) + 1):
        yield [raw[:i], raw[i:]]
    yield [raw[i:i + 1] for i in range(len(raw))]


STREAM = (
    ": connected\n\n"
    'data: {"kind":"run","n":1}\n\n'
    "event: step\r\n"
    'data: {"kind":\r\n'
    'data: "step","n":2}\r\n\r\n'
    ": heartbeat\r"
    '\rdata:{"n":3,"s":"é€😀"}\r\r'
    "data\n\n"
    "data: \n\n"
    "id: 7\nretry: 100\nunknown: x\ndata: last\n\n"
    "data: half written, never finished\n"
).encode()

EXPECTED = ['{"kind":"run","n":1}', '{"kind":\n"step","n":2}', '{"n":3,"s":"é€😀"}', "last"]


@pytest.mark.parametrize("chunks", list(split_everywhere(STREAM)), ids=lambda c: str(len(c[0])))
def test_any_chunking_gives_the_same_events(chunks):
    events, parser = parse_all(chunks)
    assert events == EXPECTED
    assert parser.comments == 2
    assert parser.empty == 2  # "data" and "data: " alone


def test_multi_line_data_joined_with_newline():
    events, _ = parse_all([b"data: a\ndata:b\ndata:  c\ndata:\n\n"])
    assert events == ["a\nb\n c\n"]
    assert json.loads(parse_all([b'data: {"a":\ndata: 1}\n\n'])[0][0]) == {"a": 1}


def test_bom_stripped_only_at_start():
    events, _ = parse_all([b"\xef\xbb", b"\xbfdata: x\n\ndata: \xef\xbb\xbfy\n\n"])
    assert events == ["x", "\ufeffy"]


def test_invalid_utf8_is_replaced_not_raised():
    events, _ = parse_all([b"data: ok\xff\xfe\n\n", b"data: \xe2\x82", b"\n\n", b"data: fine\n\n"])
    assert events == ["ok\ufffd\ufffd", "\ufffd", "fine"]


def test_multibyte_char_split_across_chunks():
    raw = 'data: "€uro"\n\n'.encode()
    cut = raw.index(b"\xe2") + 1
    assert parse_all([raw[:cut], raw[cut:]])[0] == ['"€uro"']


def test_event_without_blank_line_at_eof_is_dropped():
    assert parse_all([b"data: a\n\ndata: b\n"])[0] == ["a"]
    assert parse_all([b"data: a\n\ndata: b"])[0] == ["a"]


def test_final_cr_counts_as_line_end():
    assert parse_all([b"data: a\r\r"])[0] == ["a"]


def test_oversized_event_dropped_and_counted_then_recovers():
    big = b"data: " + b"x" * 5000 + b"\n\n"
    events, parser = parse_all([big[:100], big[100:], b"data: small\n\n"], max_event_bytes=1000)
    assert events == ["small"]
    assert parser.oversized == 1
    many = b"data: 123456789\n" * 200 + b"\ndata: next\n\n"
    events, parser = parse_all([many], max_event_bytes=1000)
    assert events == ["next"] and parser.oversized == 1


def test_line_that_never_ends_is_dropped_to_its_end():
    # The tail of the over-long line must not be read as a line (here: a comment).
    chunks = [b"data: " + b"x" * 1500, b"x" * 1500, b": tail\n\ndata: ok\n\n"]
    events, parser = parse_all(chunks, max_event_bytes=1000)
    assert events == ["ok"] and parser.oversized == 1 and parser.comments == 0


@settings(max_examples=150, deadline=None)
@given(
    datas=st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
                           min_size=1, max_size=30), min_size=1, max_size=6),
    newline=st.sampled_from(["\n", "\r", "\r\n"]),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_roundtrip_property(datas, newline, cuts):
    raw = "".join(f"data: {d}{newline}: c{newline}{newline}" for d in datas).encode()
    points = sorted({c % (len(raw) + 1) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    events, _ = parse_all(chunks)
    # Exactly one space after the colon is syntax; the rest of the value is kept as is.
    assert events == datas


class _CountingSplit:
    """Stands in for the parser's line-break regex and counts the characters it scans."""

    def __init__(self, pattern) -> None:
        self.pattern = pattern
        self.scanned = 0

    def split(self, text: str):
        self.scanned += len(text)
        return self.pattern.split(text)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_a_line_with_no_end_is_scanned_once_and_never_held_past_the_limit(monkeypatch, newline):
    from phrony_tui.client import sse

    counter = _CountingSplit(sse._LINE_BREAK)
    monkeypatch.setattr(sse, "_LINE_BREAK", counter)
    limit = 256 * 1024
    parser = SSEParser(max_event_bytes=limit)
    chunk = b"y" * 4096
    fed = 0
    assert parser.feed(b"data: ") == []
    for _ in range(2048):  # 8 MiB on one line, 32 times the limit
        assert parser.feed(chunk) == []
        fed += len(chunk)
        assert parser.buffered <= limit + len(chunk)
    tail = b'data: {"after": 1}'
    out = parser.feed(newline + newline + tail + newline + newline) + parser.close()
    assert [m.data for m in out] == ['{"after": 1}']
    assert parser.oversized == 1
    assert counter.scanned <= 2 * (limit + len(chunk)) + 100  # not once per chunk over the whole line


def test_a_long_line_under_the_limit_is_kept_whole_across_chunks():
    parser = SSEParser(max_event_bytes=1 << 20)
    parts = [b"data: ", *([b"z" * 1000] * 300), b"\n\n"]
    out = [m.data for part in parts for m in parser.feed(part)]
    assert out == ["z" * 300_000] and parser.buffered == 0


@settings(max_examples=200, deadline=None)
@given(
    datas=st.lists(
        st.tuples(
            st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=30),
            st.sampled_from(["", "", "", "event: e\n", "id: 1\n", ": c\n", "data: more\n"]),
        ),
        min_size=1,
        max_size=12,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=8),
)
def test_a_busy_streams_shape_split_at_once_gives_each_event(datas, cuts):
    """One-line "data: ..." events (the shape split in one call), some empty, some with
    another line before them (the line-by-line path), cut anywhere."""
    raw = "".join(f"{before}data: {d}\n\n" for d, before in datas).encode()
    points = sorted({c % (len(raw) + 1) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    events, parser = parse_all(chunks)
    expected = [f"more\n{d}" if before == "data: more\n" else d for d, before in datas]
    assert events == [e for e in expected if e]
    assert parser.empty == expected.count("")
    assert parser.comments == sum(before == ": c\n" for _, before in datas)
