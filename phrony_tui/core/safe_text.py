"""Safe text for a terminal: the one sanitizer for every string the server sends.

Everything that comes from Phrony (step contents, errors, agent names, task
questions, event subjects...) is untrusted. Written to a terminal as is, it
could move the cursor, set the window title, write a hyperlink, query the
terminal, or use bidi overrides and zero-width characters to make text read
differently from what it is. :func:`safe_text` makes such text inert:

1. Escape sequences are removed entirely: CSI (``ESC [ ... final`` and the
   8-bit ``0x9B``), OSC (``ESC ]`` / ``0x9D`` up to BEL or ST, e.g. titles and
   OSC 8 hyperlinks), DCS / SOS / PM / APC (``ESC P``/``X``/``^``/``_`` and
   ``0x90``/``0x98``/``0x9E``/``0x9F`` up to ST) and two-character ``ESC x``
   sequences. An unterminated string sequence (OSC, DCS...) runs to the end of
   the text, as it would in a terminal.
2. Remaining control characters become visible placeholders: C0 (except
   ``\\n`` and ``\\t``) as the Unicode control pictures (``\\x00`` -> ``␀``,
   a lone ``ESC`` -> ``␛``, a lone ``\\r`` -> ``␍``; ``\\r\\n`` is a newline),
   DEL as ``␡``, and C1 (U+0080-U+009F) as ``⟨U+009B⟩``.
3. Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, and
   the marks U+200E, U+200F, U+061C), zero-width characters (U+200B-U+200D,
   U+2060-U+2064, U+FEFF) and lone surrogates (which no terminal encoding can
   write) are shown as ``⟨U+202E⟩``. This includes the zero-width joiner of
   emoji sequences: terminals disagree on the width of joined emoji, and a
   visible joiner keeps columns aligned. Other characters, wide CJK and emoji
   included, are untouched.

The C1 form is ``⟨U+009B⟩`` rather than ``\\x9b`` so that every placeholder
that is not a control picture has one shape that ordinary text rarely has.

Markup (``[bold]``, ``[link=...]``) is not this module's business: the UI
renders server text with markup off (``Content(text)`` / ``markup=False``), so
``"[bold]x"`` comes out of here unchanged and must be shown literally.

Everything here is bounded: ``one_line``, ``truncate`` and ``preview_json``
look at no more of a 10 MB string than they show (plus the tail of an escape
sequence that straddles the cut), and ``pretty_json`` survives 1,000-deep
JSON. ``safe_text`` itself is linear and returns its input unchanged (the
same object) when nothing needs doing, after one precompiled regex search.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, cast

__all__ = [
    "ELLIPSIS",
    "one_line",
    "pretty_json",
    "preview_json",
    "safe_text",
    "truncate",
]

ELLIPSIS = "…"

# Characters that are not safe to show as they are. The fast path is one search
# for any of them; plain text (any script, emoji, CJK) never matches.
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but \t \n, DEL, C1
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # bidi, zero-width
    "\ud800-\udfff"  # lone surrogates
)


class _OnFirstUse:
    """A module pattern compiled when first used, which then takes its place in the module.

    ``re`` compiles in Python: these patterns cost ~0.3-0.7 ms each, paid by every start
    when made at import; text with nothing unsafe in it (``str.isprintable``) needs none."""

    def __init__(self, name: str, source: str) -> None:
        self.name, self.source = name, source

    def compiled(self) -> re.Pattern[str]:
        pattern = re.compile(self.source)
        globals()[self.name] = pattern
        return pattern

    def __getattr__(self, attribute: str) -> Any:  # search, sub, match: the pattern's own
        return getattr(self.compiled(), attribute)


def _on_first_use(name: str, source: str) -> re.Pattern[str]:
    return cast("re.Pattern[str]", _OnFirstUse(name, source))


_UNSAFE = _on_first_use("_UNSAFE", f"[{_UNSAFE_CLASS}]")

# Escape sequences, most specific first. String sequences stop before an ESC
# that does not start ST, so the next sequence is matched on its own.
_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, ends with BEL or ST
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS SOS PM APC
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # two-character (and nF) escapes
)
# One token of unsafe text: a whole sequence, a CRLF, or one character.
_TOKEN = _on_first_use("_TOKEN", f"{_SEQUENCE}|\r\n|[{_UNSAFE_CLASS}]")
# For one-line text: runs of blanks that hold a newline or a tab also count.
# (No leading "[ ]*": that would backtrack quadratically on long runs of spaces;
# spaces before the run are stripped from the output instead.)
_LINE_TOKEN = _on_first_use("_LINE_TOKEN", f"{_SEQUENCE}|(?:\r\n|[\t\n])(?:\r\n|[ \t\n])*|[{_UNSAFE_CLASS}]")


_SPACES = re.compile(" *")
# What one_line drops at the end of a text: blanks and escape sequences (possessive: no
# backtracking, so a long blank tail is one linear scan).
_BLANK_REST = _on_first_use("_BLANK_REST", f"(?:{_SEQUENCE}|\r\n|[ \t\n])*+")


def _run_end(pattern: re.Pattern[str], text: str, pos: int, endpos: int | None = None) -> int:
    """Where the run ``pattern`` matches at ``pos`` ends (the patterns above match
    the empty string, so there is always a match; ``pos`` if not)."""
    match = pattern.match(text, pos) if endpos is None else pattern.match(text, pos, endpos)
    return match.end() if match is not None else pos


def _placeholder(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"\u27e8U+{code:04X}\u27e9"


_PLACEHOLDERS: dict[str, str] = {}
for _code in [*range(0x20), *range(0x7F, 0xA0)]:
    if chr(_code) not in "\t\n":
        _PLACEHOLDERS[chr(_code)] = _placeholder(chr(_code))
del _code


# 8-bit introducers of CSI, OSC, DCS, SOS, PM, APC: alone, still an (empty) sequence.
_INTRODUCERS = frozenset("\x9b\x9d\x90\x98\x9e\x9f")


def _token_text(token: str) -> str:
    """What an unsafe token becomes: a placeholder, a newline, or nothing."""
    if len(token) == 1:
        if token in _INTRODUCERS:
            return ""
        return _PLACEHOLDERS.get(token) or _placeholder(token)
    if token == "\r\n":
        return "\n"
    return ""  # an escape sequence


def _replace(match: re.Match[str]) -> str:
    return _token_text(match.group())


def safe_text(value: object) -> str:
    """``value`` made safe to write to a terminal (see the module docstring).

    Newlines and tabs are kept. ``None`` gives ``""``; any other non-string is
    converted with ``str()`` first. Returns ``value`` itself when it is a plain
    string with nothing to change.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    # Printable text has none of _UNSAFE_CLASS (all of it is Cc, Cf or Cs), nor a tab or a newline.
    if value.isprintable() or _UNSAFE.search(value) is None:
        return value
    return _TOKEN.sub(_replace, value)


# --- bounded one-line text ------------------------------------------------------

# How far a bounded scan looks ahead for the next unsafe token at once.
_WINDOW_MIN = 1024


def _bounded(value: str, budget: int, *, line: bool, pos: int = 0) -> tuple[list[str], bool]:
    """Sanitize ``value`` from its start until ``budget`` characters are out.

    Returns the pieces (whole placeholders are never split) and whether input
    was left over (blanks and escape sequences alone do not count when ``line``).
    Reads at most about ``budget`` characters of plain text, plus the escape
    sequences it removes: each input character is looked at once.
    """

    def left_over(at: int) -> bool:
        if not line:
            return True
        return _run_end(_BLANK_REST, value, at) < end

    pattern = _LINE_TOKEN if line else _TOKEN
    pieces: list[str] = []
    used = 0
    end = len(value)
    window = max(_WINDOW_MIN, budget * 2)
    pending_space = False
    while pos < end:
        stop = min(end, pos + window)
        match = pattern.search(value, pos, stop)
        if match is not None and match.end() == stop and stop < end:
            # The token may go on past the window (a long OSC): look again in full.
            match = pattern.search(value, match.start())
        plain_end = match.start() if match is not None else stop
        if line and (pending_space or used == 0) and plain_end > pos:
            pos = _run_end(_SPACES, value, pos, plain_end)  # blanks already stand as one
        if plain_end > pos:
            if pending_space:
                if used >= budget:
                    return pieces, left_over(pos)
                pieces.append(" ")
                used += 1
                pending_space = False
            take = min(plain_end - pos, budget - used)
            if take > 0:
                pieces.append(value[pos : pos + take])
                used += take
            if take < plain_end - pos:
                return pieces, left_over(pos + take)
        if match is None:
            pos = stop
            continue
        pos = match.end()
        token = match.group()
        if line and (token[0] in "\t\n" or token.startswith("\r\n")):
            # Leading blanks are dropped; inner runs collapse to one space.
            while pieces and pieces[-1].endswith(" "):
                last = pieces.pop()
                used -= len(last)
                last = last.rstrip(" ")
                if last:
                    pieces.append(last)
                    used += len(last)
                    break
            pending_space = used > 0
            continue
        text = _token_text(token)
        if not text:
            continue  # an escape sequence: removed
        if pending_space:
            text = " " + text
            pending_space = False
        if used + len(text) > budget:
            return pieces, True  # a placeholder is never blank
        pieces.append(text)
        used += len(text)
    return pieces, False


def _strip_end(pieces: list[str]) -> str:
    return "".join(pieces).strip(" ")


def one_line(value: object, limit: int = 200) -> str:
    """``value`` as one safe line of at most ``limit`` characters.

    Runs of blanks holding a newline or a tab become one space, the ends are
    stripped, and a longer text ends with ``…``. Bounded: a 10 MB string costs
    about what the shown part costs. ``limit`` counts characters, not cells.
    """
    if value is None or limit <= 0:
        return ""
    if not isinstance(value, str):
        value = str(value)
    if len(value) <= limit and (value.isprintable() or (
        _UNSAFE.search(value) is None and "\n" not in value and "\t" not in value
    )):  # fmt: skip
        return value.strip(" ")
    pieces, more = _bounded(value, limit, line=True, pos=_run_end(_SPACES, value, 0))
    text = _strip_end(pieces)
    if not more:
        return text
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters including a final ``…``."""
    if limit <= 0:
        return ""
    if len(text) >= limit:
        text = text[: limit - 1]
    return text.rstrip(" ") + ELLIPSIS


def truncate(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, the last one ``…`` when cut.

    Plain truncation, no sanitizing: sanitize with :func:`safe_text` after it
    (``safe_text(truncate(big, n))`` costs ``n``, not ``len(big)``).
    """
    if limit <= 0:
        return ""
    if len(value) <= limit:
        return value
    return value[: limit - 1] + ELLIPSIS


# --- JSON previews --------------------------------------------------------------


class _Full(Exception):
    """The output budget is spent."""


class _Writer:
    __slots__ = ("limit", "parts", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > self.limit:
            raise _Full

    @property
    def room(self) -> int:
        return max(0, self.limit - self.size)


# ``json.dumps(text, ensure_ascii=False)`` without building an encoder per call (what
# ``JSONEncoder.encode`` returns for a str): a third of a big session's first search.
_quote = json.encoder.encode_basestring


def _scalar(value: Any, room: int) -> str | None:
    """JSON text of a scalar (a string at most ``room + 1`` characters in), or None."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        text = int.__repr__(value) if abs(value) < 10**300 else f"{'-' if value < 0 else ''}1e300+"
        return text
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    if isinstance(value, str):
        # Escape only what can be shown; one more character than fits tells
        # the writer it was cut.
        return _quote(value[: room + 1])
    return None


def _other(value: Any) -> Any:
    """A JSON-like stand-in for a value that is not JSON (models, sets, bytes...)."""
    wire = getattr(value, "wire", None)
    if callable(wire):
        try:
            return wire()
        except Exception:
            pass
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return str(value)


def _write_compact(out: _Writer, value: Any, depth: int, max_depth: int) -> None:
    text = _scalar(value, out.room)
    if text is not None:
        out.write(text)
        return
    if isinstance(value, Mapping):
        if not value:
            out.write("{}")
            return
        if depth >= max_depth:
            out.write("{…}")
            return
        out.write("{")
        first = True
        for key, item in value.items():
            if not first:
                out.write(", ")
            first = False
            out.write(_quote(str(key)[: out.room + 1]))
            out.write(": ")
            _write_compact(out, item, depth + 1, max_depth)
        out.write("}")
        return
    if isinstance(value, (list, tuple)):
        if not value:
            out.write("[]")
            return
        if depth >= max_depth:
            out.write("[…]")
            return
        out.write("[")
        for index, item in enumerate(value):
            if index:
                out.write(", ")
            _write_compact(out, item, depth + 1, max_depth)
        out.write("]")
        return
    _write_compact(out, _other(value), depth, max_depth)


def preview_json(value: Any, limit: int = 200, *, max_depth: int = 6) -> str:
    """A compact, safe, one-line JSON preview of ``value``, at most ``limit`` chars.

    Bounded: strings are cut before they are escaped, containers are walked
    only until the preview is full, and nesting deeper than ``max_depth`` shows
    as ``{…}`` / ``[…]``. A bare string is shown quoted, as JSON. Values that are
    not JSON (sets, bytes, models) are shown by a stand-in, never an error.
    """
    if limit <= 0:
        return ""
    out = _Writer(limit)
    try:
        _write_compact(out, value, 0, max_depth)
    except _Full:
        return one_line(_cut("".join(out.parts)[: limit - 1], limit), limit)
    return one_line("".join(out.parts), limit)


def _json_default(value: Any) -> Any:
    return _other(value)


_INDENT = "  "


def _write_pretty(out: _Writer, value: Any, level: int, max_depth: int) -> None:
    text = _scalar(value, out.room)
    if text is not None:
        out.write(text)
        return
    if isinstance(value, (Mapping, list, tuple)):
        is_map = isinstance(value, Mapping)
        opener, closer = ("{", "}") if is_map else ("[", "]")
        if not value:
            out.write(opener + closer)
            return
        if level >= max_depth:
            # Deeper levels in one compact, bounded line.
            inner = preview_json(value, min(200, max(out.room, 2)), max_depth=4)
            out.write(inner)
            return
        out.write(opener)
        pad = "\n" + _INDENT * (level + 1)
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for index, (key, item) in enumerate(items):
            out.write(("," if index else "") + pad)
            if is_map:
                out.write(json.dumps(str(key), ensure_ascii=False) + ": ")
            _write_pretty(out, item, level + 1, max_depth)
        out.write("\n" + _INDENT * level + closer)
        return
    _write_pretty(out, _other(value), level, max_depth)


# How many encoder chunks are counted past the cut to say how much was cut.
_COUNT_CHUNKS = 200_000


def pretty_json(value: Any, max_chars: int = 100_000, *, max_depth: int = 64) -> str:
    """``value`` as indented JSON (``indent=2``, not ASCII-escaped), made safe.

    Longer text is cut at ``max_chars`` with a last line saying how much was
    cut. Nesting too deep for the standard encoder (``RecursionError``) or
    values it cannot encode fall back to a bounded serializer that shows
    levels past ``max_depth`` compactly. Escaped JSON strings keep their C0
    escapes (``\\u001b``); other unsafe characters become placeholders.
    """
    max_chars = max(1, max_chars)
    kept: list[str] = []
    size = 0
    cut = 0
    counted_all = True
    try:
        encoder = json.JSONEncoder(indent=2, ensure_ascii=False, default=_json_default)
        chunks = encoder.iterencode(value)
        for chunk in chunks:
            room = max_chars - size
            if len(chunk) <= room:
                kept.append(chunk)
                size += len(chunk)
                continue
            kept.append(chunk[:room])
            size = max_chars
            cut = len(chunk) - room
            try:
                for count, rest in enumerate(chunks):
                    cut += len(rest)
                    if count >= _COUNT_CHUNKS:
                        counted_all = False
                        break
            except (RecursionError, ValueError, TypeError):
                counted_all = False  # what is shown is right; the rest is too deep to count
            break
        text = "".join(kept)
    except (RecursionError, ValueError, TypeError):
        out = _Writer(max_chars)
        try:
            _write_pretty(out, value, 0, max_depth)
        except _Full:
            text = "".join(out.parts)[:max_chars]
            return safe_text(text) + f"\n… (cut at {max_chars:,} characters)"
        text = "".join(out.parts)
    text = safe_text(text)
    if cut:
        more = f"{cut:,}" if counted_all else f"at least {cut:,}"
        text += f"\n… ({more} more characters not shown)"
    return text
