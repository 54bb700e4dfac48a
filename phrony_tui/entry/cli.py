"""Command line: flags + environment + config file -> Settings; launches the app, the simulator
or a config command. ``main`` is the ``phrony-tui`` script and ``python -m phrony_tui``.

Precedence, field by field: flags > environment > profile (config file) > defaults.
Subcommands: ``sim`` (the simulator alone), ``config path|init|set-key``, and the
script commands ``sessions|show|tail|answer|reply`` (entry/scripting/).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from phrony_tui import __version__
from phrony_tui.entry import early
from phrony_tui.entry.httpx_cli import defer_httpx_cli

# The config and settings modules (which the script commands import too) are imported
# when first needed, after ``main`` has started the --run download (entry/early.py):
# not at this module's import. Neither imports pydantic.
# argparse and logging too: ``main`` starts --demo's child before them (early_demo).
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from phrony_tui import config as configfile
    from phrony_tui.entry.demo import DemoSimulator
    from phrony_tui.settings import Settings

# httpx logs every request at INFO with its full URL, query included (presigned
# upload URLs carry their signature there): keep these loggers at WARNING.
QUIET_LOGGERS = ("httpx", "httpcore")


def _commands_epilog() -> str:
    from phrony_tui.entry.scripting import COMMANDS as SCRIPT_COMMANDS

    lines = [f"  {name:<9} {summary}" for name, summary in SCRIPT_COMMANDS.items()]
    lines.append(f"  {'sim':<9} serve the Phrony simulator alone (phrony-tui sim --help)")
    lines.append(f"  {'config':<9} the configuration file: path, init, set-key PROFILE")
    return "commands (phrony-tui COMMAND --help for each):\n" + "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from phrony_tui.settings import DEFAULT_BASE_URL

    parser = argparse.ArgumentParser(
        prog="phrony-tui",
        description=(
            "A terminal inspector for Phrony agent runs: sessions, run trees, merged "
            "timelines and live events; answer paused runs from the keyboard."
        ),
        epilog=(
            f"environment: PHRONY_API_BASE (default {DEFAULT_BASE_URL}), PHRONY_API_KEY,\n"
            "  PHRONY_AGENT_ID (one id or a comma-separated list).\n"
            "Try it with no account: phrony-tui --demo.\n\n" + _commands_epilog()
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"phrony-tui {__version__}")
    parser.add_argument("--base-url", metavar="URL", help="API base URL (env PHRONY_API_BASE)")
    parser.add_argument(
        "--agent",
        metavar="ID",
        action="append",
        default=None,
        help="agent id to list sessions of; repeatable (env PHRONY_AGENT_ID, comma-separated)",
    )
    parser.add_argument("--run", metavar="RUN_ID", help="open this run directly, focus in its timeline")
    parser.add_argument("--profile", metavar="NAME", help="configuration profile to use")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the built-in Phrony simulator on loopback: no key, no network",
    )
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// to a host that is not loopback (the key then travels in clear text)",
    )
    parser.add_argument(
        "--web",
        action="store_true",
        help="serve the app in a browser on loopback (textual-serve); see the README's security note",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="start on the inbox (sessions waiting on you, every agent) and keep it fresh",
    )
    parser.add_argument(
        "--watch-interval",
        type=float,
        metavar="SECONDS",
        help="how often the inbox count is polled (config watch_interval; default 30, at least 5)",
    )
    parser.add_argument("--web-port", type=int, default=8000, metavar="N", help="port for --web (default 8000)")
    return parser


def settings_from(
    args: argparse.Namespace,
    environ: dict[str, str],
    config: configfile.ConfigFile | None = None,
    *,
    state_dir: Path | None = None,
) -> Settings:
    """Flags > environment > the chosen profile > defaults, field by field."""
    from phrony_tui import config as configfile
    from phrony_tui.secret import SecretStr
    from phrony_tui.settings import DEFAULT_BASE_URL, Settings

    config = config or configfile.ConfigFile()
    profile_name, profile = configfile.pick_profile(config, args.profile)
    base_url = args.base_url or environ.get("PHRONY_API_BASE") or profile.base_url or DEFAULT_BASE_URL
    key = environ.get("PHRONY_API_KEY") or None
    if key is None and profile.api_key_env:
        key = environ.get(profile.api_key_env) or None
    secret = SecretStr(key) if key else profile.api_key
    agents: list[str] = []
    if args.agent:
        sources = args.agent
    elif environ.get("PHRONY_AGENT_ID"):
        sources = [environ["PHRONY_AGENT_ID"]]
    else:
        sources = profile.agents
    for value in sources:
        agents.extend(part.strip() for part in value.split(",") if part.strip())
    return Settings(
        base_url=base_url.strip().rstrip("/"),
        api_key=secret,
        agent_ids=tuple(dict.fromkeys(agents)),
        run_id=args.run,
        allow_insecure_http=args.allow_insecure_http or profile.allow_insecure_http,
        demo=args.demo,
        profile=profile_name,
        agent_names=dict(profile.agent_names),
        keymap=dict(config.keys),
        theme=config.theme,
        bell=config.bell,
        watch=getattr(args, "watch", False),
        refresh_interval=config.refresh_interval,
        watch_interval=max(5.0, args.watch_interval) if getattr(args, "watch_interval", None) else config.watch_interval,
        watch_statuses=tuple(config.watch_statuses),
        desktop_notify=config.desktop_notify,
        profiles=tuple(sorted(config.profiles)),
        state_dir=state_dir,
        export_dir=config.export_dir,
    )


def quiet_http_loggers() -> None:
    import logging

    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET (0) included
            logger.setLevel(logging.WARNING)


def check_transport(settings: Settings) -> str | None:
    """Why these settings must not start (the key would leak, the URL is bad), or None,
    before any request; warns on stderr when plain http is allowed to a remote host.
    The rule and its wording are the client's (client/security.py)."""
    if settings.demo:  # the embedded simulator, on loopback (and no client import yet: httpx)
        return None
    from phrony_tui.client.security import OPT_IN_FLAG, check_transport, clear_text_warning

    problem = check_transport(settings.base_url, settings.allow_insecure_http, opt_in=OPT_IN_FLAG)
    warning = None if problem else clear_text_warning(settings.base_url, settings.allow_insecure_http)
    if warning is not None:
        print(f"phrony-tui: warning: {warning}", file=sys.stderr)
    return problem


def key_source(
    config: configfile.ConfigFile, profile_name: str | None, environ: dict[str, str], where: configfile.Paths
) -> str:
    """Where the key the app would use comes from, in words (never the key): the same
    order as :func:`settings_from`."""
    from phrony_tui import config as configfile

    _, profile = configfile.pick_profile(config, profile_name)
    if environ.get("PHRONY_API_KEY"):
        return "the environment variable PHRONY_API_KEY"
    if profile.api_key_env and environ.get(profile.api_key_env):
        return f"the environment variable {profile.api_key_env}"
    if profile.api_key is not None:
        source = profile.key_source or "the config file"
        if source == str(where.credentials):
            return f"{source} (the stored keys)"
        if where.cli_credentials is not None and source == str(where.cli_credentials):
            return f"{source} (the official Phrony CLI's credentials)"
        return f"{where.config} (the config file)" if source == "the config file" else source
    if profile.api_key_env:
        return f"none (the profile names {profile.api_key_env}, which is not set)"
    return "none"


def load_settings(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    """Settings from the flags, the environment and the config file (ConfigError when it is bad)."""
    from phrony_tui import config as configfile

    where = configfile.paths(environ)
    config = configfile.load(where.config, where.credentials, where.cli_credentials)
    return settings_from(args, environ, config, state_dir=where.state_dir)


def config_command(argv: list[str], environ: dict[str, str]) -> int:
    """``phrony-tui config path|init|set-key PROFILE``."""
    import argparse

    from phrony_tui import config as configfile

    parser = argparse.ArgumentParser(prog="phrony-tui config", description="The configuration file.")
    sub = parser.add_subparsers(dest="command", required=True)
    path = sub.add_parser("path", help="print where the config file is (and the stored-keys file, where the key came from)")
    path.add_argument("--profile", metavar="NAME", help="the profile whose key to account for (default: as the app picks)")
    sub.add_parser("init", help="write a commented template (never overwrites)")
    set_key = sub.add_parser("set-key", help="store a profile's API key, read from stdin, in a 0600 file")
    set_key.add_argument("profile")
    args = parser.parse_args(argv)
    where = configfile.paths(environ)
    if args.command == "path":
        print(where.config)
        print(f"stored keys: {where.credentials}", file=sys.stderr)
        print(f"the official CLI's profiles: {where.cli_credentials or '-'}", file=sys.stderr)
        config = configfile.load(where.config, where.credentials, where.cli_credentials)
        name, _ = configfile.pick_profile(config, args.profile)
        print(f"key of profile {name or '(none)'}: {key_source(config, args.profile, environ, where)}", file=sys.stderr)
        return 0
    if args.command == "init":
        from phrony_tui.ui import prefs  # the agent names the app learned (its state file)

        if configfile.init(where.config, prefs.agent_names(prefs.load(where.state_dir))):
            print(f"wrote {where.config}")
            return 0
        print(f"phrony-tui: {where.config} exists; not overwritten", file=sys.stderr)
        return 1
    import getpass

    prompt = f"API key for profile {args.profile} (phk_...): "
    key = (getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()).strip()
    if not key:
        print("phrony-tui: no key given; nothing stored", file=sys.stderr)
        return 1
    configfile.store_key(where.credentials, args.profile, key)
    print(f"stored the key of profile {args.profile} in {where.credentials} (mode 0600)")
    return 0


def early_demo(argv: list[str]) -> DemoSimulator | None:
    """``phrony-tui --demo``: its simulator's child, started now, before anything else is
    imported: it builds its world (~0.3 s of CPU) while this process starts, and the
    first pages wait on it otherwise (entry/demo.py). None for every other command."""
    if not argv or not argv[0].startswith("-") or "--demo" not in argv:
        return None  # a subcommand (sim, config, sessions...), or not the demo
    if any(flag in argv for flag in ("--web", "-h", "--help", "--version")):
        return None  # --web runs the app in its own processes; help and version start nothing
    from phrony_tui.entry.demo import DemoSimulator

    return DemoSimulator.start()


def main(argv: Sequence[str] | None = None) -> int:
    defer_httpx_cli()  # first: before anything imports httpx (see httpx_cli.py)
    argv = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ)
    # Then --run's download, before pydantic, httpx and Textual are imported (early.py).
    fetch = early.start(argv, environ, user_agent=f"phrony-tui/{__version__}")
    demo = early_demo(argv)
    try:
        return _main(argv, environ, fetch, demo)
    finally:
        if demo is not None:
            demo.stop()  # the app stopped it already, unless it never started (a bad flag...)


def _main(argv: list[str], environ: dict[str, str], fetch: early.EarlyFetch | None,
          demo: DemoSimulator | None) -> int:  # fmt: skip
    from phrony_tui import config as configfile

    quiet_http_loggers()
    if argv[:1] == ["sim"]:
        from phrony_tui.sim.cli import main as sim_main

        return sim_main(argv[1:])
    from phrony_tui.client.api import raise_read_size

    raise_read_size()  # the app's streams and bodies in 256 KiB reads (client.api.READ_BYTES)
    from phrony_tui.entry.scripting import COMMANDS as SCRIPT_COMMANDS

    if argv[:1] and argv[0] in SCRIPT_COMMANDS:
        from phrony_tui.entry.scripting import main as script_main

        return script_main(argv, environ, load_settings=load_settings, check_transport=check_transport)
    if argv[:1] == ["config"]:
        try:
            return config_command(argv[1:], environ)
        except configfile.ConfigError as error:
            print(f"phrony-tui: {error}", file=sys.stderr)
            return 2
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args, environ)
    except configfile.ConfigError as error:
        print(f"phrony-tui: {error}", file=sys.stderr)
        return 2
    problem = check_transport(settings)
    if problem is not None:
        print(f"phrony-tui: {problem}", file=sys.stderr)
        return 2
    if args.web:
        from phrony_tui.ui.web import serve

        return serve(argv, port=args.web_port)
    from phrony_tui.client.errors import PhronyUsageError
    from phrony_tui.entry.launch import launch

    def reload(profile: str) -> Settings:
        args.profile = profile
        return load_settings(args, environ)

    try:
        if demo is not None:
            return launch(settings, reload_settings=reload, demo=demo)
        if fetch is None:
            return launch(settings, reload_settings=reload)
        return launch(settings, reload_settings=reload, early_fetch=fetch)
    except PhronyUsageError as error:  # refused by the client before any request (a malformed key)
        print(f"phrony-tui: {error}", file=sys.stderr)
        return 2
