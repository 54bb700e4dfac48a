"""The fields a LazyItem keeps for itself (its source, flags, cache) are set for a whole
body at once, and still reset item by item when the JSON plants keys of their names."""

from __future__ import annotations

import json

import msgspec
import pytest

from phrony_tui.client import lazy
from phrony_tui.client.lazy import ConversationReader, decode_conversation

ITEMS = [{"id": f"s{n}", "runId": "r", "ordinal": n, "type": "output", "content": {"n": n, "t": "é"}}
         for n in range(1, 120)]  # fmt: skip


def _body(items=ITEMS) -> bytes:
    return json.dumps({"session": {"id": "s"}, "runs": [{"id": "r"}], "items": items}).encode()


def _read(data: bytes, how: str):
    if how == "whole":
        return decode_conversation(data).items
    reader = ConversationReader()
    for start in range(0, len(data), 700):
        reader.feed(data[start : start + 700])
    reader.finish()
    return reader.conversation().items


@pytest.mark.parametrize("how", ["whole", "pieces"])
def test_a_plain_body_sets_the_sources_without_a_call_per_item(monkeypatch, how):
    calls: list[object] = []
    monkeypatch.setattr(lazy, "_own", lambda *args, **kwargs: calls.append(args))
    items = _read(_body(), how)
    assert calls == [] and len(items) == len(ITEMS)
    assert [item.wire() for item in items] == ITEMS
    assert all(item.content_cache is msgspec.UNSET and not item.src_is_event for item in items)
    assert items[5].content == ITEMS[5]["content"]


@pytest.mark.parametrize("how", ["whole", "pieces"])
@pytest.mark.parametrize(
    "planted",
    [
        {"__phrony_content": "planted"},
        {"__phrony_src_is_event": True},
        {"__phrony_content_is_data": True},
        {"\\u005f\\u005fphrony_content": "planted by escapes"},
    ],
)
def test_planted_keys_change_nothing(how, planted):
    items = [dict(step) for step in ITEMS]
    text = json.dumps({"session": {"id": "s"}, "runs": [], "items": items})
    key, value = next(iter(planted.items()))
    marker = '"id": "s7"'
    text = text.replace(marker, f'"{key}": {json.dumps(value)}, {marker}', 1)
    got = _read(text.encode(), how)
    step = next(item for item in got if item.id == "s7")
    assert step.content == ITEMS[6]["content"] and not step.src_is_event and not step.content_is_data
    assert all(item.content == source["content"] for item, source in zip(got, ITEMS, strict=True))
