"""Keys typed right after a key that opens an input go to that input, in order.

Textual hands each key to the focused widget's own message queue, and the App's
loop moves on to the next key at once. A key that opens a dialog or focuses a
search box acts when that widget gets to it, so the keys after it in the same
burst (a paste, a coalesced SSH packet, fast typing) are handed to the old focus
first and fire as hotkeys there. The gate closes behind such a key, holds the
keys that follow, and hands them on, in order, once the focus has moved (the
dialog is up, the box is focused), or after ``timeout`` if nothing moved. An
action that refuses to open (there is nothing to answer) ``drop``s what was
held: those keys were meant for a box that never came.

Which keys open an input is said by binding id (``OPENING``), so a remapped key
gates too.
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from textual import events
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.timer import Timer
    from textual.widget import Widget

__all__ = ["OPENING", "OPENING_ACTIONS", "KeyGate"]


def _is_text_field(widget: object) -> bool:
    """An Input or a TextArea. TextArea (and its syntax machinery, ~15 ms) is not imported
    for this: until a dialog imports it, no widget can be one."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)

#: binding ids whose action opens a dialog or focuses a text field
OPENING: frozenset[str] = frozenset({
    "run.answer", "run.message", "run.skip_wait", "run.start", "run.attempts",
    "session.export_json", "session.export_markdown",
    "sessions.filter", "timeline.search", "app.help",
    "message.attach", "start.attach",
})  # fmt: skip
#: actions of bindings that carry no id (Textual's own command palette)
OPENING_ACTIONS: frozenset[str] = frozenset({"command_palette", "app.command_palette"})

POLL = 0.01  # seconds between two looks at the focus while holding


class KeyGate:
    def __init__(self, app: App[Any], *, opening: Collection[str] = OPENING, timeout: float = 2.0) -> None:
        self.app = app
        self.opening = opening
        self.timeout = timeout
        self._held: list[events.Key] = []
        self._holding = False
        self._screen: Screen[Any] | None = None
        self._focused: Widget | None = None
        self._timer: Timer | None = None
        self._waited = 0.0
        self.released = 0  # keys handed on after a hold (for tests)
        self.dropped = 0  # keys dropped because the opening action refused

    @property
    def holding(self) -> bool:
        return self._holding

    def take(self, event: events.Key) -> bool:
        """Hold ``event`` (True) when the gate is closed; False lets it through."""
        if not self._holding:
            return False
        self._held.append(events.Key(event.key, event.character))
        return True

    def opens_input(self, event: events.Key) -> bool:
        """Asked before ``event`` is handed on (a priority binding acts at once)."""
        return not self._holding and self._opens_input(event)

    def close(self) -> None:
        """Hold every key from now until the focus moves (or ``timeout``)."""
        if self._holding:
            return
        self._holding = True
        self._screen = self.app.screen
        self._focused = self.app.focused
        self._waited = 0.0
        self._timer = self.app.set_interval(POLL, self._look)

    def _opens_input(self, event: events.Key) -> bool:
        focused = self.app.focused
        if event.is_printable and _is_text_field(focused):
            return False  # typed into the field: no binding fires
        try:
            active = self.app.screen.active_bindings.get(event.key)
        except Exception:  # no screen yet (start-up, shutdown)
            return False
        if active is None or not active.enabled:
            # A screen's opening key that does not apply now still closes the gate: the
            # screen says why and ``drop``s what followed (those keys were meant for the box).
            own = self.app.screen._bindings.key_to_bindings.get(event.key, ())
            return any(binding.id in self.opening for binding in own)
        return active.binding.id in self.opening or active.binding.action in OPENING_ACTIONS

    def _look(self) -> None:
        self._waited += POLL
        moved = self.app.screen is not self._screen or self.app.focused is not self._focused
        if moved:
            self._stop_timer()
            self.app.call_after_refresh(self.release)  # let the new screen settle its focus
        elif self._waited >= self.timeout:
            self.release()

    def release(self) -> None:
        """Hand the held keys on, in order, to whatever has the focus now."""
        self._stop_timer()
        held, self._held = self._held, []
        self._holding = False
        self.released += len(held)
        for event in held:
            self.app.post_message(event)

    def drop(self) -> None:
        """The opening action refused: forget what was held."""
        if not self._holding:
            return
        self._stop_timer()
        self.dropped += len(self._held)
        self._held = []
        self._holding = False

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
