"""The App: holds the settings and the client, shows the main screen. Kept small."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from phrony_tui.client import PhronyClient, check_transport, clear_text_warning
from phrony_tui.settings import Settings
from phrony_tui.ui import prefs
from phrony_tui.ui.gc_policy import GCPolicy
from phrony_tui.ui.input_first import InputTally
from phrony_tui.ui.key_gate import KeyGate
from phrony_tui.ui.text import notify

if TYPE_CHECKING:
    from phrony_tui.live.prefetch import Handoff


def utc_now() -> datetime:
    return datetime.now(UTC)


# The App's refresh period comes from the settings unless a caller gives one.
FROM_SETTINGS: object = object()


class PhronyApp(App[int]):
    """phrony-tui. Built by one factory for the CLI and the tests (``PhronyApp(settings)``)."""

    TITLE = "phrony-tui"
    CSS_PATH = Path(__file__).parent / "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit_ctrl_c"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        client: PhronyClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        sessions_refresh: float | object | None = FROM_SETTINGS,
        host_label: str | None = None,
        prefetch: Handoff | None = None,
        reload_settings: Callable[[str], Settings] | None = None,
        gc_policy: GCPolicy | None = None,
    ) -> None:
        # Keys on their way to their widget, for the jobs that let them in (ui/input_first.py).
        self.input_tally = InputTally()
        super().__init__()
        # The collector's policy (ui/gc_policy.py): installed on mount, undone on exit.
        # Given by the launcher when it paused the collector before the App existed (--run).
        self.gc_policy = gc_policy or GCPolicy()
        # Settings for another profile (from the CLI: same flags and environment).
        self.reload_settings = reload_settings
        # The --run conversation, downloading since the CLI started (live/prefetch.py).
        self.prefetch = prefetch
        self.host_label = host_label  # shown instead of the base URL's host (tests, screenshots)
        self.settings = settings
        self.clock = clock
        # The sessions list's refresh period (seconds; None or 0: none): the config's, unless given.
        self.sessions_refresh: float | None = (
            settings.refresh_interval if sessions_refresh is FROM_SETTINGS else cast("float | None", sessions_refresh)
        )
        self.client = client or self._client_for(settings)
        # Keys typed right after one that opens a dialog or a box go there (ui/key_gate.py).
        self.key_gate = KeyGate(self)
        # Said on stderr once the app has ended (a send that was in flight when quitting).
        self.exit_note: str | None = None

    async def action_quit(self) -> None:
        """q / ctrl+c: with a send or an upload in flight, ask first (ui/dialogs/quitting.py)."""
        from phrony_tui.ui.dialogs.quitting import quit_or_ask

        quit_or_ask(self)

    def _client_for(self, settings: Settings) -> PhronyClient:
        return PhronyClient(
            base_url=settings.base_url,
            api_key=settings.api_key,
            allow_insecure_http=settings.allow_insecure_http,
            around_bulk_decode=self.gc_policy.paused,
        )

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

    # -- agent names: the config's, then those learned from conversations (state file) --
    def _adopt_remembered_names(self, remembered: dict[str, str]) -> None:
        # The config's names win; the app owns this dict (the panes read it as it grows).
        self._configured_names = frozenset(self.settings.agent_names)
        self.settings = replace(self.settings, agent_names={**remembered, **self.settings.agent_names})

    def learn_agent_names(self, found: dict[str, str]) -> bool:
        """Names seen in a conversation (``runs[].agentName``): kept for this run of the app
        and in the state file. The config's names are never replaced. True when one is new."""
        configured = getattr(self, "_configured_names", frozenset(self.settings.agent_names))
        names = self.settings.agent_names
        new = {agent: name for agent, name in found.items()
               if agent not in configured and name and names.get(agent) != name}  # fmt: skip
        if not new:
            return False
        names.update(new)
        prefs.remember_agent_names(self.settings.state_dir, new)
        return True

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
