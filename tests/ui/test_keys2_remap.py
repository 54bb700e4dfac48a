"""A [keys] remap that shadows another binding's key on the same screen is reported at
start, naming both ids; one that shares a key only with another pane's binding is not."""

from __future__ import annotations

from phrony_tui.ui.app import PhronyApp
from phrony_tui.ui.keymap_check import shadowed as _shadowed
from phrony_tui.ui.keymap_check import warning as _warning
from tests.support.screen import notifications


def shadowed(keymap):
    return _shadowed(keymap, PhronyApp)


def warning(keymap):
    return _warning(keymap, PhronyApp)


def test_a_key_of_the_same_focus_chain_is_a_clash():
    assert shadowed({"timeline.search": "r"}) == [("timeline.search", "main.refresh", "r")]
    assert ("app.quit", "session.export_json", "x") in shadowed({"app.quit": "x"})
    assert shadowed({"attempts.retry": "o"}) == [("attempts.retry", "attempts.open", "o")]


def test_keys_of_other_panes_or_a_dialog_do_not_clash():
    assert shadowed({}) == []
    assert shadowed({"sessions.filter": "e"}) == []  # `e` is the timeline's: never in the same chain
    assert shadowed({"app.quit": "ctrl+s"}) == []  # the dialogs' ctrl+s: the app's keys do not reach them
    assert shadowed({"main.refresh": "F5"}) == []
    assert shadowed({"timeline.search": "r", "main.refresh": "F5"}) == []  # r moved away too


def test_the_warning_names_both_ids():
    said = warning({"main.refresh": "q"})
    assert said is not None and "main.refresh" in said and "app.quit" in said and '"q"' in said


async def test_the_app_says_so_at_start(make_app):
    app = make_app(keymap={"run.message": "r"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        said = [message for message in notifications(app) if "[keys]" in message]
        assert len(said) == 1 and "run.message" in said[0] and "main.refresh" in said[0]


async def test_a_harmless_remap_says_nothing(make_app):
    app = make_app(keymap={"main.refresh": "F5"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        assert not [message for message in notifications(app) if "[keys]" in message]
