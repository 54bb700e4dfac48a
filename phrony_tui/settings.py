"""What the app runs with: one frozen record, plain data.

Built by the entry layer (``entry/cli.py``: flags > environment > config file >
defaults) and read by the UI; below every layer but ``config``, so any layer may
hold one without importing the code that builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phrony_tui.secret import SecretStr

# The service's address; the client's default too (phrony_tui.client re-exports it).
DEFAULT_BASE_URL = "https://api.phrony.com"


@dataclass(frozen=True)
class Settings:
    base_url: str = DEFAULT_BASE_URL
    # SecretStr: its repr is '**********', so tracebacks that print locals stay clean.
    api_key: SecretStr | None = None
    agent_ids: tuple[str, ...] = ()
    run_id: str | None = None
    allow_insecure_http: bool = False
    demo: bool = False
    profile: str | None = None
    agent_names: dict[str, str] = field(default_factory=dict)
    # From the config file: key remaps (binding id -> keys), theme, bell, profile names.
    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    bell: bool = True
    profiles: tuple[str, ...] = ()
    # The inbox watcher (ui/inbox_watcher.py): --watch starts on the inbox; the header's
    # count is polled every watch_interval seconds for watch_statuses (empty: the inbox's);
    # desktop_notify is "osc9", "osc777" or "off".
    watch: bool = False
    # The sessions list re-reads its first pages every refresh_interval seconds (0: never).
    refresh_interval: float = 30.0
    watch_interval: float = 30.0
    watch_statuses: tuple[str, ...] = ()
    desktop_notify: str = "off"
    # Where the app keeps what it remembers (theme, start attempts); None: nothing is written.
    state_dir: Path | None = None
    # The config's ``export_dir`` (None: ~/phrony-exports; see core/export.py).
    export_dir: str | None = None
