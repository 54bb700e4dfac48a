"""A ``[keys]`` remap that gives a binding the key of another one it meets on screen.

Textual only sees a clash between two bindings of one widget. A remapped key also
shadows (or is shadowed by) the bindings of the widgets around it: the timeline's
keys sit above the main screen's, which sit above the app's, and the first in that
chain wins. This walks each such chain (the focused widget, its panes, the screen,
the app) with the config's keymap applied and names both binding ids of every key
that two of them now share, so the app can say so at start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["shadowed", "warning"]


def _chains(app: type[Any]) -> list[tuple[type[Any], ...]]:
    """The classes whose bindings meet in one focus chain (innermost first). A dialog's
    chain ends at the dialog: Textual leaves the app's keys out under a modal screen."""
    from phrony_tui.ui.dialogs.answer import AnswerDialog
    from phrony_tui.ui.dialogs.attempts import AttemptsScreen
    from phrony_tui.ui.dialogs.message import AttachmentList, MessageDialog
    from phrony_tui.ui.dialogs.skip import SkipWaitDialog
    from phrony_tui.ui.dialogs.start import StartRunDialog
    from phrony_tui.ui.screens.main import MainScreen
    from phrony_tui.ui.widgets.live_log import LiveLog
    from phrony_tui.ui.widgets.run_tree import RunTree
    from phrony_tui.ui.widgets.sessions import SessionsPane, SessionsTable
    from phrony_tui.ui.widgets.timeline import TimelineView
    from phrony_tui.ui.widgets.timeline_pane import TimelinePane

    return [
        (SessionsTable, SessionsPane, MainScreen, app),
        (TimelineView, TimelinePane, MainScreen, app),
        (RunTree, MainScreen, app),
        (LiveLog, MainScreen, app),
        (AttachmentList, MessageDialog,),
        (StartRunDialog,),
        (AnswerDialog,),
        (SkipWaitDialog,),
        (AttemptsScreen,),
    ]


def shadowed(keymap: Mapping[str, str], app: type[Any] | None = None,
             chains: Sequence[tuple[type[Any], ...]] | None = None) -> list[tuple[str, str, str]]:
    """``(remapped id, other id, key)`` for each key a remapped binding now shares with
    another binding of the same chain; each pair once. ``app``: the App class (its
    keys end the main screen's chains; Textual's own App when not given)."""
    if not keymap:
        return []
    found: list[tuple[str, str, str]] = []
    seen: set[frozenset[str]] = set()
    if chains is None:
        from textual.app import App

        chains = _chains(app or App)
    for chain in chains:
        by_key: dict[str, list[tuple[str, str]]] = {}  # key -> (id or action, action)
        for cls in chain:
            for binding in (b for bs in cls._merge_bindings().key_to_bindings.values() for b in bs):
                name = binding.id or binding.action
                keys = keymap[binding.id].split(",") if binding.id in keymap else [binding.key]
                for key in (k.strip() for k in keys if k.strip()):
                    by_key.setdefault(key, []).append((name, binding.action))
        for key, named in by_key.items():
            for remapped, action in named:
                if remapped not in keymap:
                    continue
                for other, other_action in named:
                    pair = frozenset((remapped, other))
                    if other == remapped or other_action == action or pair in seen:
                        continue
                    seen.add(pair)
                    found.append((remapped, other, key))
    return found


def warning(keymap: Mapping[str, str], app: type[Any] | None = None) -> str | None:
    """One notification naming every clash, or None."""
    clashes = shadowed(keymap, app)
    if not clashes:
        return None
    parts = [f"{remapped} = \"{key}\" is also the key of {other}" for remapped, other, key in clashes]
    return ("The config's [keys] give one key to two bindings on the same screen: " + "; ".join(parts)
            + ". Only one of each pair can act: pick another key.")  # fmt: skip
