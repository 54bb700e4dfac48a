"""Attaching files by path: checks before anything is uploaded, and path completion.

A path is refused, with the reason, when it does not exist, is a directory
(or anything but a regular file), cannot be read, or is larger than
:data:`MAX_ATTACHMENT_BYTES`. Completion is a Textual ``Suggester``: type a
path, the rest of the first matching entry shows greyed, ``→`` takes it.
"""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from phrony_tui.client.models import UploadedFile
from phrony_tui.client.uploads import guess_media_type
from phrony_tui.core.safe_text import one_line
from phrony_tui.ui.dialogs.common import fmt_size

#: the largest file the inspector uploads (the simulator's presign limit too)
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024


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


def _open_for_check(path: Path) -> None:
    """Open and close the file: the real test of "can be read" (permissions, ACLs)."""
    with open(path, "rb"):
        pass


def check_attachment(raw: str, *, limit: int = MAX_ATTACHMENT_BYTES) -> Attachment:
    """An :class:`Attachment` for the typed path, or ValueError saying why not."""
    text = raw.strip()
    if not text:
        raise ValueError("type the path of a file to attach")
    path = Path(text).expanduser()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValueError(f"no such file: {one_line(str(path), 200)}") from None
    except OSError as exc:
        raise ValueError(f"cannot use {one_line(str(path), 200)}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{one_line(str(path), 200)} is a directory: attach files one by one")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{one_line(str(path), 200)} is not a regular file")
    if info.st_size > limit:
        raise ValueError(
            f"{one_line(path.name, 100)} is {fmt_size(info.st_size)}: over the {fmt_size(limit)} limit"
        )
    try:
        _open_for_check(path)
    except OSError as exc:
        raise ValueError(f"cannot read {one_line(str(path), 200)}: {exc.strerror or exc}") from None
    return Attachment(path=path.resolve(), size=info.st_size, media_type=guess_media_type(path.name))


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
