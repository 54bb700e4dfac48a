"""What the app remembers between runs (the last theme picked), never the key.

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
