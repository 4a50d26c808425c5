"""Translation records from NiuTrans Classical-Modern `bitext.txt` files.

Format: UTF-8, LF, blocks of a `古文：<classical>` line and a `现代文：<modern>`
line, blocks separated by a blank line. Each block is one item, counted at the
line of its first line: input is the classical side, output the modern side.
A block with one side missing, and any line that is neither side, is rejected.
Both the full-width and the ASCII colon are accepted after the label.
"""

from __future__ import annotations

from pathlib import Path

from ..records import ImportResult, Rejected
from .common import invalid_utf8, line_record, read_text_lines, relative_path

CLASSICAL_LABEL = "古文"
MODERN_LABEL = "现代文"
MISSING_MODERN = f"missing side: no {MODERN_LABEL} line follows the {CLASSICAL_LABEL} line"


def _labelled(text: str, label: str) -> str | None:
    """Return the text after `label：` (or `label:`), or None when the line has another label."""
    for colon in ("：", ":"):
        prefix = label + colon
        if text.startswith(prefix):
            return text[len(prefix):].strip()
    return None


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    result = ImportResult()
    for path in paths:
        relative = relative_path(path, data_root)
        pending: tuple[int, str] | None = None  # (line, classical text) waiting for its modern line

        def reject_pending() -> None:
            nonlocal pending
            if pending is not None:
                result.items_in += 1
                result.rejected.append(Rejected(relative, pending[0], MODERN_LABEL, MISSING_MODERN, pending[1]))
                pending = None

        for number, text, raw in read_text_lines(path):
            if text is None:
                reject_pending()
                result.items_in += 1
                result.rejected.append(invalid_utf8(relative, number, raw))
                continue
            line = text.strip()
            if not line:
                reject_pending()
                continue
            classical = _labelled(line, CLASSICAL_LABEL)
            if classical is not None:
                reject_pending()
                pending = (number, classical)
                continue
            modern = _labelled(line, MODERN_LABEL)
            if modern is None:
                reject_pending()
                result.items_in += 1
                reason = f"unexpected line: expected a {CLASSICAL_LABEL}： or {MODERN_LABEL}： line"
                result.rejected.append(Rejected(relative, number, None, reason, text))
                continue
            result.items_in += 1
            if pending is None:
                reason = f"missing side: no {CLASSICAL_LABEL} line before the {MODERN_LABEL} line"
                result.rejected.append(Rejected(relative, number, CLASSICAL_LABEL, reason, text))
                continue
            start, classical_text = pending
            pending = None
            result.records.append(line_record(task, classical_text, modern, relative, start))
        reject_pending()
    return result
