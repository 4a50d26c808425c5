"""Build one task's records from its configured sources (the build_task rule).

For every source entry `{format, paths, options}` of the task, the globs are
expanded under data_root and the format's importer runs. Then build_task
quarantines records with an empty output, records with an empty input (unless
an alpaca record has its own instruction), and records whose id was already
kept, because the ids hash the passage: the first copy stays. Records with an
empty instruction get one of the configured or catalogue instructions, chosen
from the record id.

Counts: per source, items_in == kept + rejected; the totals are checked
before anything is written, so a bookkeeping error stops the rule.
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
    paths: list[Path] = []
    for pattern in patterns:
        matched = sorted(glob.glob(os.path.join(str(data_root), pattern), recursive=True))
        files = [Path(p) for p in matched if os.path.isfile(p)]
        if not files:
            raise ValueError(f"{what}: pattern {pattern!r} matches no file under data_root {str(data_root)!r}")
        paths.extend(files)
    return paths


def reason_category(reason: str) -> str:
    """Return the reason's category for counting: the text before the first `:`, digits folded to N."""
    if reason.startswith("duplicate of "):
        return "duplicate"
    head = reason.split(":", 1)[0].strip()
    return re.sub(r"\d+", "N", head)


def _source_of(record: Record) -> tuple[str, int | None]:
    """Split a record's `source` (`file:line`) back into file and line for its quarantine entry."""
    path, colon, position = record.source.rpartition(":")
    if colon and position.isdigit():
        return path, int(position)
    return record.source, None


def _quarantine_record(record: Record, field_name: str, reason: str) -> Rejected:
    path, line = _source_of(record)
    return Rejected(path, line, field_name, reason, record.to_json())


def _screen(
    imported: ImportResult, kept_by_id: dict[str, Record], allow_empty_input: bool
) -> tuple[list[Record], list[Rejected]]:
    """Quarantine empty and duplicate records of one source; kept_by_id is updated in place."""
    kept: list[Record] = []
    rejected: list[Rejected] = []
    for record in imported.records:
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
        reasons = Counter(reason_category(q.reason) for q in quarantine).most_common(3)
        raise ValueError(f"task {task!r}: all {items_in} input items were rejected; most common reasons: {reasons}")
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


def write_task_build(build: TaskBuild, records_path, quarantine_path, stats_path) -> None:
    """Write records.jsonl, quarantine.jsonl and import_stats.json."""
    write_jsonl(records_path, build.records)
    write_jsonl(quarantine_path, build.quarantine)
    write_json(stats_path, build.stats)
