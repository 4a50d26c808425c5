"""Records from a user's own instruction data in Alpaca form.

Each item is `{"instruction": str, "input": str, "output": str}`; `input` may be
missing or null for an instruction-only example. A file whose first
non-whitespace character is `[` is read as one JSON array (items counted by
array index), any other file as JSON Lines (items counted by line). The
record keeps the item's instruction; build_task fills in a catalogue
instruction only where it is empty.

The record id hashes the input (the instruction when the input is empty), so
that all items about one text share a split. Items about the same text with a
different instruction or output get `#1`, `#2`, ... in their order of first
appearance, and an exact repeat gets the id of its first copy, which build_task
then quarantines as a duplicate.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..records import ImportResult, Record, Rejected, make_record_id
from .common import iter_json_lines, relative_path, source_ref, utf8_error

FIELDS = ("instruction", "input", "output")


def _check_item(obj) -> tuple[dict[str, str] | None, str | None, str | None]:
    """Return (values, None, None) for a valid item, or (None, field, reason)."""
    if not isinstance(obj, dict):
        return None, None, f"invalid item: expected a JSON object, got {type(obj).__name__}"
    values = {}
    for name in FIELDS:
        value = obj.get(name)
        if value is None and name == "input":
            value = ""
        if value is None:
            return None, name, "missing field"
        if not isinstance(value, str):
            return None, name, f"invalid field: expected a string, got {type(value).__name__}"
        values[name] = value.strip()
    return values, None, None


def _iter_items(path: Path, relative: str):
    """Yield (position, object, rejection) from a JSON array or a JSON Lines file."""
    head = Path(path).read_bytes()[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        yield from iter_json_lines(path, relative)
        return
    data = Path(path).read_bytes()
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise utf8_error(path, data, error) from None
    except json.JSONDecodeError as error:
        reason = f"invalid JSON array: {error.msg} at column {error.colno}"
        yield 0, None, Rejected(relative, error.lineno, None, reason)
        return
    except RecursionError:
        yield 0, None, Rejected(relative, None, None, "invalid JSON array: nested too deeply to parse")
        return
    for index, obj in enumerate(items):
        yield index, obj, None


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    result = ImportResult()
    variants: dict[str, list[tuple[str, str]]] = {}
    for path in paths:
        relative = relative_path(path, data_root)
        for position, obj, rejection in _iter_items(path, relative):
            result.items_in += 1
            if rejection is not None:
                result.rejected.append(rejection)
                continue
            values, field_name, reason = _check_item(obj)
            if values is None:
                content = json.dumps(obj, ensure_ascii=False)[:300]
                result.rejected.append(Rejected(relative, position, field_name, reason, content))
                continue
            passage = values["input"] or values["instruction"]
            seen = variants.setdefault(passage, [])
            variant = (values["instruction"], values["output"])
            if variant not in seen:
                seen.append(variant)
            index = seen.index(variant)
            result.records.append(
                Record(
                    id=make_record_id(task, passage, index or None),
                    task=task,
                    instruction=values["instruction"],
                    input=values["input"],
                    output=values["output"],
                    source=source_ref(relative, position),
                )
            )
    return result
