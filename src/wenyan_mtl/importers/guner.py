"""Named-entity records from GuNER 2023 files.

Format: UTF-8, CRLF, one passage per line with entities inline as
`{mention|TYPE}`. The record's input is the passage without markup and its
output is the passage re-rendered by `formats.render_ner`, so spaces around a
type are normalised. A line with braces that do not form an entity, or with a
type outside `options.types` (default PER, OFI, BOOK), or with a blank mention
(`{ |PER}`), is rejected.
"""

from __future__ import annotations

from pathlib import Path

from ..formats import parse_ner, render_ner
from ..records import ImportResult, Record, Rejected, make_record_id
from .common import invalid_utf8, read_text_lines, relative_path, source_ref

DEFAULT_TYPES = ("PER", "OFI", "BOOK")


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    types = frozenset(options.get("types", DEFAULT_TYPES))
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
            line = text.strip()
            spans = parse_ner(line)
            if spans.malformed:
                reason = f"malformed entity markup: {spans.malformed} brace(s) outside a {{mention|TYPE}} entity"
                result.rejected.append(Rejected(relative, number, "output", reason, text))
                continue
            blank = [start for start, end, _ in spans.spans if not spans.text[start:end].strip()]
            if blank:
                reason = f"empty entity mention: the mention at character {blank[0] + 1} is blank"
                result.rejected.append(Rejected(relative, number, "output", reason, text))
                continue
            unknown = sorted({label for _, _, label in spans.spans} - types)
            if unknown:
                names = ", ".join(label or "''" for label in unknown)
                reason = f"unknown entity type: {names} (expected one of {', '.join(sorted(types))})"
                result.rejected.append(Rejected(relative, number, "output", reason, text))
                continue
            result.records.append(
                Record(
                    id=make_record_id(task, spans.text),
                    task=task,
                    instruction="",
                    input=spans.text,
                    output=render_ner(spans),
                    source=source_ref(relative, number),
                )
            )
    return result
