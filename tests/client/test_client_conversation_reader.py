"""client.lazy.ConversationReader: ``/conversation`` decoded as its bytes arrive.

Whatever the pieces, the reader must end with the items ``decode_conversation`` gives
for the whole body, and hand the first rows over before the last byte (counted)."""

from __future__ import annotations

import json
import random

import pytest

from phrony_tui.client.lazy import ConversationReader, ReadAgain, decode_conversation
from phrony_tui.sim import FixedClock, Simulator

SESSION = {"id": "s1", "status": "Completed", "triggerType": "api"}
RUNS = [{"id": "r1", "sessionId": "s1", "status": "Completed", "depth": 0}]
# Contents that look like item ends and items keys to a byte search.
TRICKY = [
    {"id": "a", "runId": "r1", "ordinal": 1, "type": "reasoning", "content": {"message": 'a "},{" b}, {"items":['}},
    {"id": "b", "runId": "r1", "ordinal": 2, "type": "ToolCall",
     "content": {"options": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}], "x": [{"y": [{}]}]}},
    {"id": "c", "runId": "r1", "ordinal": 3, "type": "ToolResult", "content": "}, {\"items\": [", "extra": {"k": "}"}},
    {"id": "d", "runId": "r1", "ordinal": 4, "type": "output", "content": None, "tokensUsed": 12},
]


def body_of(items: list, *, indent: int | None = None, order=("session", "runs", "items")) -> bytes:
    parts = {"session": SESSION, "runs": RUNS, "items": items}
    return json.dumps({key: parts[key] for key in order}, indent=indent).encode()


def read(body: bytes, cuts: list[int]) -> tuple[ConversationReader, list[int]]:
    """Feed ``body`` cut at ``cuts``; the number of items handed over after each piece."""
    reader = ConversationReader()
    counts = []
    start = 0
    for cut in [*cuts, len(body)]:
        got = reader.feed(body[start:cut])
        counts.append(len(got))
        start = cut
    counts.append(len(reader.finish()))
    return reader, counts


def same(reader: ConversationReader, body: bytes) -> None:
    expected = decode_conversation(body)
    got = reader.conversation()
    assert [item.wire() for item in got.items] == [item.wire() for item in expected.items]
    assert [item.content for item in got.items] == [item.content for item in expected.items]
    assert got.session == expected.session and got.runs == expected.runs


@pytest.mark.parametrize("indent", [None, 2])
def test_a_body_split_at_every_byte_boundary_decodes_to_the_same_items(indent: int | None) -> None:
    body = body_of(TRICKY, indent=indent)
    for cut in range(len(body) + 1):
        reader, counts = read(body, [cut])
        same(reader, body)
        assert sum(counts) == len(TRICKY)


def test_byte_by_byte_the_first_rows_are_handed_over_before_the_last_byte() -> None:
    body = body_of(TRICKY)
    reader, counts = read(body, list(range(1, len(body))))
    same(reader, body)
    # Every item but the last is handed over before the body's last byte is fed.
    before_last = sum(counts[:-2])
    assert before_last >= len(TRICKY) - 1
    assert reader.head is not None and reader.segments >= len(TRICKY) - 1


def test_a_big_conversation_in_random_pieces_is_the_whole_decode() -> None:
    sim = Simulator(seed=3, clock=FixedClock("2026-03-01T12:00:00Z"), live=False, big_steps=2_000)
    body = sim.big_conversation(False)
    rng = random.Random(5)
    for _ in range(3):
        cuts = sorted(rng.sample(range(1, len(body)), 300))
        reader, counts = read(body, cuts)
        same(reader, body)
        assert sum(counts[: len(cuts) // 2]) > 0  # rows came with the first half of the bytes
        assert reader.failed_cuts <= 4 * len(counts)


def test_pieces_ending_inside_an_items_content_cost_no_failed_decode() -> None:
    # Each piece ends just after a step's content object, before its item's next key: that
    # "}," cannot end an item, and its decode (the whole segment's) would fail. The reader
    # tries the ends before another item first: one decode per piece, none thrown away.
    sim = Simulator(seed=3, clock=FixedClock("2026-03-01T12:00:00Z"), live=False, big_steps=300)
    body = sim.big_conversation(False)
    content_ends = [i + 1 for i in range(len(body)) if body.startswith(b'},"tokensUsed"', i)]
    cuts = content_ends[5::25]
    assert len(cuts) >= 10
    reader, counts = read(body, cuts)
    same(reader, body)
    assert all(counts[: len(cuts)])  # each piece completed items
    assert reader.failed_cuts == 0


def test_items_before_the_session_are_read_whole_at_the_end() -> None:
    body = body_of(TRICKY, order=("items", "session", "runs"))
    reader, counts = read(body, list(range(0, len(body), 7)))
    assert sum(counts) == 0 and reader.whole is not None
    same(reader, body)


def test_an_empty_conversation() -> None:
    body = body_of([])
    reader, counts = read(body, [len(body) // 2])
    assert sum(counts) == 0 and reader.conversation().items == [] and reader.whole is None
    assert reader.conversation().session.id == "s1"


@pytest.mark.parametrize(
    "tail",
    [
        lambda items: {"session": SESSION, "runs": RUNS, "items": items, "next": None},  # a key after the items
        lambda items: {"session": SESSION, "runs": RUNS, "items": [*items, {"id": "z", "ordinal": "9"}]},  # a misfit
    ],
)
def test_a_body_that_stops_fitting_after_rows_were_handed_over_is_read_again(tail) -> None:
    body = json.dumps(tail(TRICKY)).encode()
    reader = ConversationReader()
    handed = sum(len(reader.feed(body[i : i + 40])) for i in range(0, len(body), 40))
    assert handed > 0
    with pytest.raises(ReadAgain):
        reader.finish()


def test_a_misfit_before_any_row_goes_to_the_tolerant_ladder() -> None:
    items = [{"id": "a", "runId": "r1", "ordinal": "1", "type": "reasoning"}]  # an ordinal as a string
    body = body_of(items)
    reader, counts = read(body, [len(body) - 3])
    assert sum(counts) == 0 and reader.whole is not None
    assert [item.ordinal for item in reader.conversation().items] == [1]


def test_an_items_key_inside_the_session_is_not_the_conversations() -> None:
    session = {**SESSION, "input": {"items": [{"items": []}, "\"items\":["]}, "startContext": {"items": []}}
    body = json.dumps({"session": session, "runs": RUNS, "items": TRICKY}).encode()
    for cut in range(0, len(body), 5):
        reader, counts = read(body, [cut])
        same(reader, body)
        assert sum(counts) == len(TRICKY) and reader.whole is None
        assert reader.conversation().session.input == session["input"]
