"""``phrony-tui sim``: serve the Phrony simulator alone, live, until Ctrl+C."""

from __future__ import annotations

import argparse
import gc
import ipaddress
import shlex
import sys
import threading
from typing import TYPE_CHECKING

from phrony_tui.sim.clock import FixedClock
from phrony_tui.sim.dialect import DIALECTS, FRIENDLY
from phrony_tui.sim.faults import Faults

if TYPE_CHECKING:
    from phrony_tui.sim.server import SimServer

DEFAULT_PORT = 8765
FAULT_NAMES = ", ".join(
    ["cut_after_events", "stall_after_events", "stall_seconds", "malformed_every", "latency_ms",
     "rate_limit_share", "retry_after", "error_share"]
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phrony-tui sim",
        description="Serve a local Phrony API simulator (demo agents, keys and scenarios) on loopback.",
        epilog=f"faults: {FAULT_NAMES}. Example: phrony-tui sim --port 0 --fault latency_ms=200",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; loopback only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free)")
    parser.add_argument("--seed", type=int, default=7, help="world seed (default 7)")
    parser.add_argument("--fixed-clock", metavar="ISO", help="pin time 0 to this instant (deterministic timestamps)")
    parser.add_argument("--fault", metavar="NAME=VALUE", action="append", default=[],
                        help="inject a fault; repeatable (see below)")  # fmt: skip
    parser.add_argument("--big-steps", type=int, default=50_000, metavar="N", help="steps of the big session")
    parser.add_argument("--firehose-events", type=int, default=200_000, metavar="N",
                        help="events the firehose stream sends")  # fmt: skip
    parser.add_argument("--firehose-rate", type=float, default=0, metavar="PER_SECOND",
                        help="firehose events per second (0 = as fast as it can, the default)")  # fmt: skip
    parser.add_argument("--gzip", action="store_true",
                        help="send the big session's conversation gzip-compressed when the request accepts it")  # fmt: skip
    parser.add_argument("--firehose-no-step-ids", action="store_true",
                        help="firehose step events carry no step id: the step's content only "
                             "(run_id, sequence, step_kind, the message)")  # fmt: skip
    parser.add_argument("--autostart", type=float, default=0, metavar="SECONDS",
                        help="start a new session every SECONDS (0 = never, the default)")  # fmt: skip
    parser.add_argument("--dialect", choices=DIALECTS, default=FRIENDLY,
                        help="how the simulator speaks: friendly (default: rich events, heartbeats) or docs-minimal "
                             "(only what the public docs promise)")  # fmt: skip
    parser.add_argument("--trace-streams", action="store_true", help=argparse.SUPPRESS)  # benchmarks
    # phrony-tui --demo: one JSON line on stdout when serving, then serve until stdin closes.
    parser.add_argument("--handshake", action="store_true", help=argparse.SUPPRESS)
    # ... on a listening socket the parent made and passed as this file descriptor.
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not _is_loopback(args.host):
        parser.error(f"--host {args.host} is not a loopback address: the simulator only serves on loopback")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if not args.firehose_rate >= 0:  # also refuses NaN
        parser.error("--firehose-rate must be 0 or more")
    try:
        faults = Faults.from_pairs(args.fault)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        clock = FixedClock(args.fixed_clock) if args.fixed_clock else None
    except ValueError:
        parser.error(f"--fixed-clock {args.fixed_clock!r} is not an ISO-8601 time")

    # The server's modules and the world are ~150k objects that live as long as the process,
    # with nothing cyclic worth collecting: built with the collector off, then frozen, so no
    # collection traverses them, neither while they are made nor after (--demo's child starts
    # with it off already: CHILD).
    gc.disable()
    try:
        server = _start(args, faults, clock)
    finally:
        gc.freeze()
        gc.enable()
    if server is None:
        return 1
    if args.handshake:
        return serve_until_stdin_closes(server.sim, server)
    print(banner(server.sim, server.base_url), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopping the simulator", file=sys.stderr)
    finally:
        server.stop()
    return 0


def _start(args: argparse.Namespace, faults: Faults, clock: FixedClock | None) -> SimServer | None:
    """The simulator built and served (None: it cannot listen, said on stderr)."""
    from phrony_tui.sim.server import SimServer
    from phrony_tui.sim.simulator import Simulator

    sim = Simulator(
        seed=args.seed, clock=clock, live=True, faults=faults, big_steps=args.big_steps,
        firehose_events=args.firehose_events, firehose_rate=args.firehose_rate or None,
        firehose_step_ids=not args.firehose_no_step_ids, gzip=args.gzip,
        autostart_seconds=args.autostart or None, dialect=args.dialect,
    )  # fmt: skip
    sim.trace_streams = args.trace_streams
    if args.fd is not None:
        import socket

        server = SimServer(sim, sock=socket.socket(fileno=args.fd))
    else:
        server = SimServer(sim, host="127.0.0.1" if args.host == "localhost" else args.host, port=args.port)
    try:
        server.start()
    except OSError as exc:
        print(f"phrony-tui sim: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return None
    return server


def handshake(sim, base_url: str) -> dict:
    """What ``--demo`` needs to know of the simulator (see phrony_tui/entry/demo.py)."""
    agents = [
        {"id": a.id, "key": a.key, "name": a.name, "parentKey": a.parent_key} for a in sim.engine.agents.values()
    ]
    return {"baseUrl": base_url, "adminKey": sim.keys.admin, "agents": agents}


def serve_until_stdin_closes(sim, server) -> int:
    """The demo's child: its parent owns the pipe on stdin, so the simulator ends with
    the app however the app ends (even killed). Terminal signals are the app's."""
    import json
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        print(json.dumps(handshake(sim, server.base_url)), flush=True)
        sys.stdin.buffer.read()  # until EOF
    finally:
        server.stop()
    return 0


def banner(sim, base_url: str) -> str:
    roots = [key for key in sim.agents if "." not in key]
    lines = [
        f"Phrony simulator on {base_url}  (seed {sim.seed}, {sim.dialect.name} dialect, live; Ctrl+C stops)",
        "",
        f"export PHRONY_API_BASE={shlex.quote(base_url)}",
        f"export PHRONY_API_KEY={shlex.quote(sim.keys.admin)}",
        f"export PHRONY_AGENT_ID={shlex.quote(','.join(sim.agents[key] for key in roots))}",
        "",
        "other keys:",
        f"  no file uploads:   {sim.keys.no_uploads}",
        f"  multi root only:   {sim.keys.root_only}",
        "",
        "agents:",
    ]
    lines += [f"  {key:<20} {agent_id}" for key, agent_id in sim.agents.items()]
    lines += [
        "",
        "try:",
        f'  curl -s -H "X-API-Key: $PHRONY_API_KEY" "$PHRONY_API_BASE/v1/agents/{sim.agents["hitl"]}/sessions?take=5"',
        f"  curl -s -X POST -H \"X-API-Key: $PHRONY_API_KEY\" -H 'Content-Type: application/json' "
        f"-d '{{\"input\": {{}}}}' \"$PHRONY_API_BASE/v1/agents/{sim.agents['hitl']}/runs\"",
        "  phrony-tui",
    ]
    return "\n".join(lines)


#: ``--demo``'s child (entry/demo.py): ``python -c CHILD ARGS``: the collector is off from
#: the first import until the simulator serves (``main`` turns it on, after a freeze).
CHILD = "import gc; gc.disable(); import sys; from phrony_tui.sim.cli import main; sys.exit(main(sys.argv[1:]))"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
