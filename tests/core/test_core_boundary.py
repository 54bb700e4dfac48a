"""phrony_tui.core is pure: no textual, no rich, no IO libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import phrony_tui.core
from tests.support.processes import python_c

CORE = Path(phrony_tui.core.__file__).parent
# The client's models, and its error types (stdlib only) for core/error_text.py's wording.
ALLOWED_PROJECT = ("phrony_tui.core", "phrony_tui.client.models", "phrony_tui.client.errors")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return python_c(code, timeout=60)


def test_importing_core_does_not_import_textual() -> None:
    result = _run("import sys, phrony_tui.core; print('textual' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_core_itself_pulls_in_no_rich_or_http() -> None:
    # phrony_tui/client/__init__.py imports httpx (which imports rich when its CLI
    # extra is installed); load only the models module so what remains is core's own.
    code = """
import importlib.util, sys, types, pathlib
import phrony_tui
client_dir = pathlib.Path(phrony_tui.__file__).parent / "client"
package = types.ModuleType("phrony_tui.client")
package.__path__ = [str(client_dir)]
sys.modules["phrony_tui.client"] = package
import phrony_tui.core
loaded = sorted(name for name in ("textual", "rich", "httpx", "httpx_sse") if name in sys.modules)
print(",".join(loaded) or "none")
"""
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_core_modules_import_only_stdlib_and_client_models() -> None:
    modules = sorted(CORE.glob("*.py"))
    assert len(modules) >= 9
    bad: dict[str, list[str]] = {}
    for path in modules:
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "__future__" or top in sys.stdlib_module_names:
                continue
            if name.startswith(ALLOWED_PROJECT):
                continue
            bad.setdefault(path.name, []).append(name)
    assert bad == {}
