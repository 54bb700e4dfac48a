"""``phrony-tui sessions|show|tail|answer|reply``: the inspector's reads and answers for
scripts, on the same client, core and follower as the app, and never the UI.

One module per group: ``sessions.py`` (the list), ``show.py`` (a conversation, as
the app exports it), ``tail.py`` (live events until the run ends), ``answer.py``
and ``reply.py`` (ending a pause, on ``sending.py``'s never-twice rule);
``common.py`` holds the options, the exit codes and the output rules. This
module stays small: the command line imports it to know the names.

Nothing here imports textual, so a script starts fast (tests/scripting check it).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

from phrony_tui.settings import Settings

# Name -> one line for ``phrony-tui --help``.
COMMANDS: Mapping[str, str] = {
    "sessions": "list sessions of the agents (a table, or --json)",
    "show": "print a run's conversation (text, --json or --md)",
    "tail": "print a run's live events until it ends (exit 0 when Completed)",
    "answer": "answer a run's pending user task (--approve, --reject, --option, --text, --number)",
    "reply": "reply to a run waiting for a response (--text, --file)",
}

__all__ = ["COMMANDS", "main"]


def main(
    argv: list[str],
    environ: dict[str, str],
    *,
    load_settings: Callable[[argparse.Namespace, dict[str, str]], Settings],
    check_transport: Callable[[Settings], str | None],
) -> int:
    """Run ``argv`` (``[command, ...]``); the entry layer hands over how settings are
    read and checked, so the commands resolve them exactly as the app does."""
    from phrony_tui.entry.scripting.common import run_command

    return run_command(argv, environ, load_settings=load_settings, check_transport=check_transport)
