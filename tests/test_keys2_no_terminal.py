"""Started without a terminal (a pipe, cron, </dev/null) it says so and exits non-zero,
instead of waiting for a terminal that never answers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["--demo"], ["--agent", "a", "--base-url", "https://api.example.test"]])
def test_no_terminal_exits_with_a_clear_message(args, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL_DRIVER",)}
    env["PHRONY_API_KEY"] = "phk_test_not_shown"
    done = subprocess.run(
        [sys.executable, "-m", "phrony_tui", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
        env=env, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no terminal" in done.stderr and "phrony-tui --web" in done.stderr
    assert done.stdout == "" and "phk_test_not_shown" not in done.stderr
