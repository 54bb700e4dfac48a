"""Keys that arrive in one burst after a key that opens an input land in that input.

A harness app (not the inspector): a screen whose ``m`` opens a dialog with a text
area and whose ``/`` focuses a search box, and hotkeys ``a``/``s``/``e`` that count
when they fire. A burst is posted to the app all at once, as a paste or a coalesced
SSH packet delivers it (Pilot's ``press`` waits between keys, which hides the race).
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, TextArea

from phrony_tui.ui.key_gate import KeyGate


class Dialog(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        yield TextArea(id="text")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()


class Main(Screen[None]):
    BINDINGS = [
        Binding("m", "message", "Message", id="run.message"),
        Binding("slash", "search", "Search", id="timeline.search"),
        Binding("a", "hotkey('a')", "A"),
        Binding("s", "hotkey('s')", "S"),
        Binding("e", "hotkey('e')", "E"),
    ]

    def __init__(self, *, refuse: bool = False) -> None:
        super().__init__()
        self.fired: list[str] = []
        self.refuse = refuse

    def compose(self) -> ComposeResult:
        yield DataTable(id="table")
        yield Input(id="search")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def action_message(self) -> None:
        if self.refuse:
            gate = getattr(self.app, "gate", None)
            if gate is not None:
                gate.drop()
            self.notify("nothing to answer")
            return
        self.app.push_screen(Dialog())

    def action_search(self) -> None:
        self.query_one(Input).focus()

    def action_hotkey(self, name: str) -> None:
        self.fired.append(name)


class Harness(App[None]):
    def __init__(self, *, gated: bool = True, refuse: bool = False) -> None:
        super().__init__()
        self.main = Main(refuse=refuse)
        self.gate = KeyGate(self) if gated else None

    def on_mount(self) -> None:
        self.push_screen(self.main)

    async def on_event(self, event: events.Event) -> None:
        gate = self.gate
        if gate is not None and isinstance(event, events.Key) and not event.is_forwarded:
            if gate.take(event):
                return
            opens = gate.opens_input(event)
            await super().on_event(event)
            if opens:
                gate.close()
            return
        await super().on_event(event)


def burst(app: App, text: str) -> None:
    for char in text:
        key = {" ": "space", "/": "slash"}.get(char, char)
        app.post_message(events.Key(key, char))


async def settle(pilot, app: Harness) -> None:
    for _ in range(200):
        await pilot.pause(0.01)
        if app.gate is None or not app.gate.holding:
            break
    await pilot.pause()


async def test_a_burst_after_m_goes_into_the_dialog_in_order():
    app = Harness()
    async with app.run_test() as pilot:
        burst(app, "mhello as seen")
        await settle(pilot, app)
        assert isinstance(app.screen, Dialog)
        assert app.screen.query_one(TextArea).text == "hello as seen"
        assert app.main.fired == []


async def test_without_the_gate_the_burst_fires_hotkeys_underneath():
    # The failure the gate exists for, shown on the same harness.
    app = Harness(gated=False)
    async with app.run_test() as pilot:
        burst(app, "mhello as seen")
        await pilot.pause(0.3)
        text = app.screen.query_one(TextArea).text if isinstance(app.screen, Dialog) else ""
        assert text != "hello as seen" or app.main.fired


async def test_a_burst_after_slash_goes_into_the_search_box():
    app = Harness()
    async with app.run_test() as pilot:
        burst(app, "/fail")
        await settle(pilot, app)
        assert app.main.query_one(Input).value == "fail"
        assert app.main.fired == []


async def test_keys_after_a_refused_opening_key_are_dropped_not_fired():
    app = Harness(refuse=True)
    async with app.run_test() as pilot:
        burst(app, "mases")
        await settle(pilot, app)
        assert app.main.fired == []
        assert app.gate.dropped == 4


async def test_a_burst_after_the_command_palette_key_goes_into_its_search():
    app = Harness()
    async with app.run_test() as pilot:
        app.post_message(events.Key("ctrl+p", None))
        burst(app, "theme")
        await settle(pilot, app)
        from textual.command import CommandPalette

        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).value == "theme"
        assert app.main.fired == []


async def test_ordinary_keys_pass_straight_through():
    app = Harness()
    async with app.run_test() as pilot:
        burst(app, "ase")
        await settle(pilot, app)
        assert app.main.fired == ["a", "s", "e"]
        assert app.gate.released == 0
