"""The configuration file: named profiles, key remaps, preferences. No textual.

Where: ``$PHRONY_TUI_CONFIG`` if set, else ``$XDG_CONFIG_HOME/phrony-tui/config.toml``
(``~/.config/phrony-tui/config.toml``). Keys stored on request live beside it in
``credentials.toml`` (mode 0600), so the config file itself can be shared or kept
in a dotfiles repository. Either file holding a key is refused when group or
others can read it.

Precedence, field by field: flags > environment > profile > defaults.

The official Phrony CLI keeps profiles in ``~/.phrony/credentials`` (or
``$PHRONY_CREDENTIALS_FILE``): TOML, a table per profile with ``api_key`` (or
``apiKey``) and ``api_base``, and a top-level ``default``. It is read as a
fallback for the key and base URL of the profile of the same name, below this
app's own files; ``Profile.key_source`` says where a profile's key came from.

Files this app writes are written whole and atomically (a temporary file beside,
then a rename): a symlink in their place is replaced, never written through.
A corrupt file is kept aside (``keep_aside``) before a fresh one replaces it.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phrony_tui.secret import SecretStr

TEMPLATE = """\
# phrony-tui configuration. Precedence: flags > environment > profile > defaults.
# `phrony-tui config path` prints where this file is.

# The profile used when --profile is not given.
default_profile = "default"

# A Textual theme name (e.g. "textual-dark", "nord", "gruvbox"); the app also
# remembers the last theme you picked in its state file.
# theme = "textual-dark"

# Ring the terminal bell when a watched run starts waiting on a human or fails,
# and when a session anywhere starts waiting on you.
bell = true

# A desktop notification when a session starts waiting on you, through the terminal
# (works over SSH): "osc9" (iTerm2, WezTerm, kitty, Windows Terminal), "osc777"
# (foot, Ghostty, urxvt, VTE terminals) or "off".
# desktop_notify = "off"

# The header counts the sessions waiting on you every watch_interval seconds (at
# least 5): one take=1 request per agent and status. `phrony-tui --watch` starts on
# that inbox. The statuses counted (default: the three below).
# watch_interval = 30
# watch_statuses = ["WaitingForHITL", "WaitingForAITL", "WaitingForResponse"]

# How often the sessions list re-reads its first pages (seconds; 0 turns it off).
# refresh_interval = 30

# Where x / X export the open session (created 0700 when first used; a file
# there is never overwritten: name-2.json is used instead). Default: ~/phrony-exports
# export_dir = "~/phrony-exports"

[profiles.default]
base_url = "https://api.phrony.com"
# The name of the environment variable that holds this profile's key.
# (PHRONY_API_KEY, when set, still wins.) To store a key instead, run
# `phrony-tui config set-key default`: it goes to credentials.toml, mode 0600.
api_key_env = "PHRONY_API_KEY"
# Agent ids to list, and the names to show for them.
agents = []
# [profiles.default.agent_names]
# "00000000-0000-0000-0000-000000000000" = "Refund Desk"

# Another profile, e.g. a self-hosted staging deployment:
# [profiles.staging]
# base_url = "https://phrony.staging.example.com"
# api_key_env = "PHRONY_STAGING_KEY"
# agents = ["..."]

# Remap keys by binding id (see the ? help screen for ids), e.g.:
# [keys]
# "timeline.next_error" = "x"
# "app.quit" = "q,ctrl+q"
"""


class ConfigError(Exception):
    """The config file is unreadable or invalid; the message names the file, line or key."""


@dataclass
class Profile:
    base_url: str | None = None
    api_key_env: str | None = None
    api_key: SecretStr | None = None
    agents: list[str] = field(default_factory=list)
    agent_names: dict[str, str] = field(default_factory=dict)
    allow_insecure_http: bool = False
    # where ``api_key`` came from, to say so (`config path`): a file's path
    _key_source: str | None = field(default=None, repr=False, compare=False)

    @property
    def key_source(self) -> str | None:
        if self.api_key is None:
            return None
        return self._key_source or "the config file"

    @classmethod
    def model_validate(cls, data: Any) -> Profile:
        """A profile from its TOML table (``ConfigError`` naming every bad key)."""
        problems: list[str] = []
        profile = _profile(data, (), problems)
        if problems:
            raise ConfigError("; ".join(problems))
        return profile


@dataclass
class ConfigFile:
    default_profile: str | None = None
    theme: str | None = None
    bell: bool = True
    # The inbox watcher: a desktop notification through the terminal, how often the
    # header's count is polled (seconds), which statuses it counts (empty: the inbox's).
    desktop_notify: str = "off"  # "osc9", "osc777" or "off"
    # How often the sessions list re-reads its first pages (seconds; 0: never).
    refresh_interval: float = 30.0
    watch_interval: float = 30.0
    watch_statuses: list[str] = field(default_factory=list)
    export_dir: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def model_validate(cls, data: Any) -> ConfigFile:
        """The config from its TOML document (``ConfigError`` naming every bad key:
        ``where: what``, joined by ``; ``)."""
        problems: list[str] = []
        config = _config(data, problems)
        if problems:
            raise ConfigError("; ".join(problems))
        return config


# -- reading the TOML into the dataclasses (plain code: pydantic is not on the app's start) --
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_NOTIFY = ("osc9", "osc777", "off")
_MISSING: Any = object()


def _at(where: tuple[str | int, ...], message: str) -> str:
    return f"{'.'.join(str(part) for part in where)}: {message}"


def _table(data: Any, where: tuple[str | int, ...], problems: list[str]) -> dict[str, Any] | None:
    if isinstance(data, dict):
        return data
    problems.append(_at(where, "Input should be a valid dictionary or instance of the model") if where
                    else "Input should be a valid dictionary")  # fmt: skip
    return None


def _unknown(data: dict[str, Any], known: tuple[str, ...], where: tuple[str | int, ...], problems: list[str]) -> None:
    problems.extend(_at((*where, key), "unknown key") for key in data if key not in known)


def _str(value: Any, where: tuple[str | int, ...], problems: list[str], *, optional: bool = True) -> Any:
    if isinstance(value, str) or (optional and value is None):
        return value
    problems.append(_at(where, "Input should be a valid string"))
    return _MISSING


def _bool(value: Any, where: tuple[str | int, ...], problems: list[str]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    problems.append(_at(where, "Input should be a valid boolean, unable to interpret input"))
    return _MISSING


def _float(value: Any, at_least: float, where: tuple[str | int, ...], problems: list[str]) -> Any:
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or number != number:  # NaN too
        problems.append(_at(where, "Input should be a valid number"))
        return _MISSING
    if number < at_least:
        problems.append(_at(where, f"Input should be greater than or equal to {at_least:g}"))
        return _MISSING
    return number


def _strings(value: Any, where: tuple[str | int, ...], problems: list[str]) -> Any:
    if not isinstance(value, list):
        problems.append(_at(where, "Input should be a valid list"))
        return _MISSING
    for index, item in enumerate(value):
        _str(item, (*where, index), problems, optional=False)
    return list(value)


def _mapping(value: Any, where: tuple[str | int, ...], problems: list[str]) -> Any:
    if not isinstance(value, dict):
        problems.append(_at(where, "Input should be a valid dictionary"))
        return _MISSING
    for key, item in value.items():
        _str(item, (*where, key), problems, optional=False)
    return dict(value)


def _profile(data: Any, where: tuple[str | int, ...], problems: list[str]) -> Profile:
    profile = Profile()
    table = _table(data, where, problems)
    if table is None:
        return profile
    _unknown(table, ("base_url", "api_key_env", "api_key", "agents", "agent_names", "allow_insecure_http"),
             where, problems)  # fmt: skip
    fields: dict[str, Any] = {}
    for name in ("base_url", "api_key_env"):
        if name in table:
            fields[name] = _str(table[name], (*where, name), problems)
    if "api_key" in table:
        key = _str(table["api_key"], (*where, "api_key"), problems)
        fields["api_key"] = SecretStr(key) if isinstance(key, str) else key
    if "agents" in table:
        agents = table["agents"]
        if isinstance(agents, str):  # "a, b" as well as ["a", "b"]
            agents = [part.strip() for part in agents.split(",") if part.strip()]
        fields["agents"] = _strings(agents, (*where, "agents"), problems)
    if "agent_names" in table:
        fields["agent_names"] = _mapping(table["agent_names"], (*where, "agent_names"), problems)
    if "allow_insecure_http" in table:
        fields["allow_insecure_http"] = _bool(table["allow_insecure_http"], (*where, "allow_insecure_http"), problems)
    for name, value in fields.items():
        if value is not _MISSING:
            setattr(profile, name, value)
    return profile


def _config(data: Any, problems: list[str]) -> ConfigFile:
    config = ConfigFile()
    table = _table(data, (), problems)
    if table is None:
        return config
    known = ("default_profile", "theme", "bell", "desktop_notify", "refresh_interval", "watch_interval",
             "watch_statuses", "export_dir", "profiles", "keys")  # fmt: skip
    _unknown(table, known, (), problems)
    fields: dict[str, Any] = {}
    for name in ("default_profile", "theme", "export_dir"):
        if name in table:
            fields[name] = _str(table[name], (name,), problems)
    if "bell" in table:
        fields["bell"] = _bool(table["bell"], ("bell",), problems)
    if "desktop_notify" in table:
        notify = table["desktop_notify"]
        if notify in _NOTIFY:
            fields["desktop_notify"] = notify
        else:
            problems.append(_at(("desktop_notify",), "Input should be 'osc9', 'osc777' or 'off'"))
    if "refresh_interval" in table:
        fields["refresh_interval"] = _float(table["refresh_interval"], 0, ("refresh_interval",), problems)
    if "watch_interval" in table:
        fields["watch_interval"] = _float(table["watch_interval"], 5, ("watch_interval",), problems)
    if "watch_statuses" in table:
        fields["watch_statuses"] = _strings(table["watch_statuses"], ("watch_statuses",), problems)
    if "keys" in table:
        fields["keys"] = _mapping(table["keys"], ("keys",), problems)
    if "profiles" in table:
        profiles = table["profiles"]
        if isinstance(profiles, dict):
            fields["profiles"] = {name: _profile(values, ("profiles", name), problems)
                                  for name, values in profiles.items()}  # fmt: skip
        else:
            problems.append(_at(("profiles",), "Input should be a valid dictionary"))
    for name, value in fields.items():
        if value is not _MISSING:
            setattr(config, name, value)
    return config


@dataclass(frozen=True)
class Paths:
    config: Path
    credentials: Path
    state_dir: Path
    # the official Phrony CLI's profiles (read only, as a fallback)
    cli_credentials: Path | None = None


def paths(environ: dict[str, str] | None = None) -> Paths:
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or Path.home())
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "phrony-tui"
    state_home = Path(env.get("XDG_STATE_HOME") or home / ".local" / "state") / "phrony-tui"
    config = Path(env["PHRONY_TUI_CONFIG"]) if env.get("PHRONY_TUI_CONFIG") else config_home / "config.toml"
    cli = Path(env["PHRONY_CREDENTIALS_FILE"]) if env.get("PHRONY_CREDENTIALS_FILE") else home / ".phrony" / "credentials"
    return Paths(config=config, credentials=config.parent / "credentials.toml", state_dir=state_home,
                 cli_credentials=cli)  # fmt: skip


def load(path: Path, credentials: Path | None = None, cli_credentials: Path | None = None) -> ConfigFile:
    """Read the config, the stored keys, then the official CLI's profiles (each a
    fallback for what the ones before left unset). A missing file is an empty config."""
    data = _read_toml(path) if path.exists() else {}
    try:
        config = ConfigFile.model_validate(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if any(profile.api_key for profile in config.profiles.values()):
        check_private(path)
    if credentials is not None and credentials.exists():
        check_private(credentials)
        for name, values in _stored_profiles(credentials):
            key = values.get("api_key")
            if not isinstance(key, str) or not key:
                raise ConfigError(f"{credentials}: profiles.{name}.api_key must be a non-empty string")
            _fill(config.profiles.setdefault(name, Profile()), key, None, credentials)
    if cli_credentials is not None and cli_credentials.is_file():
        _merge_cli_credentials(config, cli_credentials)
    return config


def _stored_profiles(credentials: Path) -> list[tuple[str, dict[str, Any]]]:
    stored = _read_toml(credentials).get("profiles", {})
    if not isinstance(stored, dict):
        raise ConfigError(f"{credentials}: profiles must be a table of [profiles.NAME] sections")
    for name, values in stored.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{credentials}: profiles.{name} must be a table with api_key = \"...\"")
    return list(stored.items())


def _merge_cli_credentials(config: ConfigFile, path: Path) -> None:
    """The official CLI's profiles fill the key and base URL of ours of the same name."""
    data = _read_toml(path)
    tables = {name: values for name, values in data.items() if isinstance(values, dict)}
    if not tables:
        return
    check_private(path)
    default = data.get("default")
    if config.default_profile is None and isinstance(default, str) and default in tables:
        config.default_profile = default
    for name, values in tables.items():
        key = values.get("api_key", values.get("apiKey"))
        base = values.get("api_base", values.get("apiBase"))
        if key is not None and (not isinstance(key, str) or not key):
            raise ConfigError(f"{path}: [{name}] api_key must be a non-empty string")
        if base is not None and not isinstance(base, str):
            raise ConfigError(f"{path}: [{name}] api_base must be a string")
        if key or base:
            _fill(config.profiles.setdefault(name, Profile()), key, base, path)


def _fill(profile: Profile, key: str | None, base: str | None, source: Path) -> None:
    if key and profile.api_key is None:
        profile.api_key = SecretStr(key)
        profile._key_source = str(source)
    if base and profile.base_url is None:
        profile.base_url = base


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file to read: its parser compiles its patterns on import

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # its message says "(at line L, column C)"
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def check_private(path: Path) -> None:
    """A file that holds a key must not be readable by group or others."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} holds an API key but others can read it (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}"
        )


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600 from its creation, not after),
    atomically: a temporary file beside it, then a rename over it. A symlink at
    ``path`` is replaced by the file; its target is never written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def keep_aside(path: Path) -> Path | None:
    """Rename a corrupt file to ``NAME.corrupt-YYYYmmdd-HHMMSS`` (kept for the person
    to look at) before a fresh one is written; None when it could not be moved."""
    backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, backup)
    except OSError:
        return None
    return backup


NAMES_EXAMPLE = """\
# [profiles.default.agent_names]
# "00000000-0000-0000-0000-000000000000" = "Refund Desk"
"""


def template(agent_names: dict[str, str] | None = None) -> str:
    """The commented template; with ``agent_names`` (those the app learned), the default
    profile's ``agent_names`` table holds them instead of the commented example."""
    if not agent_names:
        return TEMPLATE
    rows = "".join(f"{_toml_basic(agent)} = {_toml_basic(name)}\n" for agent, name in sorted(agent_names.items()))
    text = TEMPLATE.replace(NAMES_EXAMPLE, "# (learned from the conversations you opened; edit freely)\n"
                            "[profiles.default.agent_names]\n" + rows)  # fmt: skip
    import tomllib

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:  # a name no escaping made valid: the plain template
        return TEMPLATE
    return text


def init(path: Path, agent_names: dict[str, str] | None = None) -> bool:
    """Write the commented template (with the agent names known); False when a file is already there."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(template(agent_names), encoding="utf-8")
    return True


def store_key(credentials: Path, profile: str, key: str) -> None:
    """Store a profile's key in credentials.toml (0600), keeping the other profiles'."""
    stored = dict(_stored_profiles(credentials)) if credentials.exists() else {}
    stored[profile] = {"api_key": key}
    lines = ["# phrony-tui stored API keys (written by `phrony-tui config set-key`; keep 0600)\n"]
    for name, values in sorted(stored.items()):
        lines.append(f"\n[profiles.{_toml_key(name)}]\napi_key = {_toml_string(values['api_key'])}\n")
    write_private(credentials, "".join(lines))


def _toml_key(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else _toml_string(name)


def _toml_basic(value: str) -> str:
    """A TOML basic string of any text: JSON's escapes are TOML's, DEL added (TOML forbids it raw)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def pick_profile(config: ConfigFile, name: str | None) -> tuple[str | None, Profile]:
    """The named profile (an error when it does not exist), else the default one."""
    if name is not None:
        if name not in config.profiles:
            known = ", ".join(sorted(config.profiles)) or "none"
            raise ConfigError(f"no profile named {name!r} in the config file (profiles: {known})")
        return name, config.profiles[name]
    default = config.default_profile
    if default and default in config.profiles:
        return default, config.profiles[default]
    if default:
        raise ConfigError(f"default_profile = {default!r} names no profile in the config file")
    return None, Profile()
