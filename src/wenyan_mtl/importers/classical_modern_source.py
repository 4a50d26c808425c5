"""Punctuation records from NiuTrans Classical-Modern `source.txt` files.

One punctuated classical sentence per line (UTF-8, LF or CRLF). The record's
input is the sentence with every punctuation mark and whitespace removed, and
its output is the sentence with only the whitespace removed. Blank lines are
separators, not items. A line without any punctuation mark is rejected,
because it would teach the model to return the bare input unchanged.
"""

from __future__ import annotations

from pathlib import Path

from ..formats import parse_punctuation, render_punctuation, strip_punctuation
from ..records import ImportResult
from .common import LineRejected, import_text_lines


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    return import_text_lines(paths, task=task, data_root=data_root, parse=parse_line)


def parse_line(text: str) -> tuple[str, str]:
    """Return (bare sentence, punctuated sentence) of one line, or raise LineRejected."""
    punctuated = parse_punctuation(text)
    if not punctuated.text:
        raise LineRejected("input", "empty input: the line has only punctuation")
    if not punctuated.marks:
        raise LineRejected("output", "no punctuation: the line has no punctuation mark")
    return strip_punctuation(text), render_punctuation(punctuated)
