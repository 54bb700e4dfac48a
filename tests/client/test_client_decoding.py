"""The one tolerant-decoding ladder (client/decoding.py) and lenient charsets (client/transfer.py)."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from phrony_tui.client import SessionPage
from phrony_tui.client.decoding import UNREADABLE, loads, slow_loads, validate
from phrony_tui.client.transfer import lenient_text

BIG = "7" * 4301
DEEP = "[" * 50_000 + "]" * 50_000


def test_huge_integers_are_kept_as_their_text_and_small_ones_as_ints():
    assert loads(f'{{"a": {BIG}, "b": -{BIG}, "c": 12, "d": -{"1" * 4300}}}') == {
        "a": BIG, "b": "-" + BIG, "c": 12, "d": -int("1" * 4300)}  # fmt: skip


def test_over_deep_parts_are_unreadable_and_their_neighbours_read():
    text = json.dumps({"s": 'a "quoted" ], } : , [ {', "n": 1}).replace("1}", "1, \"deep\": " + DEEP + "}")
    assert slow_loads(text) == {"s": 'a "quoted" ], } : , [ {', "n": 1, "deep": UNREADABLE}
    assert slow_loads("[" + DEEP + ", 2, {\"k\": " + DEEP + ", \"j\": [1]}]") == [
        UNREADABLE, 2, {"k": UNREADABLE, "j": [1]}]  # fmt: skip
    assert slow_loads(DEEP) == UNREADABLE


@pytest.mark.parametrize("bad", ids=["open", "text", "comma", "deep-empty", "deep-comma"], argvalues=["{", "not json", '{"a": 1,}', '{"a": ' + DEEP + ', "b": }', "[" + DEEP + ", 2,]"])
def test_what_is_not_json_still_raises_value_error(bad):
    with pytest.raises(ValueError):
        loads(bad)


def test_validate_repairs_and_says_so(caplog):
    body = json.dumps({"items": [{"id": "a", "runCount": "three"}, {"status": "no id"}], "total": 2})
    with caplog.at_level(logging.INFO, logger="phrony_tui.client"):
        page = validate(SessionPage, body.encode(), where="/v1/agents/x/sessions")
    assert [row.id for row in page.items] == ["a"] and page.items[0].run_count is None
    assert "/v1/agents/x/sessions: 2 field(s) or item(s)" in caplog.text


def test_validate_without_repair_raises():
    with pytest.raises(ValidationError):
        validate(SessionPage, b'{"items": [{"status": "no id"}]}', repair=False)


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/plain; charset=latin-1", b"caf\xe9", "café"),
        ("text/plain; charset=utf-16", "hé".encode("utf-16"), "hé"),  # with its BOM: as declared
        ("text/plain; charset=utf-16", b"plain", "plain"),  # no BOM over ASCII: mislabelled
        ('text/html; charset="rot13"', b"uryyb", "uryyb"),
        ("text/html; charset=base64", b"aGk=", "aGk="),
        ("text/html; charset=hex", b"6869", "6869"),
        ("text/html; charset=idna", b"xn--caf-dma", "xn--caf-dma"),
        ("text/html; charset=punycode", b"caf-dma", "caf-dma"),
        ("text/html; charset=undefined", b"ok", "ok"),
        ("text/html; charset=utf-7", b"+AGEAYgBj-", "+AGEAYgBj-"),
        ("text/html; charset=nonsense-42", b"caf\xc3\xa9 \xff", "café \ufffd"),
        (None, b"\xff ok", "\ufffd ok"),
    ],
)
def test_lenient_text_never_raises(content_type, body, text):
    assert lenient_text(body, content_type) == text
