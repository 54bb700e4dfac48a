"""``AppHost``: what the App holds, for the screens, dialogs and helpers that read it.

The main screen, the run actions and the session tools are typed against this class,
not ``PhronyApp``: the App module imports them (to show them), so they do not import
it back. ``PhronyApp`` (ui/app.py) adds what the App does: keys, screens, profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from textual.app import App

from phrony_tui.client import PhronyClient
from phrony_tui.settings import Settings
from phrony_tui.ui import prefs
from phrony_tui.ui.gc_policy import GCPolicy
from phrony_tui.ui.input_first import InputTally
from phrony_tui.ui.key_gate import KeyGate

if TYPE_CHECKING:
    from concurrent.futures import Future

    from phrony_tui.core.session_feed import PageRequest
    from phrony_tui.live.prefetch import Handoff


def utc_now() -> datetime:
    return datetime.now(UTC)


# The App's refresh period comes from the settings unless a caller gives one.
FROM_SETTINGS: object = object()


class AppHost(App[int]):
    """The settings, the client, the clock and the App's helpers (the GC policy, the key gate)."""

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
        first_pages: Mapping[PageRequest, Future[bytes | None]] | None = None,
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
        # --demo: the sessions list's first pages, asked for by the launcher while this
        # process started (entry/early_pages.py); the main screen's first load takes them.
        self.first_pages = first_pages
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

    def _client_for(self, settings: Settings) -> PhronyClient:
        return PhronyClient(
            base_url=settings.base_url,
            api_key=settings.api_key,
            allow_insecure_http=settings.allow_insecure_http,
            around_bulk_decode=self.gc_policy.paused,
        )

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

    async def switch_profile(self, name: str) -> None:
        """Reconnect with another profile's settings (the palette offers it): PhronyApp's."""
        raise NotImplementedError
