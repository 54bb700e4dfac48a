"""Start the UI from the CLI's settings (and the embedded simulator for --demo)."""

from __future__ import annotations

import sys

from phrony_tui.cli import Settings
from phrony_tui.client import PhronyUsageError, check_base_url
from phrony_tui.demo import demo_settings


def run_app(settings: Settings, *, prefetch=None, reload_settings=None) -> int:
    server = None
    if settings.demo:
        from phrony_tui.sim import SimServer, Simulator

        sim = Simulator(live=True, autostart_seconds=45)
        server = SimServer(sim).start()
        settings = demo_settings(sim, server.base_url, settings)
    try:
        check_base_url(settings.base_url, settings.allow_insecure_http)
        if settings.api_key is None:
            raise PhronyUsageError(
                "no API key: set PHRONY_API_KEY (a phk_... key from the Phrony dashboard), "
                "or try the simulator with: phrony-tui --demo"
            )
        if not settings.agent_ids and not settings.run_id:
            raise PhronyUsageError(
                "no agent to list: set PHRONY_AGENT_ID (one id or a comma-separated list), "
                "pass --agent ID, or open a run with --run RUN_ID"
            )
    except PhronyUsageError as error:
        print(f"phrony-tui: {error}", file=sys.stderr)
        if server is not None:
            server.stop()
        return 2
    from phrony_tui.ui.app import PhronyApp

    try:
        return PhronyApp(settings, prefetch=prefetch, reload_settings=reload_settings).run() or 0
    finally:
        if server is not None:
            server.stop()
