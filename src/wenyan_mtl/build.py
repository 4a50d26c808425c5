"""Build one task's records from its configured sources (the build_task rule).

For every source entry `{format, paths, options}` of the task, the globs are
expanded under data_root and the format's importer runs. Then build_task
quarantines records with an empty output, and records with an empty input
unless an alpaca record has its own instruction. It also quarantines records
with a control character (C0 other than tab, LF and CR, DEL or C1), such as a
NUL byte from a mis-encoded file. A record whose id was already kept is a
duplicate, because the ids hash the passage, so only the first copy stays.
Records with an empty instruction get one of the configured or catalogue
instructions, chosen from the record id.

Counts: per source, items_in == kept + rejected; the totals are checked
before anything is written, so a bookkeeping error stops the rule. A task whose
sources yield no record at all (no item, or every item rejected) raises
ValueError, so that no run trains or evaluates on an empty task.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .importers import import_source
from .importers.common import relative_path
from .records import ImportResult, Record, Rejected, passage_key, write_json, write_jsonl
from .tasks import get_task, pick_instruction

log = logging.getLogger(__name__)

_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Quarantined items quoted in the error of a task whose every item was rejected.
_EXAMPLES_IN_ERROR = 5


@dataclass
class TaskBuild:
    """Kept records, quarantined items and the statistics of one task."""

    records: list[Record]
    quarantine: list[Rejected]
    stats: dict


def expand_paths(patterns: list[str], data_root: Path, what: str) -> list[Path]:
    """Expand globs under data_root (recursive `**`, files only, sorted per pattern).

    A pattern that matches no file raises ValueError, as in the workflow's
    input functions, so a typo in a path never yields an empty task.
    """
    if not Path(data_root).is_dir():
        raise ValueError(f"{what}: data_root {str(data_root)!r} does not exist or is not a directory")
    paths: list[Path] = []
    for pattern in patterns:
        matched = sorted(glob.glob(os.path.join(str(data_root), pattern), recursive=True))
        files = [Path(p) for p in matched if os.path.isfile(p)]
        if not files:
            raise ValueError(f"{what}: pattern {pattern!r} matches no file under data_root {str(data_root)!r}")
        paths.extend(files)
    return paths


def reason_category(reason: str) -> str:
    """Return the reason's category for counting: the text before the first `:`, numbers folded to N.

    A number glued to a word or a hyphen (`UTF-8`, `U+0000`) is part of a name and stays.
    """
    if reason.startswith("duplicate of "):
        return "duplicate"
    head = reason.split(":", 1)[0].strip()
    return re.sub(r"(?<![\w+-])\d+", "N", head)


def _source_of(record: Record) -> tuple[str, int | None]:
    """Split a record's `source` (`file:line`) back into file and line for its quarantine entry."""
    path, colon, position = record.source.rpartition(":")
    if colon and position.isdigit():
        return path, int(position)
    return record.source, None


def _quarantine_record(record: Record, field_name: str, reason: str) -> Rejected:
    path, line = _source_of(record)
    return Rejected(path, line, field_name, reason, record.to_json())


def _find_control_character(record: Record) -> tuple[str, str] | None:
    """Return (field, reason) for the first control character in a record's texts, else None."""
    for name in ("instruction", "input", "output"):
        match = _CONTROL_CHARACTER.search(getattr(record, name))
        if match:
            return name, f"control character: U+{ord(match.group()):04X} at character {match.start() + 1}"
    return None


def _screen(
    imported: ImportResult, kept_by_id: dict[str, Record], allow_empty_input: bool
) -> tuple[list[Record], list[Rejected]]:
    """Quarantine empty and duplicate records of one source; kept_by_id is updated in place."""
    kept: list[Record] = []
    rejected: list[Rejected] = []
    for record in imported.records:
        control = _find_control_character(record)
        if control is not None:
            rejected.append(_quarantine_record(record, *control))
            continue
        if not record.output.strip():
            rejected.append(_quarantine_record(record, "output", "empty output"))
            continue
        if not record.input.strip() and not (allow_empty_input and record.instruction.strip()):
            rejected.append(_quarantine_record(record, "input", "empty input"))
            continue
        first = kept_by_id.get(record.id)
        if first is not None:
            reason = f"duplicate of {first.id}"
            if (first.instruction, first.input, first.output) != (record.instruction, record.input, record.output):
                reason += f" (first kept at {first.source}; same passage, different content)"
            else:
                reason += f" (first kept at {first.source})"
            rejected.append(_quarantine_record(record, "id", reason))
            continue
        kept_by_id[record.id] = record
        kept.append(record)
    return kept, rejected


def build_task(
    task: str, sources: list[dict], data_root, instructions: list[str] | None = None
) -> TaskBuild:
    """Import, screen and instruct the records of `task` from its source entries."""
    spec = get_task(task)
    if spec.id != task:
        raise ValueError(f"task {task!r}: use the task id {spec.id!r}, not its display name")
    if not sources:
        raise ValueError(f"task {task!r}: no source configured under task_sources")
    templates = tuple(instructions) if instructions else spec.instructions
    data_root = Path(data_root)

    kept_by_id: dict[str, Record] = {}
    records: list[Record] = []
    quarantine: list[Rejected] = []
    source_stats = []
    for number, entry in enumerate(sources, start=1):
        format_name = entry["format"]
        what = f"task_sources.{task}[{number}] ({format_name})"
        paths = expand_paths(entry["paths"], data_root, what)
        log.info("%s: importing %d file(s)", what, len(paths))
        imported = import_source(format_name, paths, task=task, data_root=data_root, options=entry.get("options"))
        kept, screened = _screen(imported, kept_by_id, allow_empty_input=format_name == "alpaca")
        rejected = imported.rejected + screened
        if imported.items_in != len(kept) + len(rejected):
            raise AssertionError(
                f"{what}: counts do not add up: {imported.items_in} items in, "
                f"{len(kept)} kept + {len(rejected)} rejected"
            )
        by_reason = Counter(reason_category(item.reason) for item in rejected)
        source_stats.append(
            {
                "format": format_name,
                "files": [relative_path(path, data_root) for path in paths],
                "items_in": imported.items_in,
                "kept": len(kept),
                "rejected": len(rejected),
                "rejected_by_reason": dict(sorted(by_reason.items())),
            }
        )
        log.info(
            "%s: %d items in, %d kept, %d rejected %s",
            what, imported.items_in, len(kept), len(rejected), dict(by_reason),
        )
        records.extend(kept)
        quarantine.extend(rejected)

    records = [
        record if record.instruction.strip() else replace(record, instruction=pick_instruction(templates, record.id))
        for record in records
    ]
    items_in = sum(s["items_in"] for s in source_stats)
    if items_in != len(records) + len(quarantine):
        raise AssertionError(f"task {task}: {items_in} items in, {len(records)} kept + {len(quarantine)} rejected")
    if not records:
        _raise_empty_task(task, source_stats, quarantine)
    stats = {
        "task": task,
        "name_zh": spec.name_zh,
        "sources": source_stats,
        "items_in": items_in,
        "records": len(records),
        "rejected": len(quarantine),
        "rejected_by_reason": dict(sorted(Counter(reason_category(q.reason) for q in quarantine).items())),
        "passages": len({passage_key(record.id) for record in records}),
    }
    return TaskBuild(records, quarantine, stats)


def _raise_empty_task(task: str, source_stats: list[dict], quarantine: list[Rejected]) -> None:
    """Raise ValueError for a task without records, logging the first rejected items first."""
    files = [name for source in source_stats for name in source["files"]]
    if not quarantine:
        raise ValueError(
            f"task {task!r}: the {len(files)} source file(s) contain no input item (empty or blank files?): "
            f"{', '.join(files[:5])}; check task_sources.{task}"
        )
    for item in quarantine[:_EXAMPLES_IN_ERROR]:
        log.error("task %s: rejected %s:%s field %s: %s", task, item.source, item.line, item.field, item.reason)
    reasons = Counter(reason_category(item.reason) for item in quarantine).most_common(3)
    summary = ", ".join(f"{reason} ({count})" for reason, count in reasons)
    first = quarantine[0]
    raise ValueError(
        f"task {task!r}: all {len(quarantine)} input items were rejected, so the task has no record; "
        f"most common reasons: {summary}; first: {first.source}, line {first.line}, field {first.field}: "
        f"{first.reason}"
    )


def write_task_build(build: TaskBuild, records_path, quarantine_path, stats_path) -> None:
    """Write records.jsonl, quarantine.jsonl and import_stats.json."""
    write_jsonl(records_path, build.records)
    write_jsonl(quarantine_path, build.quarantine)
    write_json(stats_path, build.stats)
