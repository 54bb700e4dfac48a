"""The footer, redrawn once however many times the keys change in one go.

Textual's Footer recomposes (mounts a widget per key) on every "bindings changed"
signal. Opening a session sends several at once (the actions that apply, the focus
moving to the timeline...): each cost 10-20 ms, all the same result. This one
recomposes once per burst.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    _recompose_pending = False

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
        await super().recompose()
