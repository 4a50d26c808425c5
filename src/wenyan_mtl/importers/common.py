"""Helpers shared by the importers: line reading, source references, JSON Lines items.

Text files are read as bytes and split on CRLF, LF and a lone CR (each one line
break, as Python's universal newlines and the corpus reader count them), so that
mixed line endings, a UTF-8 byte order mark and Unicode line separators inside a
line (U+2028, which `str.splitlines` would split on) behave the same way in every
importer.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Callable, Iterator

from ..corpus.decode import UTF8_EVIDENCE_CHARS
from ..records import ImportResult, InputError, Record, Rejected, make_record_id

UTF8_BOM = b"\xef\xbb\xbf"
# UTF-16 LE and BE, and UTF-32 BE; the UTF-32 LE mark FF FE 00 00 starts with the UTF-16 LE one.
WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


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

    The text has its line ending (CRLF, LF or CR) and a leading byte order mark
    removed. It is None when the line is not valid UTF-8, so the caller can
    reject that one line and go on. A UTF-16 or UTF-32 file, and a GB18030 file
    (see `_reject_gb18030`), raise InputError because every line of it would fail.
    """
    data = Path(path).read_bytes()
    if data.startswith(WIDE_BOMS):
        raise InputError(
            path, 1, None, "the file is UTF-16 or UTF-32; convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)"
        )
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    pieces = _LINE_BREAK.split(data)
    if pieces and pieces[-1] == b"":
        pieces.pop()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        _reject_gb18030(path, data, pieces)
    for number, raw in enumerate(pieces, start=1):
        try:
            yield number, raw.decode("utf-8"), raw
        except UnicodeDecodeError as error:
            yield number, None, raw[max(0, error.start - 10):error.start + 10]


def _reject_gb18030(path: Path, data: bytes, lines: list[bytes]) -> None:
    """Raise InputError when a file that is not UTF-8 is GB18030 text.

    Valid UTF-8 lines of GB18030 text are ASCII, so a file whose valid lines contain
    fewer than `UTF8_EVIDENCE_CHARS` non-ASCII characters and that decodes as
    GB18030 is taken to be GB18030, and the error asks for a conversion to UTF-8. A UTF-8
    file with a few damaged lines has many non-ASCII characters in its valid lines
    and goes on to the per-line quarantine.
    """
    first_invalid = None
    non_ascii = 0
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            first_invalid = first_invalid or number
            continue
        non_ascii += len(text) - len(text.encode("ascii", "ignore"))
        if non_ascii >= UTF8_EVIDENCE_CHARS:
            return
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return
    raise InputError(
        path,
        first_invalid,
        None,
        "the file is not UTF-8 but decodes as GB18030; convert it to UTF-8 (e.g. iconv -f GB18030 -t UTF-8)",
    )


def utf8_error(path: Path, data: bytes, error: UnicodeDecodeError) -> InputError:
    """Build the InputError of a failed `data.decode("utf-8-sig")`, naming the line and byte offset.

    The codec reports `error.start` after any byte order mark, so the mark is added back.
    """
    offset = error.start + (len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0)
    line = 1 + len(_LINE_BREAK.findall(data[:offset]))
    return InputError(
        path, line, None, f"invalid UTF-8 at byte offset {offset} ({error.reason}); convert the file to UTF-8"
    )


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
            value = json.loads(text)
        except json.JSONDecodeError as error:
            reason = f"invalid JSON: {error.msg} at column {error.colno}"
            yield number, None, Rejected(relative, number, None, reason, text[:200])
            continue
        except RecursionError:
            reason = "invalid JSON: the value is nested too deeply to parse"
            yield number, None, Rejected(relative, number, None, reason, text[:200])
            continue
        yield number, value, None


class LineRejected(Exception):
    """Rejection of one line, raised by a line parser of `import_text_lines`."""

    def __init__(self, field: str | None, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def import_text_lines(
    paths: list[Path], *, task: str, data_root: Path, parse: Callable[[str], tuple[str, str]]
) -> ImportResult:
    """Import every non-blank line of UTF-8 text files as one item.

    `parse(text)` returns the record's (input, output) or raises LineRejected.
    The input is the record's passage, so its id is stable across files. A line
    that is not valid UTF-8 is quarantined without a call to `parse`.
    """
    result = ImportResult()
    for path in paths:
        relative = relative_path(path, data_root)
        for number, text, raw in read_text_lines(path):
            if text is not None and not text.strip():
                continue
            result.items_in += 1
            if text is None:
                result.rejected.append(invalid_utf8(relative, number, raw))
                continue
            try:
                source_input, output = parse(text)
            except LineRejected as rejection:
                result.rejected.append(Rejected(relative, number, rejection.field, rejection.reason, text))
                continue
            result.records.append(line_record(task, source_input, output, relative, number))
    return result


def line_record(task: str, source_input: str, output: str, relative: str, number: int) -> Record:
    """Build the record of one source line. Its input is its passage, and the instruction is set later."""
    return Record(
        id=make_record_id(task, source_input),
        task=task,
        instruction="",
        input=source_input,
        output=output,
        source=source_ref(relative, number),
    )
