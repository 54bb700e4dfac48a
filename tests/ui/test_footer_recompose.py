"""The footer recomposes (mounts its keys again) only when the keys it shows change: a
"bindings changed" signal that changes nothing (the start sends several) costs nothing."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from phrony_tui.ui.widgets.footer import KeysFooter
from tests.support.screen import main_screen
from tests.support.waiting import wait_for


async def test_an_unchanged_footer_is_not_mounted_again(make_app):
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = main_screen(app)
        footer = screen.query_one(KeysFooter)
        await wait_for(lambda: screen.settled and len(footer.query(FooterKey)) > 0, pilot=pilot)
        await pilot.pause()
        before = list(footer.query(FooterKey))
        for _ in range(3):
            screen.refresh_bindings()
            await pilot.pause()
        assert list(footer.query(FooterKey)) == before  # the same widgets: no recompose
        await pilot.press("2")  # the run tree: other keys apply
        await wait_for(lambda: list(footer.query(FooterKey)) != before, pilot=pilot)
