"""screenshots/ must be what the app renders now (the UI snapshot baselines)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("screenshots_script", ROOT / "scripts" / "screenshots.py")
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)


@pytest.mark.parametrize("name", sorted(script.SHOTS))
def test_screenshot_is_fresh(name):
    test_file, test_name = script.SHOTS[name]
    shot = ROOT / "screenshots" / name
    assert shot.exists(), f"screenshots/{name} is missing: run python scripts/screenshots.py"
    assert shot.read_bytes() == script.baseline(test_file, test_name).read_bytes(), (
        f"screenshots/{name} is stale: run python scripts/screenshots.py"
    )


def test_readme_shows_the_screenshots():
    readme = (ROOT / "README.md").read_text()
    for name in ("sessions.svg", "deep-session.svg", "narrow.svg"):
        assert f"screenshots/{name}" in readme
