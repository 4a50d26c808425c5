"""Helpers shared by the importers: line reading, source references, JSON Lines items.

Text files are read as bytes and split on LF, so that CRLF, a UTF-8 byte order
mark and Unicode line separators inside a line (U+2028, which `str.splitlines`
would split on) all behave the same way in every importer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

from ..records import InputError, Rejected

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def relative_path(path: Path, data_root: Path) -> str:
    """Return `path` relative to `data_root` in POSIX form, or its absolute path when it lies outside."""
    absolute = Path(os.path.normpath(Path(path).absolute()))
    root = Path(os.path.normpath(Path(data_root).absolute()))
    if absolute.is_relative_to(root):
        return absolute.relative_to(root).as_posix()
    return absolute.as_posix()


def source_ref(relative: str, position: int) -> str:
    """Build a record's `source`: the file relative to data_root, `:`, and the line or array index."""
    return f"{relative}:{position}"


def read_text_lines(path: Path) -> Iterator[tuple[int, str | None, bytes]]:
    """Yield (line number, text, raw bytes) for every line of a UTF-8 file.

    The text has its line ending (LF or CRLF) and a leading byte order mark
    removed. It is None when the line is not valid UTF-8, so the caller can
    reject that one line and go on. A UTF-16 file raises InputError because
    every line of it would fail.
    """
    data = Path(path).read_bytes()
    if data.startswith(UTF16_BOMS):
        raise InputError(path, None, None, "the file is UTF-16; convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)")
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    for number, raw in enumerate(pieces, start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            yield number, raw.decode("utf-8"), raw
        except UnicodeDecodeError as error:
            yield number, None, raw[max(0, error.start - 10):error.start + 10]


def invalid_utf8(relative: str, number: int, raw: bytes) -> Rejected:
    """Build the quarantine entry of a line that is not valid UTF-8."""
    return Rejected(relative, number, None, "invalid UTF-8: the line is not valid UTF-8 text", raw.hex(" "))


def iter_json_lines(path: Path, relative: str) -> Iterator[tuple[int, object | None, Rejected | None]]:
    """Yield (line number, parsed value, None) or (line number, None, rejection) per non-blank line.

    A line that is not valid UTF-8 or not valid JSON becomes a rejection with
    its line number, so one bad line does not stop the import.
    """
    for number, text, raw in read_text_lines(path):
        if text is None:
            yield number, None, invalid_utf8(relative, number, raw)
            continue
        if not text.strip():
            continue
        try:
            yield number, json.loads(text), None
        except json.JSONDecodeError as error:
            reason = f"invalid JSON: {error.msg} at column {error.colno}"
            yield number, None, Rejected(relative, number, None, reason, text[:200])
