"""The App: shows the main screen, routes keys, switches profiles. Kept small; what it
holds (settings, client, clock) is in ui/host.py."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from phrony_tui.client import check_transport, clear_text_warning
from phrony_tui.ui import prefs
from phrony_tui.ui.host import AppHost
from phrony_tui.ui.text import notify

if TYPE_CHECKING:
    pass


class PhronyApp(AppHost):
    """phrony-tui. Built by one factory for the CLI and the tests (``PhronyApp(settings)``)."""

    TITLE = "phrony-tui"
    CSS_PATH = Path(__file__).parent / "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit_ctrl_c"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
    ]

    async def action_quit(self) -> None:
        """q / ctrl+c: with a send or an upload in flight, ask first (ui/dialogs/quitting.py)."""
        from phrony_tui.ui.dialogs.quitting import quit_or_ask

        quit_or_ask(self)

    def post_message(self, message: Message) -> bool:
        posted = super().post_message(message)
        if posted:
            self.input_tally.posted(message)  # a key on its way (ui/input_first.py)
        return posted

    async def on_event(self, event: events.Event) -> None:
        with self.input_tally.taking(event):  # done with a key: forwarded, held or handled
            await self._on_event(event)

    async def _on_event(self, event: events.Event) -> None:
        # A key that opens an input closes the gate behind it: the keys of the same burst
        # are held until the focus has moved, then handed on in order (ui/key_gate.py).
        gate = self.key_gate
        if isinstance(event, events.Key) and not event.is_forwarded:
            if gate.take(event):
                return
            opens = gate.opens_input(event)
            await super().on_event(event)
            if opens:
                gate.close()
            return
        await super().on_event(event)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from phrony_tui.ui.commands import palette_commands

        yield from palette_commands(screen)
        yield from super().get_system_commands(screen)

    def on_mount(self) -> None:
        from phrony_tui.ui.screens.main import MainScreen

        self.gc_policy.install()
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
            self._warn_shadowed_keys()
        remembered, note = prefs.read(self.settings.state_dir)
        self._adopt_remembered_names(prefs.agent_names(remembered))
        theme = prefs.initial_theme(self.settings.theme, remembered.get("theme"), set(self.available_themes))
        if theme:
            self.theme = theme
        self._theme_ready = True
        self.push_screen(MainScreen())
        if note:
            notify(self, note, severity="warning", timeout=15)

    def _warn_shadowed_keys(self) -> None:
        from phrony_tui.ui.keymap_check import warning

        said = warning(self.settings.keymap, type(self))
        if said is not None:
            notify(self, said, title="Keys", severity="warning", timeout=20)

    def watch_theme(self, theme: str) -> None:
        # Remember the person's pick (not the one set at start).
        if getattr(self, "_theme_ready", False):
            prefs.remember(self.settings.state_dir, theme=theme)

    async def switch_profile(self, name: str) -> None:
        """Reconnect with another profile's settings: a fresh main screen and client."""
        from phrony_tui.config import ConfigError
        from phrony_tui.ui.screens.main import MainScreen

        if self.reload_settings is None:
            notify(self, "Profiles come from the config file: none is loaded here.", severity="warning")
            return
        try:
            settings = self.reload_settings(name)
        except ConfigError as error:
            notify(self, str(error), title="Config", severity="error")
            return
        problem = None
        if not settings.demo:  # the embedded simulator, on loopback
            problem = check_transport(
                settings.base_url, settings.allow_insecure_http, opt_in=f"set allow_insecure_http = true in profile {name}"
            )
        if problem is None and settings.api_key is None:
            problem = f"profile {name} has no API key (set its api_key_env variable, or config set-key {name})"
        if problem is not None:
            notify(self, problem, title=f"Profile {name}", severity="error")
            return
        warning = None if settings.demo else clear_text_warning(settings.base_url, settings.allow_insecure_http)
        if warning is not None:
            notify(self, warning, title=f"Profile {name}", severity="warning")
        old = self.client
        self.settings = settings
        self._adopt_remembered_names(prefs.agent_names(prefs.load(settings.state_dir)))
        self.client = self._client_for(settings)
        if settings.keymap:
            self.set_keymap(settings.keymap)
        await self.switch_screen(MainScreen())
        await old.aclose()
        notify(self, f"Profile {name}: {len(settings.agent_ids)} agent(s) at {settings.base_url}")

    async def on_unmount(self) -> None:
        try:
            await self.client.aclose()
        finally:
            self.gc_policy.restore()

    def action_help(self) -> None:
        from phrony_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
