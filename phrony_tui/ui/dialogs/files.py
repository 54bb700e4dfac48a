"""Attaching files by path: checks before anything is uploaded, and path completion.

The checks are ``live.local_files`` (the same for ``phrony-tui reply --file``).
Completion is a Textual ``Suggester``: type a
path, the rest of the first matching entry shows greyed, ``→`` takes it.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from phrony_tui.client.models import UploadedFile
from phrony_tui.core.format import fmt_size
from phrony_tui.core.safe_text import one_line
from phrony_tui.live.local_files import MAX_ATTACHMENT_BYTES, check_local_file

__all__ = ["MAX_ATTACHMENT_BYTES", "Attachment", "PathInput", "RowInput", "check_attachment", "complete_path"]

@dataclass
class Attachment:
    """A file to upload: where it is, what it is, and how its upload went."""

    path: Path
    size: int
    media_type: str
    state: str = "ready"  # ready | uploading | uploaded | failed
    detail: str = ""
    uploaded: UploadedFile | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    def describe(self) -> str:
        state = {
            "ready": "ready, uploads on send",
            "uploading": "uploading…",
            "uploaded": "uploaded ✓",
            "failed": f"upload failed: {self.detail}",
        }.get(self.state, self.state)
        return one_line(f"{self.name}  {fmt_size(self.size)}  {self.media_type}  — {state}", 300)


def check_attachment(raw: str, *, limit: int = MAX_ATTACHMENT_BYTES) -> Attachment:
    """An :class:`Attachment` for the typed path, or ValueError saying why not
    (``live.local_files``: the rule and its words)."""
    local = check_local_file(raw, limit=limit)
    return Attachment(path=local.path, size=local.size, media_type=local.media_type)


class PathSuggester(Suggester):
    """Completes the last segment of a path from the directory's entries (dirs end with /)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        return await asyncio.to_thread(complete_path, value)


def complete_path(value: str) -> str | None:
    """The first entry (sorted; hidden ones only when asked for) that extends ``value``."""
    head, sep, stem = value.rpartition("/")
    if sep:
        folder = Path(os.path.expanduser(head or "/"))
        prefix = head + "/"
    else:
        folder, prefix = Path("."), ""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for name in names:
        if not name.startswith(stem) or name == stem:
            continue
        if name.startswith(".") and not stem.startswith("."):
            continue
        suffix = "/" if (folder / name).is_dir() else ""
        return prefix + name + suffix
    return None


class RowInput(Input):
    """A line of an attach row: ``enter`` attaches, ``escape`` closes the row (not the dialog)."""

    BINDINGS: ClassVar = [
        Binding("enter", "submit", "Attach", id="files.attach"),
        Binding("escape", "close", "Close the row", id="files.close"),
    ]

    class Closed(Message):
        def __init__(self, row_input: RowInput) -> None:
            self.row_input = row_input
            super().__init__()

    def action_close(self) -> None:
        self.post_message(self.Closed(self))


class PathInput(RowInput):
    """A file path, with completion (``→`` takes the greyed rest)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("placeholder", "path of a file (→ completes, ~ is your home)")
        super().__init__(suggester=PathSuggester(), **kwargs)
