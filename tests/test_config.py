"""The config file, profiles, stored keys and precedence (flags > environment > profile > defaults)."""

from __future__ import annotations

import stat

import pytest

from phrony_tui import config as configfile
from phrony_tui.entry import cli

KEY = "phk_profile_key_123456"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def env_for(tmp_path, **extra):
    return {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(tmp_path / "st"), **extra}


def settings(argv, environ):
    return cli.load_settings(cli.build_parser().parse_args(argv), environ)


def test_paths_follow_xdg_and_the_override(tmp_path):
    where = configfile.paths(env_for(tmp_path))
    assert where.config == tmp_path / "cfg" / "phrony-tui" / "config.toml"
    assert where.credentials == tmp_path / "cfg" / "phrony-tui" / "credentials.toml"
    assert where.state_dir == tmp_path / "st" / "phrony-tui"
    assert configfile.paths(env_for(tmp_path, PHRONY_TUI_CONFIG=str(tmp_path / "x.toml"))).config == tmp_path / "x.toml"


def test_config_path_and_init_commands(tmp_path, capsys):
    environ = env_for(tmp_path)
    assert cli.config_command(["path"], environ) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "cfg" / "phrony-tui" / "config.toml")
    assert cli.config_command(["init"], environ) == 0
    path = tmp_path / "cfg" / "phrony-tui" / "config.toml"
    text = path.read_text()
    assert "[profiles.default]" in text and "api_key_env" in text
    assert cli.config_command(["init"], environ) == 1  # never overwrites
    assert path.read_text() == text
    loaded = configfile.load(path)  # the template is a valid config
    assert loaded.default_profile == "default" and "default" in loaded.profiles


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("bell = \n", ["not valid TOML", "line 1"]),
        ("[profiles.prod]\nbase_urll = 'x'\n", ["profiles.prod.base_urll", "unknown key"]),
        ("[profiles.prod]\nagents = 7\n", ["profiles.prod.agents"]),
        ("bell = 'loud'\n", ["bell"]),
    ],
)
def test_bad_files_say_where(tmp_path, text, needles):
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(configfile.ConfigError) as caught:
        configfile.load(path)
    message = str(caught.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message


def test_cli_exits_2_with_the_message_on_a_bad_file(tmp_path, capsys, monkeypatch):
    write(tmp_path / "cfg" / "phrony-tui" / "config.toml", "[profiles.prod]\nnope = 1\n")
    for name, value in env_for(tmp_path).items():
        monkeypatch.setenv(name, value)
    assert cli.main(["--demo"]) == 2
    assert "profiles.prod.nope: unknown key" in capsys.readouterr().err


PROFILES = """
default_profile = "prod"
bell = false
[keys]
"timeline.next_error" = "x"
[profiles.prod]
base_url = "https://prod.example.com/"
api_key_env = "PROD_KEY"
agents = ["agent-prod-1", "agent-prod-2"]
[profiles.prod.agent_names]
"agent-prod-1" = "Refunds"
[profiles.staging]
base_url = "https://staging.example.com"
agents = "agent-stg"
"""


def test_precedence_flags_environment_profile_defaults(tmp_path):
    write(tmp_path / "cfg" / "phrony-tui" / "config.toml", PROFILES)
    environ = env_for(tmp_path, PROD_KEY=KEY)
    s = settings([], environ)
    assert (s.profile, s.base_url, s.agent_ids) == ("prod", "https://prod.example.com", ("agent-prod-1", "agent-prod-2"))
    assert s.api_key.get_secret_value() == KEY and s.agent_names == {"agent-prod-1": "Refunds"}
    assert s.keymap == {"timeline.next_error": "x"} and s.bell is False and s.profiles == ("prod", "staging")
    # environment over profile
    s = settings([], {**environ, "PHRONY_API_BASE": "https://env.example.com", "PHRONY_AGENT_ID": "a,b",
                      "PHRONY_API_KEY": "phk_env"})  # fmt: skip
    assert (s.base_url, s.agent_ids, s.api_key.get_secret_value()) == ("https://env.example.com", ("a", "b"), "phk_env")
    # flags over environment
    s = settings(["--base-url", "https://flag.example.com", "--agent", "f1", "--profile", "staging"],
                 {**environ, "PHRONY_API_BASE": "https://env.example.com"})  # fmt: skip
    assert (s.base_url, s.agent_ids, s.profile) == ("https://flag.example.com", ("f1",), "staging")
    assert s.api_key is None  # staging names no key and none is in the environment
    # defaults with no file
    s = settings([], env_for(tmp_path / "empty"))
    assert (s.base_url, s.agent_ids, s.profile) == ("https://api.phrony.com", (), None)


def test_unknown_profile_is_a_clear_error(tmp_path):
    write(tmp_path / "cfg" / "phrony-tui" / "config.toml", PROFILES)
    with pytest.raises(configfile.ConfigError, match=r"no profile named 'qa'.*prod, staging"):
        settings(["--profile", "qa"], env_for(tmp_path))


def test_set_key_stores_it_0600_and_it_is_used(tmp_path, monkeypatch, capsys):
    write(tmp_path / "cfg" / "phrony-tui" / "config.toml", PROFILES)
    environ = env_for(tmp_path)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(KEY + "\n"))
    assert cli.config_command(["set-key", "staging"], environ) == 0
    assert KEY not in capsys.readouterr().out
    credentials = tmp_path / "cfg" / "phrony-tui" / "credentials.toml"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    s = settings(["--profile", "staging"], environ)
    assert s.api_key.get_secret_value() == KEY
    assert KEY not in repr(s)
    # readable by others: refused, with the fix in the message
    credentials.chmod(0o644)
    with pytest.raises(configfile.ConfigError, match="chmod 600"):
        settings(["--profile", "staging"], environ)


def test_a_key_written_in_the_config_file_itself_must_be_private(tmp_path):
    path = write(tmp_path / "cfg" / "phrony-tui" / "config.toml", '[profiles.p]\napi_key = "phk_in_file"\n')
    path.chmod(0o644)
    with pytest.raises(configfile.ConfigError, match="others can read it"):
        configfile.load(path)
    path.chmod(0o600)
    assert configfile.load(path).profiles["p"].api_key.get_secret_value() == "phk_in_file"


def test_the_template_offers_the_one_default_base_url():
    """The template is text for people; its base URL is the default the app uses."""
    import tomllib

    from phrony_tui.settings import DEFAULT_BASE_URL

    assert tomllib.loads(configfile.TEMPLATE)["profiles"]["default"]["base_url"] == DEFAULT_BASE_URL
