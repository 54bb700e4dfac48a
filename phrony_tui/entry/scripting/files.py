"""Files for ``phrony-tui reply --file``: checked before anything is uploaded.

The rules and the words are the message dialog's (ui/dialogs/files.py,
``check_attachment``, which this layer cannot import: it lives beside Textual
widgets): a path is refused when it does not exist, is a directory or anything
but a regular file, cannot be read, or is over the app's attachment limit.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from phrony_tui.client.uploads import guess_media_type
from phrony_tui.core.safe_text import one_line

#: the largest file the inspector uploads (the app's limit, and the simulator's presign limit)
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    path: Path
    size: int
    media_type: str

    @property
    def name(self) -> str:
        return self.path.name


def fmt_size(size: int) -> str:
    """``512 B``, ``12.0 KiB``, ``3.4 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def check_file(raw: str, *, limit: int = MAX_ATTACHMENT_BYTES) -> LocalFile:
    """The file at ``raw``, or ValueError saying why it cannot be attached."""
    text = raw.strip()
    if not text:
        raise ValueError("give the path of a file to attach")
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
        raise ValueError(f"{one_line(path.name, 100)} is {fmt_size(info.st_size)}: over the {fmt_size(limit)} limit")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ValueError(f"cannot read {one_line(str(path), 200)}: {exc.strerror or exc}") from None
    return LocalFile(path=path.resolve(), size=info.st_size, media_type=guess_media_type(path.name))
