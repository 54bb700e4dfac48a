"""uvicorn's ``Config`` and ``Server`` without its command line.

``import uvicorn`` runs the package's ``__init__``, which imports ``uvicorn.main``: click,
the reloaders and multiprocessing, about a sixth of what the simulator's process imports
before it serves (``--demo``'s child answers the app's first requests later by as much).
The simulator needs none of it, so it registers the package without running its
``__init__`` and imports the two modules it uses. Anything else asked of the package
(``uvicorn.run``, ``uvicorn.__version__``) runs the real ``__init__`` then: the package is
then the one ``import uvicorn`` gives. When uvicorn is already imported, nothing changes.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any


def _register_package() -> None:
    if "uvicorn" in sys.modules:
        return
    spec = importlib.util.find_spec("uvicorn")
    if spec is None or spec.loader is None:  # pragma: no cover - uvicorn missing: say so as import would
        raise ModuleNotFoundError("No module named 'uvicorn'", name="uvicorn")
    package = importlib.util.module_from_spec(spec)  # __path__, __spec__, __file__; __init__ not run
    loaded = False

    def __getattr__(name: str) -> Any:
        nonlocal loaded
        # (not for the probes of dunder names that tools make: hasattr(m, "__wrapped__"), ...)
        if not loaded and (name in ("__version__", "__all__") or not name.startswith("__")):
            loaded = True
            spec.loader.exec_module(package)  # type: ignore[union-attr]  # the real __init__
            if name in package.__dict__:
                return package.__dict__[name]
        raise AttributeError(f"module 'uvicorn' has no attribute {name!r}")

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules["uvicorn"] = package


_register_package()

from uvicorn.config import Config  # noqa: E402
from uvicorn.server import Server  # noqa: E402

# What uvicorn's own modules import from the package (``uvicorn.lifespan.off``: Config).
_package = sys.modules["uvicorn"]
for _name, _value in (("Config", Config), ("Server", Server)):
    _package.__dict__.setdefault(_name, _value)  # (not hasattr: it would run the real __init__)

__all__ = ["Config", "Server"]
