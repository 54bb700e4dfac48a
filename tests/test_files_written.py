"""Files the app reads and writes: wrong types, symlinks, corrupt state (issue 15)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from phrony_tui import config as configfile
from phrony_tui.core.attempts import Attempt
from phrony_tui.ui import prefs
from phrony_tui.ui.dialogs.attempts_store import AttemptStore


def private(path) -> None:
    os.chmod(path, 0o600)


@pytest.mark.parametrize("body", ["profiles = 5\n", 'profiles = "x"\n', "[profiles]\nprod = 3\n"])
def test_credentials_with_a_wrong_type_are_a_clear_error_naming_the_file(tmp_path, body):
    config, credentials = tmp_path / "config.toml", tmp_path / "credentials.toml"
    credentials.write_text(body)
    private(credentials)
    with pytest.raises(configfile.ConfigError) as info:
        configfile.load(config, credentials)
    assert str(credentials) in str(info.value) and "profiles" in str(info.value)
    with pytest.raises(configfile.ConfigError):
        configfile.store_key(credentials, "prod", "phk_x")  # set-key on such a file: the same error


def test_set_key_replaces_a_symlink_and_never_writes_its_target(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("# do not touch\n")
    credentials = tmp_path / "conf" / "credentials.toml"
    credentials.parent.mkdir()
    credentials.symlink_to(target)
    configfile.store_key(credentials, "prod", "phk_secret_value")
    assert target.read_text() == "# do not touch\n"
    assert not credentials.is_symlink()
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert "phk_secret_value" in credentials.read_text()
    assert not [p for p in credentials.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_corrupt_state_file_is_kept_aside_and_said_so(tmp_path):
    (tmp_path / prefs.FILE_NAME).write_text("{not json")
    data, note = prefs.read(tmp_path)
    assert data == {} and note is not None and "kept as state.json.corrupt-" in note
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("state.json.corrupt-")]
    assert len(backups) == 1 and backups[0].read_text() == "{not json"
    prefs.remember(tmp_path, theme="nord")
    assert json.loads((tmp_path / prefs.FILE_NAME).read_text()) == {"theme": "nord"}
    assert prefs.read(tmp_path) == ({"theme": "nord"}, None)


def test_a_corrupt_attempts_file_is_kept_aside_before_a_fresh_one_is_written(tmp_path):
    path = tmp_path / "attempts.json"
    path.write_text("[[[ broken")
    store = AttemptStore(path)
    assert store.load() == []
    assert store.error is not None and "kept as attempts.json.corrupt-" in store.error
    backup = next(p for p in tmp_path.iterdir() if p.name.startswith("attempts.json.corrupt-"))
    assert backup.read_text() == "[[[ broken"
    store.add(Attempt.new(at="2026-03-01T12:00:00Z", agent_id="agent-1", base_url="http://127.0.0.1:1",
                          payload={"x": 1}, outcome="accepted"))  # fmt: skip
    assert backup.read_text() == "[[[ broken"  # the fresh file did not overwrite it
    assert [a.agent_id for a in AttemptStore(path).load()] == ["agent-1"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_official_clis_profiles_are_a_fallback_for_key_and_base(tmp_path):
    config, credentials, cli = tmp_path / "config.toml", tmp_path / "credentials.toml", tmp_path / "phrony-cli"
    cli.write_text('default = "work"\n[work]\napiKey = "phk_from_cli"\napi_base = "https://phrony.example.test"\n'
                   '[other]\napi_key = "phk_other"\n')  # fmt: skip
    private(cli)
    loaded = configfile.load(config, credentials, cli)
    name, profile = configfile.pick_profile(loaded, None)
    assert name == "work" and profile.base_url == "https://phrony.example.test"
    assert profile.api_key is not None and profile.api_key.get_secret_value() == "phk_from_cli"
    assert profile.key_source == str(cli)
    # Our own files win over the CLI's.
    config.write_text('[profiles.work]\nbase_url = "https://ours.example.test"\n')
    configfile.store_key(credentials, "work", "phk_ours")
    loaded = configfile.load(config, credentials, cli)
    profile = loaded.profiles["work"]
    assert profile.base_url == "https://ours.example.test"
    assert profile.api_key.get_secret_value() == "phk_ours" and profile.key_source == str(credentials)


def test_the_official_clis_file_readable_by_others_is_refused(tmp_path):
    cli = tmp_path / "credentials"
    cli.write_text('[default]\napi_key = "phk_x"\n')
    os.chmod(cli, 0o644)
    with pytest.raises(configfile.ConfigError, match="chmod 600"):
        configfile.load(tmp_path / "config.toml", None, cli)


def test_the_official_clis_path_follows_its_environment_variable(tmp_path):
    where = configfile.paths({"HOME": str(tmp_path), "PHRONY_CREDENTIALS_FILE": str(tmp_path / "c")})
    assert where.cli_credentials == tmp_path / "c"
    assert configfile.paths({"HOME": str(tmp_path)}).cli_credentials == tmp_path / ".phrony" / "credentials"
