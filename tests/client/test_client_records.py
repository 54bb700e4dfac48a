"""The session and runs of the fast read (client/records.py) are what the models make of them."""

from __future__ import annotations

import json

import pytest

from phrony_tui.client.lazy import ConversationReader, decode_conversation
from phrony_tui.client.models import Conversation, Run, Session
from phrony_tui.client.records import LazyConversation, RunRecord, SessionRecord
from tests.support.processes import python_c

PAIRS = [(SessionRecord, Session), (RunRecord, Run)]


@pytest.mark.parametrize(("record", "model"), PAIRS)
def test_the_field_tables_are_the_models(record, model):
    table = [(name, alias, default) for name, alias, _kind, default in record.FIELDS]
    fields = [(name, info.alias, info.default) for name, info in model.model_fields.items()]
    assert [row[:2] for row in table] == [row[:2] for row in fields]
    assert [row[2] for row in table[1:]] == [row[2] for row in fields[1:]]  # id is required: no default


SESSIONS = [
    {"id": "s1"},
    {"id": "s1", "status": "Completed", "agentId": "a", "totalTokensUsed": 12.5, "input": {"x": [1, 2]},
     "startContext": None, "futureField": {"deep": [1]}, "another": 3},
    {"id": "s2", "agent_id": "snake", "llm_model": "m", "total_tokens_used": 7},  # populate_by_name
    {"id": "s3", "agentId": "camel", "agent_id": "snake is then an extra", "status": ""},
    {"id": "s4", "output": "text", "error": {"code": 1}, "startedAt": "2026-03-01T12:00:00Z", "finishedAt": None},
    {"id": "s5", "totalTokensUsed": 123456789012345678901234567890},
]  # fmt: skip
RUNS = [
    {"id": "r1"},
    {"id": "r1", "parentRunId": None, "depth": 2, "status": "Running", "agentName": "Ada", "extraRun": True},
    {"id": "r2", "parent_run_id": "r1", "session_id": "s", "version_label": "v1"},
    {"id": "r3", "parentRunId": "camel", "parent_run_id": "snake", "depth": 0},
]


def _cases():
    for data in SESSIONS:
        yield SessionRecord, Session, data
    for data in RUNS:
        yield RunRecord, Run, data


@pytest.mark.parametrize(("record_type", "model", "data"), list(_cases()))
def test_a_record_reads_what_its_model_reads(record_type, model, data):
    record = record_type.read(json.loads(json.dumps(data)))
    strict = model.model_validate_json(json.dumps(data))
    assert record is not None
    for name in model.model_fields:
        assert getattr(record, name) == getattr(strict, name), name
    assert record.wire() == strict.wire() and list(record.wire()) == list(strict.wire())
    assert record.model_extra == strict.model_extra
    assert record.model_fields_set == strict.model_fields_set
    assert record.to_model() == strict and record.to_model().model_fields_set == strict.model_fields_set
    copy, model_copy = record.model_copy(update={"status": "Failed"}), strict.model_copy(update={"status": "Failed"})
    assert type(copy) is record_type and copy.status == "Failed" and record.status == strict.status
    assert copy.wire() == model_copy.wire() and copy.model_fields_set == model_copy.model_fields_set
    assert "input" not in repr(record)  # short


@pytest.mark.parametrize(
    ("record_type", "data"),
    [
        (SessionRecord, {"status": "no id"}),
        (SessionRecord, {"id": 17}),  # the model makes it "17"
        (SessionRecord, {"id": "s", "status": None}),
        (SessionRecord, {"id": "s", "totalTokensUsed": True}),
        (SessionRecord, {"id": "s", "totalTokensUsed": "12"}),
        (RunRecord, {"id": "r", "depth": "0"}),
        (RunRecord, {"id": "r", "depth": 1.0}),
        (RunRecord, {"id": "r", "depth": None}),
        (RunRecord, {"id": "r", "parentRunId": 5}),
        (RunRecord, ["not", "an", "object"]),
    ],
)
def test_what_is_off_the_records_types_is_left_to_the_model(record_type, data):
    assert record_type.read(data) is None


def test_a_session_off_the_types_is_read_by_its_model_and_the_items_stay_lazy():
    body = {"session": {"id": 17, "status": "Completed"}, "runs": [{"id": "r1"}, {"id": "r2", "depth": "1"}],
            "items": [{"id": "a", "runId": "r1", "ordinal": 1, "type": "output", "content": None}]}  # fmt: skip
    data = json.dumps(body).encode()
    conversation = decode_conversation(data)
    assert isinstance(conversation, LazyConversation)
    assert isinstance(conversation.session, Session) and conversation.session.id == "17"
    assert isinstance(conversation.runs[0], RunRecord) and isinstance(conversation.runs[1], Run)
    assert conversation.runs[1].depth == 1
    strict = Conversation.model_validate_json(data)
    model = conversation.to_model()
    assert isinstance(model, Conversation) and model.session == strict.session and model.runs == strict.runs
    assert [item.to_model() for item in model.items] == strict.items


def test_the_reader_in_pieces_gives_records_too():
    body = {"session": {"id": "s", "status": "Completed", "x": 1}, "runs": [{"id": "r", "depth": 0}],
            "items": [{"id": str(n), "runId": "r", "ordinal": n, "type": "output", "content": {"n": n}}
                      for n in range(1, 50)]}  # fmt: skip
    data = json.dumps(body).encode()
    reader = ConversationReader()
    for start in range(0, len(data), 97):
        reader.feed(data[start : start + 97])
    reader.finish()
    conversation = reader.conversation()
    assert isinstance(conversation, LazyConversation) and len(conversation.items) == 49
    assert conversation.session == decode_conversation(data).session
    assert conversation.session.wire() == Session.model_validate(body["session"]).wire()


def test_the_fast_read_imports_no_pydantic():
    code = (
        "import json, sys\n"
        "from phrony_tui.client.lazy import ConversationReader, decode_conversation\n"
        "body = json.dumps({'session': {'id': 's', 'status': 'Completed', 'entryRunId': 'r'},\n"
        "    'runs': [{'id': 'r', 'depth': 0, 'agentName': 'A'}],\n"
        "    'items': [{'id': 'i', 'runId': 'r', 'ordinal': 1, 'type': 'output', 'content': {'a': 1}}]}).encode()\n"
        "reader = ConversationReader()\n"
        "reader.feed(body[:40]); reader.feed(body[40:]); reader.finish()\n"
        "whole = decode_conversation(body)\n"
        "copy = whole.session.model_copy(update={'status': 'Failed'})\n"
        "print(len(reader.conversation().items), len(whole.items), copy.wire()['status'],\n"
        "      whole.session.model_extra, 'pydantic' in sys.modules)\n"
    )
    done = python_c(code, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().split(maxsplit=3) == ["1", "1", "Failed", "{'entryRunId': 'r'} False"]


def test_a_lazy_conversation_copies_like_the_model():
    body = {"session": {"id": "s"}, "runs": [{"id": "r"}],
            "items": [{"id": str(n), "ordinal": n, "type": "output"} for n in (1, 2, 3)]}  # fmt: skip
    conversation = decode_conversation(json.dumps(body).encode())
    head = conversation.model_copy(update={"items": conversation.items[:2]})
    assert isinstance(head, LazyConversation) and [item.id for item in head.items] == ["1", "2"]
    assert head.session is conversation.session and len(conversation.items) == 3
    deep = conversation.model_copy(deep=True)
    assert deep == conversation and deep.session is not conversation.session
    with pytest.raises(ValueError, match="no field"):
        conversation.model_copy(update={"nope": 1})
