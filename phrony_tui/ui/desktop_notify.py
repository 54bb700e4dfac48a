"""Desktop notifications through the terminal: OSC 9 (iTerm2, WezTerm, Windows Terminal,
kitty...) or OSC 777 (urxvt, foot, Ghostty, VTE...). Written to the terminal like any
output, so they work over SSH; off unless the config asks (``desktop_notify``).

Server text goes into these sequences, so it is made inert first (``core.safe_text``:
escapes removed, controls shown as pictures) and then every control character that
could end or extend the sequence (C0 with ESC and BEL, DEL, C1 with ST) is dropped; ``;``
separates OSC 777's fields, so it becomes ``,``.
"""

from __future__ import annotations

import re
from typing import Literal

from phrony_tui.core.safe_text import one_line

Mode = Literal["osc9", "osc777", "off"]
MODES: tuple[Mode, ...] = ("osc9", "osc777", "off")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: longest title and body written (terminals cut or drop long notifications)
TITLE_LIMIT = 60
BODY_LIMIT = 200


def clean(text: object, limit: int) -> str:
    return _CONTROLS.sub("", one_line(text, limit)).replace(";", ",")


def osc_sequence(mode: str, title: str, body: str) -> str | None:
    """The escape sequence that asks the terminal for a notification (None when off)."""
    if mode == "osc9":
        return f"\x1b]9;{clean(f'{title}: {body}', TITLE_LIMIT + BODY_LIMIT)}\x07"
    if mode == "osc777":
        return f"\x1b]777;notify;{clean(title, TITLE_LIMIT)};{clean(body, BODY_LIMIT)}\x07"
    return None


def desktop_notify(app, mode: str, title: str, body: str) -> bool:
    """Write the notification through the app's driver (as Textual writes OSC 52 for the
    clipboard); False when off or there is no terminal."""
    sequence = osc_sequence(mode, title, body)
    driver = getattr(app, "_driver", None)
    if sequence is None or driver is None:  # (a headless driver writes nothing)
        return False
    driver.write(sequence)
    return True
