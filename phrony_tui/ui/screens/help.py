"""`?`: every key binding of the app, read from the bindings themselves.

The bindings are the only registry of keys: this screen and the command palette
(``ui.commands``) are built from the ``BINDINGS`` of the app's classes, so a new
binding or dialog shows in both with no list to update. A binding's ``id`` is what
the config's ``[keys]`` table remaps; its ``description`` is what the footer and
this screen say; its ``tooltip`` (first line: a title, the rest: help) is what the
palette says.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

# Where the classes with key bindings live; their modules are imported before the
# bindings are read (the dialogs are otherwise loaded only when first opened).
_PACKAGES = ("phrony_tui.ui.screens", "phrony_tui.ui.widgets", "phrony_tui.ui.dialogs")


class HelpRow(NamedTuple):
    keys: str
    where: str
    what: str
    id: str  # the binding's id: the config's [keys] table remaps it ("" when it has none)


def keys_of(binding: Binding, keymap: dict[str, str] | None = None) -> str:
    """The keys of ``binding`` as shown, with the user's remap applied."""
    remapped = (keymap or {}).get(binding.id) if binding.id else None
    if remapped:
        return ", ".join(_key_name(k) for k in remapped.split(","))
    return binding.key_display or ", ".join(_key_name(k) for k in binding.key.split(","))


def own_bindings(owner: type) -> list[Binding]:
    """The bindings ``owner`` declares itself (not those it inherits), if it is ours."""
    if owner.__module__.startswith("textual.") or "BINDINGS" not in vars(owner):
        return []
    return [binding for binding in vars(owner)["BINDINGS"] if isinstance(binding, Binding)]


def node_bindings(node: DOMNode) -> Iterator[Binding]:
    """Every binding ``node`` has from our classes: its class's and its bases'."""
    for owner in type(node).__mro__:
        yield from own_bindings(owner)


def place_of(owner: type) -> str:
    """Where a class's keys apply, in words: ``anywhere`` for the app, else its name
    (``AnswerDialog`` -> ``answer dialog``; a ``Pane``, ``View`` or ``Table`` suffix dropped)."""
    if issubclass(owner, App):
        return "anywhere"
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", owner.__name__)
    if len(words) > 1 and words[-1] in ("Pane", "View", "Table"):
        words.pop()
    return " ".join(words).lower()


def binding_owners(app: App | None = None) -> list[type]:
    """Every class of the app that declares key bindings: the app's, those of what is
    on screen in the order it is laid out, then every other of ours (the dialogs)."""
    ordered: list[type] = []
    if app is not None:
        ordered.extend(type(app).__mro__)
        for screen in app.screen_stack:
            for node in (screen, *screen.walk_children()):
                ordered.extend(type(node).__mro__)
    ordered.extend(sorted(_our_classes(), key=_rank))  # stable: definition order within a rank
    seen: set[type] = set()
    owners = []
    for owner in ordered:
        if owner not in seen and own_bindings(owner):
            seen.add(owner)
            owners.append(owner)
    return owners


def binding_rows(keymap: dict[str, str] | None = None, app: App | None = None) -> list[HelpRow]:
    """(keys, where, what, id) for every binding, with the user's remaps applied."""
    rows = [
        HelpRow(keys_of(binding, keymap), place_of(owner), binding.description or binding.action, binding.id or "")
        for owner in binding_owners(app)
        for binding in own_bindings(owner)
    ]
    return rows + EXTRA_ROWS


def _our_classes() -> Iterable[type]:
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__, package_name + "."):
            importlib.import_module(module.name)
    return (cls for cls in _subclasses(DOMNode) if cls.__module__.startswith("phrony_tui."))


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _rank(owner: type) -> int:
    """The app, the main screen, its widgets, the dialogs, the dialogs' widgets."""
    if issubclass(owner, App):
        return 0
    if issubclass(owner, Screen):
        return 3 if issubclass(owner, ModalScreen) else 1
    return 2 if owner.__module__.startswith("phrony_tui.ui.widgets.") else 4


# Keys handled by Textual's own widgets, listed so the help is complete.
EXTRA_ROWS = [
    HelpRow("↑ ↓ pgup pgdn", "lists", "move", ""),
    HelpRow("ctrl+p", "anywhere", "command palette", ""),
    HelpRow("escape", "a dialog, a search box", "close / cancel", ""),
]

_NAMES = {"question_mark": "?", "slash": "/", "full_stop": ".", "left_square_bracket": "[", "right_square_bracket": "]"}


def _key_name(key: str) -> str:
    return _NAMES.get(key.strip(), key.strip())


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 110; max-width: 100%; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        app = self.app
        # The app's settings (PhronyApp's), read without importing the app module: it
        # imports the palette, which imports this module.
        settings = getattr(app, "settings", None)
        keymap: dict[str, str] = getattr(settings, "keymap", None) or {}
        table = Table(title="phrony-tui keys", expand=True, show_edge=False)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("where")
        table.add_column("does")
        table.add_column("id ([keys] in the config)", style="dim", no_wrap=True)
        for row in binding_rows(keymap, app):
            table.add_row(Text(row.keys), Text(row.where), Text(row.what), Text(row.id))
        with VerticalScroll():
            yield Static(table)
            yield Static(Text("escape closes this help · remap a key by its id in the config's [keys] table", style="dim"))
