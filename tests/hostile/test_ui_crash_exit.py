"""A crash ends the process with a non-zero status, and its report holds no key.

Run as a real process (``launch.run_app``, as the CLI does): a key handler whose
frame holds the settings, the client and the SecretStr raises. Textual prints the
traceback (with every frame's locals) on stderr; ``App.run`` then returns None,
which used to make the exit status 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

KEY = "phk_crashTEST_0123456789abcdef"

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from pydantic import SecretStr
    from phrony_tui.entry import launch
    from phrony_tui.settings import Settings
    from phrony_tui.ui.app import PhronyApp

    def explode(self):
        settings = self.settings
        key = settings.api_key
        client = self.client
        raise RuntimeError("boom in a handler")

    PhronyApp.action_help = explode
    real_run = PhronyApp.run

    def headless_run(self, *args, **kwargs):
        async def auto(pilot):
            await pilot.pause(0.3)
            await pilot.press("question_mark")
            await pilot.pause(0.5)  # the crash ends the app (the subprocess timeout guards a hang)

        return real_run(self, headless=True, size=(120, 40), auto_pilot=auto)

    PhronyApp.run = headless_run
    settings = Settings(base_url="http://127.0.0.1:9", api_key=SecretStr({KEY!r}), agent_ids=("agent-1",),
                        allow_insecure_http=True)
    sys.exit(launch.run_app(settings))
    """
)


def test_a_crash_exits_non_zero_and_its_report_holds_no_key(tmp_path):
    done = subprocess.run(  # noqa: PLW1510 - the status is what is asserted
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TERM": "dumb",
             **{name: os.environ[name] for name in ("PYTHONPATH",) if name in os.environ}},
    )  # fmt: skip
    report = done.stdout + done.stderr
    assert "boom in a handler" in report and "Traceback" in report, report[-2000:]
    assert done.returncode != 0
    assert KEY not in report and KEY.removeprefix("phk_") not in report
