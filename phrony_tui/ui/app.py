"""The App: holds the settings and the client, shows the main screen. Kept small."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from phrony_tui.cli import Settings
from phrony_tui.client.models import Conversation
from phrony_tui.client import PhronyClient


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        sessions_refresh: float | None = 30.0,
        host_label: str | None = None,
        prefetch: Future[Conversation] | None = None,
    ) -> None:
        super().__init__()
        # The --run conversation, downloading since the CLI started (live/prefetch.py).
        self.prefetch = prefetch
        self.host_label = host_label  # shown instead of the base URL's host (tests, screenshots)
        self.settings = settings
        self.clock = clock
        self.sessions_refresh = sessions_refresh
        self.client = client or PhronyClient(
            base_url=settings.base_url,
            api_key=settings.api_key,
            allow_insecure_http=settings.allow_insecure_http,
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from phrony_tui.ui.commands import palette_commands

        yield from palette_commands(screen)
        yield from super().get_system_commands(screen)

    def on_mount(self) -> None:
        from phrony_tui.ui.screens.main import MainScreen

        self.push_screen(MainScreen())

    async def on_unmount(self) -> None:
        await self.client.aclose()

    def action_help(self) -> None:
        from phrony_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
