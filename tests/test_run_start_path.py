"""What --run's start imports before its first frame: counted, never timed.

The conversation comes by the early standard-library read (entry/early.py), is decoded
into msgspec items and ``client.records`` records, and the App makes its client without
a connection: neither pydantic nor httpx is imported before the session is on screen
(together they cost more to import than the rest of the start). The app runs in a
fresh interpreter; the simulator serves it from this one.
"""

from __future__ import annotations

import textwrap

from tests.support.processes import python_c

RUN = textwrap.dedent(
    """
    import asyncio, sys
    base, key, run_id = sys.argv[1:4]
    from phrony_tui.entry import cli, early
    cli.defer_httpx_cli()
    environ = {"PHRONY_API_BASE": base, "PHRONY_API_KEY": key, "HOME": sys.argv[4]}
    fetch = early.start(["--run", run_id], environ, user_agent="test")
    assert fetch is not None
    settings = cli.load_settings(cli.build_parser().parse_args(["--run", run_id]), environ)
    from phrony_tui.entry.launch import _read_in_parts
    from phrony_tui.live.prefetch import Handoff
    from phrony_tui.ui.app import PhronyApp
    from phrony_tui.ui.gc_policy import GCPolicy

    def client_read():
        raise AssertionError("the early read failed")

    async def main():
        prefetch = Handoff(_read_in_parts(fetch, client_read, GCPolicy().paused))
        app = PhronyApp(settings, prefetch=prefetch, sessions_refresh=None)
        async with app.run_test(size=(160, 45)) as pilot:
            for _ in range(500):
                await pilot.pause(0.02)
                state = app.screen.state
                if state is not None and not state.loading:
                    break
            later = ("pydantic", "httpx", "httpcore", "phrony_tui.client.models")
            print(len(state.timeline), type(state.session).__name__, type(state.timeline[0]).__name__,
                  [name for name in later if name in sys.modules])

    asyncio.run(main())
    """
)


def test_a_run_is_on_screen_without_pydantic_or_httpx(sim, sim_base_url, tmp_path):
    _, run_id = sim.find_sessions("hitl", "Completed")[0]  # finished: no stream to open
    done = python_c(RUN, sim_base_url, sim.keys.admin, run_id, str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    rows, session_type, item_type, loaded = done.stdout.split(maxsplit=3)
    assert int(rows) > 0 and session_type == "SessionRecord" and item_type == "LazyItem"
    assert loaded.strip() == "[]"  # the models and the HTTP stack: when first used
