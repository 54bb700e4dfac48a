"""The script commands start without the UI, are listed in ``phrony-tui --help``, have
complete help of their own, and word errors as the app does."""

from __future__ import annotations

import subprocess
import sys

import pytest

from phrony_tui.client import PhronyAPIError, PhronyConnectionError
from phrony_tui.core.error_text import describe_error
from phrony_tui.entry.scripting import COMMANDS
from phrony_tui.ui.errors import describe_error as app_describe_error


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60, check=False,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def test_the_script_commands_load_no_textual_and_no_ui():
    """Not even Rich: the one path to it, httpx's CLI, is deferred by ``main`` (as here)."""
    modules = ", ".join(f"phrony_tui.entry.scripting.{name}" for name in ("common", *COMMANDS))
    code = (
        "import sys\nimport phrony_tui.entry.scripting\n"
        "assert 'textual' not in sys.modules\n"
        "from phrony_tui.entry.httpx_cli import defer_httpx_cli\ndefer_httpx_cli()\n"
        f"import {modules}\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich')\n"
        "             or n.startswith('phrony_tui.ui'))\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    done = _python("-c", code)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_apps_help_lists_every_command():
    done = _python("-m", "phrony_tui", "--help")
    assert done.returncode == 0
    for name in (*COMMANDS, "sim", "config"):
        assert f"\n  {name} " in done.stdout, name


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_has_complete_help(name):
    done = _python("-m", "phrony_tui", name, "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith(f"usage: phrony-tui {name}")
    assert "examples:" in text and f"phrony-tui {name} " in text.split("examples:")[1]
    assert "exit status:" in text and "--base-url" in text and "--profile" in text


def test_errors_read_as_in_the_app_without_its_retry_key():
    limited = PhronyAPIError(429, "/v1/agents/a/sessions", '{"message": "slow down"}')
    assert app_describe_error(limited).endswith("— wait a moment; r retries")
    assert describe_error(limited, retry=None).endswith("— wait a moment")
    offline = PhronyConnectionError("cannot connect to api.example: refused")
    assert describe_error(offline, retry=None) == (
        "cannot connect to api.example: refused — check the network and PHRONY_API_BASE"
    )
    # A hint that says "check" itself is not given a second one.
    bad_key = app_describe_error(PhronyAPIError(401, "/v1/runs/x", "invalid API key"))
    assert "check PHRONY_API_KEY (a phk_... key of this workspace)" in bad_key and "check check" not in bad_key
