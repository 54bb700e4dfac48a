"""Command line: flags + environment -> Settings; starts the UI or the simulator.

Precedence: flags > environment > defaults (config-file profiles come later).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import SecretStr

from phrony_tui import __version__

DEFAULT_BASE_URL = "https://api.phrony.com"


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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sim"]:
        from phrony_tui.sim.cli import main as sim_main

        return sim_main(argv[1:])
    args = build_parser().parse_args(argv)
    settings = settings_from(args, dict(os.environ))
    from phrony_tui.ui.run import run_app

    return run_app(settings)
