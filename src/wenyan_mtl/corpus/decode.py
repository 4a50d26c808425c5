"""Encoding detection and line streaming for raw corpus files.

A file is decoded by the first rule that fits:
1. a byte order mark: UTF-8 (EF BB BF), UTF-32 LE/BE, UTF-16 LE/BE. The UTF-32 LE
   mark starts with the UTF-16 LE one, so UTF-32 is checked first. UTF-16 LE text
   whose first character is U+0000 is therefore read as UTF-32 LE;
2. strict UTF-8;
3. strict GB18030 (a superset of GBK and GB2312).

Chinese text in UTF-8 nearly always decodes as GB18030 mojibake, so a UTF-8 file
with one corrupt byte must not fall through to GB18030. When at least
`UTF8_EVIDENCE_CHARS` multi-byte characters decoded as UTF-8 before the first
invalid byte, the file is taken to be damaged UTF-8 and rejected. Real GB18030 text
breaks UTF-8 decoding within its first few Chinese characters. A file that is valid
UTF-8 with at least one multi-byte character up to an incomplete character at its
very end is rejected as a cut-off UTF-8 file, whatever its length.

Every error names the file, the line (CRLF, CR and LF each end a line) and the byte offset.

Detection reads the file once in chunks with an incremental decoder, so memory stays
bounded whatever the file size; the lines are then streamed in a second pass.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wenyan_mtl.records import InputError

CHUNK_BYTES = 1 << 20

# Multi-byte UTF-8 characters decoded before the first invalid byte that mark a file
# as damaged UTF-8 rather than GB18030. For GB2312 text, a single Chinese character
# forms a valid UTF-8 sequence with probability below 0.15, so 16 in a row happen by
# chance with probability about 1e-13 (an estimate from the byte ranges).
UTF8_EVIDENCE_CHARS = 16

# Checked in this order: the UTF-32 LE mark FF FE 00 00 begins with the UTF-16 LE mark FF FE.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-bom"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32le-bom"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32be-bom"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16le-bom"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16be-bom"),
)


@dataclass(frozen=True)
class Encoding:
    """A detected file encoding.

    `codec` is the Python codec name that reads the file (it consumes any BOM) and
    `label` is the name used in statistics, e.g. `utf-16le-bom` or `gb18030`.
    """

    codec: str
    label: str


@dataclass(frozen=True)
class _Failure:
    offset: int
    byte: int | None
    reason: str
    multibyte_chars: int
    line: int


# The reason CPython's decoders give for an incomplete sequence at the end of the input.
_TRUNCATED = "unexpected end of data"


def _count_non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _count_line_breaks(text: str, after_cr: bool) -> int:
    """Count CRLF, CR and LF as one break each, as `iter_lines` does.

    `after_cr` is true when the previous piece of the file ended in CR, so a
    leading LF completes that CRLF and is not counted again.
    """
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    if after_cr and text.startswith("\n"):
        breaks -= 1
    return breaks


def _scan(path: Path, codec: str) -> _Failure | None:
    """Decode the whole file incrementally; return where decoding first fails, or None."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    fed = 0
    multibyte_chars = 0
    breaks = 0
    after_cr = False
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK_BYTES)
            final = not chunk
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as error:
                # error.object is the decoder's pending bytes followed by this chunk, so it
                # starts on a character boundary and its part before error.start is valid.
                offset = fed - pending + error.start
                bad = error.object[error.start] if error.start < len(error.object) else None
                valid_prefix = codecs.decode(error.object[: error.start], codec, "replace")
                multibyte_chars += _count_non_ascii(valid_prefix)
                line = 1 + breaks + _count_line_breaks(valid_prefix, after_cr)
                return _Failure(offset, bad, error.reason, multibyte_chars, line)
            multibyte_chars += _count_non_ascii(text)
            if text:
                breaks += _count_line_breaks(text, after_cr)
                after_cr = text.endswith("\r")
            fed += len(chunk)
            if final:
                return None


def _describe(failure: _Failure) -> str:
    byte = "end of file" if failure.byte is None else f"byte 0x{failure.byte:02X}"
    return f"{byte} at offset {failure.offset} ({failure.reason})"


def detect_encoding(path: str | Path) -> Encoding:
    """Detect the encoding of `path`; raise InputError naming the first invalid byte."""
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(4)
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            failure = _scan(path, codec)
            if failure is not None:
                raise InputError(path, failure.line, None, f"invalid {label} text: {_describe(failure)}")
            return Encoding(codec, label)

    utf8_failure = _scan(path, "utf-8")
    if utf8_failure is None:
        return Encoding("utf-8", "utf-8")
    if utf8_failure.reason == _TRUNCATED and utf8_failure.multibyte_chars > 0:
        # Valid UTF-8 up to an incomplete character at the very end: a cut-off UTF-8 file.
        raise InputError(
            path,
            utf8_failure.line,
            None,
            f"invalid UTF-8: the file ends inside a multi-byte character that starts with {_describe(utf8_failure)}, "
            "so it was probably cut off; restore the file or remove the incomplete last character",
        )
    if utf8_failure.multibyte_chars >= UTF8_EVIDENCE_CHARS:
        raise InputError(
            path,
            utf8_failure.line,
            None,
            f"invalid UTF-8: {_describe(utf8_failure)}, after {utf8_failure.multibyte_chars} valid "
            "multi-byte characters, so the file is damaged UTF-8 and is not read as GB18030; "
            "repair or remove the bytes at that offset",
        )

    gb_failure = _scan(path, "gb18030")
    if gb_failure is None:
        return Encoding("gb18030", "gb18030")
    raise InputError(
        path,
        utf8_failure.line,
        None,
        f"cannot decode: not UTF-8 (first invalid {_describe(utf8_failure)}) and not GB18030 "
        f"(first invalid {_describe(gb_failure)} on line {gb_failure.line}); supported encodings are "
        "UTF-8, UTF-16 or UTF-32 with a byte order mark, and GB18030",
    )


def iter_lines(path: str | Path, encoding: Encoding) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line without its line break) for a decoded file.

    Universal newline mode counts CRLF, CR and LF each as one line break.
    """
    with open(path, encoding=encoding.codec, errors="strict", newline=None) as handle:
        for number, line in enumerate(handle, start=1):
            yield number, line.rstrip("\n")


def read_text(path: str | Path, encoding: Encoding) -> str:
    """Return the whole decoded file with line breaks normalized to LF."""
    with open(path, encoding=encoding.codec, errors="strict", newline=None) as handle:
        return handle.read()
