"""Errors are never cut mid-sentence: long ones keep whole sentences (and say more was left
out), what to check is kept, and the status bar grows for an error instead of cutting it."""

from __future__ import annotations

import json

from textual.app import App, ComposeResult

from phrony_tui.client import PhronyAPIError
from phrony_tui.ui.errors import describe_error, first_sentence, whole_sentences
from phrony_tui.ui.widgets.status_bar import StatusBar

LONG_SAID = " ".join(f"Sentence {n} of what the server had to say about it." for n in range(40))


def _error() -> PhronyAPIError:
    return PhronyAPIError(403, "/v1/runs/r-1/conversation", json.dumps({"message": LONG_SAID}), method="GET")


def _ends_whole(text: str) -> bool:
    return text.endswith((".", ")", ". …", ") …"))


def test_whole_sentences_keeps_sentences_and_says_more_was_left_out() -> None:
    text = "First one. Second one is here. Third one, e.g. this, is long enough to go."
    assert whole_sentences(text, 200) == text
    assert whole_sentences(text, 40) == "First one. Second one is here. …"
    short = whole_sentences("one enormous sentence without any end in sight at all", 20)
    assert short == "one enormous …"  # one sentence longer than the room: cut after a word


def test_describe_error_keeps_what_to_check_and_whole_sentences() -> None:
    described = describe_error(_error())
    assert described.endswith("— check the key's scope: its agents and API triggers, and 'Allow file uploads' for files")
    said = described.split(" — check ")[0]
    assert _ends_whole(said), said
    assert len(described) <= 400


def test_first_sentence_is_whole() -> None:
    message = str(_error())
    head = first_sentence(message)
    assert head.endswith(" …") and _ends_whole(head)
    assert "Sentence 1 " not in head


class Bar(App):
    def compose(self) -> ComposeResult:
        yield StatusBar("https://api.example", id="status")

    CSS = "#status { height: 1; } #status.-error { height: auto; max-height: 4; }"


async def test_the_status_bar_grows_for_an_error_instead_of_cutting_it() -> None:
    app = Bar()
    async with app.run_test(size=(80, 10)) as pilot:
        bar = app.query_one(StatusBar)
        message = describe_error(_error())
        bar.show_error("r-1", message)
        await pilot.pause()
        shown = " ".join(line.rstrip() for line in app.screen._compositor.render_strips()[: bar.size.height]
                         for line in [line.text])  # fmt: skip
        assert bar.size.height > 1
        assert first_sentence(message).removesuffix(" …") in " ".join(shown.split())


async def test_a_run_that_fails_to_open_says_its_first_sentence_whole_at_80_columns(sim, make_app) -> None:
    from tests.support.waiting import wait_for

    app = make_app(run_id="00000000-0000-4000-8000-000000000000")
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(StatusBar)
        await wait_for(lambda: bar.has_class("-error"), pilot=pilot)
        await pilot.pause()
        lines = [strip.text.rstrip() for strip in app.screen._compositor.render_strips()[: bar.size.height]]
        shown = " ".join(" ".join(lines).split())
        assert bar.size.height > 1 and "404 Not Found" in shown
        assert "owns it)." in shown, lines  # the end of the sentence is on screen


def test_what_to_check_is_said_once() -> None:
    described = describe_error(PhronyAPIError(401, "/v1/agents/a/sessions", "invalid API key", method="GET"))
    assert "check check" not in described and described.endswith("— check PHRONY_API_KEY (a phk_... key of this workspace)")
