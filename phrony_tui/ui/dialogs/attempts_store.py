"""Reading and writing the start-attempts file (the IO half of core/attempts.py).

The file is private to the person: the directory is made ``0700`` and the file
written ``0600``, atomically (a temporary file in the same directory, then
``os.replace``). Every write re-reads the file and merges, so two inspectors
running at once lose nothing but the order of a tie. Errors never reach the
UI as exceptions: ``error`` says what went wrong, and the attempts made in
this run stay in memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from phrony_tui.config import keep_aside
from phrony_tui.core.attempts import Attempt, attempts_path, dumps, loads, merge


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$PHRONY_TUI_ATTEMPTS_FILE``, else the XDG state dir (see core.attempts.attempts_path)."""
    return Path(attempts_path(os.environ if environ is None else environ, Path.home()))


class AttemptStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self._memory: list[Attempt] = []  # attempts made here, kept even when the file cannot be written

    def load(self) -> list[Attempt]:
        """Every stored attempt (plus this run's, if the file could not be written), oldest first."""
        stored = self._read()
        return merge(stored, self._memory)

    def add(self, attempt: Attempt) -> None:
        self._memory = merge(self._memory, [attempt])
        attempts = merge(self._read(), self._memory)
        self._write(attempts)

    def _read(self) -> list[Attempt]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            self.error = f"cannot read {self.path}: {exc.strerror or exc}"
            return []
        try:
            attempts = loads(text)
        except ValueError as exc:
            backup = keep_aside(self.path)  # never overwritten unseen: the person may want it back
            kept = f"kept as {backup.name}" if backup is not None else "it could not be moved aside"
            self.error = f"{self.path} was not an attempts file ({exc}); {kept}, and a fresh one is written"
            return []
        return attempts

    def _write(self, attempts: list[Attempt]) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temp = tempfile.mkstemp(prefix=".attempts-", suffix=".tmp", dir=folder)  # mode 0600
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(dumps(attempts))
                os.chmod(temp, 0o600)
                os.replace(temp, self.path)
            except BaseException:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            self.error = f"cannot write {self.path}: {exc.strerror or exc} (attempts are kept until you quit)"
            return
        self.error = None
