"""Launch the app from the CLI's settings: the ``--run`` prefetch, the demo's simulator
child for ``--demo``, the checks that need no terminal, then the UI."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from phrony_tui.entry.demo import DemoSimulator, settings_from_handshake
from phrony_tui.settings import Settings

if TYPE_CHECKING:
    from phrony_tui.live.prefetch import Handoff
    from phrony_tui.ui.gc_policy import GCPolicy


def launch(settings: Settings, *, reload_settings: Callable[[str], Settings] | None = None) -> int:
    """Start what the settings ask for and run the app until it ends: its exit status."""
    from phrony_tui.ui.gc_policy import GCPolicy  # stdlib only: nothing of Textual yet

    # The process ends with the App: what it froze is left to the exit (see GCPolicy).
    gc_policy = GCPolicy(unfreeze_on_restore=False)
    prefetch = None
    if settings.run_id and not settings.demo and settings.api_key is not None:
        # Download the run while Textual imports (see live/prefetch.py); its decode
        # pauses the collector like the App's own (the App takes over this policy).
        from phrony_tui.live.prefetch import Handoff, start_prefetch

        prefetch = Handoff(start_prefetch(
            settings.base_url, settings.api_key, settings.run_id, allow_insecure_http=settings.allow_insecure_http,
            around_bulk_decode=gc_policy.paused,
        ))  # fmt: skip
    return run_app(settings, prefetch=prefetch, reload_settings=reload_settings, gc_policy=gc_policy)


def run_app(
    settings: Settings,
    *,
    prefetch: Handoff | None = None,
    reload_settings: Callable[[str], Settings] | None = None,
    gc_policy: GCPolicy | None = None,
) -> int:
    demo = None
    if settings.demo:
        # First of all: the child builds the simulator while the UI starts (demo.py).
        demo = DemoSimulator.start()
    try:
        return _run(settings, demo, prefetch, reload_settings, gc_policy)
    finally:
        if demo is not None:
            problem = demo.problem()
            demo.stop()
            if problem is not None:
                print(f"phrony-tui: {problem}", file=sys.stderr)


def _run(
    settings: Settings,
    demo: DemoSimulator | None,
    prefetch: Handoff | None,
    reload_settings: Callable[[str], Settings] | None,
    gc_policy: GCPolicy | None,
) -> int:
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
    app = PhronyApp(settings, prefetch=prefetch, reload_settings=reload_settings, gc_policy=gc_policy)
    returned = app.run()
    note = getattr(app, "exit_note", None)  # what became of a send in flight when the person quit
    if note:
        print(f"phrony-tui: {note}", file=sys.stderr)
    return exit_status(returned, getattr(app, "return_code", None))


def exit_status(returned: object, return_code: int | None) -> int:
    """The process's status: the App's ``return_code`` wins (Textual sets 1 after a crash,
    while ``run()`` then returns None); else what ``run()`` returned, when an int."""
    if return_code:
        return return_code
    return returned if isinstance(returned, int) else 0
