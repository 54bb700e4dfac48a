"""Launch the app from the CLI's settings: the ``--run`` prefetch, the demo's simulator
child for ``--demo``, the checks that need no terminal, then the UI."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from phrony_tui.entry.demo import DemoSimulator, settings_from_handshake
from phrony_tui.settings import Settings

if TYPE_CHECKING:
    from concurrent.futures import Future
    from contextlib import AbstractContextManager

    from phrony_tui.client.models import Conversation
    from phrony_tui.core.session_feed import PageRequest
    from phrony_tui.entry.early import EarlyFetch
    from phrony_tui.live.prefetch import ConversationParts, Handoff
    from phrony_tui.ui.gc_policy import GCPolicy


NO_TERMINAL = (
    "no terminal: the inspector needs a terminal on its input and output (started from a "
    "pipe, a cron job or with </dev/null?). Without one, use the scripting commands "
    "(phrony-tui sessions|show|tail|answer|reply), or phrony-tui --web for a browser."
)


def has_terminal() -> bool:
    """A terminal on stdin and stdout, or textual-serve's driver (the --web child, on pipes)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def launch(
    settings: Settings,
    *,
    reload_settings: Callable[[str], Settings] | None = None,
    early_fetch: EarlyFetch | None = None,
    demo: DemoSimulator | None = None,
) -> int:
    """Start what the settings ask for and run the app until it ends: its exit status.
    ``early_fetch``: the download ``cli.main`` started (used when the settings ask for it);
    ``demo``: the --demo simulator's child it started (else started here for --demo)."""
    from phrony_tui.ui.gc_policy import GCPolicy  # stdlib only: nothing of Textual yet

    if not has_terminal():  # Textual would wait for a terminal that never answers
        print(f"phrony-tui: {NO_TERMINAL}", file=sys.stderr)
        return 2

    # The process ends with the App: what it froze is left to the exit (see GCPolicy).
    gc_policy = GCPolicy(unfreeze_on_restore=False)
    prefetch = None
    if settings.run_id and not settings.demo and settings.api_key is not None:
        # Download the run while Textual imports (see live/prefetch.py); its decode
        # pauses the collector like the App's own (the App takes over this policy).
        from phrony_tui.live.prefetch import Handoff, start_prefetch

        api_key, run_id = settings.api_key, settings.run_id

        def client_read() -> Future[Conversation]:
            return start_prefetch(
                settings.base_url, api_key, run_id, allow_insecure_http=settings.allow_insecure_http,
                around_bulk_decode=gc_policy.paused,
            )  # fmt: skip

        if early_fetch is not None and early_fetch.matches(settings.base_url, api_key.get_secret_value(), run_id):
            prefetch = Handoff(_read_in_parts(early_fetch, client_read, gc_policy.paused))
        else:
            prefetch = Handoff(client_read())
    return run_app(settings, prefetch=prefetch, reload_settings=reload_settings, gc_policy=gc_policy, demo=demo)


def _read_in_parts(
    fetch: EarlyFetch,
    fallback: Callable[[], Future[Conversation]],
    around_bulk_decode: Callable[[], AbstractContextManager[object]],
) -> ConversationParts:
    """The early download's conversation, decoded as it arrives (client.lazy's
    ``ConversationReader``) in a thread and handed over in parts: the first rows can be
    drawn before the last byte. When the download or the decode fails, the client's read
    (``fallback``), whose conversation is merged over what came (or whose error the
    follower reports in the client's words)."""
    import threading

    from phrony_tui.client.lazy import ConversationReader
    from phrony_tui.live.prefetch import ConversationParts

    parts = ConversationParts()

    def work() -> None:
        reader = ConversationReader()
        started = False  # the head went out
        try:
            for piece in fetch.pieces():
                with around_bulk_decode():
                    items = reader.feed(piece)
                if items:
                    if started:
                        parts.put("items", items)
                    else:
                        parts.put("head", reader.conversation())
                        started = True
            with around_bulk_decode():
                items = reader.finish()
            if reader.whole is not None or not started:
                parts.put("whole" if started else "head", reader.conversation())
            elif items:
                parts.put("items", items)
            parts.put("end")
        except Exception:  # the early read or its decode: the client's read below reports it its own way
            other = fallback()
            other.add_done_callback(lambda done: _finish(done, parts))

    threading.Thread(target=work, name="phrony-early-decode", daemon=True).start()
    return parts


def _finish(done: Future[Conversation], parts: ConversationParts) -> None:
    error = done.exception()
    if error is not None:
        parts.put("error", error)
    else:
        parts.put("whole", done.result())
    parts.put("end")


def run_app(
    settings: Settings,
    *,
    prefetch: Handoff | None = None,
    reload_settings: Callable[[str], Settings] | None = None,
    gc_policy: GCPolicy | None = None,
    demo: DemoSimulator | None = None,
) -> int:
    if not settings.demo:
        demo = None
    elif demo is None:
        # First of all: the child builds the simulator while the UI starts (demo.py).
        demo = DemoSimulator.start()
    if gc_policy is not None:
        # No collection through the start (the imports, the App): its first frame ends it.
        gc_policy.pause_start()
    try:
        return _run(settings, demo, prefetch, reload_settings, gc_policy)
    finally:
        if gc_policy is not None:
            gc_policy.restore()  # the App did, unless it never ran (a usage error)
        if demo is not None:
            problem = demo.problem()
            demo.stop()
            if problem is not None:
                print(f"phrony-tui: {problem}", file=sys.stderr)


def _run(
    settings: Settings,
    demo: DemoSimulator | None,
    prefetch: Handoff | None,
    reload_settings: Callable[[str], Settings] | None,
    gc_policy: GCPolicy | None,
) -> int:
    first_pages = None
    if demo is not None:
        settings = settings_from_handshake(demo.info, settings)
        # The list's first pages asked for now, answered while the client and Textual
        # import (entry/early_pages.py).
        first_pages = _ask_first_pages(settings)
    from phrony_tui.client import PhronyUsageError, check_base_url
    from phrony_tui.ui.app import PhronyApp

    try:
        check_base_url(settings.base_url, settings.allow_insecure_http)
        if settings.api_key is None:
            raise PhronyUsageError(
                "no API key: set PHRONY_API_KEY (a phk_... key from the Phrony dashboard), "
                "or try the simulator with: phrony-tui --demo"
            )
        if not settings.agent_ids and not settings.run_id:
            raise PhronyUsageError(
                "no agent to list: set PHRONY_AGENT_ID (one id or a comma-separated list), "
                "pass --agent ID, or open a run with --run RUN_ID"
            )
    except PhronyUsageError as error:
        print(f"phrony-tui: {error}", file=sys.stderr)
        return 2
    app = PhronyApp(settings, prefetch=prefetch, reload_settings=reload_settings, gc_policy=gc_policy,
                    first_pages=first_pages)  # fmt: skip
    returned = app.run()
    note = getattr(app, "exit_note", None)  # what became of a send in flight when the person quit
    if note:
        print(f"phrony-tui: {note}", file=sys.stderr)
    return exit_status(returned, getattr(app, "return_code", None))


def _ask_first_pages(settings: Settings) -> Mapping[PageRequest, Future[bytes | None]] | None:
    """The sessions list's first pages, asked for in threads (None: nothing to ask)."""
    if settings.api_key is None or not settings.agent_ids or settings.run_id:
        return None
    from phrony_tui import __version__
    from phrony_tui.core.session_feed import SessionFeed
    from phrony_tui.entry import early_pages

    # The requests the main screen's first load makes (--watch starts on the inbox).
    requests = SessionFeed(settings.agent_ids, inbox=settings.watch).next_requests()
    return early_pages.start(settings.base_url, settings.api_key.get_secret_value(), requests,
                             user_agent=f"phrony-tui/{__version__}")  # fmt: skip


def exit_status(returned: object, return_code: int | None) -> int:
    """The process's status: the App's ``return_code`` wins (Textual sets 1 after a crash,
    while ``run()`` then returns None); else what ``run()`` returned, when an int."""
    if return_code:
        return return_code
    return returned if isinstance(returned, int) else 0
