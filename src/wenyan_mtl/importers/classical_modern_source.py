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
from ..records import ImportResult, Record, Rejected, make_record_id
from .common import invalid_utf8, read_text_lines, relative_path, source_ref


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
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
            punctuated = parse_punctuation(text)
            if not punctuated.text:
                result.rejected.append(
                    Rejected(relative, number, "input", "empty input: the line has only punctuation", text)
                )
                continue
            if not punctuated.marks:
                result.rejected.append(
                    Rejected(relative, number, "output", "no punctuation: the line has no punctuation mark", text)
                )
                continue
            bare = strip_punctuation(text)
            result.records.append(
                Record(
                    id=make_record_id(task, bare),
                    task=task,
                    instruction="",
                    input=bare,
                    output=render_punctuation(punctuated),
                    source=source_ref(relative, number),
                )
            )
    return result
