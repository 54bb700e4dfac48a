"""The watcher's settings: config fields, the --watch flag, the OSC sequences' text."""

from __future__ import annotations

import pytest

from phrony_tui import config as configfile
from phrony_tui.entry.cli import build_parser, settings_from
from phrony_tui.ui.desktop_notify import osc_sequence


def test_watch_flag_and_config_fields_reach_the_settings():
    config = configfile.ConfigFile.model_validate(
        {"desktop_notify": "osc9", "watch_interval": 12, "watch_statuses": ["WaitingForHITL"]}
    )
    settings = settings_from(build_parser().parse_args(["--watch"]), {}, config)
    assert settings.watch and settings.watch_interval == 12
    assert settings.watch_statuses == ("WaitingForHITL",) and settings.desktop_notify == "osc9"
    plain = settings_from(build_parser().parse_args([]), {}, configfile.ConfigFile())
    assert not plain.watch and plain.watch_interval == 30 and plain.desktop_notify == "off"
    assert settings_from(build_parser().parse_args(["--watch-interval", "1"]), {}).watch_interval == 5


@pytest.mark.parametrize("bad", [{"watch_interval": 2}, {"desktop_notify": "growl"}])
def test_bad_watch_config_is_refused_naming_the_key(tmp_path, bad):
    path = tmp_path / "config.toml"
    key, value = next(iter(bad.items()))
    path.write_text(f"{key} = {value!r}\n".replace("'", '"'))
    with pytest.raises(configfile.ConfigError, match=key):
        configfile.load(path)


def test_osc_sequences_keep_no_control_from_server_text():
    hostile = "a\x1b]0;pwned\x07b\x1b[2Jc\x9b31m\x9c\x1b\\d;e\x00\x7f"
    for mode in ("osc9", "osc777"):
        sequence = osc_sequence(mode, "Waiting on you · x", hostile)
        assert sequence is not None and sequence.endswith("\x07")
        head = "\x1b]9;" if mode == "osc9" else "\x1b]777;notify;"
        inner = sequence[len(head) : -1]
        assert sequence.startswith(head)
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in inner), repr(inner)
        assert "pwned" not in inner and inner.endswith("d,e␀␡")
    assert osc_sequence("off", "t", "b") is None
