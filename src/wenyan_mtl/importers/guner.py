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
from ..records import ImportResult
from .common import LineRejected, import_text_lines

DEFAULT_TYPES = ("PER", "OFI", "BOOK")


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    types = frozenset(options.get("types", DEFAULT_TYPES))

    def parse(text: str) -> tuple[str, str]:
        spans = parse_ner(text.strip())
        if spans.malformed:
            raise LineRejected(
                "output", f"malformed entity markup: {spans.malformed} brace(s) outside a {{mention|TYPE}} entity"
            )
        blank = [start for start, end, _ in spans.spans if not spans.text[start:end].strip()]
        if blank:
            raise LineRejected("output", f"empty entity mention: the mention at character {blank[0] + 1} is blank")
        unknown = sorted({label for _, _, label in spans.spans} - types)
        if unknown:
            names = ", ".join(label or "''" for label in unknown)
            raise LineRejected("output", f"unknown entity type: {names} (expected one of {', '.join(sorted(types))})")
        return spans.text, render_ner(spans)

    return import_text_lines(paths, task=task, data_root=data_root, parse=parse)
