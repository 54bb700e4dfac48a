"""Switching profile applies the start's transport rule, in its wording, naming the
profile's own switch; a refused profile leaves the app as it was."""

from __future__ import annotations

from dataclasses import replace

from phrony_tui.client.security import INSECURE_HTTP_RULE


async def test_a_profile_sending_the_key_over_plain_http_is_refused(make_app):
    app = make_app(profile="all", profiles=("all", "remote"))
    app.reload_settings = lambda name: replace(app.settings, profile=name, demo=False, base_url="http://api.example.com")
    said: list[tuple[str, str]] = []
    async with app.run_test() as pilot:
        await pilot.pause()
        app.notify = lambda message, **kw: said.append((message, kw.get("severity", "")))  # type: ignore[method-assign]
        client = app.client
        await app.switch_profile("remote")
        assert app.settings.profile == "all" and app.client is client  # nothing switched
        [(message, severity)] = said
        assert severity == "error" and INSECURE_HTTP_RULE in message
        assert "set allow_insecure_http = true in profile remote" in message
