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


def record_notifications(app) -> None:
    """Keep the text of every notification the app shows, for :func:`notifications`.

    Textual drops a notification when it expires (5 s after it shows); on a loaded
    machine a test may read them later than that."""
    said: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        said.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording
    app.notified = said


def notifications(app) -> list[str]:
    """Every notification shown so far, oldest first (recorded when the test set that up)."""
    said = getattr(app, "notified", None)
    if said is not None:
        return list(said)
    return [str(notification.message) for notification in app._notifications]
