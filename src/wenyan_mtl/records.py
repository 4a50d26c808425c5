"""Task records, JSON Lines I/O and the quarantine of rejected input.

Every importer returns kept records and rejected items. A rejected item carries the
file, line and field that failed and the reason, so that for every input file
records in = records kept + records rejected, and nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

RECORD_FIELDS = ("id", "task", "instruction", "input", "output", "source")


class InputError(ValueError):
    """Invalid input that stops a rule: the message names the file, line and field."""

    def __init__(self, path, line: int | None, field_name: str | None, reason: str):
        self.path = str(path)
        self.line = line
        self.field = field_name
        self.reason = reason
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field_name:
            where += f", field {field_name!r}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Record:
    """One instruction-tuning example of a task.

    `id` is stable across rebuilds (derived from the source and its position or
    content), and `source` names the file (relative to the data root) and line the
    record came from.
    """

    id: str
    task: str
    instruction: str
    input: str
    output: str
    source: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass(frozen=True)
class Rejected:
    """One input item that was not kept, with the reason."""

    source: str
    line: int | None
    field: str | None
    reason: str
    content: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass
class ImportResult:
    """Kept records and rejected items of one importer call, with the input count."""

    records: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    items_in: int = 0

    def extend(self, other: "ImportResult") -> None:
        self.records.extend(other.records)
        self.rejected.extend(other.rejected)
        self.items_in += other.items_in

    def check_balance(self) -> None:
        """Raise when items in != records kept + items rejected."""
        if self.items_in != len(self.records) + len(self.rejected):
            raise AssertionError(
                f"import accounting is off: {self.items_in} items in, "
                f"{len(self.records)} kept + {len(self.rejected)} rejected"
            )


def record_from_dict(obj: dict, path, line: int) -> Record:
    """Build a Record from a parsed JSON object, naming the missing or invalid field."""
    if not isinstance(obj, dict):
        raise InputError(path, line, None, f"expected a JSON object, got {type(obj).__name__}")
    values = {}
    for name in RECORD_FIELDS:
        if name not in obj:
            raise InputError(path, line, name, "missing field")
        if not isinstance(obj[name], str):
            raise InputError(path, line, name, f"expected a string, got {type(obj[name]).__name__}")
        values[name] = obj[name]
    return Record(**values)


def iter_jsonl(path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line; a malformed line raises InputError."""
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(path, number, None, f"invalid JSON: {error.msg} at column {error.colno}") from None


def read_records(path) -> list[Record]:
    """Read a records JSONL file written by `write_jsonl`."""
    return [record_from_dict(obj, path, number) for number, obj in iter_jsonl(path)]


def write_jsonl(path, items: Iterable) -> int:
    """Write items (Record, Rejected or plain dicts) as JSON Lines atomically; return the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as handle:
        for item in items:
            text = item.to_json() if hasattr(item, "to_json") else json.dumps(item, ensure_ascii=False)
            handle.write(text + "\n")
            count += 1
    os.replace(tmp, path)
    return count


def write_json(path, obj) -> None:
    """Write one JSON document atomically, UTF-8, indented."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, ensure_ascii=False, indent=2, sort_keys=False)
        handle.write("\n")
    os.replace(tmp, path)


def make_record_id(task: str, passage: str, index: int | None = None) -> str:
    """Build a stable record id from the passage text a record comes from.

    The id is `<task>/<16 hex digits of SHA-256 of the passage>`, plus `#<index>`
    when one passage yields several records (the glosses of one poem, say). The
    split hashes only the part before `#`, so the records of one passage always
    land in the same split, and since ids depend on content, not on file order,
    adding records never moves existing ones.
    """
    digest = hashlib.sha256(passage.encode("utf-8")).hexdigest()[:16]
    record_id = f"{task}/{digest}"
    return record_id if index is None else f"{record_id}#{index}"


def passage_key(record_id: str) -> str:
    """Return the part of a record id that identifies its passage (the split key)."""
    return record_id.split("#", 1)[0]
