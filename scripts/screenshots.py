#!/usr/bin/env python3
"""Regenerate screenshots/: SVGs the app renders from the simulator (fixed seed and clock).

The screenshots are the UI snapshot tests' own baselines (tests/ui/__snapshots__),
so what the README shows is exactly what the tests check. This script re-renders
the baselines (pytest --snapshot-update) and copies the ones the README uses.
tests/test_screenshots.py fails when a screenshot differs from its baseline.

Usage: python scripts/screenshots.py [--no-render]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "ui" / "__snapshots__"
OUT = ROOT / "screenshots"

# screenshot name -> (snapshot test file, test name)
SHOTS: dict[str, tuple[str, str]] = {
    "sessions.svg": ("test_snapshots", "test_sessions_list"),
    "deep-session.svg": ("test_snapshots", "test_deep_multi_agent_session"),
    "waiting-run.svg": ("test_snapshots", "test_waiting_run"),
    "redacted-session.svg": ("test_snapshots", "test_redacted_session"),
    "error.svg": ("test_snapshots", "test_bad_key_error"),
    "narrow.svg": ("test_snapshots", "test_narrow_open_session"),
    "dialog-approval.svg": ("test_dialogs_snapshots", "test_approval_dialog"),
    "dialog-multi-option.svg": ("test_dialogs_snapshots", "test_multi_option_dialog"),
    "dialog-number.svg": ("test_dialogs_snapshots", "test_number_dialog_refusing_a_value"),
    "dialog-escalation-error.svg": ("test_dialogs_snapshots", "test_escalation_dialog_after_a_server_error"),
    "dialog-message.svg": ("test_dialogs_snapshots", "test_message_dialog_with_files"),
    "dialog-skip-wait.svg": ("test_dialogs_snapshots", "test_skip_wait_dialog"),
    "dialog-start-run.svg": ("test_dialogs_snapshots", "test_start_run_dialog"),
    "start-attempts.svg": ("test_dialogs_snapshots", "test_attempts_screen"),
}


def baseline(test_file: str, test_name: str) -> Path:
    return SNAPSHOTS / test_file / f"{test_name}.svg"


def main(argv: list[str]) -> int:
    if "--no-render" not in argv:
        files = sorted({f"tests/ui/{test_file}.py" for test_file, _ in SHOTS.values()})
        subprocess.run([sys.executable, "-m", "pytest", "-q", "--snapshot-update", *files], cwd=ROOT, check=True)
    OUT.mkdir(exist_ok=True)
    for name, (test_file, test_name) in SHOTS.items():
        shutil.copyfile(baseline(test_file, test_name), OUT / name)
        print(f"screenshots/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
