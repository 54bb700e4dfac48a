"""A local file someone wants to attach: checked before anything is uploaded.

One rule and one wording for the message and start dialogs and ``phrony-tui reply
--file``: a path is refused, with the reason, when it does not exist, is a directory
or anything but a regular file, cannot be read, or is larger than
:data:`MAX_ATTACHMENT_BYTES`.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from phrony_tui.client.uploads import guess_media_type
from phrony_tui.core.format import fmt_size
from phrony_tui.core.safe_text import one_line

#: the largest file the app uploads (the simulator's presign limit too)
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    path: Path  # resolved
    size: int
    media_type: str

    @property
    def name(self) -> str:
        return self.path.name


def _open_for_check(path: Path) -> None:
    """Open and close the file: the real test of "can be read" (permissions, ACLs)."""
    with open(path, "rb"):
        pass


def check_local_file(raw: str, *, limit: int = MAX_ATTACHMENT_BYTES) -> LocalFile:
    """The file at the path ``raw`` (spaces around it ignored, ``~`` expanded), or
    ValueError saying why it cannot be attached."""
    text = raw.strip()
    if not text:
        raise ValueError("no path: give the path of a file to attach")
    path = Path(text).expanduser()
    shown = one_line(str(path), 200)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValueError(f"no such file: {shown}") from None
    except OSError as exc:
        raise ValueError(f"cannot use {shown}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{shown} is a directory: attach files one by one")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{shown} is not a regular file")
    if info.st_size > limit:
        raise ValueError(f"{one_line(path.name, 100)} is {fmt_size(info.st_size)}: over the {fmt_size(limit)} limit")
    try:
        _open_for_check(path)
    except OSError as exc:
        raise ValueError(f"cannot read {shown}: {exc.strerror or exc}") from None
    return LocalFile(path=path.resolve(), size=info.st_size, media_type=guess_media_type(path.name))
