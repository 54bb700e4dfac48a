"""What every script command shares: the options, the exit codes, the output rules,
and the run of a command (settings as the app reads them, errors in the app's words).

Output rules: results go to stdout, messages and errors to stderr as
``phrony-tui: ...``; every string from the server is made safe first
(``core.safe_text``: no escape sequence reaches the terminal); colours only when
stdout is a terminal (and ``NO_COLOR`` is unset); the API key is never printed
(the settings hold it as a ``SecretStr``, the client redacts it from errors).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import shutil
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol, TextIO, cast

from phrony_tui import config as configfile
from phrony_tui.client import (
    PhronyAPIError,
    PhronyClient,
    PhronyConnectionError,
    PhronyError,
    PhronyProtocolError,
    PhronyUsageError,
)
from phrony_tui.core.error_text import describe_error
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import status_class
from phrony_tui.settings import Settings

if TYPE_CHECKING:
    from phrony_tui.entry.scripting.table import Styler

PROG = "phrony-tui"


class Exit(IntEnum):
    """Exit statuses of the script commands (README, "Scripting")."""

    OK = 0
    #: the run is not in the state the command needs (nothing to answer, already answered),
    #: or, for ``tail``, it ended in a status other than Completed
    NOT_DONE = 1
    #: bad flags or values, refused locally before any request (config, transport, answer)
    USAGE = 2
    #: the API refused (401, 403, 404, 400, 409, 429, 5xx) or answered out of contract
    API = 3
    #: the server could not be reached: nothing was applied
    NETWORK = 4
    #: the connection failed after an answer was sent; a check since shows it went through
    SENT_UNCONFIRMED = 5
    #: the connection failed after an answer was sent, and whether it went through is unknown
    UNKNOWN = 6


EXIT_CODES_HELP = (
    "exit status: 0 done; 1 the run is not in that state (nothing to answer, already "
    "answered; tail: ended other than Completed); 2 usage or refused locally; 3 the API "
    "refused (key, scope, id, validation, rate limit, server error); 4 network, nothing "
    "applied; 5 the reply to a sent answer was lost but a check shows it went through; "
    "6 sent, outcome unknown (look with phrony-tui show before sending again)."
)


def code_for(error: PhronyError) -> Exit:
    if isinstance(error, PhronyUsageError):
        return Exit.USAGE
    if isinstance(error, PhronyConnectionError):
        return Exit.NETWORK
    if isinstance(error, (PhronyAPIError, PhronyProtocolError)):
        return Exit.API
    return Exit.API


def explain(error: PhronyError) -> str:
    """The app's wording (core/error_text.py), without the app's retry key."""
    return describe_error(error, retry=None)


# -- output -------------------------------------------------------------------------

_SGR = {"running": "34", "waiting": "33;1", "completed": "32", "failed": "31;1", "stopped": "35"}


@dataclass
class Output:
    """stdout for results, stderr for messages; ``colour`` and ``width`` follow the terminal."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    colour: bool = False
    #: where lines are cut, in cells: the terminal's width (``COLUMNS`` wins, as for
    #: ``shutil.get_terminal_size``); None in a pipe without ``COLUMNS``: no cut
    width: int | None = None

    @classmethod
    def for_process(cls, environ: dict[str, str]) -> Output:
        out = sys.stdout
        tty = bool(getattr(out, "isatty", lambda: False)())
        colour = tty and not environ.get("NO_COLOR") and environ.get("TERM", "") != "dumb"
        width: int | None = None
        columns = environ.get("COLUMNS", "").strip()
        if columns.isdigit() and int(columns) > 0:
            width = max(20, int(columns))
        elif tty:
            width = max(20, shutil.get_terminal_size((80, 24)).columns)
        return cls(out=out, err=sys.stderr, colour=colour, width=width)

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def write(self, text: str) -> None:
        self.out.write(text)

    def note(self, text: str) -> None:
        """A message for the person (stderr), made safe."""
        self.err.write(f"{PROG}: {one_line(text, 2000)}\n")
        self.err.flush()

    error = note

    def status(self, text: str, status: str | None = None) -> str:
        """``text`` in the colour of the status' class (when colours are on)."""
        sgr = _SGR.get(status_class(status if status is not None else text))
        if not self.colour or sgr is None:
            return text
        return f"\x1b[{sgr}m{text}\x1b[0m"

    def styler(self) -> Styler:
        return self.status


# -- the command's context ----------------------------------------------------------


@dataclass
class Context:
    settings: Settings
    output: Output
    environ: dict[str, str]
    #: makes the client (tests hand in one of their own); None: from the settings
    make_client: Callable[[], PhronyClient] | None = None

    def client(self) -> PhronyClient:
        if self.make_client is not None:
            return self.make_client()
        settings = self.settings
        return PhronyClient(
            base_url=settings.base_url, api_key=settings.api_key, allow_insecure_http=settings.allow_insecure_http
        )


class Command(Protocol):
    """A module of this package: its parser and its coroutine."""

    def build_parser(self) -> argparse.ArgumentParser: ...

    def run(self, ctx: Context, args: argparse.Namespace) -> Coroutine[Any, Any, int]: ...


_MODULES = {
    "sessions": "sessions",
    "show": "show",
    "tail": "tail",
    "answer": "answer",
    "reply": "reply",
}


def connection_options() -> argparse.ArgumentParser:
    """The options every command takes, as the app's (flags > environment > profile)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection (as for the app)")
    group.add_argument("--base-url", metavar="URL", help="API base URL (env PHRONY_API_BASE)")
    group.add_argument("--profile", metavar="NAME", help="configuration profile to use")
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// to a host that is not loopback (the key then travels in clear text)",
    )
    return parent


def new_parser(name: str, description: str, examples: str) -> argparse.ArgumentParser:
    """A command's parser: its description, the connection options, examples and exit codes."""
    return argparse.ArgumentParser(
        prog=f"{PROG} {name}",
        description=_wrap(description),
        epilog=(
            f"examples:\n{examples}\n\nThe key comes from PHRONY_API_KEY (or the profile), never a flag.\n"
            + _wrap(EXIT_CODES_HELP)
        ),
        parents=[connection_options()],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _wrap(text: str, width: int = 78) -> str:
    import textwrap

    return textwrap.fill(text, width)


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return number


def run_command(
    argv: list[str],
    environ: dict[str, str],
    *,
    load_settings: Callable[[argparse.Namespace, dict[str, str]], Settings],
    check_transport: Callable[[Settings], str | None],
    output: Output | None = None,
) -> int:
    name = argv[0]
    module = cast(Command, importlib.import_module(f"phrony_tui.entry.scripting.{_MODULES[name]}"))
    args = module.build_parser().parse_args(argv[1:])
    # What the app's settings reader expects of its own flags.
    for attr, default in (("agent", None), ("run", None), ("demo", False)):
        if not hasattr(args, attr):
            setattr(args, attr, default)
    output = output or Output.for_process(environ)
    try:
        settings = load_settings(args, environ)
    except configfile.ConfigError as error:
        output.error(str(error))
        return Exit.USAGE
    problem = check_transport(settings)
    if problem is not None:
        output.error(problem)
        return Exit.USAGE
    if settings.api_key is None:
        output.error(
            "no API key: set PHRONY_API_KEY (a phk_... key from the Phrony dashboard), or store one "
            "for a profile with: phrony-tui config set-key PROFILE"
        )
        return Exit.USAGE
    ctx = Context(settings, output, environ)
    try:
        return int(asyncio.run(module.run(ctx, args)))
    except PhronyError as error:
        output.error(explain(error))
        return code_for(error)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and let the exit not write again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return Exit.OK
