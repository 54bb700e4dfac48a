"""The fast read of the sessions list (client/session_rows.py) gives what the strict one gives."""

from __future__ import annotations

import json

import pytest
from client_helpers import BASE, KEY, Recorder

from phrony_tui.client import PhronyClient, PhronyProtocolError
from phrony_tui.client.models import SessionPage, SessionSummary
from phrony_tui.client.session_rows import SessionRow, SessionRowPage, decode_page

AGENT = "22222222-2222-4222-8222-222222222222"
PATH = f"/v1/agents/{AGENT}/sessions"
PAGE = {
    "items": [
        {"id": "s1", "agentId": AGENT, "status": "WaitingForHITL", "entryRunId": "e1", "rootRunId": "r1",
         "runCount": 3, "totalTokensUsed": 12.5, "startedAt": "2026-03-01T12:00:00Z", "llmModel": "m",
         "input": {"q": [1, 2]}, "futureField": {"x": 1}},
        {"id": "s2", "status": "Completed", "rootRunId": "r2", "finishedAt": "2026-03-01T12:01:00Z"},
    ],
    "total": 7,
}  # fmt: skip


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(rec: Recorder):
    async with PhronyClient(BASE, KEY, transport=rec.transport()) as c:
        yield c


async def test_lazy_rows_match_the_strict_models(client, rec):
    rec.on("GET", PATH, body=PAGE)
    strict = await client.list_sessions(AGENT)
    lazy = await client.list_sessions(AGENT, lazy=True)
    assert isinstance(strict, SessionPage) and isinstance(lazy, SessionRowPage)
    assert lazy.total == strict.total == 7
    for fast, slow in zip(lazy.items, strict.items, strict=True):
        assert isinstance(fast, SessionRow)
        for name in SessionSummary.model_fields:
            assert getattr(fast, name) == getattr(slow, name), name
        assert fast.open_run_id == slow.open_run_id
        assert fast.wire() == next(item for item in PAGE["items"] if item["id"] == fast.id)  # unknown fields kept
        assert fast.to_model() == slow
        assert fast.model_dump(by_alias=True, mode="json", exclude_unset=True) == slow.model_dump(
            by_alias=True, mode="json", exclude_unset=True
        )
    copy = lazy.items[0].model_copy(update={"status": "Running"})
    assert isinstance(copy, SessionSummary) and copy.status == "Running" and copy.id == "s1"
    assert lazy.items[0].status == "WaitingForHITL"  # the row itself is unchanged


@pytest.mark.parametrize(
    "body",
    [
        {"items": [{"id": 42, "status": "Running"}], "total": 1},  # an id as a number: pydantic coerces it
        {"items": [{"id": "s", "runCount": "3"}], "total": "1"},  # numbers as strings: lax pydantic reads them
        {"items": [{"id": "s", "totalTokensUsed": 1e999}], "total": 1},  # infinity: pydantic's rule
    ],
)
async def test_bodies_off_the_fast_types_take_the_tolerant_path(client, rec, body):
    content = json.dumps(body).replace("Infinity", "1e999").encode()
    rec.on("GET", PATH, content=content, headers={"content-type": "application/json"})
    assert decode_page(content) is None
    lazy = await client.list_sessions(AGENT, lazy=True)
    strict = await client.list_sessions(AGENT)
    assert isinstance(lazy, SessionPage) and lazy == strict  # the same answer as without lazy


async def test_a_body_off_the_contract_is_read_as_the_strict_path_reads_it(client, rec):
    rec.on("GET", PATH, body={"items": [{"status": "Running"}, {"id": "ok"}], "total": 2})  # a row without id
    assert await client.list_sessions(AGENT, lazy=True) == await client.list_sessions(AGENT)
    rec.on("GET", PATH, body=["not", "a", "page"])
    with pytest.raises(PhronyProtocolError):
        await client.list_sessions(AGENT, lazy=True)


def test_json_keys_named_like_our_own_field_change_nothing():
    row = decode_page(b'{"items": [{"id": "s", "__phrony_src": "{\\"id\\": \\"x\\"}"}], "total": 1}')
    assert row is not None
    assert row.items[0].wire() == {"id": "s", "__phrony_src": '{"id": "x"}'}


def test_the_fast_row_has_every_field_of_the_public_model_with_its_default():
    """The list's msgspec row and the public pydantic model describe one wire shape: a
    field added to one and not the other would show in one path only."""
    from phrony_tui.client.models import SessionSummary
    from phrony_tui.client.session_rows import SessionRow

    row_fields = {name for name in SessionRow.__struct_fields__ if name != "src"}
    assert row_fields == set(SessionSummary.model_fields)
    blank = SessionRow(id="s")
    for name, field in SessionSummary.model_fields.items():
        if name != "id":
            assert getattr(blank, name) == field.default, name
