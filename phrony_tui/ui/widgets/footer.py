"""The footer: the keys that apply here, the ones you need most kept, redrawn once a burst.

Textual's Footer recomposes (mounts a widget per key) on every "bindings changed"
signal. Opening a session sends several at once (the actions that apply, the focus
moving to the timeline...): each cost 10-20 ms, all the same result. This one
recomposes once per burst, and not at all when the keys it would show are the ones
it shows (the start sends such signals: the sessions list's rows, the first focus).

What it shows (``footer_bindings``): only keys that act now (a greyed-out key is not
advertised: ``r Retry`` on an accepted attempt), in the order of the focus chain
(the focused pane's keys first), after the keys the screen puts first
(``footer_extra``: the pause's own key, ``m`` or ``a``, when it applies; ``backspace``
back to the list on a narrow terminal, though it is hidden elsewhere). ``q`` and
``?`` are always kept: keys that would not fit are left out before them, so at 80
columns nothing is cut in the middle and the way out is always in view.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: always shown when they apply on the screen (quit, help)
KEPT = ("app.quit", "app.help")
PALETTE_WIDTH = 13  # "▏^p palette " and its margin


class KeysFooter(Footer):
    _recompose_pending = False
    #: what the last compose showed (``_shown_keys``), to skip a recompose that changes nothing
    _composed: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        # Textual's own, plus: nothing more while a recompose is already on its way.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_pending:
            self._recompose_pending = True
            self.call_after_refresh(self.recompose)

    async def recompose(self) -> None:
        self._recompose_pending = False
        if not self.is_attached or self._pruning or self.screen._pruning:
            return  # going away (Textual's own recompose would do nothing either)
        if self._composed is not None and self._shown_keys() == self._composed:
            return  # the same keys: a recompose would mount the same widgets again
        await super().recompose()

    def _shown_keys(self) -> tuple[object, ...]:
        """What ``compose`` would show now: each key's binding, display and whether it is
        enabled, and the palette's."""
        width = self.app.size.width
        active = self.screen.active_bindings
        keys: list[object] = [width, self.compact, self._palette_shown()]
        for binding in self.footer_bindings(width):
            keys.append((binding.key, binding.action, binding.description, binding.tooltip,
                         self.app.get_key_display(binding)))  # fmt: skip
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self._palette_shown() else None
        if palette is not None:
            keys.append((palette.binding.key, palette.enabled, self.app.get_key_display(palette.binding)))
        return tuple(keys)

    def footer_bindings(self, width: int) -> list[Binding]:
        """The bindings shown, in order, for a footer ``width`` cells wide."""
        screen = self.screen
        extra: tuple[str | None, ...] = tuple(getattr(screen, "footer_extra", lambda: ())())
        shown: list[Binding] = []
        actions: set[str] = set()
        for _, binding, enabled, _ in screen.active_bindings.values():
            if not enabled or not (binding.show or binding.id in extra) or binding.action in actions:
                continue
            actions.add(binding.action)
            shown.append(binding)
        first = [b for b in shown if b.id in extra]
        kept = [b for b in shown if b.id in KEPT and b not in first]
        rest = [b for b in shown if b not in first and b not in kept]
        room = width - (PALETTE_WIDTH if self._palette_shown() else 0)
        room -= sum(self._width(b) for b in first + kept)
        fitting = []
        for binding in rest:  # nearest the focus first; one too wide leaves room for shorter ones
            if self._width(binding) <= room:
                room -= self._width(binding)
                fitting.append(binding)
        return first + fitting + kept

    def _width(self, binding: Binding) -> int:
        return cell_len(self.app.get_key_display(binding)) + cell_len(binding.description) + 3

    def _palette_shown(self) -> bool:
        return self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._composed = self._shown_keys()
        bindings = self.footer_bindings(self.app.size.width)
        self.styles.grid_size_columns = len(bindings)
        for binding in bindings:
            yield _styled(FooterKey(
                binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                tooltip=binding.tooltip,
            ), self.compact).data_bind(compact=Footer.compact)  # fmt: skip
        if self._palette_shown():
            active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if active is not None:
                binding = active.binding
                yield _styled(FooterKey(
                    binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                    classes="-command-palette", disabled=not active.enabled,
                    tooltip=binding.tooltip or binding.description,
                ), True)  # fmt: skip


def _styled(key: FooterKey, compact: bool) -> FooterKey:
    """The key with its ``compact`` value and class set before it mounts. Left to its
    reactive's default (True), each key restyled itself on mount (the class added), then
    again when bound to the footer's False (removed): two restyles a key, each recompose."""
    key.set_reactive(FooterKey.compact, compact)
    key.set_class(compact, "-compact", update=False)
    return key
