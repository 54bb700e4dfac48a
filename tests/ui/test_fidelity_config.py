"""Issue 14: ``phrony-tui config path`` says where the selected profile's key comes from
(an environment variable, our stored keys, the official CLI's credentials file, or none),
never the key; the official CLI's file is a live fallback of the app's settings.
Subprocesses with HOME in tmp_path (nothing of the real user's is read)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KEY = "phk_" + "c" * 32
OURS = "phk_" + "d" * 32


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), **env}
    return subprocess.run([sys.executable, "-m", "phrony_tui", *args], env=environ, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip


def cli_credentials(home: Path) -> Path:
    path = home / ".phrony" / "credentials"
    path.parent.mkdir(parents=True)
    path.write_text(f'default = "work"\n[work]\napiKey = "{KEY}"\napi_base = "https://phrony.example"\n')
    path.chmod(0o600)
    return path


def key_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert KEY not in result.stdout + result.stderr and OURS not in result.stdout + result.stderr
    return next(line for line in result.stderr.splitlines() if line.startswith("key of profile"))


def test_the_key_of_the_official_clis_profile_is_said_by_its_file(tmp_path):
    path = cli_credentials(tmp_path)
    line = key_line(run(tmp_path, "config", "path"))
    assert line == f"key of profile work: {path} (the official Phrony CLI's credentials)"


def test_the_environment_wins_and_is_named(tmp_path):
    cli_credentials(tmp_path)
    line = key_line(run(tmp_path, "config", "path", PHRONY_API_KEY=OURS))
    assert line == "key of profile work: the environment variable PHRONY_API_KEY"


def test_our_stored_key_is_below_the_environment_and_above_the_cli(tmp_path):
    cli_credentials(tmp_path)
    stored = tmp_path / ".config" / "phrony-tui" / "credentials.toml"
    stored.parent.mkdir(parents=True)
    stored.write_text(f'[profiles.work]\napi_key = "{OURS}"\n')
    stored.chmod(0o600)
    line = key_line(run(tmp_path, "config", "path"))
    assert line == f"key of profile work: {stored} (the stored keys)"


def test_no_key_anywhere_says_none(tmp_path):
    line = key_line(run(tmp_path, "config", "path"))
    assert line == "key of profile (none): none"


def test_the_clis_credentials_file_named_by_its_variable_feeds_the_app(tmp_path):
    """PHRONY_CREDENTIALS_FILE moves the official CLI's file; the app's settings read it
    (a script command shows the base URL it would use when the server cannot be reached)."""
    moved = tmp_path / "elsewhere" / "creds"
    moved.parent.mkdir()
    moved.write_text(f'default = "work"\n[work]\napi_key = "{KEY}"\napi_base = "http://127.0.0.1:9"\n')
    moved.chmod(0o600)
    line = key_line(run(tmp_path, "config", "path", PHRONY_CREDENTIALS_FILE=str(moved)))
    assert line == f"key of profile work: {moved} (the official Phrony CLI's credentials)"
    result = run(tmp_path, "sessions", "--agent", "a1", PHRONY_CREDENTIALS_FILE=str(moved))
    said = result.stdout + result.stderr
    assert KEY not in said and "no API key" not in said  # the key was found in the CLI's file
    assert result.returncode == 4 and "cannot connect to 127.0.0.1:9" in said  # and its api_base used
