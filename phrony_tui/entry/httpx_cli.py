"""``import httpx`` without its command-line tool.

httpx 0.28's ``__init__`` imports ``httpx._main`` (its CLI) whenever click, pygments and
rich are installed, as they are beside Textual and uvicorn: ~20-25 ms of every start for
code this app never runs (upstream: encode/httpx#3547). Before httpx is first imported,
a stand-in module takes that name; it loads the real CLI the moment anything of it is
used (``httpx.main()``, an attribute), so nothing changes but when the cost is paid.

A process-wide switch, so the app's entry point sets it (``entry.cli.main``, first
thing); importing ``phrony_tui.client`` as a library changes nothing in ``sys.modules``.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

NAME = "httpx._main"


class _DeferredCLI(types.ModuleType):
    def _load(self) -> types.ModuleType:
        if sys.modules.get(NAME) is self:
            del sys.modules[NAME]
        return importlib.import_module(NAME)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # the import system asks (e.g. __path__): no load for that
        return getattr(self._load(), name)


def main(*args: Any, **kwargs: Any) -> Any:
    """What ``httpx.main`` is until the CLI is loaded: loads it and runs it."""
    module = sys.modules.get(NAME)
    real = module._load() if isinstance(module, _DeferredCLI) else importlib.import_module(NAME)
    return real.main(*args, **kwargs)


def defer_httpx_cli() -> None:
    if "httpx" in sys.modules or NAME in sys.modules:
        return  # httpx is loaded already: nothing to save
    stand_in = _DeferredCLI(NAME)
    stand_in.main = main  # type: ignore[attr-defined]  # what httpx/__init__ imports by name
    sys.modules[NAME] = stand_in
