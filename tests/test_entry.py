"""The entry point: its process-wide switch (httpx's CLI loaded only if used) is set
first thing in ``main``, before anything imports httpx; ``python -m phrony_tui`` runs it."""

from __future__ import annotations

import subprocess
import sys

from tests.support.processes import python_c


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return python_c(code, timeout=60)


def test_main_defers_httpx_cli_and_it_still_works_when_used():
    code = (
        "import sys\n"
        "from phrony_tui.entry import cli\n"
        "assert 'httpx' not in sys.modules, 'the entry module imports httpx: too late to defer its CLI'\n"
        "try:\n    cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "import httpx, phrony_tui.client\n"
        "assert 'click' not in sys.modules and 'pygments' not in sys.modules, 'CLI loaded at import'\n"
        "try:\n    httpx.main(['--help'])\nexcept SystemExit as exit:\n    assert exit.code == 0\n"
        "assert 'click' in sys.modules\n"
        "print('ok')\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip().endswith("ok") and "--help" in done.stdout


def test_python_m_phrony_tui_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "phrony_tui", "--version"], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("phrony-tui ")


def test_the_ui_never_imports_the_entry_layer():
    """At run time too (lint-imports checks the source): the App and its main screen
    load only their own layer and those below it, never their launcher."""
    below = ("ui", "live", "core", "client", "settings", "config", "secret")
    code = (
        "import sys, phrony_tui.ui.app, phrony_tui.ui.screens.main\n"
        f"below = {below!r}\n"
        "ours = [n for n in sys.modules if n.startswith('phrony_tui.')]\n"
        "bad = sorted(n for n in ours if n.split('.')[1] not in below)\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stdout + done.stderr


def test_launch_gives_the_app_a_policy_that_leaves_frozen_objects_to_the_exit(monkeypatch):
    import phrony_tui.ui.app
    from phrony_tui.entry.launch import launch
    from phrony_tui.settings import Settings

    made: list = []

    class App:
        def __init__(self, settings, **kwargs):
            made.append(kwargs)

        def run(self):
            return 0

    monkeypatch.setattr(phrony_tui.ui.app, "PhronyApp", App)
    monkeypatch.setattr("phrony_tui.entry.launch.has_terminal", lambda: True)  # pytest has none
    assert launch(Settings(api_key=None, agent_ids=("a",), base_url="https://api.example.test")) == 2  # no key
    assert made == []
    from pydantic import SecretStr

    assert launch(Settings(api_key=SecretStr("phk_x"), agent_ids=("a",), base_url="https://api.example.test")) == 0
    [kwargs] = made
    assert kwargs["gc_policy"].unfreeze_on_restore is False and kwargs["prefetch"] is None


def test_a_malformed_key_is_said_in_one_line_not_a_traceback(monkeypatch, capsys):
    """A key the client refuses (spaces, control characters) stops the start with the
    client's wording and exit status 2, as a bad flag does, not with a traceback."""
    from phrony_tui.entry import cli

    monkeypatch.setenv("PHRONY_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("PHRONY_API_KEY", "phk_abc def")
    monkeypatch.setenv("PHRONY_AGENT_ID", "agent-1")
    monkeypatch.setattr("phrony_tui.entry.launch.has_terminal", lambda: True)  # as in a terminal
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("phrony-tui: the API key contains spaces") and "Traceback" not in err
    assert "phk_abc" not in err  # the key itself is never said
