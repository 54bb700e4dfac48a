"""--run's first screen: what its start does before the first frame (counted, never timed)."""

from __future__ import annotations

from textual._compositor import Compositor

from tests.support.screen import main_screen, screen_text
from tests.support.waiting import wait_for

SIZE = (160, 45)


async def test_no_frame_is_rendered_while_the_app_holds_its_updates(sim, make_app, monkeypatch):
    """Textual renders a layout made during the App's start batch and then drops the frame
    (nothing is written while batched): the main screen leaves it for the first frame after."""
    held: list[int] = []
    render_update = Compositor.render_update

    def counted(self, *args, **kwargs):
        held.append(app._batch_count)
        return render_update(self, *args, **kwargs)

    monkeypatch.setattr(Compositor, "render_update", counted)
    _, run_id = sim.find_sessions("hitl")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and screen.follower is not None, pilot=pilot)
        await pilot.pause()
        assert held, "no frame was rendered"
        assert [count for count in held if count] == []  # none while the App held its updates
        assert "Timeline" in screen_text(app)


async def test_the_footer_keys_mount_without_restyles(sim, make_app, monkeypatch):
    """A FooterKey started compact, and its watcher and the binding to the footer's value
    each restyled it: the footer gives each key its state before it mounts."""
    from textual.widgets._footer import FooterKey

    restyled: list[FooterKey] = []
    update_node_styles = FooterKey.update_node_styles

    def counted(self, animate: bool = True) -> None:
        restyled.append(self)
        update_node_styles(self, animate)

    monkeypatch.setattr(FooterKey, "update_node_styles", counted)
    _, run_id = sim.find_sessions("hitl")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None and bool(app.screen.query(FooterKey)), pilot=pilot)
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        assert keys and restyled == []
        palette = [key for key in keys if key.has_class("-command-palette")]
        assert all(key.compact == key.has_class("-compact") for key in keys)
        assert all(key.compact for key in palette) and not any(key.compact for key in keys if key not in palette)


async def test_the_first_focus_is_the_timelines(sim, make_app, monkeypatch):
    """--run focuses the timeline: the list had the first focus, then lost it (two restyles)."""
    from textual.screen import Screen

    focused: list[str | None] = []
    set_focus = Screen.set_focus

    def counted(self, widget, *args, **kwargs):
        if widget is not None and widget is not self.focused:
            focused.append(widget.id)
        return set_focus(self, widget, *args, **kwargs)

    monkeypatch.setattr(Screen, "set_focus", counted)
    _, run_id = sim.find_sessions("hitl")[0]
    app = make_app(agent_ids=(), run_id=run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(lambda: screen.state is not None, pilot=pilot)
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "timeline"
    assert focused == ["timeline"]
