"""The command palette (ctrl+p): every action, with its key, where it applies now."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import SystemCommand
from textual.markup import escape
from textual.screen import Screen

from phrony_tui.core.safe_text import one_line

# (title, help, action on the main screen (name and arguments), binding id for the key shown)
ACTIONS: tuple[tuple[str, str, tuple, str | None], ...] = (
    ("Answer the pending user task", "approve/reject, pick, type text or a number", ("answer",), "run.answer"),
    ("Send a message", "reply to a run waiting for a response, with files", ("message",), "run.message"),
    ("Skip the wait timer", "end a WaitingForTimer pause now", ("skip_wait",), "run.skip_wait"),
    ("Start a run", "start a new run of the selected agent with a JSON input", ("start_run",), "run.start"),
    ("Export the conversation as JSON", "the session as received, live steps merged", ("export", 'json'), "session.export_json"),
    ("Export a Markdown report", "runs tree, tasks and answers, timeline", ("export", 'markdown'), "session.export_markdown"),
    ("Copy the run id", "to the clipboard (OSC 52: works over SSH)", ("copy", 'run'), None),
    ("Copy the session id", "to the clipboard (OSC 52: works over SSH)", ("copy", 'session'), None),
    ("Copy the step content", "the selected step's content as JSON", ("copy", 'step'), "session.copy_step"),
    ("Open the step in $PAGER", "the selected step's content, full", ("pager",), "session.pager"),
    ("Open the step in $EDITOR", "a private temporary copy", ("pager", True), "session.editor"),
    ("Inbox: sessions waiting on a human", "toggle the filter across agents", ("inbox",), "sessions.inbox"),
    ("Cycle the status filter", "server-side status filter of the sessions list", ("status_filter",), "sessions.status"),
    ("Refresh", "sessions and the open session", ("refresh",), "main.refresh"),
    ("Back to the sessions list", "narrow terminals show one thing at a time", ("back",), "main.back"),
)


def _key_for(screen: Screen, binding_id: str | None) -> str:
    if binding_id is None:
        return ""
    from phrony_tui.ui.screens.help import binding_rows_by_id

    return binding_rows_by_id(screen.app.settings.keymap).get(binding_id, "")


def palette_commands(screen: Screen) -> Iterable[SystemCommand]:
    from phrony_tui.ui.screens.main import MainScreen

    if not isinstance(screen, MainScreen):
        return
    for title, help_text, (name, *arguments), binding_id in ACTIONS:
        parameters = tuple(arguments)
        target = screen
        if name in ("inbox", "status_filter"):
            from phrony_tui.ui.widgets.sessions import SessionsPane

            target = screen.query_one(SessionsPane)
        if not target.check_action(name, parameters):
            continue
        key = _key_for(screen, binding_id)
        label = f"{title}  ({key})" if key else title
        action = f"{name}({', '.join(repr(a) for a in parameters)})" if parameters else name
        yield SystemCommand(label, help_text, partial(target.run_action, action))
    yield from _profiles_and_agents(screen)


def _label(text: str) -> str:
    """Palette titles are markup: names from the config or the server are escaped."""
    return escape(one_line(text, 60))


def _profiles_and_agents(screen) -> Iterable[SystemCommand]:
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
