"""The task data report: Table 3 (records per task and split) and cross-task leakage.

Leakage: for every ordered pair of tasks (A, B), including A == B, count the
test inputs of A that occur in B's train data, inputs and outputs. Texts are
compared after `formats.strip_punctuation` (punctuation and whitespace
removed), so the bare input of the punctuation task still matches the
punctuated text of another task. Characters are not converted between
traditional and simplified forms, so such pairs are not detected.

- exact: the normalised test input equals a normalised train input or output.
- contained: it is a substring of one (exact matches included). Inputs shorter
  than `min_length` characters are checked for exact matches only, because
  short strings occur everywhere by chance; their number is reported.

Speed: the test inputs of all tasks are indexed once by their first
`min_length` characters. Each task's train text is scanned once, looking up
every window of that length in the index, so the cost is one pass over the
train text plus a comparison per candidate.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .formats import strip_punctuation
from .records import Record, read_records
from .tasks import display_name

log = logging.getLogger(__name__)

DEFAULT_MIN_LENGTH = 8
TEXT_SEPARATOR = "\x00"

TABLE3_COLUMNS = (
    "task", "name_zh", "sources", "items_in", "rejected", "records", "train", "dev", "test", "dropped_by_cap"
)
LEAKAGE_COLUMNS = (
    "test_task", "train_task", "test_inputs", "short_inputs", "exact", "contained", "contained_rate"
)


def table3_rows(tasks: list[str], import_stats: list[dict], split_stats: list[dict]) -> list[dict]:
    """Build one Table 3 row per task from its import and split statistics (given in `tasks` order)."""
    rows = []
    for task, imported, split in zip(tasks, import_stats, split_stats, strict=True):
        if imported.get("task") != task:
            raise ValueError(f"import statistics of task {imported.get('task')!r} given for task {task!r}")
        formats = []
        for source in imported["sources"]:
            count = len(source["files"])
            label = f"{source['format']} ({count} file{'' if count == 1 else 's'})"
            if label not in formats:
                formats.append(label)
        rows.append(
            {
                "task": task,
                "name_zh": display_name(task),
                "sources": " + ".join(formats),
                "items_in": imported["items_in"],
                "rejected": imported["rejected"],
                "records": imported["records"],
                "train": split["counts"]["train"],
                "dev": split["counts"]["dev"],
                "test": split["counts"]["test"],
                "dropped_by_cap": sum(split["dropped_by_cap"].values()),
            }
        )
    return rows


def normalize(text: str) -> str:
    return strip_punctuation(text)


@dataclass
class LeakageCell:
    test_task: str
    train_task: str
    test_inputs: int
    short_inputs: int
    exact: int
    contained: int

    def row(self) -> dict:
        rate = self.contained / self.test_inputs if self.test_inputs else 0.0
        return {
            "test_task": self.test_task,
            "train_task": self.train_task,
            "test_inputs": self.test_inputs,
            "short_inputs": self.short_inputs,
            "exact": self.exact,
            "contained": self.contained,
            "contained_rate": round(rate, 4),
        }


def _contained_needles(haystack: str, index: dict[str, list[str]], length: int) -> set[str]:
    """Return the needles (all of length >= `length`) that occur in `haystack`.

    `index` maps the first `length` characters of each needle to the needles
    that start with them. A found needle is removed from the local copy of
    its bucket so that it is compared only until its first hit.
    """
    buckets = {prefix: list(needles) for prefix, needles in index.items()}
    found: set[str] = set()
    get = buckets.get
    for position in range(len(haystack) - length + 1):
        bucket = get(haystack[position:position + length])
        if not bucket:
            continue
        for needle in list(bucket):
            if haystack.startswith(needle, position):
                found.add(needle)
                bucket.remove(needle)
    return found


def leakage_matrix(
    tasks: list[str],
    train: dict[str, list[Record]],
    test: dict[str, list[Record]],
    min_length: int = DEFAULT_MIN_LENGTH,
) -> list[LeakageCell]:
    """Count, for every ordered task pair, the test inputs of one found in the train data of the other."""
    if min_length < 1:
        raise ValueError(f"min_length must be at least 1, got {min_length}")
    test_inputs = {task: [normalize(record.input) for record in test[task]] for task in tasks}
    index: dict[str, list[str]] = {}
    for task in tasks:
        for needle in set(test_inputs[task]):
            if len(needle) >= min_length:
                index.setdefault(needle[:min_length], []).append(needle)

    cells = []
    for train_task in tqdm(tasks, desc="leakage", unit="task", disable=None):
        texts = [normalize(text) for record in train[train_task] for text in (record.input, record.output)]
        exact_set = set(texts)
        haystack = TEXT_SEPARATOR.join(texts)
        contained = _contained_needles(haystack, index, min_length)
        for test_task in tasks:
            inputs = test_inputs[test_task]
            cells.append(
                LeakageCell(
                    test_task=test_task,
                    train_task=train_task,
                    test_inputs=len(inputs),
                    short_inputs=sum(1 for text in inputs if len(text) < min_length),
                    exact=sum(1 for text in inputs if text and text in exact_set),
                    contained=sum(
                        1 for text in inputs if (text and text in exact_set) or text in contained
                    ),
                )
            )
    order = {task: position for position, task in enumerate(tasks)}
    cells.sort(key=lambda cell: (order[cell.test_task], order[cell.train_task]))
    return cells


def _csv_text(columns, rows) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _markdown_table(columns, rows) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row[column]) for column in columns) + " |")
    return "\n".join(lines) + "\n"


def table3_markdown(rows: list[dict]) -> str:
    header = (
        "# Table 3: task data\n\n"
        "Records per task after import and quarantine, and the deterministic train/dev/test split.\n"
        "`items_in` = `records` + `rejected`; `dropped_by_cap` counts records left out by split caps.\n\n"
    )
    return header + _markdown_table(TABLE3_COLUMNS, rows)


def leakage_markdown(rows: list[dict], min_length: int) -> str:
    header = (
        "# Cross-task leakage\n\n"
        "For each test task and train task: how many test inputs occur in the train task's inputs or outputs,\n"
        "compared without punctuation and whitespace. `exact`: equal to a whole train text; `contained`:\n"
        f"exact or a substring. Inputs shorter than {min_length} characters (`short_inputs`) are checked for\n"
        "exact matches only. Rows with test_task == train_task measure test-in-own-train overlap.\n\n"
    )
    return header + _markdown_table(LEAKAGE_COLUMNS, rows)


def write_text(path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_data_report(
    tasks: list[str],
    import_stats_paths: list,
    split_stats_paths: list,
    train_paths: list,
    test_paths: list,
    outputs: dict,
    min_length: int = DEFAULT_MIN_LENGTH,
) -> tuple[list[dict], list[dict]]:
    """Read the per-task statistics and splits (in `tasks` order) and write Table 3 and the leakage report."""
    import_stats = [json.loads(Path(p).read_text(encoding="utf-8")) for p in import_stats_paths]
    split_stats = [json.loads(Path(p).read_text(encoding="utf-8")) for p in split_stats_paths]
    rows = table3_rows(tasks, import_stats, split_stats)
    write_text(outputs["table"], _csv_text(TABLE3_COLUMNS, rows))
    write_text(outputs["markdown"], table3_markdown(rows))

    train = {task: read_records(path) for task, path in zip(tasks, train_paths, strict=True)}
    test = {task: read_records(path) for task, path in zip(tasks, test_paths, strict=True)}
    cells = leakage_matrix(tasks, train, test, min_length)
    leakage_rows = [cell.row() for cell in cells]
    write_text(outputs["leakage"], _csv_text(LEAKAGE_COLUMNS, leakage_rows))
    write_text(outputs["leakage_markdown"], leakage_markdown(leakage_rows, min_length))
    for cell in cells:
        if cell.contained:
            log.warning(
                "leakage: %d of %d test inputs of %s occur in the train data of %s",
                cell.contained, cell.test_inputs, cell.test_task, cell.train_task,
            )
    return rows, leakage_rows
