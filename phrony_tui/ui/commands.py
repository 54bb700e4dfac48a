"""The command palette (ctrl+p): the key bindings of the main screen, its panes and
the app, where they apply now, each with its key.

Built from the bindings themselves (``ui.screens.help`` reads them the same way):
a binding with an id is a command; the first line of its tooltip is the title
(else its description), the rest the help line. An action is offered when its
owner's ``check_action`` says it applies (the main screen asks ``core.gating``),
and the keys of the panes that show the open session only while one is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.actions import parse
from textual.app import SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen

from phrony_tui.core.safe_text import one_line
from phrony_tui.ui.screens.help import keys_of, node_bindings, place_of

if TYPE_CHECKING:
    from phrony_tui.ui.screens.main import MainScreen


def palette_commands(screen: Screen) -> Iterable[SystemCommand]:
    from phrony_tui.ui.screens.main import MainScreen

    if not isinstance(screen, MainScreen):
        return
    keymap = screen.app.settings.keymap
    for node, binding in _offered(screen):
        title, _, help_text = binding.tooltip.partition("\n")
        title = title or binding.description or binding.action
        keys = keys_of(binding, keymap)
        yield SystemCommand(
            escape(f"{title}  ({keys})"),
            escape(help_text or place_of(type(node))),
            partial(screen.app.run_action, binding.action, node),
        )
    yield from _profiles_and_agents(screen)


def _offered(screen: MainScreen) -> Iterator[tuple[DOMNode, Binding]]:
    """(node, binding) for each binding with an id that applies now: the screen's, its
    widgets' in layout order, the app's; one per node and action."""
    seen: set[tuple[int, str]] = set()
    for node in (screen, *screen.walk_children(), screen.app):
        if not screen.offers_commands_of(node):
            continue
        for binding in node_bindings(node):
            if not binding.id or (id(node), binding.action) in seen:
                continue
            seen.add((id(node), binding.action))
            _, name, parameters = parse(binding.action)
            if node.check_action(name, parameters) is True:
                yield node, binding


def _label(text: str) -> str:
    """Palette titles are markup: names from the config or the server are escaped."""
    return escape(one_line(text, 60))


def _profiles_and_agents(screen: MainScreen) -> Iterable[SystemCommand]:
    app = screen.app
    settings = app.settings
    for profile in settings.profiles:
        if profile != settings.profile:
            yield SystemCommand(
                f"Switch profile: {_label(profile)}",
                "reconnect with this profile of the config file",
                partial(app.switch_profile, profile),
            )
    if len(settings.agent_ids) > 1:
        for agent_id in settings.agent_ids:
            name = settings.agent_names.get(agent_id) or agent_id
            yield SystemCommand(
                f"Only agent: {_label(name)}",
                f"list the sessions of {_label(agent_id)} only",
                partial(screen.run_action, f"only_agent({agent_id!r})"),
            )
        if screen.feed is not None and screen.feed.agent_ids != settings.agent_ids:
            yield SystemCommand("All agents", "list the sessions of every configured agent", partial(screen.run_action, "only_agent('')"))
