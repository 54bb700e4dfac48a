"""What the app's start does before the sessions list is on screen: counted, never timed.

The start is the command line, the config file, the App and its main screen, and the
first pages of the sessions list. pydantic and the client's models are not part of it
(they cost more to import than the rest of the start-up), nor the TOML parser when there
is no config file: the config is read into dataclasses, the key held in
``phrony_tui.secret.SecretStr``, the list decoded into msgspec rows (``client/session_rows.py``). Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import textwrap

from tests.support.processes import python_c

START = textwrap.dedent(
    """
    import asyncio, sys
    from phrony_tui.entry import cli
    cli.defer_httpx_cli()
    settings = cli.load_settings(cli.build_parser().parse_args(["--demo"]), {"HOME": sys.argv[1]})
    from phrony_tui.entry.demo import demo_settings
    from phrony_tui.sim import SimServer, Simulator
    from phrony_tui.ui.app import PhronyApp

    sim = Simulator(seed=7, live=False)
    server = SimServer(sim, host="127.0.0.1", port=0)
    server.start()

    async def main():
        app = PhronyApp(demo_settings(sim, server.base_url, settings), sessions_refresh=None)
        async with app.run_test(size=(160, 45)) as pilot:
            for _ in range(400):
                await pilot.pause(0.02)
                pane = app.screen.query_one("#sessions")
                if pane.feed.total is not None and not pane.fetching and app.screen.inbox_watcher.rounds:
                    break
            rows = app.screen.query_one("#sessions-table").row_count
            later = ("pydantic", "textual.widgets._text_area", "rich.syntax", "phrony_tui.ui.session_tools",
                     "phrony_tui.ui.screens.step_detail", "phrony_tui.live.follower", "tomllib")
            print(rows, type(pane.feed.rows[0]).__name__, [name for name in later if name in sys.modules])

    asyncio.run(main())
    server.stop()
    """
)


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return python_c(code, *args)


def test_the_sessions_list_is_drawn_without_importing_pydantic(tmp_path):
    done = _run(START, str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    rows, row_type, loaded = done.stdout.split(maxsplit=2)
    assert int(rows) > 0 and row_type == "SessionRow"
    assert loaded.strip() == "[]"  # pydantic, TextArea, the step detail's syntax, the session's tools: later


def test_the_client_library_still_gives_its_pydantic_models_when_asked():
    code = (
        "import sys, phrony_tui.client as c\n"
        "before = 'pydantic' in sys.modules\n"
        "from phrony_tui.client import Conversation, SessionSummary\n"
        "import pydantic\n"
        "print(before, issubclass(Conversation, pydantic.BaseModel), c.SessionSummary is SessionSummary,"
        " c.RunEventStream.__name__)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True", "True", "RunEventStream"]


def test_a_bad_config_is_refused_without_pydantic(tmp_path):
    (tmp_path / "config.toml").write_text("bell = 'loud'\nwatch_interval = 1\n[profiles.p]\nagents = 7\nnope = 1\n")
    code = (
        "import sys, pathlib\n"
        "from phrony_tui import config\n"
        "try:\n"
        "    config.load(pathlib.Path(sys.argv[1]) / 'config.toml')\n"
        "except config.ConfigError as error:\n"
        "    print(error)\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = _run(code, str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    message, loaded = done.stdout.strip().splitlines()
    for needle in ("bell:", "watch_interval: Input should be greater than or equal to 5", "profiles.p.agents:",
                   "profiles.p.nope: unknown key"):  # fmt: skip
        assert needle in message
    assert loaded == "False"
