"""What the app remembers between runs (the last theme picked, the agents' names it
learned from the conversations opened), never the key.

A small JSON file in the XDG state dir, written 0600. Unreadable or missing
means "nothing remembered": preferences are never worth a crash. A file that is
there but is not a JSON object is kept aside (``state.json.corrupt-…``) before a
fresh one is written, and ``read`` says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from phrony_tui.config import keep_aside, write_private

FILE_NAME = "state.json"
# Agent names learned from conversations: at most this many kept, each this long.
MAX_AGENT_NAMES = 500
MAX_NAME_LENGTH = 80

# Terminals that show 16 colours: Textual's ANSI theme uses the terminal's own palette.
SIXTEEN_COLOUR_TERMS = ("linux", "vt100", "vt102", "vt220", "ansi", "cons25", "xterm-16color", "screen-16color")


def read(state_dir: Path | None) -> tuple[dict[str, Any], str | None]:
    """What is remembered, and a note for the person when the file had to be kept aside."""
    if state_dir is None:
        return {}, None
    path = state_dir / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except OSError:
        return {}, None  # unreadable (permissions, a directory...): nothing remembered, nothing moved
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data, None
    backup = keep_aside(path)
    where = f"kept as {backup.name}" if backup is not None else "could not be moved aside"
    return {}, f"{path} was not a state file ({where}); a fresh one will be written"


def load(state_dir: Path | None) -> dict[str, Any]:
    return read(state_dir)[0]


def remember(state_dir: Path | None, **values: Any) -> None:
    if state_dir is None:
        return
    data = load(state_dir)
    data.update(values)
    try:
        write_private(state_dir / FILE_NAME, json.dumps(data, indent=2) + "\n")
    except OSError:
        pass


def initial_theme(configured: str | None, remembered: str | None, available: set[str], environ=os.environ) -> str | None:
    """The last theme picked, else the config file's, else ANSI on a 16-colour terminal."""
    for name in (remembered, configured):
        if name and name in available:
            return name
    term = environ.get("TERM", "")
    if term in SIXTEEN_COLOUR_TERMS and "ansi-dark" in available:
        return "ansi-dark"
    return None


def agent_names(remembered: dict[str, Any]) -> dict[str, str]:
    """The agent names in what ``read`` gave: only string ids to string names (the file
    may have been edited by hand; server text, shown through safe_text like the rest)."""
    names = remembered.get("agent_names")
    if not isinstance(names, dict):
        return {}
    return {
        agent: name[:MAX_NAME_LENGTH]
        for agent, name in list(names.items())[-MAX_AGENT_NAMES:]
        if isinstance(agent, str) and isinstance(name, str) and agent and name
    }


def remember_agent_names(state_dir: Path | None, learned: dict[str, str]) -> None:
    """Add ``learned`` to the remembered names (the newest win; the oldest go past the cap)."""
    if state_dir is None or not learned:
        return
    names = agent_names(load(state_dir))
    for agent, name in learned.items():
        names.pop(agent, None)  # re-inserted last: the most recently seen are kept
        names[agent] = name[:MAX_NAME_LENGTH]
    remember(state_dir, agent_names=dict(list(names.items())[-MAX_AGENT_NAMES:]))
