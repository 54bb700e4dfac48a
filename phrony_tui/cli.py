"""Command line: flags + environment -> Settings; starts the UI or the simulator.

Precedence: flags > environment > defaults (config-file profiles come later).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import SecretStr

from phrony_tui import __version__

DEFAULT_BASE_URL = "https://api.phrony.com"

# The rule a plain-http base URL breaks (said when refusing it).
INSECURE_HTTP_RULE = (
    "plain http:// is only allowed to loopback hosts (localhost, 127.0.0.0/8, ::1), "
    "because every request carries the API key"
)
# httpx logs every request at INFO with its full URL, query included (presigned
# upload URLs carry their signature there): keep these loggers at WARNING.
QUIET_LOGGERS = ("httpx", "httpcore")


@dataclass(frozen=True)
class Settings:
    base_url: str = DEFAULT_BASE_URL
    # SecretStr: its repr is '**********', so tracebacks that print locals stay clean.
    api_key: SecretStr | None = None
    agent_ids: tuple[str, ...] = ()
    run_id: str | None = None
    allow_insecure_http: bool = False
    demo: bool = False
    profile: str | None = None
    agent_names: dict[str, str] = field(default_factory=dict)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phrony-tui",
        description=(
            "A terminal inspector for Phrony agent runs: sessions, run trees, merged "
            "timelines and live events; answer paused runs from the keyboard."
        ),
        epilog=(
            "environment: PHRONY_API_BASE (default https://api.phrony.com), PHRONY_API_KEY, "
            "PHRONY_AGENT_ID (one id or a comma-separated list). "
            "Try it with no account: phrony-tui --demo. Serve the simulator alone: phrony-tui sim --help."
        ),
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
    return parser


def settings_from(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    base_url = (args.base_url or environ.get("PHRONY_API_BASE") or DEFAULT_BASE_URL).rstrip("/")
    key = environ.get("PHRONY_API_KEY") or None
    agents: list[str] = []
    for value in args.agent or [environ.get("PHRONY_AGENT_ID", "")]:
        agents.extend(part.strip() for part in value.split(",") if part.strip())
    return Settings(
        base_url=base_url,
        api_key=SecretStr(key) if key else None,
        agent_ids=tuple(dict.fromkeys(agents)),
        run_id=args.run,
        allow_insecure_http=args.allow_insecure_http,
        demo=args.demo,
        profile=args.profile,
    )


def quiet_http_loggers() -> None:
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET (0) included
            logger.setLevel(logging.WARNING)


def check_transport(settings: Settings) -> str | None:
    """Refuse a base URL that would leak the key, before any request: an error
    message, or None. Warns on stderr when ``--allow-insecure-http`` lets plain
    http through to a host that is not loopback."""
    from urllib.parse import urlsplit

    from phrony_tui.client import PhronyUsageError, check_base_url, is_loopback_host

    if settings.demo:  # the embedded simulator, on loopback
        return None
    parts = urlsplit(settings.base_url.strip())
    try:
        host = parts.hostname or ""
        where = f"http://{parts.netloc.rsplit('@', 1)[-1]}"  # never echo user:password@
    except ValueError:
        host, where = "", "http://…"
    if parts.scheme.lower() == "http" and host and not is_loopback_host(host):
        if not settings.allow_insecure_http:
            return (
                f"refusing {where}: {INSECURE_HTTP_RULE}. Use https://, or pass --allow-insecure-http "
                "to send the key in clear text anyway."
            )
        print(
            f"phrony-tui: warning: --allow-insecure-http: the API key goes to {where} over plain http://, "
            "readable by anyone on the network path.",
            file=sys.stderr,
        )
    try:
        check_base_url(settings.base_url, settings.allow_insecure_http)
    except PhronyUsageError as error:
        return str(error)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    quiet_http_loggers()
    if argv[:1] == ["sim"]:
        from phrony_tui.sim.cli import main as sim_main

        return sim_main(argv[1:])
    args = build_parser().parse_args(argv)
    settings = settings_from(args, dict(os.environ))
    problem = check_transport(settings)
    if problem is not None:
        print(f"phrony-tui: {problem}", file=sys.stderr)
        return 2
    from phrony_tui.ui.run import run_app

    return run_app(settings)
