"""The fast read of /conversation (client/lazy.py) gives what the strict one gives."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest

from phrony_tui.client import PhronyClient
from phrony_tui.client.lazy import LazyItem, decode_conversation
from phrony_tui.client.models import Conversation, ConversationItem

BODY = {
    "session": {"id": "s1", "status": "Completed", "extraSessionField": [1, 2]},
    "runs": [{"id": "r1", "parentRunId": None, "depth": 0, "status": "Completed", "futureField": True}],
    "items": [
        {"id": "b", "runId": "r1", "sequence": 2, "ordinal": 2, "type": "ToolResult",
         "content": {"result": {"successful": False, "error": "boom"}}, "error": "boom", "newField": {"x": 1}},
        {"id": "a", "runId": "r1", "sequence": 1, "ordinal": 1, "type": "reasoning", "content": "plain string",
         "tokensUsed": 12.5, "startedAt": "2026-03-01T12:00:00Z"},
        {"id": "c", "ordinal": 3, "type": "Unknown", "content": None},
        {"id": "d", "ordinal": 4, "type": "output", "content": [1, {"k": "\u001b]0;x\u0007"}]},
    ],
}  # fmt: skip


def test_lazy_items_match_the_strict_models():
    data = json.dumps(BODY).encode()
    strict = Conversation.model_validate_json(data)
    lazy = decode_conversation(data)
    assert all(isinstance(item, LazyItem) for item in lazy.items)
    assert [i.id for i in lazy.items] == [i.id for i in strict.items] == ["a", "b", "c", "d"]  # ordinal order
    for fast, slow in zip(lazy.items, strict.items, strict=True):
        for name in ConversationItem.model_fields:
            assert getattr(fast, name) == getattr(slow, name), name
        assert fast.wire() == {k: v for k, v in next(i for i in BODY["items"] if i["id"] == fast.id).items()}
        assert fast.to_model() == slow
    # The session and runs are records (client/records.py): their models when asked for.
    assert lazy.session.to_model() == strict.session and [run.to_model() for run in lazy.runs] == strict.runs
    assert lazy.session.wire()["extraSessionField"] == [1, 2]


def test_content_is_decoded_only_when_read():
    lazy = decode_conversation(json.dumps(BODY).encode())
    item = lazy.items[1]
    assert item.content_cache is msgspec.UNSET  # not decoded yet
    assert item.content_contains(b"successful") and not item.content_contains(b"nope")
    assert item.content == {"result": {"successful": False, "error": "boom"}}
    assert item.content_cache is item.content  # decoded once, then cached


def test_json_keys_named_like_our_own_fields_change_nothing():
    """The item keeps its source JSON and content cache in fields named ``__phrony_*``:
    a server sending keys of those names cannot plant a content or a wire view."""
    from phrony_tui.client.lazy import decode_event

    body = json.loads(json.dumps(BODY))
    planted = {"__phrony_content": "planted", "__phrony_src": '{"id": "x"}', "__phrony_src_is_event": True}
    body["items"][0].update(planted)
    item = next(i for i in decode_conversation(json.dumps(body).encode()).items if i.id == body["items"][0]["id"])
    assert isinstance(item, LazyItem) and item.content == body["items"][0]["content"]
    assert item.wire() == body["items"][0]  # shown as sent, those keys included
    step = {"id": "s1", "ordinal": 2, "type": "ToolCall", "content": {"a": 1}, **planted}
    event = decode_event(json.dumps({"kind": "step", "data": step, "__phrony_data": "planted",
                                     "__phrony_step_item": None}))  # fmt: skip
    assert event.step_item.content == {"a": 1} and event.data == step
    other = decode_event(json.dumps({"kind": "run", "data": {"status": "Completed"}, "__phrony_data": "planted",
                                     "__phrony_step_item": step}))  # fmt: skip
    assert other.step_item is None and other.data == {"status": "Completed"}


@pytest.mark.parametrize(
    ("change", "ids"),
    [
        (lambda body: body["items"][0].update(ordinal="2"), ["a", "b", "c", "d"]),  # a string for a number
        (lambda body: body["items"][0].update(id=17), ["a", "17", "c", "d"]),  # a number for a string
        (lambda body: body["items"].append({"id": "e", "ordinal": 5, "sequence": "3"}), ["a", "b", "c", "d", "e"]),
    ],
)
def test_bodies_that_do_not_fit_fall_back_to_the_tolerant_models(change, ids):
    body = json.loads(json.dumps(BODY))
    change(body)
    data = json.dumps(body).encode()
    conversation = decode_conversation(data)
    assert [i.id for i in conversation.items] == ids
    assert all(isinstance(item, ConversationItem) for item in conversation.items)
    assert conversation == Conversation.model_validate_json(data)


def test_run_fields_are_read_by_the_tolerant_models_on_the_fast_path_too():
    body = json.loads(json.dumps(BODY))
    body["runs"][0]["depth"] = "0"
    conversation = decode_conversation(json.dumps(body).encode())
    assert isinstance(conversation.items[0], LazyItem)
    assert conversation.runs[0].depth == 0


def test_model_copy_of_a_lazy_item_is_a_model_with_the_update():
    item = decode_conversation(json.dumps(BODY).encode()).items[0]
    copy = item.model_copy(update={"ordinal": 9})
    assert isinstance(copy, ConversationItem) and copy.ordinal == 9 and copy.content == "plain string"


@pytest.mark.full_world
async def test_get_conversation_lazy_against_the_simulator(sim, sim_base_url):
    _, run_id = sim.find_sessions("multi", "Completed")[0]
    async with PhronyClient(sim_base_url, sim.keys.admin) as client:
        strict = await client.get_conversation(run_id)
        lazy = await client.get_conversation(run_id, lazy=True)
    assert len(lazy.items) == len(strict.items) > 0
    assert isinstance(lazy.items[0], LazyItem)
    assert [i.wire() for i in lazy.items] == [i.wire() for i in strict.items]


def test_lazy_events_match_the_strict_model_and_bring_their_step():
    from phrony_tui.client.lazy import LazyEvent, decode_event
    from phrony_tui.client.models import RunEvent

    step = {"id": "s1", "runId": "r1", "ordinal": 4, "type": "ToolCall", "content": {"name": "x"}, "sessionId": "q"}
    raw = json.dumps({"ts": "2026-03-01T12:00:00Z", "kind": "step", "subject": "engine.step.ToolCall", "data": step})
    lazy, strict = decode_event(raw), RunEvent.model_validate_json(raw)
    assert isinstance(lazy, LazyEvent)
    assert (lazy.ts, lazy.kind, lazy.subject, lazy.data) == (strict.ts, strict.kind, strict.subject, strict.data)
    item = lazy.step_item
    assert (item.id, item.run_id, item.ordinal, item.type, item.content) == ("s1", "r1", 4, "ToolCall", {"name": "x"})
    assert item.started_at == "2026-03-01T12:00:00Z"  # the event's time when the step has none
    assert item.wire() == step and strict.step_item is None
    run = decode_event(json.dumps({"kind": "run", "subject": "engine.run.completed", "data": {"status": "Completed"}}))
    assert run.step_item is None and run.data == {"status": "Completed"}
    # not an object: skipped; odd field types: the tolerant model
    assert decode_event("not json") is None and decode_event("[1, 2]") is None
    odd = decode_event(json.dumps({"kind": 7, "subject": "s", "data": "x"}))
    assert isinstance(odd, RunEvent) and odd.kind == "7"


async def test_lazy_stream_gives_the_same_events_as_the_strict_one(sim, sim_base_url):
    from phrony_tui.client.lazy import LazyEvent

    async def collect(lazy: bool):
        _, run_id = sim.start_session("firehose")
        async with PhronyClient(sim_base_url, sim.keys.admin) as client:
            async with client.stream_run_events(run_id, lazy=lazy) as stream:
                return [event async for event in stream]

    sim.firehose_events = 300
    strict, lazy = await collect(False), await collect(True)
    assert len(lazy) == len(strict) > 300
    assert all(isinstance(event, LazyEvent) for event in lazy)
    assert [(e.kind, e.subject) for e in lazy] == [(e.kind, e.subject) for e in strict]
    assert [e.data["content"] for e in lazy if e.kind == "step"] == [e.data["content"] for e in strict if e.kind == "step"]


async def test_a_lazy_stream_counts_and_skips_the_same_as_a_strict_one():
    """The lazy stream (what the app reads) gives the same events and the same counters,
    bad data skipped and counted, as the strict one."""
    from client_helpers import KEY, SSE_HEAD, RawServer, event

    good = [event("step", "engine.step.x", n) for n in range(4)]
    parts = [SSE_HEAD, good[0] + good[1] + b"data: not json\n\n" + good[2], b": hb\n\n" + good[3],
             b"data: [1]\n\ndata: \n\n" + good[0]]  # fmt: skip

    async def script(writer):
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.03)

    async def read(lazy: bool):
        async with RawServer(script) as server, PhronyClient(server.base_url, KEY) as client:
            stream = client.stream_run_events("run-1", lazy=lazy)
            events = [e async for e in stream]
        return [(e.kind, e.subject, e.data) for e in events], stream.stats

    (strict, strict_stats), (lazy, lazy_stats) = await read(False), await read(True)
    assert lazy == strict and len(lazy) == 5
    for name in ("events", "skipped", "empty", "heartbeats"):
        assert getattr(lazy_stats, name) == getattr(strict_stats, name), name
    assert lazy_stats.skipped == 2 and lazy_stats.empty == 1 and lazy_stats.heartbeats == 1


def test_decode_events_is_decode_event_over_a_list():
    from phrony_tui.client.lazy import decode_event, decode_events

    step = {"id": "s1", "runId": "r1", "ordinal": 4, "sequence": 4, "type": "ToolCall", "content": {"a": 1}, "x": [1]}
    datas = [
        json.dumps({"ts": "2026-03-01T12:00:00Z", "kind": "step", "subject": "engine.step.ToolCall", "data": step}),
        json.dumps({"ts": "t", "kind": "run", "subject": "engine.run.completed", "data": {"status": "Completed"}}),
        "not json",
        json.dumps({"kind": "step", "subject": "engine.step.x", "data": {"runId": "r1", "type": "x"}}),  # no id
        "[1, 2]",
        json.dumps({"kind": "step", "data": {**step, "ordinal": "4"}}),  # odd type: the tolerant path
    ]
    events, skipped = decode_events(datas)
    one = [e for e in (decode_event(d) for d in datas) if e is not None]
    assert skipped == ["not json", "[1, 2]"] and len(events) == len(one) == 4
    for a, b in zip(events, one, strict=True):
        assert (a.ts, a.kind, a.subject, a.data) == (b.ts, b.kind, b.subject, b.data)
        assert (a.step_item is None) == (b.step_item is None)
    item = events[0].step_item
    assert (item.id, item.run_id, item.sequence, item.started_at) == ("s1", "r1", 4, "2026-03-01T12:00:00Z")
    assert item.content == {"a": 1} and item.wire() == step
