"""Start the UI from the CLI's settings (and the demo's simulator for --demo)."""

from __future__ import annotations

import sys

from phrony_tui.cli import Settings
from phrony_tui.demo import DemoSimulator, settings_from_handshake


def run_app(settings: Settings, *, prefetch=None, reload_settings=None) -> int:
    demo = None
    if settings.demo:
        # First of all: the child builds the simulator while the UI starts (demo.py).
        demo = DemoSimulator.start()
    try:
        return _run(settings, demo, prefetch, reload_settings)
    finally:
        if demo is not None:
            problem = demo.problem()
            demo.stop()
            if problem is not None:
                print(f"phrony-tui: {problem}", file=sys.stderr)


def _run(settings: Settings, demo, prefetch, reload_settings) -> int:
    from phrony_tui.client import PhronyUsageError, check_base_url
    from phrony_tui.ui.app import PhronyApp


    try:
        if demo is not None:
            settings = settings_from_handshake(demo.info, settings)
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
        return 2
    return PhronyApp(settings, prefetch=prefetch, reload_settings=reload_settings).run() or 0

