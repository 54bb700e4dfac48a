"""Wire models: tolerant reading, unknown fields kept, helpers, short reprs."""

from __future__ import annotations

import json

from phrony_tui.client import (
    Conversation,
    RunEvent,
    SessionPage,
    SessionSummary,
    StartRunResult,
    UploadedFile,
)


def test_unknown_fields_and_enum_strings_are_kept():
    raw = {"sessionId": "s", "runId": "r", "status": "Hibernating", "totalTokensUsed": 1.5, "output": [1, "a"],
           "brandNew": {"x": 1}}
    result = StartRunResult.model_validate_json(json.dumps(raw))
    assert result.status == "Hibernating" and result.output == [1, "a"]
    assert result.wire()["brandNew"] == {"x": 1} and result.wire()["runId"] == "r"


def test_session_summary_open_run_id_fallback():
    assert SessionSummary.model_validate({"id": "s", "rootRunId": "root"}).open_run_id == "root"
    assert SessionSummary.model_validate({"id": "s", "rootRunId": "root", "entryRunId": "e"}).open_run_id == "e"
    assert SessionSummary.model_validate({"id": "s"}).open_run_id is None
    assert SessionPage.model_validate_json(b'{"items": [], "total": 0}').total == 0


def test_conversation_content_any_json_and_order():
    body = {
        "session": {"id": "s", "status": "Completed", "input": None, "startContext": None},
        "runs": [],
        "items": [
            {"id": "c", "ordinal": 3, "type": "X", "content": [1, 2]},
            {"id": "a", "ordinal": 1, "type": "Y", "content": 7},
            {"id": "b", "ordinal": 2, "type": "Z", "content": None},
        ],
    }
    conv = Conversation.model_validate_json(json.dumps(body).encode())
    assert [i.id for i in conv.items] == ["a", "b", "c"]
    assert [i.content for i in conv.items] == [7, None, [1, 2]]


def test_conversation_repr_is_short_even_when_huge():
    items = [{"id": str(n), "ordinal": n, "type": "reasoning", "content": {"message": "x" * 50}} for n in range(1, 5001)]
    conv = Conversation.model_validate({"session": {"id": "s1"}, "runs": [{"id": "r1"}], "items": items})
    assert repr(conv) == "Conversation(session='s1', runs=1, items=5000)"
    assert len(str(conv)) < 100


def test_run_event_accepts_unknown_kinds_and_extra_fields():
    event = RunEvent.model_validate_json('{"ts": "t", "kind": "weather", "subject": "a.b", "data": {}, "seq": 4}')
    assert event.kind == "weather" and event.model_extra == {"seq": 4}


def test_uploaded_file_helpers():
    up = UploadedFile(object_key="workspace/t/files/123/report final.pdf", size_bytes=42,
                      media_type="application/pdf", filename="report final.pdf")
    assert up.size == 42 and up.leaf_name == "report final.pdf"
    assert up.as_attachment() == {"phronyFile": True, "objectKey": "workspace/t/files/123/report final.pdf",
                                  "filename": "report final.pdf", "mediaType": "application/pdf"}
    assert up.as_input_reference() == {"phronyFile": True, "filename": "report final.pdf",
                                       "mediaType": "application/pdf"}
