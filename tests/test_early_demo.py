"""``phrony-tui --demo`` starts its simulator's child first thing in ``main`` (before the
config and the UI are imported), and stops it however ``main`` ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from phrony_tui.entry import cli
from phrony_tui.entry import demo as demo_module
from tests.support.processes import python_c


class FakeDemo:
    started: list[FakeDemo] = []

    def __init__(self) -> None:
        self.stops = 0
        FakeDemo.started.append(self)

    @classmethod
    def start(cls) -> FakeDemo:
        return cls()

    def stop(self) -> None:
        self.stops += 1


@pytest.fixture
def fake(monkeypatch):
    FakeDemo.started = []
    monkeypatch.setattr(demo_module, "DemoSimulator", FakeDemo)
    return FakeDemo


@pytest.mark.parametrize(
    "argv",
    [[], ["--run", "r"], ["sim", "--demo"], ["sessions", "--demo"], ["--demo", "--web"], ["--demo", "--help"],
     ["--version", "--demo"], ["config", "path"]],
)  # fmt: skip
def test_only_the_demo_app_starts_it_early(fake, argv):
    assert cli.early_demo(argv) is None
    assert fake.started == []


def test_the_demo_child_is_stopped_when_main_ends_before_the_app(fake, tmp_path, monkeypatch, capsys):
    (tmp_path / "cfg" / "phrony-tui").mkdir(parents=True)
    (tmp_path / "cfg" / "phrony-tui" / "config.toml").write_text("nope = 1\n")  # a bad config: exit 2
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cli.main(["--demo", "--watch"]) == 2
    assert "nope: unknown key" in capsys.readouterr().err
    assert len(fake.started) == 1 and fake.started[0].stops == 1


def test_the_early_child_is_the_one_the_app_runs_against(fake, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    seen = {}

    def launch(settings, *, reload_settings=None, early_fetch=None, demo=None):
        seen["demo"] = demo
        return 0

    import phrony_tui.entry.launch as launch_module

    monkeypatch.setattr(launch_module, "launch", launch)
    assert cli.main(["--demo"]) == 0
    assert seen["demo"] is fake.started[0] and fake.started[0].stops == 1


def test_the_demo_child_starts_without_the_simulators_engine_in_this_process():

    code = (
        "import sys\n"
        "from phrony_tui.entry.demo import DemoSimulator\n"
        "demo = DemoSimulator.start()\n"
        "loaded = [m for m in ('phrony_tui.sim.simulator', 'phrony_tui.sim.engine', 'uvicorn') if m in sys.modules]\n"
        "demo.ready()\n"
        "demo.stop()\n"
        "print(loaded, len(demo.info['agents']) > 1)\n"
    )
    done = python_c(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["[]", "True"]


def test_the_demo_child_is_started_before_the_command_lines_and_settings_modules_load():
    # What main imports before it spawns the child delays the child's start: the CLI's
    # argparse and logging, the settings and dataclasses come after (they are not needed).

    code = (
        "import sys\n"
        "import phrony_tui.entry.cli\n"
        "from phrony_tui.entry.demo import DemoSimulator\n"
        "print(sorted(m for m in ('argparse', 'logging', 'dataclasses', 'phrony_tui.settings', 'json')"
        " if m in sys.modules))\n"
    )
    done = python_c(code, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
