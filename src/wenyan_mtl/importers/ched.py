"""Event-detection records from CHED (CCL 2023) JSON Lines files.

Each line is `{sen_id, doc_id, text, events: [{id, trigger, label,
start_offset, end_offset}]}` with character offsets into `text`, end
exclusive. Input is `text`; output is the events as `trigger|label` items in
order of start offset (`formats.render_event`, `无` when there is none).

Every non-blank line is one item. A bad line is quarantined with its file and
line instead of raising, so one broken line does not stop the import. A line
is bad when it has
- invalid JSON or a missing or mistyped field (the field is named),
- an event whose `text[start:end]` differs from its trigger (the reason names
  the event id). The whole sentence is quarantined, not just the event, so a
  kept output never lacks an annotated event.
- a trigger or label that contains an output separator (`|`, `；`, `;`, newline),
- a label missing from `options.labels`, a CHED `label.jsonl` path relative to
  data_root, when that option is set.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..formats import Events, render_event
from ..records import ImportResult, InputError, Rejected
from .common import iter_json_lines, line_record, relative_path

SEPARATOR_CHARACTERS = ("|", "；", ";", "\n")


class _BadLine(Exception):
    def __init__(self, field: str | None, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def load_labels(path: Path, data_root: Path) -> frozenset[str]:
    """Read the `label` values of a CHED label.jsonl file; a bad line raises InputError."""
    relative = relative_path(path, data_root)
    labels = set()
    for number, obj, rejection in iter_json_lines(path, relative):
        if rejection is not None:
            raise InputError(path, number, None, rejection.reason)
        if not isinstance(obj, dict) or not isinstance(obj.get("label"), str):
            raise InputError(path, number, "label", "expected an object with a string 'label'")
        labels.add(obj["label"])
    if not labels:
        raise InputError(path, None, "label", "the label file lists no label")
    return frozenset(labels)


def _string(obj: dict, name: str, where: str) -> str:
    if name not in obj:
        raise _BadLine(where + name, "missing field")
    if not isinstance(obj[name], str):
        raise _BadLine(where + name, f"invalid field: expected a string, got {type(obj[name]).__name__}")
    return obj[name]


def _offset(obj: dict, name: str, where: str) -> int:
    if name not in obj:
        raise _BadLine(where + name, "missing field")
    value = obj[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise _BadLine(where + name, f"invalid field: expected an integer, got {type(value).__name__}")
    return value


def parse_sentence(obj, labels: frozenset[str] | None) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Check one CHED line and return its text and (start, end, trigger, label) events."""
    if not isinstance(obj, dict):
        raise _BadLine(None, f"invalid line: expected a JSON object, got {type(obj).__name__}")
    text = _string(obj, "text", "")
    events = obj.get("events")
    if not isinstance(events, list):
        raise _BadLine("events", "missing field" if events is None else "invalid field: expected a list")
    parsed = []
    for index, event in enumerate(events):
        where = f"events[{index}]."
        if not isinstance(event, dict):
            raise _BadLine(where.rstrip("."), "invalid field: expected an object")
        event_id = event.get("id", index)
        trigger = _string(event, "trigger", where)
        label = _string(event, "label", where)
        start = _offset(event, "start_offset", where)
        end = _offset(event, "end_offset", where)
        if not 0 <= start < end <= len(text):
            reason = (
                f"offsets out of range: event {event_id}: [{start}, {end}) is not a non-empty span "
                f"of the {len(text)}-character text"
            )
            raise _BadLine(where + "start_offset", reason)
        if text[start:end] != trigger:
            reason = (
                f"trigger mismatch: event {event_id}: text[{start}:{end}] is {text[start:end]!r}, "
                f"trigger is {trigger!r}"
            )
            raise _BadLine(where + "trigger", reason)
        for value, name in ((trigger, "trigger"), (label, "label")):
            if not value.strip() or any(ch in value for ch in SEPARATOR_CHARACTERS):
                raise _BadLine(where + name, f"invalid {name}: event {event_id}: {value!r} is empty or has a separator")
        if labels is not None and label not in labels:
            raise _BadLine(where + "label", f"unknown label: event {event_id}: {label!r} is not in the label file")
        parsed.append((start, end, trigger, label))
    return text, sorted(parsed)


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    labels = None
    if options.get("labels"):
        labels_path = Path(data_root) / options["labels"]
        if not labels_path.is_file():
            raise InputError(labels_path, None, "options.labels", "label file not found under data_root")
        labels = load_labels(labels_path, data_root)
    result = ImportResult()
    for path in paths:
        relative = relative_path(path, data_root)
        for number, obj, rejection in iter_json_lines(path, relative):
            result.items_in += 1
            if rejection is not None:
                result.rejected.append(rejection)
                continue
            try:
                text, events = parse_sentence(obj, labels)
            except _BadLine as bad:
                content = json.dumps(obj, ensure_ascii=False)[:300]
                result.rejected.append(Rejected(relative, number, bad.field, bad.reason, content))
                continue
            output = render_event(Events(tuple((trigger, label) for _, _, trigger, label in events)))
            result.records.append(line_record(task, text, output, relative, number))
    return result
