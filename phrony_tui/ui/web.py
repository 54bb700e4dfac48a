"""``phrony-tui --web``: the same app in a browser, served by textual-serve on loopback.

Security: whoever can open the page drives the app with *your* key (the app runs
on this machine, in your environment). So it listens on 127.0.0.1 only; to use it
from another machine, tunnel: ``ssh -L 8000:127.0.0.1:8000 you@server``, then open
http://127.0.0.1:8000 locally. Each browser tab starts its own app process.

The page is textual-serve's own, from our copy of its template (web_assets/): the
same page less its one request to a public font host, so nothing it loads comes
from outside this machine (tests/web drives it in Chromium and checks that).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

HOST = "127.0.0.1"
SECURITY_NOTE = (
    "Anyone who can open this page controls phrony-tui with your API key. It listens on "
    "127.0.0.1 only; from another machine use an SSH tunnel: ssh -L {port}:127.0.0.1:{port} you@this-host"
)


# textual-serve's statics (its JS, CSS and fonts) stay its own; the page is ours.
TEMPLATES = Path(__file__).parent / "web_assets" / "templates"


def command_for(argv: list[str]) -> str:
    """The shell command each browser session runs: this Python, this app, the same flags."""
    return shlex.join([sys.executable, "-m", "phrony_tui", *argv])


def serve(argv: list[str], *, port: int = 8000) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        print("phrony-tui: --web needs textual-serve: pip install 'phrony-tui[web]'", file=sys.stderr)
        return 2
    argv = [a for a in argv if a != "--web"]
    # --web-port is ours, not the app's.
    cleaned: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--web-port":
            skip = True
            continue
        if arg.startswith("--web-port="):
            continue
        cleaned.append(arg)
    print(f"phrony-tui: serving on http://{HOST}:{port}", file=sys.stderr)
    print("phrony-tui: " + SECURITY_NOTE.format(port=port), file=sys.stderr)
    Server(command_for(cleaned), host=HOST, port=port, title="phrony-tui", templates_path=TEMPLATES).serve()
    return 0
