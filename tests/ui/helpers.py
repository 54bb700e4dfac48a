"""Reading what the app shows, for assertions."""

from __future__ import annotations

from phrony_tui.ui.screens.main import MainScreen


def main_screen(app) -> MainScreen:
    screen = app.screen_stack[1] if len(app.screen_stack) > 1 else app.screen
    assert isinstance(screen, MainScreen), type(screen)
    return screen


def screen_text(app) -> str:
    """Every cell of the current screen as plain text: what a person sees."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def screen_segments_text(app) -> str:
    """The raw text of every segment sent to the terminal (escape sequences would show here)."""
    return "".join(segment.text for strip in app.screen._compositor.render_strips() for segment in strip)
