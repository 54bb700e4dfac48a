"""Child processes a test stops as a person would (ctrl+c)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

# A shell ignores SIGINT in what it starts in the background (``cmd &``), and a child
# inherits that: a test's ctrl+c would be ignored (seen: the suite run from a background
# job hung there). This runs ``python -m phrony_tui ARGS`` with SIGINT as a terminal has it.
_MAIN = (
    "import signal, runpy; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('phrony_tui', run_name='__main__')"
)


def phrony_tui_command(*args: str) -> list[str]:
    """The argv of ``python -m phrony_tui ARGS`` that a SIGINT stops, as ctrl+c would."""
    return [sys.executable, "-c", _MAIN, *args]


def python_c(code: str, *args: str, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS`` in a fresh interpreter (what a start imports, counted from
    nothing), its output captured as text; ``kwargs`` go to ``subprocess.run`` (cwd, env)."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          check=False, **kwargs)  # fmt: skip
