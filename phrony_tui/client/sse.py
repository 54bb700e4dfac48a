"""Server-Sent Events: an incremental parser and the run-event stream built on it.

Why our own parser instead of httpx-sse (a dependency we keep for others):
httpx-sse decodes with the response's declared charset (the SSE spec says the
stream is always UTF-8), does not strip a leading BOM, raises its own
``SSEError`` on a wrong content type, and has no bound on a line that never
ends. This parser is ~100 lines, works on bytes, and:

- decodes UTF-8 incrementally with ``errors="replace"`` (a code point split
  across chunks is kept; invalid bytes become U+FFFD, never an exception);
- splits on CRLF, CR and LF, including a CR at the end of one chunk and the LF
  at the start of the next;
- joins multi-line ``data`` with ``"\\n"``; ignores comments (``:`` lines, the
  heartbeats) and unknown fields; strips one space after the colon;
- dispatches only on a blank line, so a half-written event at the end of the
  stream is discarded, as the spec says;
- drops (and counts) an event whose data exceeds ``max_event_bytes``, and a line
  longer than that as it arrives: an unfinished line is kept as a list of pieces
  (never re-joined or re-scanned per chunk), so a 200 MB line with no newline costs
  one pass over its bytes and at most ``max_event_bytes`` of memory.
"""

from __future__ import annotations

import builtins
import codecs
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any

__all__ = ["SSEMessage", "SSEParser", "StreamStats"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NEXT_DATA = "\n\ndata: "
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class SSEMessage:
    """One dispatched event: ``data`` is the joined data lines."""

    data: str
    event: str = ""
    id: str | None = None


@dataclass(slots=True)
class StreamStats:
    """Counters of one ``stream_run_events`` connection (see ``RunEventStream.stats``).

    ``events``: events yielded; ``skipped``: events dropped because their data
    was not a JSON object (or not a valid event, or too large); ``empty``:
    events with no data, dropped; ``heartbeats``: comment lines (``: ping``);
    ``bytes``: bytes received; ``last_skipped``: the start of the last skipped
    data (at most 200 characters), for a debug view; ``connected``: the
    response is open; ``closed``: the stream has ended (server closed it, an
    error, or ``aclose``).
    """

    events: int = 0
    skipped: int = 0
    empty: int = 0
    heartbeats: int = 0
    bytes: int = 0
    last_skipped: str | None = None
    connected: bool = False
    closed: bool = False

    def note_skipped(self, data: str | builtins.bytes) -> None:  # the field "bytes" shadows the type
        self.skipped += 1
        self.last_skipped = data[:200] if isinstance(data, str) else data[:200].decode("utf-8", "replace")


class SSEParser:
    """Feed bytes, get complete events. Pure, synchronous, no IO."""

    def __init__(self, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # text after the last complete line
        self._parts: list[str] = []  # more of that unfinished line, not joined yet
        self._parts_len = 0
        self._started = False  # the BOM is only stripped at the very start
        self._data: list[str] = []
        self._data_size = 0
        self._event = ""
        self._id: str | None = None
        self._oversized = False
        self._skip_line = False
        self.max_event_bytes = max_event_bytes
        self.comments = 0
        self.empty = 0
        self.oversized = 0

    @property
    def buffered(self) -> int:
        """Characters held for an unfinished line (never much more than ``max_event_bytes``)."""
        return len(self._pending) + self._parts_len

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        return self._feed_text(self._decoder.decode(chunk))

    def feed_data(self, chunk: bytes) -> list[str]:
        """Like ``feed``, only each event's ``data`` (for readers that need no more:
        no object per event, a quarter less time on a busy stream)."""
        return self._feed_text(self._decoder.decode(chunk), data_only=True)

    def close(self) -> list[SSEMessage]:
        """End of stream: flush the decoder; an event without its blank line is dropped."""
        out = self._feed_text(self._decoder.decode(b"", True))
        self._join_parts()
        if self._pending.endswith("\r"):  # a final CR is a complete line break
            out += self._feed_text("\n")
        self._pending = ""
        self._skip_line = False
        self._reset_event()
        return out

    def _feed_text(self, text: str, data_only: bool = False) -> list[Any]:
        """The events completed by ``text``: SSEMessages, or only their data (``data_only``)."""
        if not text:
            return []
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        if "\n" not in text and "\r" not in text and not self._pending.endswith("\r"):
            # More of an unfinished line: kept as a piece (or dropped, past the limit).
            if not self._skip_line:
                self._parts.append(text)
                self._parts_len += len(text)
                if len(self._pending) + self._parts_len > self.max_event_bytes:
                    self._drop_long_line()
            return []
        self._join_parts()
        buffer = self._pending + text
        out: list[Any] = []
        if not (self._data or self._event or self._oversized or self._skip_line) and "\r" not in buffer:
            if buffer.startswith("data: ") and len(buffer) <= self.max_event_bytes:
                # A busy stream's usual shape, split in one call: "data: ..." events, each one
                # line. Every piece but the last is an event followed by the next one's
                # "data: "; a line break inside any of them is another shape (the paths below).
                datas = buffer.split(_NEXT_DATA)
                if len(datas) > 1 and not any(map(str.__contains__, datas, repeat("\n", len(datas) - 1))):
                    tail = datas.pop()
                    datas[0] = datas[0][6:]
                    if "" in datas:  # "data: " alone: an empty event, dropped
                        self.empty += datas.count("")
                        datas = [data for data in datas if data]
                    out += datas if data_only else [SSEMessage(data=data, id=self._id) for data in datas]
                    buffer = "data: " + tail  # what follows the last of them: the paths below
            # Fast path for the usual stream: whole events, each one "data: ..." line.
            # Anything else in a block goes line by line; the tail after the last
            # blank line takes the general path below.
            cut = buffer.rfind("\n\n")
            if cut >= 0:
                limit = self.max_event_bytes
                head = buffer[:cut]
                if (
                    head.startswith("data: ")
                    and len(head) <= limit
                    # every line break is a blank line followed by another "data: " line:
                    # a busy stream's usual shape, split in one call
                    and head.count("\n") == 2 * head.count(_NEXT_DATA)
                ):
                    datas = head[6:].split(_NEXT_DATA)
                    if "" in datas:  # "data: " alone: an empty event, dropped
                        self.empty += datas.count("")
                        datas = [data for data in datas if data]
                    out += datas if data_only else [SSEMessage(data=data, id=self._id) for data in datas]
                    head = ""
                for block in head.split("\n\n") if head else ():
                    if block.startswith("data: ") and "\n" not in block and len(block) <= limit:
                        if len(block) > 6:
                            out.append(block[6:] if data_only else SSEMessage(data=block[6:], id=self._id))
                        else:
                            self.empty += 1
                        continue
                    for line in block.split("\n"):
                        message = self._line(line)
                        if message is not None:
                            out.append(message.data if data_only else message)
                    message = self._line("")
                    if message is not None:
                        out.append(message.data if data_only else message)
                buffer = buffer[cut + 2 :]
        # A trailing CR may be the first half of CRLF: keep it until we know.
        if buffer.endswith("\r"):
            complete, self._pending = buffer[:-1], "\r"
            lines = _LINE_BREAK.split(complete)
            self._pending = lines.pop() + "\r"
        else:
            lines = _LINE_BREAK.split(buffer)
            self._pending = lines.pop()
        if self._skip_line and lines:
            lines = lines[1:]  # the end of a line that was too long: not a line of its own
            self._skip_line = False
        if len(self._pending) > self.max_event_bytes:
            self._drop_long_line()
        for line in lines:
            message = self._line(line)
            if message is not None:
                out.append(message.data if data_only else message)
        return out

    def _join_parts(self) -> None:
        if self._parts:
            self._pending += "".join(self._parts)
            self._parts = []
            self._parts_len = 0

    def _drop_long_line(self) -> None:
        """A line that never ends: drop what we have, skip the rest of it, mark the event."""
        self._pending = ""
        self._parts = []
        self._parts_len = 0
        self._skip_line = True
        self._oversized = True

    def _line(self, line: str) -> SSEMessage | None:
        if not line:
            return self._dispatch()
        if line[0] == ":":
            self.comments += 1
            return None
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            if self._oversized:
                return None
            self._data.append(value)
            self._data_size += len(value) + 1
            if self._data_size > self.max_event_bytes:
                self._oversized = True
                self._data = []
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        # "retry" and unknown fields are ignored: no reconnecting at this layer.
        return None

    def _dispatch(self) -> SSEMessage | None:
        if self._oversized:
            self.oversized += 1
            self._reset_event()
            return None
        if not self._data:
            if self._event:  # an event line with no data at all
                self.empty += 1
            self._reset_event()
            return None
        data = "\n".join(self._data)
        message = SSEMessage(data=data, event=self._event, id=self._id)
        self._reset_event()
        if not data:
            self.empty += 1
            return None
        return message

    def _reset_event(self) -> None:
        self._data = []
        self._data_size = 0
        self._event = ""
        self._oversized = False


async def iter_sse(chunks: AsyncIterator[bytes], parser: SSEParser | None = None) -> AsyncIterator[SSEMessage]:
    """Events from an async iterator of byte chunks (a helper for tests and tools)."""
    parser = parser or SSEParser()
    async for chunk in chunks:
        for message in parser.feed(chunk):
            yield message
    for message in parser.close():
        yield message
